"""The return-to-work services in real Chromium: an enterprise's reporting contact reads the street's policy pack
and asks for masks on a phone; the street official sees the read receipt, consolidates the masks into one order
and allocates them; the follow-up person records an overdue daily check on a phone."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from gonghui.orgs.models import Enterprise
from gonghui.reports import rules
from gonghui.reports.models import FollowUpCheck, Isolation, Notice, NoticeReceipt, SupplyRequest
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_notice_supplies_and_follow_up(live_server, demo_tree, phone_page, desktop_page, screenshot) -> None:  # noqa: ANN001
    base = live_server.url
    hotel = Enterprise.objects.get(name="陕西美丽豪酒店管理有限公司")
    notice = Notice.objects.get(unit__code="610104001")
    NoticeReceipt.objects.filter(notice=notice).update(read_at=None, read_by=None)

    phone = phone_page
    sign_in(phone, base, "tianbao")
    phone.get_by_test_id("service-reports").click()
    expect(phone.get_by_test_id("contact-notices")).to_contain_text("未读")
    phone.get_by_test_id("contact-notices").click()
    phone.get_by_test_id("notice-inbox").get_by_text(notice.title).click()
    expect(phone.get_by_test_id("notice-body")).to_contain_text("稳岗返还")
    assert NoticeReceipt.objects.get(notice=notice, enterprise=hotel).read_at is not None
    phone.goto(f"{base}/reports/supplies/request/")
    phone.get_by_label("物资").select_option(label="口罩（个）")
    phone.get_by_label("数量").fill("300")
    screenshot(phone, "reports-supplies-phone")
    phone.get_by_test_id("request-supplies").click()
    expect(phone.get_by_test_id("my-requests")).to_contain_text("口罩 × 300")
    request = SupplyRequest.objects.get(enterprise=hotel, quantity=300)
    assert phone.csp_violations == []  # type: ignore[attr-defined]

    desk = desktop_page
    sign_in(desk, base, "beiyuanmen")
    desk.goto(f"{base}/reports/notices/{notice.pk}/")
    expect(desk.get_by_test_id("read")).to_contain_text(hotel.name)
    expect(desk.get_by_test_id("unread").get_by_text(hotel.name, exact=True)).to_have_count(0)
    desk.goto(f"{base}/reports/supplies/")
    expect(desk.get_by_test_id("pending-requests")).to_contain_text(hotel.name)
    desk.get_by_label("物资", exact=True).select_option(label="口罩")
    desk.get_by_test_id("consolidate").click()
    expect(desk.get_by_test_id("order-lines")).to_contain_text(hotel.name)
    row = desk.get_by_test_id("order-lines").locator("tr", has_text=hotel.name).filter(has_text="300")
    row.get_by_role("button", name="分配").click()
    row = desk.get_by_test_id("order-lines").locator("tr", has_text=hotel.name).filter(has_text="300")
    row.get_by_role("button", name="登记送达").click()
    screenshot(desk, "reports-supply-order-desk")
    request.refresh_from_db()
    assert (request.allocated, request.delivered_at is not None) == (300, True)

    desk.goto(f"{base}/reports/health/")
    overdue = desk.get_by_test_id("overdue-checks").locator("a").first
    name = overdue.inner_text()
    overdue.click()
    isolation_url = desk.url
    screenshot(desk, "reports-health-desk")
    expect(desk.get_by_test_id("overdue-days")).to_be_visible()
    isolation = Isolation.objects.get(pk=int(isolation_url.rstrip("/").rsplit("/", 1)[1]))
    missed_day = rules.overdue_check_days(isolation.start_on, isolation.end_on,
                                          set(isolation.checks.values_list("day", flat=True)), timezone.localdate())[0]
    expect(desk.get_by_test_id("overdue-days")).to_contain_text(missed_day.strftime("%m-%d"))

    phone = desk  # the follow-up person (the street official) on a phone-sized screen
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(isolation_url)
    phone.get_by_label("日期", exact=True).fill(missed_day.isoformat())
    phone.get_by_label("体温（℃）").fill("36.6")
    screenshot(phone, "reports-follow-up-phone")
    phone.get_by_test_id("record-check").click()
    expect(phone.get_by_text("已登记跟进")).to_be_visible()
    assert FollowUpCheck.objects.filter(isolation__person__name=name, day=missed_day).exists()
