"""The street reviews filed reports — for 急需入职人员审批表, its approval step — and reopens a locked period for one
enterprise, on the report's page; personal data shows masked there."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from gonghui.core.models import AuditEvent
from gonghui.orgs.models import Enterprise
from gonghui.reports import services
from gonghui.reports.models import FormTemplate, Reopening, Report
from gonghui.reports.rules import SHANGHAI
from tests import samples
from tests.registry.sheets import valid_id


def _hiring(persona, unit):  # noqa: ANN001, ANN202
    official = persona("beiyuanmen")
    template = FormTemplate.objects.get(code="urgent_hiring")
    today = timezone.localdate()
    assignment = services.assign(actor=official, template=template, unit=unit("610104001"), start_on=today,
                                 end_on=today, frequency="once", lock_after_days=0)
    hotel = Enterprise.objects.get(name="陕西美丽豪酒店管理有限公司")
    number = valid_id("61010419900101031")
    report = services.submit_report(actor=persona("hr_meilihao"), assignment=assignment, enterprise=hotel, period=today,
                                    data={"reason": "客房部缺人", "contact": "何人事", "contact_phone": "13912345678",
                                          "applicants": [{"name": "褚入职", "id_number": number, "position": "客房服务员",
                                                          "health_code": "绿码", "observed_14_days": "是"}]})
    return assignment, report, number


def test_the_street_approves_urgent_hiring_and_the_chair_cannot(client_for, persona, unit) -> None:  # noqa: ANN001
    assignment, report, number = _hiring(persona, unit)
    page = client_for("beiyuanmen").get(f"/reports/filed/{report.pk}/")
    html = page.content.decode()
    assert "审批同意" in html and "褚入职" in html and number not in html and number[:4] + "*" in html
    chair = client_for("meilihao")
    chair.post(f"/reports/filed/{report.pk}/", {"verdict": "accepted"})
    assert Report.objects.get(pk=report.pk).state == "submitted"
    street = client_for("beiyuanmen")
    street.post(f"/reports/filed/{report.pk}/", {"verdict": "has_issues", "comment": ""})
    assert Report.objects.get(pk=report.pk).state == "submitted"  # sending back needs the reason
    street.post(f"/reports/filed/{report.pk}/", {"verdict": "accepted"})
    assert Report.objects.get(pk=report.pk).state == "accepted"
    listed = street.get(f"/reports/{assignment.pk}/filed/", {"state": "accepted"}).content.decode()
    assert "陕西美丽豪酒店管理有限公司" in listed
    assert client_for("qingnianlu").get(f"/reports/filed/{report.pk}/").status_code == 404
    contact = client_for("hr_meilihao").get(f"/reports/{assignment.pk}/fill/").content.decode()
    assert "已审核" in contact


def test_a_report_sent_back_returns_to_review_when_corrected(client_for, persona, unit) -> None:  # noqa: ANN001
    assignment, report, _number = _hiring(persona, unit)
    client_for("beiyuanmen").post(f"/reports/filed/{report.pk}/", {"verdict": "has_issues", "comment": "缺健康证明"})
    assert Report.objects.get(pk=report.pk).state == "has_issues"
    services.submit_report(actor=persona("hr_meilihao"), assignment=assignment, enterprise=report.enterprise,
                           period=report.period, data=report.data)
    corrected = Report.objects.get(pk=report.pk)
    assert (corrected.state, corrected.revision) == ("submitted", 2)


def test_the_street_reopens_a_locked_period_for_one_enterprise(client_for, persona, unit) -> None:  # noqa: ANN001
    official = persona("beiyuanmen")
    template = FormTemplate.objects.get(code="medical_observation_daily")
    today = timezone.localdate()
    start = today - dt.timedelta(days=10)
    assignment = services.assign(actor=official, template=template, unit=unit("610104001"), start_on=start,
                                 end_on=today, lock_after_days=2)
    hotel = Enterprise.objects.get(name="陕西美丽豪酒店管理有限公司")
    report = services.submit_report(actor=official, assignment=assignment, enterprise=hotel, period=start,
                                    data={"observed_total": "0"},
                                    now=dt.datetime.combine(start, dt.time(9), tzinfo=SHANGHAI))
    page = client_for("beiyuanmen").get(f"/reports/filed/{report.pk}/").content.decode()
    assert "重新开放" in page
    client_for("beiyuanmen").post(f"/reports/filed/{report.pk}/", {"action": "reopen", "until": today.isoformat(),
                                                                   "reason": "企业补报更正"})
    assert Reopening.objects.filter(assignment=assignment, enterprise=hotel, period=start).exists()
    assert AuditEvent.objects.filter(reason="企业补报更正").exists()
    services.submit_report(actor=persona("hr_meilihao"), assignment=assignment, enterprise=hotel, period=start,
                           data={"observed_total": "1", "observed": []})
    assert Report.objects.get(pk=report.pk).revision == 2


def test_a_notice_with_its_attachment_reaches_the_enterprises_below_only(client_for, persona) -> None:  # noqa: ANN001
    from django.core.files.uploadedfile import SimpleUploadedFile

    from gonghui.reports.models import Notice, NoticeReceipt

    street = client_for("beiyuanmen")
    pdf = SimpleUploadedFile("稳岗政策.pdf", samples.pdf(), "application/pdf")
    refused = street.post("/reports/notices/", {"title": "带附件", "body": "正文",
                                                "files": SimpleUploadedFile("x.exe", b"MZ\x90\x00", "application/pdf")})
    assert refused.status_code == 302 and not Notice.objects.filter(title="带附件").exists()
    street.post("/reports/notices/", {"title": "稳岗返还政策", "body": "见附件", "kind": "policy", "files": pdf})
    notice = Notice.objects.get(title="稳岗返还政策")
    contact = client_for("hr_meilihao")
    page = contact.get(f"/reports/notices/{notice.pk}/").content.decode()
    assert "稳岗政策.pdf" in page
    from gonghui.core.models import Attachment

    attachment = Attachment.objects.get(owner_type="reports.notice", owner_id=notice.pk)
    download = contact.get(f"/reports/notices/{notice.pk}/file/", {"a": attachment.pk})
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert client_for("hr_qingnian").get(f"/reports/notices/{notice.pk}/file/", {"a": attachment.pk}).status_code == 404
    assert client_for("qingnianlu").get(f"/reports/notices/{notice.pk}/").status_code == 404
    hotel_receipt = NoticeReceipt.objects.get(notice=notice, enterprise__name="陕西美丽豪酒店管理有限公司")
    assert hotel_receipt.read_by == persona("hr_meilihao")
