"""A report row naming a worker of another street by ID number lands in nobody's file until that worker's own
union confirms that the file is theirs (orgs.identity, PersonLink)."""

from __future__ import annotations

from django.test import Client
from django.utils import timezone

from gonghui.orgs.models import Enterprise, Person, PersonLink
from gonghui.orgs.services import issue_api_token
from gonghui.reports.models import Assignment, HealthReading, Isolation

JSON = "application/json"


def test_a_row_naming_another_streets_worker_waits_for_their_union(persona, unit, client_for) -> None:  # noqa: ANN001
    _, raw = issue_api_token(user=persona("hr_meilihao"))
    contact = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    hotel = Enterprise.objects.get(name="陕西美丽豪酒店管理有限公司")
    assignment = Assignment.objects.get(template__code="medical_observation_daily", unit=unit("610104001"))
    worker2 = Person.objects.get(user=persona("worker2"))  # 青年路's file
    today = timezone.localdate()
    filed = contact.post(f"/api/v1/reports/assignments/{assignment.pk}/reports", {
        "enterprise_id": hotel.pk, "period": today.isoformat(),
        "data": {"observed_total": "1", "observed": [{"name": "随便写", "id_number": worker2.id_number,
                                                     "kind": "居家隔离", "start_on": today.isoformat(),
                                                     "temperature": "36.7"}]}}, content_type=JSON)
    assert filed.status_code == 201, filed.content
    assert "李秀英" not in filed.content.decode()  # the file's name is not told, nor whether the name matched
    assert not HealthReading.objects.filter(person=worker2).exists()
    assert not Isolation.objects.filter(person=worker2, source_report_id=filed.json()["id"]).exists()
    link = PersonLink.objects.get(person=worker2, object_type="reports.report", object_id=str(filed.json()["id"]))
    assert client_for("beiyuanmen").post(f"/people/links/{link.pk}/decide/", {"confirm": "1"}).status_code == 404
    assert client_for("qingnianlu").post(f"/people/links/{link.pk}/decide/",
                                         {"confirm": "1", "note": "本人确认在该酒店工作"}).status_code == 302
    assert HealthReading.objects.filter(person=worker2, report_id=filed.json()["id"]).exists()
