"""Loading a year's holiday arrangement: the text format, the service, the command line, the console page, the
November warning, the recomputed clocks (a test-only recomputer stands in for the apps'), and the request cache."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from gonghui.core import deadlines
from gonghui.core.arrangements import ArrangementError, load_arrangement, parse_arrangement
from gonghui.core.deadlines import ClockChange, clock_recomputer, period_end, year_basis
from gonghui.core.models import AuditEvent, CalendarDay, CalendarYear, Notification

pytestmark = pytest.mark.django_db

# A 2027 arrangement as the State Council would publish it (invented for the test: 2027 is not published yet).
ARRANGEMENT_2027 = """\
# 2027 年部分节假日安排（测试用）
年份,2027
通知,国办发明电〔2026〕99号
2027-01-01~2027-01-03,休,元旦
2027-02-05~2027-02-12,休,春节
2027-02-13,班,春节调休
2027-10-01~2027-10-07,休,国庆节
2027-09-26,班,国庆节调休
2027-10-09,班,国庆节调休
"""


# -- The text format -------------------------------------------------------------------------------------------

def test_the_format_is_parsed_with_ranges() -> None:
    arrangement = parse_arrangement(ARRANGEMENT_2027)
    assert arrangement.year == 2027 and arrangement.source == "国办发明电〔2026〕99号"
    assert len(arrangement.rest_days) == 3 + 8 + 7
    assert [d.day for d in arrangement.working_days] == [date(2027, 2, 13), date(2027, 9, 26), date(2027, 10, 9)]


@pytest.mark.parametrize(("text", "expected"), [
    ("年份,2027\n2027-10-01~2027-10-07,休,国庆节\n2027-10-02,班,调休\n", "第3行：2027-10-02 不能既是休息日又是工作日（见第2行）"),
    ("年份,2027\n2028-01-01,休,元旦\n", "第2行：2028-01-01 不在2027年内"),
    ("年份,2027\n2027-01-01,假,元旦\n", "第2行：“假”不是“休”或“班”"),
    ("年份,2027\n2027-02-30,休,春节\n", "第2行：“2027-02-30”不是日期"),
    ("年份,2027\n2027-02-10,班,春节调休\n", "第2行：2027-02-10 是周一至周五"),
    ("2027-01-01,休,元旦\n", "第1行：第一行应写明年份"),
    ("年份,2027\n", "没有任何放假或调休日期"),
    ("年份,2027\n2027-01-05~2027-01-01,休,元旦\n", "第2行：日期范围“2027-01-05~2027-01-01”不对"),
])
def test_problems_name_their_line(text: str, expected: str) -> None:
    with pytest.raises(ArrangementError) as caught:
        parse_arrangement(text)
    assert any(expected in problem for problem in caught.value.problems), caught.value.problems


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(ArrangementError) as caught:
        parse_arrangement("年份,2027\n2027-01-01,假,元旦\n2028-01-01,休,元旦\n")
    assert [p[:4] for p in caught.value.problems] == ["第2行：", "第3行："]


# -- A test-only recomputer: one clock stored on the provisional year 2027 ---------------------------------------

@dataclass
class StoredClock:
    start: date
    days: int
    due: date
    notify: tuple[int, ...]


@pytest.fixture
def stored_clock(persona):  # noqa: ANN001, ANN201
    official = persona("beiyuanmen")
    # Started 30 September 2027, one day: 1–5 October are rest on the provisional year (国庆 and its make-up).
    clock = StoredClock(date(2027, 9, 30), 1, period_end(date(2027, 9, 30), days=1), (official.pk,))
    assert clock.due == date(2027, 10, 6)

    @clock_recomputer("test-clock")
    def recompute(year: int) -> list[ClockChange]:
        new = period_end(clock.start, days=clock.days)
        if year != new.year and year != clock.due.year or new == clock.due:
            return []
        change = ClockChange("测试期限 T-1", "/test/clock/1/", clock.due, new, clock.notify)
        clock.due = new
        return [change]

    yield clock
    deadlines._RECOMPUTERS.pop("test-clock", None)


def test_loading_recomputes_the_clock_and_tells_its_official(stored_clock, persona) -> None:  # noqa: ANN001
    admin = persona("admin")
    assert year_basis(2027) == "provisional"
    result = load_arrangement(actor=admin, text=ARRANGEMENT_2027)
    assert year_basis(2027) == "loaded"
    # The arrangement makes 1–7 October rest: the one-day period now ends Friday 8 October.
    assert stored_clock.due == date(2027, 10, 8)
    assert result.changes == [ClockChange("测试期限 T-1", "/test/clock/1/", date(2027, 10, 6), date(2027, 10, 8),
                                          stored_clock.notify)]
    note = Notification.objects.get(recipient=persona("beiyuanmen"), url="/test/clock/1/")
    assert "2027-10-06" in note.text and "2027-10-08" in note.text
    assert result.notified == 1
    year = CalendarYear.objects.get(year=2027)
    assert year.source == "国办发明电〔2026〕99号" and year.loaded_by == admin
    assert CalendarDay.objects.filter(arrangement=year).count() == 21
    assert CalendarDay.objects.get(day=date(2027, 10, 9)).working
    event = AuditEvent.objects.get(object_type="core.calendaryear", object_id=str(year.pk))
    assert event.actor == admin and event.changes["rest_days"] == 18 and event.changes["working_days"] == 3
    # The adjusted working Saturday counts: 8 October (Friday) + 1 working day is Saturday 9 October.
    assert deadlines.add_days(date(2027, 10, 8), 1, working=True) == date(2027, 10, 9)


def test_a_loaded_year_is_refused_unless_replaced(persona) -> None:  # noqa: ANN001
    admin = persona("admin")
    CalendarDay.objects.create(day=date(2027, 10, 8), working=False, note="地方假日")  # entered by hand
    CalendarDay.objects.create(day=date(2027, 3, 4), working=False, note="地方假日")
    load_arrangement(actor=admin, text=ARRANGEMENT_2027)
    with pytest.raises(ArrangementError, match="已经导入"):
        load_arrangement(actor=admin, text=ARRANGEMENT_2027)
    result = load_arrangement(actor=admin, text="年份,2027\n2027-10-01~2027-10-08,休,国庆节\n", replace=True)
    assert result.replaced
    assert CalendarDay.objects.filter(day__year=2027, arrangement__isnull=False).count() == 8
    assert not CalendarDay.objects.filter(day=date(2027, 10, 9)).exists()  # the old arrangement's day is gone
    assert CalendarDay.objects.get(day=date(2027, 3, 4)).arrangement is None  # the hand-entered day stays


def test_only_the_system_administrator_loads(persona) -> None:  # noqa: ANN001
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        load_arrangement(actor=persona("beiyuanmen"), text=ARRANGEMENT_2027)
    assert not CalendarYear.objects.filter(year=2027).exists()


# -- The command line ---------------------------------------------------------------------------------------------

def test_calendar_load_and_show(tmp_path: Path, stored_clock, demo_tree) -> None:  # noqa: ANN001
    file = tmp_path / "2027.txt"
    file.write_text(ARRANGEMENT_2027, encoding="utf-8")
    out = StringIO()
    call_command("calendar", "load", str(file), "--actor", "admin", stdout=out)
    assert "18 休, 3 班" in out.getvalue()
    assert "2027-10-06 → 2027-10-08  测试期限 T-1  /test/clock/1/" in out.getvalue()
    with pytest.raises(CommandError) as caught:
        call_command("calendar", "load", str(file), stdout=StringIO())
    assert caught.value.returncode == 2 and "--replace" in str(caught.value)
    call_command("calendar", "load", str(file), "--replace", stdout=StringIO())
    assert AuditEvent.objects.filter(object_type="core.calendaryear", actor_label="gonghui calendar load").exists()
    shown = StringIO()
    call_command("calendar", "show", "2027", stdout=shown)
    assert "2027 已导入 loaded" in shown.getvalue() and "2027-10-09 班 国庆节调休" in shown.getvalue()


def test_calendar_show_of_a_provisional_and_a_published_year() -> None:
    out = StringIO()
    call_command("calendar", "show", "2028", stdout=out)
    assert "2028 推算 provisional" in out.getvalue() and "2028-01-03 休 元旦补假" in out.getvalue()
    out = StringIO()
    call_command("calendar", "show", "2026", stdout=out)
    assert "2026 已公布 published" in out.getvalue() and "2026-10-01 休 国庆节" in out.getvalue()


def test_calendar_load_refuses_a_bad_file(tmp_path: Path) -> None:
    file = tmp_path / "bad.txt"
    file.write_text("年份,2027\n2027-10-01,休,国庆\n2027-10-01,班,调休\n", encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("calendar", "load", str(file))
    assert caught.value.returncode == 2 and "第3行" in str(caught.value)
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_deadline_command_counts_from_the_day_after_and_rolls() -> None:
    out, err = StringIO(), StringIO()
    call_command("deadline", "--start", "2026-09-30", "--days", "1", stdout=out, stderr=err)
    assert out.getvalue().strip() == "2026-10-08" and err.getvalue() == ""  # 1–7 October 2026 is rest
    out, err = StringIO(), StringIO()
    call_command("deadline", "--start", "2027-09-30", "--days", "1", stdout=out, stderr=err)
    assert out.getvalue().strip() == "2027-10-06" and "按法定节假日推算" in err.getvalue()
    out = StringIO()
    call_command("deadline", "--start", "2026-01-30", "--working-days", "3", stdout=out, stderr=StringIO())
    assert out.getvalue().strip() == "2026-02-04"
    out = StringIO()
    # 31 January 2027 + 1 month = 28 February (a Sunday) → Monday 1 March (民法典 第二百零二条、第二百零三条).
    call_command("deadline", "--start", "2027-01-31", "--months", "1", stdout=out, stderr=StringIO())
    assert out.getvalue().strip() == "2027-03-01"


@pytest.mark.parametrize("argv", [["--start", "2027-02-30", "--days", "1"], ["--start", "2027-01-01", "--days", "-1"],
                                  ["--start", "9999-12-30", "--days", "5"]])
def test_deadline_command_exits_2_on_bad_input(argv: list[str], capsys) -> None:  # noqa: ANN001
    from django.core.management import execute_from_command_line

    with pytest.raises(SystemExit) as caught:  # as from the shell: a usage error or a bad date is exit status 2
        execute_from_command_line(["gonghui", "deadline", *argv])
    assert caught.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


# -- The console page and the November warning ---------------------------------------------------------------

def test_the_calendar_page_is_the_system_administrators(client_for) -> None:  # noqa: ANN001
    assert client_for("beiyuanmen").get("/console/calendar/?year=2027").status_code == 404
    assert client_for("worker1").get("/console/calendar/?year=2027").status_code == 404
    page = client_for("admin").get("/console/calendar/?year=2027").content.decode()
    assert 'data-basis="provisional"' in page and "劳动节补假" in page
    assert client_for("admin").get("/console/calendar/?year=abc").status_code == 404
    assert client_for("admin").get("/console/calendar/?year=1800").status_code == 404
    with time_machine.travel("2026-06-01 09:00 +0800", tick=False):
        assert 'data-basis="published"' in client_for("admin").get("/console/calendar/").content.decode()


def test_the_page_refuses_a_day_both_rest_and_working(client_for) -> None:  # noqa: ANN001
    text = "年份,2027\n2027-10-01~2027-10-07,休,国庆节\n2027-10-02,班,调休\n"
    page = client_for("admin").post("/console/calendar/?year=2027", {"text": text}).content.decode()
    assert "不能既是休息日又是工作日" in page
    assert not CalendarYear.objects.filter(year=2027).exists()
    page = client_for("admin").post("/console/calendar/?year=2028", {"text": ARRANGEMENT_2027}).content.decode()
    assert "本页是2028年" in page


def test_the_page_loads_an_upload_and_lists_the_recomputed_clocks(client_for, stored_clock) -> None:  # noqa: ANN001
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("2027.txt", ARRANGEMENT_2027.encode())
    page = client_for("admin").post("/console/calendar/?year=2027", {"upload": upload}).content.decode()
    assert 'data-testid="calendar-loaded"' in page and 'data-basis="loaded"' in page
    assert "测试期限 T-1</a>：2027-10-06 → 2027-10-08" in page
    assert stored_clock.due == date(2027, 10, 8)


@pytest.mark.parametrize(("today", "warned"), [("2026-10-31 23:30", False), ("2026-11-01 00:10", True)])
def test_the_console_warns_from_1_november(today: str, warned: bool, persona) -> None:  # noqa: ANN001
    client = Client()
    client.force_login(persona("admin"))
    with time_machine.travel(f"{today} +0800", tick=False):
        page = client.get("/console/").content.decode()
    assert ('data-testid="calendar-warning"' in page) is warned
    official = Client()
    official.force_login(persona("beiyuanmen"))
    with time_machine.travel(f"{today} +0800", tick=False):
        assert 'data-testid="calendar-warning"' not in official.get("/console/").content.decode()


def test_no_warning_once_next_year_is_loaded(persona) -> None:  # noqa: ANN001
    load_arrangement(actor=persona("admin"), text=ARRANGEMENT_2027)
    client = Client()
    client.force_login(persona("admin"))
    with time_machine.travel("2026-11-01 09:00 +0800", tick=False):
        assert 'data-testid="calendar-warning"' not in client.get("/console/").content.decode()


# -- The request cache ------------------------------------------------------------------------------------------

def test_inside_a_request_the_calendar_is_read_once_and_dropped_on_a_write(django_assert_num_queries) -> None:  # noqa: ANN001
    deadlines._request_started()
    try:
        with django_assert_num_queries(2):  # the loaded years, then 2027's entered days
            for day in range(1, 29):
                year_basis(2027)
                period_end(date(2027, 2, day), days=3)
        assert period_end(date(2027, 3, 3), days=1) == date(2027, 3, 4)
        CalendarDay.objects.create(day=date(2027, 3, 4), working=False, note="地方假日")
        assert period_end(date(2027, 3, 3), days=1) == date(2027, 3, 5)  # the cache saw the write
        CalendarYear.objects.create(year=2027, source="test")
        assert year_basis(2027) == "loaded"
    finally:
        deadlines._request_finished()
    # Outside a request nothing is kept: every call reads the database.
    CalendarYear.objects.filter(year=2027).delete()
    assert year_basis(2027) == "provisional"
