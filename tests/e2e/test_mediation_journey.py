"""A worker applies for mediation on a phone; the employer's representative agrees on a phone; the street
committee accepts and schedules an online session; both parties confirm the agreement on their phones, the
mediator signs and seals it, and the worker downloads the PDF — in real Chromium."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from gonghui.mediation.models import Case
from tests.e2e.conftest import PHONE, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _phone(browser: Browser) -> Page:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="zh-CN", timezone_id="Asia/Shanghai")
    return context.new_page()


def test_worker_applies_body_accepts_session_agreement_confirmed_pdf(live_server, demo_tree, browser, phone_page,
                                                                     desktop_page, screenshot) -> None:  # noqa: ANN001
    base = live_server.url
    worker = phone_page
    sign_in(worker, base, "worker1")
    worker.get_by_test_id("service-mediation").click()
    worker.get_by_test_id("apply").click()
    worker.get_by_label("争议类别").select_option(label="拖欠工资")
    worker.get_by_label("调解请求（希望单位怎么做）").fill("补发2月、3月工资共 6,000 元")
    worker.get_by_label("事实和理由").fill("酒店复工后仍未发放2、3月工资，多次询问无果。")
    worker.get_by_label("请求金额（元，可不填）").fill("6000")
    worker.get_by_label("何时知道权益受损").fill((timezone.localdate() - timedelta(days=20)).isoformat())
    screenshot(worker, "mediation-apply-phone")
    worker.get_by_test_id("submit").click()
    expect(worker).to_have_url(re.compile(r"/mediation/cases/\d+/$"))
    expect(worker.get_by_test_id("state")).to_contain_text("待受理")
    case = Case.objects.filter(parties__person__user__username="worker1", amount_claimed=6000).get()

    employer = _phone(browser)
    sign_in(employer, base, "hr_meilihao")
    employer.get_by_test_id("service-mediation").click()
    employer.get_by_test_id("my-cases").get_by_text(case.number).click()
    employer.get_by_test_id("employer-agree").click()
    expect(employer.get_by_text("已办理")).to_be_visible()

    desk = desktop_page
    sign_in(desk, base, "tiaojie")
    desk.goto(f"{base}/mediation/")
    desk.get_by_role("link", name=case.number).first.click()
    desk.get_by_label("属于劳动争议受理范围（调解仲裁法第二条）").check()
    desk.get_by_test_id("accept").click()
    expect(desk.get_by_test_id("state")).to_contain_text("调解中")
    desk.get_by_text("调解员与参与人").click()
    desk.get_by_test_id("assign").click()
    expect(desk.get_by_test_id("timeline")).to_contain_text("指派调解员")
    starts = timezone.localtime() + timedelta(days=2)
    desk.get_by_label("方式").select_option(label="线上视频")
    desk.get_by_label("时间", exact=True).fill(starts.strftime("%Y-%m-%dT10:00"))
    desk.get_by_label("地点或会议链接").fill("https://meeting.example.cn/j/8800")
    desk.get_by_test_id("schedule").click()
    expect(desk.get_by_test_id("sessions")).to_contain_text("线上视频")
    desk.get_by_label("协议内容").fill("用人单位于十日内补发申请人2月、3月工资 6,000 元。")
    desk.get_by_label("金额").first.fill("6000")
    desk.get_by_label("约定支付日期").first.fill((timezone.localdate() + timedelta(days=10)).isoformat())
    desk.get_by_test_id("draft").click()
    expect(desk.get_by_test_id("terms")).to_contain_text("6,000")
    screenshot(desk, "mediation-desk")

    worker.reload()
    expect(worker.get_by_test_id("sessions")).to_contain_text("进入线上调解")
    ics = worker.request.get(base + worker.get_by_role("link", name="加入日历（.ics）").get_attribute("href"))
    assert ics.ok and b"BEGIN:VEVENT" in ics.body() and b"meeting.example.cn" in ics.body()
    worker.get_by_test_id("confirm").click()
    expect(worker.get_by_text("您已确认调解协议")).to_be_visible()
    employer.reload()
    employer.get_by_test_id("confirm").click()
    expect(employer.get_by_text("您已确认调解协议")).to_be_visible()

    desk.reload()
    desk.get_by_test_id("seal").click()
    expect(desk.get_by_test_id("effective")).to_be_visible()

    worker.reload()
    expect(worker.get_by_test_id("state")).to_contain_text("已达成调解协议")
    expect(worker.get_by_test_id("effective")).to_contain_text("生效")
    screenshot(worker, "mediation-agreement-phone")
    pdf = worker.request.get(base + worker.get_by_test_id("agreement-pdf").get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    assert not getattr(worker, "csp_violations", [])
    employer.context.close()
