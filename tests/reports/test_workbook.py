"""A report form through the Excel pipeline: the template generated from the form, the round trip (a report
written out and read back is the same report), every bad cell by row, column and reason, the upload page, and the
consolidated table in the form's own layout."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from python_calamine import CalamineWorkbook

from gonghui.core import excel
from gonghui.orgs.models import Enterprise, Unit
from gonghui.reports import forms, workbook
from gonghui.reports.models import Assignment, Report
from gonghui.reports.seed_forms import SEED_FORMS
from tests.registry.sheets import valid_id

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _items(code: str) -> tuple[forms.Item, ...]:
    return forms.parse_schema(next(f["schema"] for f in SEED_FORMS if f["code"] == code))


def _observation() -> dict:
    return {"observed_total": "2", "note": "=1+1 不会被当作公式", "observed": [
        {"name": "吴一", "id_number": valid_id("61010419900101011"), "phone": "13912345678", "kind": "居家隔离",
         "start_on": "2020-02-15", "end_on": "2020-02-29", "temperature": "36.5", "symptoms": ["无"],
         "follow_up": "白院门"},
        {"name": "吴二", "id_number": valid_id("61010419900101012"), "phone": "", "kind": "健康监测",
         "start_on": "2020-02-16", "end_on": "", "temperature": "37.3", "symptoms": ["发热", "咳嗽"], "follow_up": ""},
    ]}


def _written(items: tuple[forms.Item, ...], data: dict, tmp_path: Path) -> Path:
    path = tmp_path / "filled.xlsx"
    excel.write_rows(workbook.sheet_for("表", items), workbook.rows_of(items, data), str(path))
    return path


@pytest.mark.parametrize("code", [f["code"] for f in SEED_FORMS])
def test_every_shipped_form_has_an_excel_template_with_its_labels(code: str, tmp_path: Path) -> None:
    items = _items(code)
    path = tmp_path / "template.xlsx"
    path.write_bytes(excel.template(workbook.sheet_for("表", items)))
    header = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()[0]
    labels = [i.label for i in items if isinstance(i, forms.Field)]
    table = next(i for i in items if isinstance(i, forms.Table))
    assert [h for h in header if h] [: len(labels)] == labels
    assert f"{table.label}·{table.columns[0].label}" in header


def test_a_report_written_out_and_read_back_is_the_same_report(tmp_path: Path) -> None:
    items = _items("medical_observation_daily")
    original = forms.check(items, _observation())
    assert original.ok
    data, problems = workbook.read_report(_written(items, original.data, tmp_path), "表", items)
    assert problems == []
    again = forms.check(items, data)
    assert again.ok and again.data == original.data


def test_every_bad_cell_is_reported_by_row_column_and_reason(tmp_path: Path) -> None:
    items = _items("medical_observation_daily")
    bad = _observation()
    bad["observed"][1]["temperature"] = "45"
    bad["observed"][0]["id_number"] = "610104199001010110"  # wrong check digit
    bad["observed_total"] = "-1"
    data, problems = workbook.read_report(_written(items, bad, tmp_path), "表", items)
    found = {(p.row, p.column): p for p in problems}
    assert (3, "医学观察人员·今日体温（℃）") in found and "43" in found[(3, "医学观察人员·今日体温（℃）")].reason
    id_problem = found[(2, "医学观察人员·身份证号")]
    assert "校验位" in id_problem.reason and "*" in id_problem.value  # personal data masked in the report
    assert (2, "医学观察人数") in found


def test_a_form_with_two_tables_is_refused_for_excel() -> None:
    items = forms.parse_schema([
        {"key": "a", "label": "甲表", "type": "table", "columns": [{"key": "x", "label": "X", "type": "text"}]},
        {"key": "b", "label": "乙表", "type": "table", "columns": [{"key": "y", "label": "Y", "type": "text"}]}])
    with pytest.raises(workbook.NotFlat):
        workbook.sheet_for("表", items)


@pytest.fixture
def assignment(persona, unit) -> Assignment:  # noqa: ANN001
    return Assignment.objects.filter(template__code="medical_observation_daily", unit=unit("610104001")).get()


def test_the_contact_uploads_the_form_in_excel(client_for, assignment: Assignment, tmp_path: Path) -> None:  # noqa: ANN001
    hotel = Enterprise.objects.get(name="陕西美丽豪酒店管理有限公司")
    today = timezone.localdate()
    Report.objects.filter(assignment=assignment, enterprise=hotel, period=today).delete()
    client = client_for("hr_meilihao")
    template = client.get(f"/reports/{assignment.pk}/fill/excel/", {"day": today})
    assert template.status_code == 200 and template["Content-Type"] == XLSX
    items = forms.parse_schema(assignment.template.current().schema)
    bad = _observation()
    bad["observed"][0]["temperature"] = "50"
    path = _written(items, bad, tmp_path)
    refused = client.post(f"/reports/{assignment.pk}/fill/excel/",
                          {"day": today, "file": SimpleUploadedFile("r.xlsx", path.read_bytes(), XLSX)})
    assert refused.status_code == 422 and "今日体温" in refused.content.decode()
    assert not Report.objects.filter(assignment=assignment, enterprise=hotel, period=today).exists()
    not_a_sheet = client.post(f"/reports/{assignment.pk}/fill/excel/",
                              {"day": today, "file": SimpleUploadedFile("r.xlsx", b"%PDF-1.4 nope", XLSX)})
    assert not_a_sheet.status_code == 422 and not Report.objects.filter(assignment=assignment, enterprise=hotel,
                                                                        period=today).exists()
    path = _written(items, _observation(), tmp_path)
    filed = client.post(f"/reports/{assignment.pk}/fill/excel/",
                        {"day": today, "file": SimpleUploadedFile("r.xlsx", path.read_bytes(), XLSX)}, follow=True)
    assert "已通过 Excel 报送" in filed.content.decode()
    report = Report.objects.get(assignment=assignment, enterprise=hotel, period=today)
    assert report.channel == "excel" and [r["name"] for r in report.data["observed"]] == ["吴一", "吴二"]
    # …and the report, downloaded back, is the same sheet: its ID numbers and phones masked, and each mask read back
    # against the report as filed keeps the stored value.
    back = client.get(f"/reports/{assignment.pk}/fill/excel/", {"day": today, "filled": "1"})
    again = tmp_path / "back.xlsx"
    again.write_bytes(back.content)
    cells = str(CalamineWorkbook.from_filelike(io.BytesIO(back.content)).get_sheet_by_index(0).to_python())
    assert report.data["observed"][0]["id_number"] not in cells and "13912345678" not in cells and "139****5678" in cells
    data, problems = workbook.read_report(again, "表", items, stored=report.data)
    assert problems == [] and forms.check(items, data).data == report.data


def test_the_consolidated_table_is_in_the_forms_layout_and_masked(client_for, assignment: Assignment,  # noqa: ANN001
                                                                  unit) -> None:  # noqa: ANN001
    street: Unit = unit("610104001")
    day = timezone.localdate() - dt.timedelta(days=1)
    response = client_for("beiyuanmen").get(f"/reports/{assignment.pk}/consolidated.xlsx",
                                            {"day": day, "unit": street.pk})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    header = rows[0]
    assert header[:3] == ["企业名称", "统一社会信用代码", "所属工会"] and "医学观察人员·身份证号" in header
    reports = Report.objects.filter(assignment=assignment, period=day)
    expected_lines = sum(max(1, len(r.data.get("observed") or [])) for r in reports)
    assert len([r for r in rows[1:] if any(r)]) == expected_lines
    id_column = header.index("医学观察人员·身份证号")
    ids = [r[id_column] for r in rows[1:] if r[id_column]]
    assert ids and all("*" in i for i in ids)


def test_a_large_consolidated_table_runs_as_a_job(client_for, assignment: Assignment, unit, settings,  # noqa: ANN001
                                                  run_queue) -> None:  # noqa: ANN001
    settings.GONGHUI_EXPORT_TASK_ROWS = 1
    street: Unit = unit("610104001")
    day = timezone.localdate() - dt.timedelta(days=1)
    client = client_for("beiyuanmen")
    response = run_queue(lambda: client.get(f"/reports/{assignment.pk}/consolidated.xlsx",
                                            {"day": day, "unit": street.pk}))
    assert response.status_code == 302 and "/jobs/" in response["Location"]
    result = client.get(response["Location"] + "result.xlsx")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(result.streaming_content))).get_sheet_by_index(0) \
        .to_python()
    reports = Report.objects.filter(assignment=assignment, period=day)
    assert len([r for r in rows[1:] if any(r)]) == sum(max(1, len(r.data.get("observed") or [])) for r in reports)
    # The job is its creator's: another official cannot fetch it.
    assert client_for("qingnianlu").get(response["Location"] + "result.xlsx").status_code == 404


def test_the_job_starts_one_report_past_the_limit(client_for, assignment: Assignment, unit, settings,  # noqa: ANN001
                                                  run_queue) -> None:  # noqa: ANN001
    street: Unit = unit("610104001")
    day = timezone.localdate() - dt.timedelta(days=1)
    filed = Report.objects.filter(assignment=assignment, period=day).count()
    assert filed > 1
    client = client_for("beiyuanmen")
    settings.GONGHUI_EXPORT_TASK_ROWS = filed  # exactly the limit: the file at once
    at_limit = client.get(f"/reports/{assignment.pk}/consolidated.xlsx", {"day": day, "unit": street.pk})
    assert at_limit.status_code == 200
    settings.GONGHUI_EXPORT_TASK_ROWS = filed - 1  # one past it: a job
    past = run_queue(lambda: client.get(f"/reports/{assignment.pk}/consolidated.xlsx",
                                        {"day": day, "unit": street.pk}))
    assert past.status_code == 302 and "/jobs/" in past["Location"]
