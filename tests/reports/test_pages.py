"""The reporting pages: the officials' completeness with drill-down, the missing list and the reminder, the
enterprise's phone form — and bad input on every one of them."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from gonghui.core.models import Notification
from gonghui.orgs import scoping
from gonghui.orgs.models import Enterprise, User
from gonghui.reports.models import Assignment, Report
from tests.registry.sheets import valid_id
from tests.routes import app_routes


def _beiyuanmen() -> Assignment:
    return Assignment.objects.get(unit__code="610104001")


def test_the_official_reads_completeness_and_drills_down(client_for) -> None:  # noqa: ANN001
    client = client_for("beiyuanmen")
    assignment = _beiyuanmen()
    assert "企业员工医学观察每日明细表" in client.get("/reports/").content.decode()
    page = client.get(f"/reports/{assignment.pk}/").content.decode()
    assert "报送率" in page and "未报企业" in page
    hotel_union = User.objects.get(username="meilihao").primary_unit
    drilled = client.get(f"/reports/{assignment.pk}/?unit={hotel_union.pk}").content.decode()
    assert hotel_union.name in drilled
    assert client.get(f"/reports/{assignment.pk}/missing.xlsx").content[:2] == b"PK"
    assert client_for("qingnianlu").get(f"/reports/{assignment.pk}/").status_code == 404


def test_one_click_reminds_the_missing_enterprises(client_for, persona) -> None:  # noqa: ANN001
    assignment = _beiyuanmen()
    hotel = Enterprise.objects.get(name="陕西美丽豪酒店管理有限公司")
    Report.objects.filter(assignment=assignment, enterprise=hotel, period=timezone.localdate()).delete()
    client_for("beiyuanmen").post(f"/reports/{assignment.pk}/remind/")
    assert Notification.objects.filter(recipient=persona("hr_meilihao"), text__contains="请报送").exists()
    assert not Notification.objects.filter(recipient=persona("hr_qingnian"), text__contains="请报送").exists()


def test_the_enterprise_fills_todays_form_on_its_phone(client_for) -> None:  # noqa: ANN001
    assignment = _beiyuanmen()
    hotel = Enterprise.objects.get(name="陕西美丽豪酒店管理有限公司")
    Report.objects.filter(assignment=assignment, enterprise=hotel, period=timezone.localdate()).delete()
    client = client_for("hr_meilihao")
    assert "企业员工医学观察每日明细表" in client.get("/reports/mine/").content.decode()
    form = client.get(f"/reports/{assignment.pk}/fill/").content.decode()
    assert 'name="observed-0-id_number"' in form
    bad = client.post(f"/reports/{assignment.pk}/fill/", {"observed_total": "1", "observed__rows": "1",
                                                          "observed-0-name": "王芳", "observed-0-id_number": "123"})
    assert bad.status_code == 422 and "身份证号" in bad.content.decode()
    good = client.post(f"/reports/{assignment.pk}/fill/", {
        "observed_total": "1", "observed__rows": "2", "observed-0-name": "王芳",
        "observed-0-id_number": valid_id("61010419900101001"), "observed-0-kind": "居家隔离",
        "observed-0-start_on": "2020-02-15", "observed-0-temperature": "36.7", "observed-0-symptoms": ["无"]},
        follow=True)
    assert "已报送" in good.content.decode()
    report = Report.objects.get(assignment=assignment, enterprise=hotel, period=timezone.localdate())
    assert report.data["observed"][0]["symptoms"] == ["无"] and report.submitted_by.username == "hr_meilihao"


GARBAGE = [
    {}, {"action": "more"}, {"observed_total": "x" * 300, "observed__rows": "99999999999"},
    {"observed__rows": "-1", "observed-0-start_on": "31/02"}, {"enterprise": "abc", "day": "2999-99-99"},
    {"unit": "999999999", "day": "<script>"},
    {"action": "check", "temperature": "abc", "day": "2020-13-01"}, {"action": "check", "temperature": "1e999"},
    {"action": "assign", "follow_up_by": "x"}, {"action": "end", "end_on": "1900-01-01"},
    {"action": "allocate", "request": "x", "quantity": "-5"}, {"action": "deliver", "request": "9" * 30},
    {"action": "consolidate", "item": "999", "supplier": "abc"}, {"action": "item", "name": "x" * 300, "measure": ""},
    {"action": "supplier", "items": ["x", "1"]}, {"action": "team", "name": "", "members": ["a"]},
    {"action": "plan", "teams": ["x"], "start_on": "bad", "end_on": ""}, {"item": "x", "quantity": "99999999999"},
    {"title": "", "body": "", "kind": "x"}, {"resolution": ""},
    {"visited_on": "x", "issue-0-description": "x", "issue-0-due_on": "bad", "issue-0-category": "?"},
]


@pytest.mark.parametrize("username", ["beiyuanmen", "meilihao", "hr_meilihao", "worker1"])
def test_garbage_never_breaks_a_reporting_page(username: str, persona, client_for) -> None:  # noqa: ANN001
    user = persona(username)
    objects = {kwarg: policy.filter(user).order_by("pk").first() for kwarg, policy in scoping.REGISTRY.items()}
    client = client_for(username)
    problems = []
    routes = app_routes("reports")
    assert len(routes) >= 6
    for template, kwargs in routes:
        if any(objects.get(k) is None for k in kwargs):
            continue
        url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(objects[m.group(1)].pk), template)
        for body in GARBAGE:
            response = client.post(url, body)
            if response.status_code >= 500:
                problems.append(f"POST {url} {body}: {response.status_code}")
        response = client.get(url, {"day": "x", "unit": "abc", "enterprise": "9" * 30, "copy": "1"})
        if response.status_code >= 500:
            problems.append(f"GET {url}: {response.status_code}")
    assert not problems, "\n".join(problems)


def test_an_official_assigns_a_form_to_the_enterprises_below(client_for) -> None:  # noqa: ANN001
    from gonghui.reports.models import FormTemplate

    client = client_for("beiyuanmen")
    template = FormTemplate.objects.get(code="outsiders_daily")
    today = timezone.localdate()
    bad = client.post("/reports/assign/", {"template": template.pk, "frequency": "weekly", "start_on": str(today),
                                           "end_on": str(today), "deadline": "10:00", "lock_after_days": "3"})
    assert bad.status_code == 422 and "报送日" in bad.content.decode()
    assert not Assignment.objects.filter(template=template).exists()
    made = client.post("/reports/assign/", {"template": template.pk, "frequency": "daily", "start_on": str(today),
                                            "end_on": str(today + timezone.timedelta(days=13)), "deadline": "09:30",
                                            "lock_after_days": "2"})
    assignment = Assignment.objects.get(template=template)
    assert made.status_code == 302 and made["Location"].endswith(f"/reports/{assignment.pk}/")
    assert assignment.targets.count() == Enterprise.objects.filter(
        unit__path__startswith=assignment.unit.path).exclude(status__in=("closed", "suspended")).count()


def test_the_reporting_contact_files_for_its_enterprise_only(client_for, persona) -> None:  # noqa: ANN001
    from gonghui.orgs.models import Role

    reporter = persona("tianbao")
    assert [a.role for a in reporter.active_roles()] == [Role.REPORTER] and not reporter.is_official
    hotel = Enterprise.objects.get(name="陕西美丽豪酒店管理有限公司")
    assert reporter.reporting_enterprise_ids() == [hotel.pk] and reporter.represented_enterprise_ids() == []
    client = client_for("tianbao")
    home = client.get("/me/").content.decode()
    assert 'data-testid="service-reports"' in home and 'data-testid="service-mediation"' not in home
    assignment = _beiyuanmen()
    other = Enterprise.objects.filter(unit__path__startswith=assignment.unit.path).exclude(pk=hotel.pk).first()
    assert client.get(f"/reports/{assignment.pk}/fill/").status_code == 200
    assert client.get(f"/reports/{assignment.pk}/fill/?enterprise={other.pk}").status_code == 404
    assert client.get(f"/reports/{assignment.pk}/").status_code == 404  # completeness is the union's
    assert client.get("/mediation/cases/").status_code == 404 and client.get("/bargaining/").status_code == 404


def test_an_official_appoints_a_reporting_contact_on_the_enterprise_page(client_for) -> None:  # noqa: ANN001
    from gonghui.orgs.models import Role

    hotel = Enterprise.objects.get(name="陕西美丽豪酒店管理有限公司")
    response = client_for("beiyuanmen").post(f"/enterprises/{hotel.pk}/representative/", {
        "role": "reporter", "username": "tianbao2", "display_name": "田二", "phone": "13600000042"})
    assert response.status_code == 302
    user = User.objects.get(username="tianbao2")
    assert [(a.role, a.enterprise_id) for a in user.active_roles()] == [(Role.REPORTER, hotel.pk)]
