"""Relief's stored clock — the public notice — counted through core.deadlines and recomputed when a year's
arrangement is loaded: a provisional far year (2100), then a CalendarDay entered by an official."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from gonghui.core import deadlines
from gonghui.core.models import CalendarDay
from gonghui.orgs.models import Unit
from gonghui.relief import clocks, services
from gonghui.relief.models import Application, Policy
from tests.relief.test_applications import approve_all, submit

APPROVED = date(2100, 3, 1)  # a Monday of a year chinese-calendar does not know: provisional


@pytest.fixture
def on_notice(household, persona) -> Application:  # noqa: ANN001
    street = Unit.objects.get(code="610104001")
    services.move_budget(actor=persona("admin"), unit=street, policy=Policy.objects.get(code="cq-temp-acute"),
                         year=APPROVED.year, amount="100000", kind="top_up", note="测试资金")
    file = household(wage="500", spouse="500")
    with time_machine.travel("2100-03-01 10:00 +0800", tick=False):
        application = approve_all(submit(file, self_paid="9000"), persona)
    assert application.state == Application.State.NOTICE
    return application


@pytest.mark.django_db
def test_the_notice_ends_on_a_working_day_and_is_marked_provisional(on_notice: Application) -> None:
    # 5 days from the day after Monday 1 March: Saturday 6 March, a rest day → Monday 8 March
    assert on_notice.notice_until == date(2100, 3, 8)
    assert deadlines.year_basis(2100) == "provisional"
    assert deadlines.relies_on_provisional(APPROVED, on_notice.notice_until)


@pytest.mark.django_db
def test_a_holiday_entered_on_the_last_day_moves_it_and_is_listed(on_notice: Application) -> None:
    CalendarDay.objects.create(day=date(2100, 3, 8), working=False, note="地方节日")
    changes = deadlines.recompute_open_clocks(2100)
    mine = [c for c in changes if str(on_notice.pk) in c.url]
    assert len(mine) == 1 and (mine[0].old, mine[0].new) == (date(2100, 3, 8), date(2100, 3, 9))
    assert on_notice.number in mine[0].what
    on_notice.refresh_from_db()
    assert on_notice.notice_until == date(2100, 3, 9)
    assert clocks.recompute_notices(2100) == []  # nothing moves twice
    assert clocks.recompute_notices(2099) == []  # a year it did not count on


@pytest.mark.django_db
def test_an_adjusted_working_saturday_ends_it_earlier(on_notice: Application) -> None:
    CalendarDay.objects.create(day=date(2100, 3, 6), working=True, note="调休上班")
    (change,) = clocks.recompute_notices(2100)
    assert (change.old, change.new) == (date(2100, 3, 8), date(2100, 3, 6))


@pytest.mark.django_db
def test_a_settled_application_is_left_alone(on_notice: Application) -> None:
    Application.objects.filter(pk=on_notice.pk).update(state=Application.State.REJECTED)
    CalendarDay.objects.create(day=date(2100, 3, 8), working=False, note="地方节日")
    assert clocks.recompute_notices(2100) == []
