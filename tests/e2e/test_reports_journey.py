"""An enterprise's reporting contact fills today's medical-observation form on a phone; the street official sees
it in the completeness view and reminds the enterprises still missing — in real Chromium."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from gonghui.core.models import Notification
from gonghui.orgs.models import Enterprise, User
from gonghui.reports.models import Assignment, Report
from tests.e2e.conftest import sign_in
from tests.registry.sheets import valid_id

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_contact_files_on_a_phone_and_the_street_reminds_the_missing(live_server, demo_tree, phone_page,
                                                                     desktop_page, screenshot) -> None:  # noqa: ANN001
    base = live_server.url
    assignment = Assignment.objects.get(unit__code="610104001")
    hotel = Enterprise.objects.get(name="陕西美丽豪酒店管理有限公司")
    Report.objects.filter(assignment=assignment, enterprise=hotel, period=timezone.localdate()).delete()

    phone = phone_page
    sign_in(phone, base, "tianbao")  # the hotel's 企业填报员
    phone.get_by_test_id("service-reports").click()
    expect(phone.get_by_test_id("owed")).to_contain_text("未报")
    phone.get_by_test_id("owed").get_by_text("企业员工医学观察每日明细表").click()
    phone.get_by_label("医学观察人数").fill("1")
    phone.locator("#observed-0-name").fill("王芳")
    phone.locator("#observed-0-id_number").fill(valid_id("61010419900101001"))
    phone.locator("#observed-0-kind").select_option("居家隔离")
    phone.locator("#observed-0-start_on").fill("2020-02-15")
    phone.locator("#observed-0-temperature").fill("36.7")
    phone.locator("#observed-0-symptoms-1").check()
    screenshot(phone, "reports-fill-phone")
    phone.get_by_test_id("submit").click()
    expect(phone.get_by_test_id("filed")).to_contain_text("已报送")
    assert Report.objects.filter(assignment=assignment, enterprise=hotel, period=timezone.localdate()).exists()

    desk = desktop_page
    sign_in(desk, base, "beiyuanmen")
    desk.goto(f"{base}/reports/")
    desk.get_by_role("link", name="企业员工医学观察每日明细表").click()
    expect(desk).to_have_url(re.compile(r"/reports/\d+/"))
    expect(desk.get_by_test_id("missing").get_by_role("cell", name=hotel.name, exact=True)).to_have_count(0)
    desk.get_by_test_id("completeness").get_by_role("link", name=hotel.unit.name).click()
    expect(desk.get_by_test_id("completeness")).to_contain_text(hotel.unit.name)
    missing_before = desk.get_by_test_id("missing").locator("tr").count()
    assert missing_before >= 1
    screenshot(desk, "reports-completeness-desk")
    desk.get_by_test_id("remind").click()
    expect(desk.get_by_text("已提醒")).to_be_visible()
    assert not Notification.objects.filter(recipient=User.objects.get(username="tianbao"),
                                           text__contains="请报送").exists()  # the hotel has filed
