"""A report workbook of many thousand rows is checked and filed as a job — a progress page, and the registry's
annotated file of problems — not an error page of megabytes."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from python_calamine import CalamineWorkbook

from gonghui.core import excel
from gonghui.core.models import Job
from gonghui.orgs.models import Enterprise
from gonghui.reports import forms, workbook
from gonghui.reports.models import Assignment, Report
from tests.registry.sheets import valid_id

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROWS = 3000


@pytest.fixture
def assignment(unit) -> Assignment:  # noqa: ANN001
    return Assignment.objects.filter(template__code="medical_observation_daily", unit=unit("610104001")).get()


def _sheet(assignment: Assignment, tmp_path: Path, *, bad_rows: tuple[int, ...] = ()) -> bytes:
    items = forms.parse_schema(assignment.template.current().schema)
    observed = [{"name": f"观察{i}", "id_number": valid_id(f"6101041990{i // 28 % 12 + 1:02d}{i % 28 + 1:02d}{i % 1000:03d}"),
                 "phone": "", "kind": "居家隔离", "start_on": "2020-02-15", "end_on": "", "symptoms": ["无"],
                 "temperature": "50" if i in bad_rows else "36.5", "follow_up": ""} for i in range(ROWS)]
    data = {"observed_total": str(ROWS), "note": "", "observed": observed}
    path = tmp_path / "big.xlsx"
    excel.write_rows(workbook.sheet_for(assignment.template.name, items), workbook.rows_of(items, data), str(path))
    return path.read_bytes()


def _post(client, assignment: Assignment, content: bytes):  # noqa: ANN001, ANN202
    return client.post(f"/reports/{assignment.pk}/fill/excel/",
                       {"day": timezone.localdate(), "file": SimpleUploadedFile("大表.xlsx", content, XLSX)})


def test_a_large_workbook_with_errors_becomes_a_job_with_the_annotated_file(client_for, assignment, tmp_path,  # noqa: ANN001
                                                                            run_queue) -> None:  # noqa: ANN001
    hotel = Enterprise.objects.get(name="陕西美丽豪酒店管理有限公司")
    Report.objects.filter(assignment=assignment, enterprise=hotel, period=timezone.localdate()).delete()
    client = client_for("hr_meilihao")
    content = _sheet(assignment, tmp_path, bad_rows=(7, 2500))
    response = run_queue(lambda: _post(client, assignment, content))
    assert response.status_code == 302 and "/jobs/" in response["Location"]
    job = Job.objects.get(kind="reports.import", created_by__username="hr_meilihao")
    assert job.state == Job.State.DONE and job.problem_count == 2
    assert job.progress_total == job.progress_done == ROWS
    assert not Report.objects.filter(assignment=assignment, enterprise=hotel, period=timezone.localdate()).exists()
    page = client.get(response["Location"])
    assert page.status_code == 200 and len(page.content) < 200_000
    assert "下载标注了错误的文件" in page.content.decode() and "2 处错误" in page.content.decode()
    annotated = client.get(response["Location"] + "annotated.xlsx")
    assert annotated.status_code == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(annotated.content)).get_sheet_by_index(0).to_python()
    reasons = {number + 1: row[-1] for number, row in enumerate(rows) if number and row[-1]}
    assert set(reasons) == {7 + 2, 2500 + 2} and all("体温" in r for r in reasons.values())
    # The job is its creator's.
    assert client_for("hr_qingnian").get(response["Location"]).status_code == 404


def test_a_large_clean_workbook_is_filed_by_the_job(client_for, assignment, tmp_path, run_queue) -> None:  # noqa: ANN001
    hotel = Enterprise.objects.get(name="陕西美丽豪酒店管理有限公司")
    client = client_for("hr_meilihao")
    response = run_queue(lambda: _post(client, assignment, _sheet(assignment, tmp_path)))
    assert response.status_code == 302
    job = Job.objects.get(kind="reports.import", created_by__username="hr_meilihao")
    assert job.state == Job.State.DONE and job.problem_count == 0, job.message
    report = Report.objects.get(assignment=assignment, enterprise=hotel, period=timezone.localdate())
    assert report.channel == "excel" and len(report.data["observed"]) == ROWS


def test_the_job_starts_one_kilobyte_past_the_limit(client_for, assignment, tmp_path, settings,  # noqa: ANN001
                                                    run_queue) -> None:  # noqa: ANN001
    client = client_for("hr_meilihao")
    content = _sheet(assignment, tmp_path, bad_rows=(1,))
    settings.GONGHUI_REPORT_UPLOAD_TASK_KB = math.ceil(len(content) / 1024)  # at the limit: read in the request
    inline = _post(client, assignment, content)
    assert inline.status_code == 422 and not Job.objects.filter(kind="reports.import").exists()
    settings.GONGHUI_REPORT_UPLOAD_TASK_KB -= 1  # past it: a job
    queued = run_queue(lambda: _post(client, assignment, content))
    assert queued.status_code == 302 and Job.objects.filter(kind="reports.import").exists()


def test_many_problems_inline_are_shown_as_the_first_ones_and_a_count(client_for, assignment, tmp_path,  # noqa: ANN001
                                                                      settings) -> None:  # noqa: ANN001
    settings.GONGHUI_REPORT_UPLOAD_TASK_KB = 100_000
    content = _sheet(assignment, tmp_path, bad_rows=tuple(range(0, ROWS, 3)))
    response = _post(client_for("hr_meilihao"), assignment, content)
    assert response.status_code == 422
    assert "表格有 1000 处问题" in response.content.decode() and "前 200 处" in response.content.decode()
    assert len(response.context["problems"]) == 200
