"""The Excel round trip for people: checks, idempotent re-import, updates with history, hostile files."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from python_calamine import CalamineWorkbook

from gonghui.core.models import AuditEvent, Job
from gonghui.orgs import imports
from gonghui.orgs.models import Person
from tests.registry.sheets import people_file, valid_id

pytestmark = pytest.mark.django_db

ID_A = valid_id("61010419900316127")  # not worker1 of the demo (…0315123…)
ID_B = valid_id("61010419851120246")
ID_C = valid_id("61052519780101357")


def _rows() -> list[dict]:
    return [
        {"姓名": "王建国", "身份证号": ID_A, "手机号": "13812345678", "会籍": "会员", "入会日期": "2015-06-01",
         "标签": "一线职工", "岗位": "厨师"},
        {"姓名": "刘秀兰", "身份证号": ID_B.lower(), "手机号": "13812345679", "会籍": "非会员"},
        {"姓名": "陈志强", "身份证号": ID_C, "会籍": "会员", "入会日期": "2010年3月1日"},
    ]


def _import(run_queue, actor, unit, path: Path, mode: str = "validate", accept_clean: bool = False) -> Job:  # noqa: ANN001
    source = imports.save_upload(iter([path.read_bytes()]), path.name)
    job = run_queue(lambda: imports.start_import(actor=actor, kind="people.import", unit=unit, source=source,
                                                 source_name=path.name, mode=mode, accept_clean=accept_clean))
    job.refresh_from_db()
    return job


def test_checking_writes_nothing_then_commit_imports(tmp_path, persona, unit, run_queue) -> None:  # noqa: ANN001
    path = people_file(tmp_path / "ok.xlsx", _rows())
    before = Person.objects.count()
    checked = _import(run_queue, persona("beiyuanmen"), unit("610104001001"), path)
    assert checked.state == "done", checked.message
    assert checked.counts["created"] == 3 and checked.problem_count == 0, checked.problems
    assert Person.objects.count() == before
    done = _import(run_queue, persona("beiyuanmen"), unit("610104001001"), path, mode="commit")
    assert done.counts["created"] == 3 and done.counts["written"]
    person = Person.objects.get(name="王建国")
    assert (person.gender, person.birth_date.isoformat(), person.phone) == ("M", "1990-03-16", "13812345678")
    assert person.member_since.isoformat() == "2015-06-01"
    assert [t.name for t in person.tags.all()] == ["一线职工"]
    assert Person.objects.get(name="陈志强").member_since.isoformat() == "2010-03-01"


def test_reimporting_the_same_file_changes_nothing(tmp_path, persona, unit, run_queue) -> None:  # noqa: ANN001
    path = people_file(tmp_path / "ok.xlsx", _rows())
    official, target = persona("beiyuanmen"), unit("610104001001")
    _import(run_queue, official, target, path, mode="commit")
    count, events = Person.objects.count(), AuditEvent.objects.filter(object_type="orgs.person").count()
    again = _import(run_queue, official, target, path, mode="commit")
    assert (again.counts["created"], again.counts["updated"], again.counts["unchanged"]) == (0, 0, 3)
    assert Person.objects.count() == count
    assert AuditEvent.objects.filter(object_type="orgs.person").count() == events


def test_an_updated_row_updates_the_person_and_their_history(tmp_path, persona, unit, run_queue) -> None:  # noqa: ANN001
    official, target = persona("beiyuanmen"), unit("610104001001")
    _import(run_queue, official, target, people_file(tmp_path / "v1.xlsx", _rows()), mode="commit")
    rows = _rows()
    rows[0]["手机号"] = "13900009999"
    rows[0]["岗位"] = "厨师长"
    job = _import(run_queue, official, target, people_file(tmp_path / "v2.xlsx", rows), mode="commit")
    assert (job.counts["created"], job.counts["updated"], job.counts["unchanged"]) == (0, 1, 2)
    person = Person.objects.get(name="王建国")
    assert (person.phone, person.job) == ("13900009999", "厨师长")
    event = AuditEvent.objects.get(object_type="orgs.person", object_id=str(person.pk), action="update")
    assert event.changes["job"] == ["厨师", "厨师长"]
    assert event.changes["phone"] == ["138****5678", "139****9999"]  # the history keeps no full number


def test_a_person_filed_by_someone_else_between_check_and_write_is_left_alone(tmp_path, persona, unit, run_queue,  # noqa: ANN001
                                                                            monkeypatch) -> None:  # noqa: ANN001
    """New people leave the checking pass ready to insert; whoever is filed meanwhile is not overwritten."""
    from gonghui.orgs import services

    official, target = persona("beiyuanmen"), unit("610104001001")
    checked_spool = imports.PeoplePlanner.spool

    def spool_then_someone_files_one(self, batch, planned):  # noqa: ANN001, ANN202
        spooled = checked_spool(self, batch, planned)
        services.create_person(actor=official, id_number=ID_B, name="刘秀兰（窗口建档）", unit=target)
        return spooled

    monkeypatch.setattr(imports.PeoplePlanner, "spool", spool_then_someone_files_one)
    job = _import(run_queue, official, target, people_file(tmp_path / "ok.xlsx", _rows()), mode="commit")
    assert job.state == "done", job.message
    assert (job.counts["created"], job.counts["taken_meanwhile"]) == (2, 1)
    assert "1 人在检查之后已由他人建档" in job.message
    assert Person.objects.get(id_hash=imports.lookup_hash(ID_B, "id")).name == "刘秀兰（窗口建档）"
    assert Person.objects.get(name="王建国").tags.get().name == "一线职工"


def test_every_bad_cell_is_reported_and_nothing_is_written(tmp_path, persona, unit, run_queue) -> None:  # noqa: ANN001
    rows = _rows() + [
        {"姓名": "", "身份证号": valid_id("61010419700101111")},
        {"姓名": "赵六", "身份证号": ID_A[:-1] + ("0" if ID_A[-1] != "0" else "1")},
        {"姓名": "钱七", "身份证号": valid_id("61010419700101222"), "手机号": "1234"},
        {"姓名": "孙八", "身份证号": valid_id("61010419700101333"), "会籍": "会员"},
        {"姓名": "周九", "身份证号": ID_B},
        {"姓名": "吴十", "身份证号": valid_id("61010419700101444"), "入会日期": "去年"},
        {"姓名": "郑一", "身份证号": valid_id("61010419700101555"), "会籍": "退休"},
    ]
    job = _import(run_queue, persona("beiyuanmen"), unit("610104001001"), people_file(tmp_path / "bad.xlsx", rows),
                  mode="commit")
    assert not job.counts["written"]
    assert Person.objects.filter(name__in=["王建国", "赵六"]).count() == 0
    problems = {(p["row"], p["column"]): p["reason"] for p in job.problems}
    assert "必填" in problems[(5, "姓名")]
    assert "校验位" in problems[(6, "身份证号")]
    assert "手机号码" in problems[(7, "手机号")]
    assert "入会日期" in problems[(8, "入会日期")]
    assert "重复" in problems[(9, "身份证号")] and "第 3 行" in problems[(9, "身份证号")]
    assert "日期" in problems[(10, "入会日期")]
    assert "只能填写" in problems[(11, "会籍")]
    assert job.counts["rejected"] == 7
    # Values are shown masked in the report: no full ID number is kept in the job.
    assert ID_A not in str(job.problems)


def test_accepting_the_clean_rows_imports_only_them(tmp_path, persona, unit, run_queue) -> None:  # noqa: ANN001
    rows = [*_rows(), {"姓名": "赵六", "身份证号": "610104199001011230"}]
    job = _import(run_queue, persona("beiyuanmen"), unit("610104001001"), people_file(tmp_path / "x.xlsx", rows),
                  mode="commit", accept_clean=True)
    assert (job.counts["created"], job.counts["rejected"]) == (3, 1)
    assert not Person.objects.filter(name="赵六").exists()


def test_spreadsheet_habits_are_tolerated(tmp_path, persona, unit, run_queue) -> None:  # noqa: ANN001
    """Trailing spaces, full-width digits, phones stored as numbers, dates typed as text, blank rows."""
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in ID_A)
    rows = [
        {"姓名": " 王建国 ", "身份证号": full_width + " ", "手机号": 13812345678, "会籍": "会员 ",
         "入会日期": "2015/6/1"},
        {},
        {"姓名": "刘秀兰", "身份证号": ID_B, "入会日期": "20150601"},
    ]
    job = _import(run_queue, persona("beiyuanmen"), unit("610104001001"), people_file(tmp_path / "h.xlsx", rows),
                  mode="commit")
    assert job.problem_count == 0, job.problems
    assert job.counts["rows"] == 2  # the blank row is skipped, not counted
    person = Person.objects.get(id_masked=f"6101**********{ID_A[-4:]}")
    assert (person.name, person.phone, person.member_since.isoformat()) == ("王建国", "13812345678", "2015-06-01")


def test_an_id_number_excel_turned_into_a_float_is_refused(tmp_path, persona, unit, run_queue) -> None:  # noqa: ANN001
    rows = [{"姓名": "王建国", "身份证号": float(ID_A[:-1] + "0")}]
    job = _import(run_queue, persona("beiyuanmen"), unit("610104001001"), people_file(tmp_path / "f.xlsx", rows))
    assert "科学计数法" in job.problems[0]["reason"]


def test_rows_outside_the_importers_reach_are_refused(tmp_path, persona, unit, run_queue) -> None:  # noqa: ANN001
    rows = [{"姓名": "王建国", "身份证号": ID_A, "所在工会编码": "610104002001"}]
    job = _import(run_queue, persona("beiyuanmen"), unit("610104001"), people_file(tmp_path / "o.xlsx", rows),
                  mode="commit")
    assert "不在" in job.problems[0]["reason"]
    assert not Person.objects.filter(name="王建国").exists()


def _hostile(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.xlsx"
    if name == "text":
        path.write_text("姓名,身份证号\n张三,610104199003151234\n", encoding="utf-8")
    elif name == "encrypted":
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 500)
    elif name == "legacy":
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000)
    elif name == "corrupt":
        path.write_bytes(b"PK\x03\x04" + b"\x00garbage" * 200)
    elif name == "bomb":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("xl/workbook.xml", "<workbook/>")
            archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (40 * 1024 * 1024))
    elif name == "formula":
        book = xlsxwriter.Workbook(str(path))
        sheet = book.add_worksheet("数据")
        sheet.write_row(0, 0, ["姓名", "身份证号"])
        sheet.write_row(1, 0, ["王建国", ID_A])
        sheet.write_formula(2, 0, '=CONCATENATE("王","五")')
        book.close()
    elif name == "merged":
        book = xlsxwriter.Workbook(str(path))
        sheet = book.add_worksheet("数据")
        sheet.merge_range(0, 0, 0, 1, "姓名")
        sheet.write_row(1, 0, ["王建国", ID_A])
        book.close()
    elif name == "too-many-rows":
        people_file(path, [{"姓名": f"人{i}", "身份证号": ID_A} for i in range(6)])
    elif name == "wrong-header":
        people_file(path, [{"名字": "王建国"}], headers=["名字", "证件"])
    return path


@pytest.mark.parametrize(("name", "reason"), [
    ("text", "不是 Excel"),
    ("encrypted", "加密"),
    ("legacy", ".xls"),
    ("corrupt", "损坏"),
    ("bomb", "压缩炸弹"),
    ("formula", "公式"),
    ("merged", "合并"),
    ("too-many-rows", "超过"),
    ("wrong-header", "缺少必填列"),
])
def test_hostile_files_get_a_clear_error_and_change_nothing(name: str, reason: str, tmp_path, persona, unit,  # noqa: ANN001
                                                             run_queue, settings) -> None:  # noqa: ANN001
    settings.GONGHUI_IMPORT_MAX_ROWS = 5
    before = (Person.objects.count(), AuditEvent.objects.count())
    job = _import(run_queue, persona("beiyuanmen"), unit("610104001001"), _hostile(tmp_path, name), mode="commit",
                  accept_clean=True)
    assert job.state == "failed"
    assert reason in job.message
    assert (Person.objects.count(), AuditEvent.objects.count()) == before


def test_the_annotated_file_marks_the_bad_cells(tmp_path, persona, unit, run_queue, client_for) -> None:  # noqa: ANN001
    rows = [*_rows(), {"姓名": "钱七", "身份证号": valid_id("61010419700101222"), "手机号": "1234"}]
    job = _import(run_queue, persona("beiyuanmen"), unit("610104001001"), people_file(tmp_path / "a.xlsx", rows))
    response = client_for("beiyuanmen").get(f"/jobs/{job.pk}/annotated.xlsx")
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    table = book.get_sheet_by_index(0).to_python()
    assert table[0][-1].startswith("错误原因")
    assert "手机号" in table[4][-1] and table[1][-1] == ""
    # The bad cell carries the red fill (a cell format with the error colour).
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert "FFC7CE" in archive.read("xl/styles.xml").decode().upper()


def test_the_import_template_has_dropdowns_and_instructions(client_for) -> None:  # noqa: ANN001
    response = client_for("beiyuanmen").get("/people/import-template.xlsx")
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    assert book.sheet_names[:2] == ["数据", "填写说明"]
    header = book.get_sheet_by_index(0).to_python()[0]
    assert header[0] == "姓名 *" and "身份证号 *" in header
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<dataValidation" in sheet and "会员" in sheet


def test_the_import_api_reports_through_the_task_route(tmp_path, persona, unit, run_queue) -> None:  # noqa: ANN001
    from gonghui.orgs.services import issue_api_token

    _, raw = issue_api_token(user=persona("beiyuanmen"))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    rows = [*_rows(), {"姓名": "钱七", "身份证号": valid_id("61010419700101222"), "手机号": "1234"}]
    content = people_file(tmp_path / "api.xlsx", rows).read_bytes()
    response = run_queue(lambda: client.post("/api/v1/people/import", {
        "file": SimpleUploadedFile("api.xlsx", content), "unit": "610104001001"}))
    assert response.status_code == 202, response.content
    task = response.json()["task"]
    status = client.get(f"/api/v1/tasks/{task}").json()
    assert status["state"] == "done"
    assert status["counts"] == {"created": 3, "updated": 0, "unchanged": 0, "rejected": 1}
    assert status["problems"] == [{"row": 5, "column": "手机号", "value": "1234", "reason": "不是有效的11位手机号码。"}]
    assert Person.objects.filter(name="钱七").count() == 0
    # Another official cannot read this task.
    _, other = issue_api_token(user=persona("qingnianlu"))
    assert Client(HTTP_AUTHORIZATION=f"Bearer {other}").get(f"/api/v1/tasks/{task}").status_code == 404


def test_an_import_gives_the_garbage_collector_back_as_it_found_it(tmp_path, persona, unit, run_queue) -> None:  # noqa: ANN001
    import gc

    thresholds = gc.get_threshold()
    done = _import(run_queue, persona("beiyuanmen"), unit("610104001001"), people_file(tmp_path / "ok.xlsx", _rows()),
                   mode="commit")
    assert done.state == "done" and done.counts["created"] == 3
    path = tmp_path / "not.xlsx"
    path.write_bytes(b"not a workbook")
    refused = _import(run_queue, persona("beiyuanmen"), unit("610104001001"), path)
    assert refused.state != "done"
    assert gc.get_threshold() == thresholds and gc.get_freeze_count() == 0
