"""An official and a worker sign in on a phone-sized screen and see what each may see."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from gonghui.core import sms

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "Gonghui@2026"


def test_an_official_signs_in_on_a_phone_and_sees_their_subtree(live_server, demo_tree, phone_page: Page,
                                                                  screenshot) -> None:  # noqa: ANN001
    page = phone_page
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_role("link", name="密码登录").click()
    page.get_by_label("账号或手机号").fill("beiyuanmen")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{live_server.url}/console/")
    expect(page.get_by_test_id("console-unit")).to_have_text("北院门街道总工会")
    expect(page.get_by_test_id("stat-grassroots")).to_have_text("5")
    expect(page.get_by_test_id("children")).to_contain_text("陕西美丽豪酒店管理有限公司工会")
    expect(page.locator("[data-testid=chart-levels] canvas")).to_have_count(1)
    body = page.locator("body").inner_text()
    assert "青年路" not in body, "a sibling street's data appeared on the official's home"
    screenshot(page, "official-home-phone")
    # The menu folds away on a phone and opens on a tap.
    page.get_by_role("button", name="菜单").click()
    page.get_by_role("link", name="工会组织").click()
    expect(page.get_by_role("link", name="陕西美丽豪酒店管理有限公司工会")).to_be_visible()
    assert page.get_by_role("link", name="青年路街道总工会").count() == 0
    assert page.csp_violations == []  # type: ignore[attr-defined]


def test_a_worker_signs_in_with_an_sms_code_on_a_phone(live_server, demo_tree, phone_page: Page,
                                                        screenshot) -> None:  # noqa: ANN001
    page = phone_page
    page.goto(f"{live_server.url}/accounts/login/sms/")
    page.get_by_label("手机号").fill("13900000001")
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator("#sms-status")).to_contain_text("验证码已发送")
    code = re.search(r"\d{6}", sms.outbox[-1].text).group(0)
    page.get_by_label("短信验证码").fill(code)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/me/")
    expect(page.get_by_test_id("me-name")).to_have_text("张小明")
    expect(page.get_by_test_id("my-union")).to_contain_text("陕西美丽豪酒店管理有限公司工会")
    expect(page.get_by_text("139****0001")).to_be_visible()
    assert page.locator(".sidebar").count() == 0
    screenshot(page, "worker-home-phone")
    page.get_by_role("link", name="我的档案", exact=True).click()
    expect(page.get_by_test_id("file-name")).to_have_text("张小明")
    page.get_by_label("现居住地").fill("西安市莲湖区北院门 88 号")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("联系方式已更新")).to_be_visible()
    screenshot(page, "worker-file-phone")
    # The officials' console is not there for a worker.
    response = page.goto(f"{live_server.url}/console/")
    assert response is not None and response.status == 404
    assert page.csp_violations == []  # type: ignore[attr-defined]


def test_the_official_console_on_a_desk(live_server, demo_tree, desktop_page: Page, screenshot) -> None:  # noqa: ANN001
    page = desktop_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("账号或手机号").fill("lianhu")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("console-unit")).to_have_text("莲湖区总工会")
    expect(page.get_by_test_id("stat-grassroots")).to_have_text("8")
    expect(page.locator("[data-testid=chart-levels] canvas")).to_have_count(1)
    screenshot(page, "official-home-desktop")
    page.get_by_role("link", name="审计日志").first.click()
    expect(page.get_by_role("heading", name="审计日志")).to_be_visible()
    expect(page.locator("#audit-rows")).to_contain_text("lianhu")
