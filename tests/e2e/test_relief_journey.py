"""A worker applies for relief on a phone with an invoice photo; two reviewers approve at the desk;
the worker sees the amount and how it was worked out — in real Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from gonghui.relief.models import Application
from tests import samples
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_worker_applies_on_a_phone_officials_approve_worker_sees_amount(live_server, demo_tree, browser, phone_page,
                                                                         screenshot, tmp_path) -> None:  # noqa: ANN001
    phone = phone_page
    sign_in(phone, live_server.url, "worker1")
    phone.get_by_test_id("service-relief").click()
    phone.get_by_test_id("apply-link").click()
    phone.get_by_label("救助项目").select_option(label="临时救助·突发事件/意外伤害/重大疾病住院")
    phone.get_by_label("个人自付费用（元）").fill("8000")
    phone.get_by_label("情况说明").fill("母亲住院手术，自付部分较多。")
    phone.get_by_label("收款银行卡号").fill("6222 0202 0011 2233 445")
    invoice = tmp_path / "住院发票.png"
    invoice.write_bytes(samples.png())  # a real image: the content is decoded
    phone.get_by_label("附件：发票、诊断证明、照片").set_input_files(str(invoice))
    screenshot(phone, "relief-apply-phone")
    phone.get_by_test_id("submit-application").click()
    expect(phone).to_have_url(re.compile(r"/relief/applications/\d+/$"))
    expect(phone.get_by_test_id("state")).to_contain_text("审核中")
    expect(phone.get_by_test_id("amount")).to_contain_text("2000.00")
    application = Application.objects.get(person__user__username="worker1")
    assert application.channel == "self"

    for reviewer in ("meilihao", "beiyuanmen"):
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN",
                                      timezone_id="Asia/Shanghai")
        desk = context.new_page()
        sign_in(desk, live_server.url, reviewer)
        desk.goto(f"{live_server.url}/relief/applications/")
        desk.get_by_test_id("to-decide").get_by_role("link", name=application.number).click()
        expect(desk.get_by_test_id("amount")).to_contain_text("2000.00")
        expect(desk.get_by_test_id("attachment")).to_contain_text("住院发票.png")
        if reviewer == "beiyuanmen":
            screenshot(desk, "relief-review-desk")
        desk.get_by_label("意见").fill("情况属实，同意。")
        desk.get_by_test_id("approve").click()
        expect(desk.get_by_text("已处理")).to_be_visible()
        context.close()
    application.refresh_from_db()
    assert application.state == Application.State.NOTICE

    phone.reload()
    expect(phone.get_by_test_id("state")).to_contain_text("公示中")
    expect(phone.get_by_test_id("amount")).to_contain_text("2000.00")
    trace = phone.get_by_test_id("trace")
    expect(trace).to_contain_text("落入第 1 档")
    expect(trace).to_contain_text("核定金额：2,000.00 元")
    expect(phone.get_by_test_id("timeline")).to_contain_text("审核通过")
    screenshot(phone, "relief-worker-sees-amount")
    assert not phone.csp_violations  # type: ignore[attr-defined]
