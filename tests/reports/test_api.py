"""The reporting API walked end to end: a contact fetches its form and files through the API (bad data refused
with every problem), the street reads completeness and the missing list and reminds, and the services' routes
(follow-up checks, supplies, visit issues, notices and receipts) answer as their pages do."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import timezone

from gonghui.orgs.models import Enterprise
from gonghui.orgs.services import issue_api_token
from gonghui.reports.models import Assignment, Isolation, NoticeReceipt, Report, VisitIssue
from tests.registry.sheets import valid_id

JSON = "application/json"


def _api(persona, username: str) -> Client:  # noqa: ANN001
    _, raw = issue_api_token(user=persona(username))
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_a_contact_files_through_the_api_and_the_street_reads_it(persona, unit) -> None:  # noqa: ANN001
    contact, street = _api(persona, "hr_meilihao"), _api(persona, "beiyuanmen")
    hotel = Enterprise.objects.get(name="陕西美丽豪酒店管理有限公司")
    assignment = Assignment.objects.get(template__code="medical_observation_daily", unit=unit("610104001"))
    today = timezone.localdate()
    filed = Report.objects.filter(assignment=assignment, enterprise=hotel, period=today).first()
    revision = filed.revision if filed else 0
    listed = contact.get("/api/v1/reports/assignments").json()
    assert [a["id"] for a in listed["items"]] == [assignment.pk]
    schema = contact.get(f"/api/v1/reports/assignments/{assignment.pk}/form").json()
    assert schema["code"] == "medical_observation_daily" and schema["items"][1]["type"] == "table"
    bad = contact.post(f"/api/v1/reports/assignments/{assignment.pk}/reports", {
        "enterprise_id": hotel.pk, "period": today.isoformat(),
        "data": {"observed_total": "-1", "observed": [{"name": "", "temperature": "50"}]}}, content_type=JSON)
    assert bad.status_code == 422
    assert any("体温" in m for m in bad.json()["details"]["__all__"]) and "观察" in bad.json()["message"]
    assert Report.objects.filter(assignment=assignment, enterprise=hotel, period=today, revision__gt=revision) \
        .count() == 0
    good = contact.post(f"/api/v1/reports/assignments/{assignment.pk}/reports", {
        "enterprise_id": hotel.pk, "period": today.isoformat(),
        "data": {"observed_total": "1", "observed": [{"name": "冯接口", "id_number": valid_id("61010419900101021"),
                                                     "kind": "居家隔离", "start_on": today.isoformat(),
                                                     "temperature": "36.7"}]}}, content_type=JSON)
    assert good.status_code == 201, good.content
    assert good.json()["channel"] == "api" and good.json()["revision"] == revision + 1
    # Another enterprise is not the contact's to file for.
    other = Enterprise.objects.filter(unit__path__startswith=unit("610104001").path).exclude(pk=hotel.pk).first()
    assert contact.post(f"/api/v1/reports/assignments/{assignment.pk}/reports", {
        "enterprise_id": other.pk, "period": today.isoformat(), "data": {}}, content_type=JSON).status_code == 404
    # The contact reads its own report only; the street reads all of its enterprises'.
    mine = contact.get(f"/api/v1/reports/assignments/{assignment.pk}/reports", {"day": today}).json()["items"]
    assert {r["enterprise_id"] for r in mine} == {hotel.pk}
    assert contact.get(f"/api/v1/reports/assignments/{assignment.pk}/completeness").status_code == 404
    rows = street.get(f"/api/v1/reports/assignments/{assignment.pk}/completeness", {"day": today}).json()
    assert rows[0]["unit_id"] == assignment.unit_id and rows[0]["reported"] >= 1
    assert rows[0]["missing"] == rows[0]["expected"] - rows[0]["reported"]
    missing = street.get(f"/api/v1/reports/assignments/{assignment.pk}/missing", {"day": today}).json()
    assert hotel.pk not in {e["id"] for e in missing["items"]} and missing["count"] == rows[0]["missing"]
    assert street.post(f"/api/v1/reports/assignments/{assignment.pk}/remind", {}, content_type=JSON).status_code == 200
    # The row that named a person opened their isolation: the follow-up person checks through the API.
    isolation = Isolation.objects.get(person__name="冯接口")
    made = street.post(f"/api/v1/reports/isolations/{isolation.pk}/checks",
                       {"day": today.isoformat(), "temperature": "36.6"}, content_type=JSON)
    assert made.status_code == 201, made.content
    assert _api(persona, "qingnianlu").post(f"/api/v1/reports/isolations/{isolation.pk}/checks",
                                            {"day": today.isoformat()}, content_type=JSON).status_code == 404


def test_the_services_routes(persona) -> None:  # noqa: ANN001
    contact, street = _api(persona, "hr_meilihao"), _api(persona, "beiyuanmen")
    hotel = Enterprise.objects.get(name="陕西美丽豪酒店管理有限公司")
    overdue = street.get("/api/v1/reports/isolations/overdue").json()
    assert overdue and all(o["days"] for o in overdue)  # the demo missed a check
    before = {t["item"]: t for t in street.get("/api/v1/reports/supplies/totals").json()}
    asked = contact.post("/api/v1/reports/supplies/requests", {"enterprise_id": hotel.pk, "item": "酒精", "quantity": 20},
                         content_type=JSON)
    assert asked.status_code == 201, asked.content
    after = {t["item"]: t for t in street.get("/api/v1/reports/supplies/totals").json()}
    assert after["酒精"]["requested"] == before.get("酒精", {"requested": 0})["requested"] + 20
    assert contact.post("/api/v1/reports/supplies/requests", {"enterprise_id": hotel.pk, "item": "酒精",
                                                              "quantity": 0}, content_type=JSON).status_code == 422
    issues = street.get("/api/v1/reports/visit-issues").json()["items"]
    assert issues[0]["overdue"] is True  # the demo's overdue issue comes first
    resolved = street.post(f"/api/v1/reports/visit-issues/{issues[0]['id']}/resolve", {"resolution": "已解决"},
                           content_type=JSON)
    assert resolved.json()["state"] == "resolved"
    assert VisitIssue.objects.get(pk=issues[0]["id"]).resolution == "已解决"
    notice = contact.get("/api/v1/reports/notices").json()["items"][0]
    NoticeReceipt.objects.filter(notice_id=notice["id"]).update(read_at=None)
    assert contact.post(f"/api/v1/reports/notices/{notice['id']}/read", {}, content_type=JSON).json()["told"] == 1
    receipts = street.get(f"/api/v1/reports/notices/{notice['id']}/receipts").json()["items"]
    assert [r["enterprise_id"] for r in receipts if r["read_at"]] == [hotel.pk]
    assert contact.get(f"/api/v1/reports/notices/{notice['id']}/receipts").status_code == 404
    assert dt.date.fromisoformat(issues[0]["due_on"]) < timezone.localdate()
