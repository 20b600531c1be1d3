"""A delivery rider joins the union from a phone, the street union approves, the rider shows the
e-card and a partner's scanner page verifies it — in real Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from gonghui.core import sms
from gonghui.membership.models import JoinApplication, Membership
from tests.e2e.conftest import sign_in
from tests.registry.sheets import valid_id

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_rider_joins_is_approved_and_the_card_verifies(live_server, demo_tree, browser, phone_page,
                                                         screenshot) -> None:  # noqa: ANN001
    phone = phone_page
    phone.goto(f"{live_server.url}/membership/join/")
    phone.get_by_label("姓名", exact=True).fill("马骁骑")
    phone.get_by_label("身份证号", exact=True).fill(valid_id("61010419950618123"))
    phone.get_by_label("手机号", exact=True).fill("13712345678")
    phone.get_by_test_id("send-code").click()
    expect(phone.locator("#code-status")).to_contain_text("验证码已发送")
    code = re.search(r"验证码 (\d{6})", sms.outbox[-1].text).group(1)
    phone.get_by_label("短信验证码").fill(code)
    phone.get_by_label("新就业形态（如是，请选择；否则留空）").select_option(label="外卖骑手")
    phone.get_by_label("工作所在街道（新就业形态必填）").select_option(label="莲湖区总工会 · 北院门街道总工会")
    phone.get_by_label("岗位", exact=True).fill("外卖配送")
    expect(phone.locator("blockquote")).to_contain_text("以工资收入为主要生活来源的劳动者")  # 工会法 第三条, quoted
    phone.locator("#wages_yes").check()  # the form asks it (a required answer in the browser)
    phone.locator("#consent").check()
    screenshot(phone, "membership-join-phone")
    phone.get_by_test_id("submit-join").click()
    expect(phone).to_have_url(re.compile(r"/membership/applications/\d+/$"))
    expect(phone.get_by_test_id("state")).to_contain_text("审核中")
    expect(phone.locator("body")).to_contain_text("北院门街道餐饮行业工会")
    application = JoinApplication.objects.get(person__name="马骁骑")
    assert application.new_form == "rider" and application.employer is None
    assert application.wages_main_source is True

    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN").new_page()
    sign_in(desk, live_server.url, "beiyuanmen")
    desk.goto(f"{live_server.url}/membership/queue/")
    desk.get_by_test_id("waiting").get_by_role("link", name=application.number).click()
    desk.get_by_test_id("approve").click()
    expect(desk.get_by_test_id("state")).to_contain_text("已入会")
    desk.context.close()

    phone.reload()
    expect(phone.get_by_test_id("state")).to_contain_text("已入会")
    number = Membership.objects.get(person__name="马骁骑").number
    expect(phone.get_by_test_id("member-number")).to_have_text(number)
    phone.get_by_role("link", name="查看电子会员卡").click()
    expect(phone.get_by_test_id("card-name")).to_have_text("马骁骑")
    expect(phone.get_by_test_id("card-qr").locator("svg")).to_be_visible()
    screenshot(phone, "membership-e-card")
    verify_url = phone.get_by_test_id("verify-link").get_attribute("href")

    scanner = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    scanner.goto(f"{live_server.url}{verify_url}")
    expect(scanner.get_by_test_id("verdict-status")).to_contain_text("有效会员")
    expect(scanner.get_by_test_id("verdict-name")).to_have_text("马*骑")
    screenshot(scanner, "membership-scanner-valid")
    scanner.context.close()
    assert not phone.csp_violations  # type: ignore[attr-defined]
