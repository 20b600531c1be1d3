"""The return-to-work pages and API lists cost a fixed number of queries, however many rows they show."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gonghui.orgs.models import Enterprise
from gonghui.orgs.services import file_for_service, issue_api_token
from gonghui.reports import services
from gonghui.reports.models import Assignment, Isolation, SupplyItem
from tests.registry.sheets import valid_id

pytestmark = pytest.mark.django_db


def _grow(persona, unit) -> None:  # noqa: ANN001
    """More of everything the pages list: isolations with checks, requests and orders, visits with issues,
    notices with receipts."""
    official, street = persona("beiyuanmen"), unit("610104001")
    today = timezone.localdate()
    enterprises = list(Enterprise.objects.filter(unit__path__startswith=street.path).order_by("pk")[:6])
    for i, enterprise in enumerate(enterprises):
        person = file_for_service(actor=official, id_number=valid_id(f"61010419880101{i + 500:03d}"), name=f"增长{i}",
                                  unit=enterprise.unit, purpose="test")
        isolation = Isolation.objects.create(person=person, enterprise=enterprise, unit=enterprise.unit,
                                             kind="home", start_on=today - dt.timedelta(days=4))
        services.assign_follow_up(actor=official, isolation=isolation, follow_up_by=official)
        services.record_check(actor=official, isolation=isolation, day=today - dt.timedelta(days=4),
                              temperature=Decimal("36.5"), well=True)
        for item in SupplyItem.objects.all()[:3]:
            services.request_supplies(actor=official, enterprise=enterprise, item=item, quantity=10 + i)
        services.record_visit(actor=official, enterprise=enterprise, visited_on=today, looked="a", heard="b",
                              asked="c", agreed="d", issues=[{"category": "funds", "description": f"增长问题{i}",
                                                              "owner": official, "due_on": today}])
    for item in SupplyItem.objects.all()[:3]:
        services.consolidate_order(actor=official, unit=street, item=item)
    for i in range(3):
        services.publish_notice(actor=official, unit=street, title=f"增长通知{i}", body="正文")
    assignment = Assignment.objects.get(template__code="medical_observation_daily", unit=street)
    for enterprise in enterprises:
        services.submit_report(actor=official, assignment=assignment, enterprise=enterprise, period=today,
                               data={"observed_total": "0"})


PAGES = ["/reports/", "/reports/health/", "/reports/supplies/", "/reports/visits/", "/reports/notices/",
         "/reports/back-to-work/", "/reports/forms/", "FILED"]


@pytest.mark.parametrize("url", PAGES)
def test_list_pages_do_not_grow_with_their_rows(url: str, client_for, persona, unit,  # noqa: ANN001
                                                django_assert_max_num_queries) -> None:
    if url == "FILED":
        assignment = Assignment.objects.get(template__code="medical_observation_daily", unit=unit("610104001"))
        url = f"/reports/{assignment.pk}/filed/"
    client = client_for("beiyuanmen")
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _grow(persona, unit)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", ["/api/v1/reports/assignments", "/api/v1/reports/visit-issues",
                                 "/api/v1/reports/notices", "/api/v1/reports/isolations/overdue",
                                 "/api/v1/reports/supplies/totals"])
def test_api_lists_do_not_grow_with_their_rows(url: str, persona, unit, django_assert_max_num_queries) -> None:  # noqa: ANN001
    _, raw = issue_api_token(user=persona("beiyuanmen"))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _grow(persona, unit)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
