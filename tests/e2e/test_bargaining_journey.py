"""The union requests bargaining, the employer answers on a phone, a round records agreed clauses, the workers'
congress representatives vote on their phones, both chiefs sign, and the contract enters the registry — in real
Chromium."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from gonghui.bargaining import services
from gonghui.bargaining.models import Bargaining, Contract
from gonghui.orgs.models import Enterprise, User
from tests.e2e.conftest import PHONE, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _phone(browser: Browser) -> Page:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="zh-CN", timezone_id="Asia/Shanghai")
    return context.new_page()


def _local(moment) -> str:  # noqa: ANN001
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_request_answer_round_vote_sign_registry(live_server, demo_tree, browser, desktop_page, phone_page,
                                                  screenshot) -> None:  # noqa: ANN001
    base = live_server.url
    desk = desktop_page
    sign_in(desk, base, "meilihao")
    desk.goto(f"{base}/bargaining/start/")
    desk.get_by_label("合同种类").select_option(label="综合性集体合同")
    desk.get_by_label("协商名称").fill("陕西美丽豪酒店集体合同（2021—2023）")
    hotel = Enterprise.objects.get(name="陕西美丽豪酒店管理有限公司")
    desk.get_by_label("涉及企业").select_option(value=str(hotel.pk))
    desk.get_by_label("协商要求（事项和理由）").fill("现行集体合同即将期满，提出协商续签，重点协商复工后的工资与工时。")
    desk.get_by_test_id("send-request").click()
    expect(desk).to_have_url(re.compile(r"/bargaining/\d+/$"))
    expect(desk.get_by_test_id("state")).to_contain_text("等待对方书面回应")
    bargaining = Bargaining.objects.get(title="陕西美丽豪酒店集体合同（2021—2023）")

    employer = _phone(browser)
    sign_in(employer, base, "hr_meilihao")
    employer.get_by_test_id("service-bargaining").click()
    employer.get_by_test_id("my-bargainings").get_by_text(bargaining.title).click()
    employer.get_by_test_id("answer-text").fill("同意协商，请于下周安排首轮会议。")
    screenshot(employer, "bargaining-employer-answers-phone")
    employer.get_by_test_id("agree").click()
    expect(employer.get_by_test_id("state")).to_contain_text("协商中")

    # Each side names its three representatives (the pages' form is covered by the page tests).
    chair, hr = User.objects.get(username="meilihao"), User.objects.get(username="hr_meilihao")
    for index, name in enumerate((chair.display_name, "王秀兰", "刘建国")):
        services.seat_representative(actor=chair, bargaining=bargaining,
                                     seating=services.Seating(side="worker", name=name, chief=index == 0))
    for index, name in enumerate(("高总", "何人事", "陈会计")):
        services.seat_representative(actor=hr, bargaining=bargaining,
                                     seating=services.Seating(side="employer", name=name, chief=index == 0))

    desk.reload()
    desk.locator("input[name=starts_at]").fill(_local(timezone.now() + timedelta(minutes=5)))
    desk.locator("input[name=meeting_url]").fill("https://meeting.example.cn/j/20200301")
    desk.locator("textarea[name=agenda]").fill("一、工资调整幅度；二、工作时间。")
    desk.get_by_test_id("schedule-round").click()
    expect(desk.get_by_test_id("round")).to_contain_text("进入线上会议")
    for area in ("劳动报酬", "工作时间"):
        desk.get_by_test_id("clause-area").select_option(label=area)
        desk.get_by_test_id("add-clause").click()
        clause = desk.get_by_test_id("clause").filter(has_text=area)
        clause.get_by_text("记录协商结果").click()
        if area == "劳动报酬":
            clause.get_by_test_id("clause-text").fill("企业按月足额支付工资，2021年职工工资平均增长6%。")
        clause.get_by_test_id("clause-state").select_option(label="已达成一致")
        clause.get_by_test_id("save-clause").click()
        expect(desk.get_by_test_id("clause").filter(has_text=area)).to_contain_text("已达成一致")
    expect(desk.get_by_test_id("draft")).to_contain_text("第一条 劳动报酬")
    desk.locator("input[name=closes_at]").fill(_local(timezone.now() + timedelta(days=1)))
    desk.get_by_test_id("open-vote").click()
    expect(desk.get_by_test_id("state")).to_contain_text("审议表决中")
    screenshot(desk, "bargaining-desk")

    for index, username in enumerate(("worker1", "daibiao1", "daibiao2", "daibiao3", "daibiao4")):
        voter = phone_page if index == 0 else _phone(browser)
        sign_in(voter, base, username)
        voter.get_by_test_id("service-bargaining").click()
        voter.get_by_test_id("my-votes").get_by_text(bargaining.title).click()
        expect(voter.get_by_test_id("vote-draft")).to_contain_text("增长6%")
        if index == 0:
            screenshot(voter, "bargaining-vote-phone")
        voter.get_by_test_id("choice-yes").click()
        expect(voter.get_by_test_id("receipt")).to_contain_text("回执码")
        if index == 0:
            screenshot(voter, "bargaining-receipt-phone")
    expect(phone_page.get_by_test_id("turnout")).to_contain_text("已投票 1 / 5")

    desk.reload()
    desk.get_by_test_id("tally").click()
    expect(desk.get_by_test_id("vote-result")).to_contain_text("通过")
    desk.get_by_test_id("sign-worker").click()
    employer.reload()
    employer.get_by_test_id("sign-employer").click()
    expect(employer.get_by_test_id("state")).to_contain_text("已签字")
    contract = Contract.objects.get(bargaining=bargaining)
    desk.goto(f"{base}/bargaining/contracts/")
    expect(desk.get_by_test_id("contracts")).to_contain_text(contract.number)
    desk.get_by_role("link", name=contract.number).click()
    expect(desk.get_by_test_id("contract-state")).to_contain_text("已签字，待报送")
    expect(desk.get_by_test_id("contract-text")).to_contain_text("增长6%")
    screenshot(desk, "bargaining-registry-contract")
