"""Issue 20 for mediation: every statutory clock rolls a last rest day to the first working day (民法典 第二百零三条);
the limitation's interruption and suspension (调解仲裁法 第二十七条第二款、第三款); overtime pay as 劳动报酬 during
employment (第四款); stored clocks on a provisional year recomputed when its arrangement is loaded.

Expected dates by hand from the State Council's notices: 2024 National Day 1–7 October off; 2025 Spring Festival
28 January – 4 February off, Sunday 26 January and Saturday 8 February working days. 2031 is not published:
its holidays are computed (provisional).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.http import Http404
from hypothesis import given
from hypothesis import strategies as st

from gonghui.core.deadlines import PROVISIONAL_NOTE, Calendar, add_months, recompute_open_clocks
from gonghui.core.models import AuditEvent, CalendarDay
from gonghui.mediation import rules, selectors, services, suspensions
from gonghui.mediation.models import Case, LimitationInterruption, LimitationSuspension

S = Case.State
CAL = Calendar()  # no database: chinese-calendar's published years, provisional after them


# --- the one-year limitation ending on National Day ---------------------------------------------------------

def test_a_limitation_ending_on_national_day_rolls_to_8_october(new_case) -> None:  # noqa: ANN001
    # Knew on 2 October 2023: the year ends 2 October 2024, inside the 1–7 October rest, so on Tuesday 8 October.
    with time_machine.travel("2024-10-08 10:00 +0800", tick=False):
        on_the_last_day = new_case(knew_on=date(2023, 10, 2), category="termination")
    with time_machine.travel("2024-10-09 10:00 +0800", tick=False):
        a_day_late = new_case(knew_on=date(2023, 10, 2), category="termination")
    in_time = selectors.limitation_before_application(on_the_last_day)
    assert in_time.ends_on == date(2024, 10, 8) and in_time.state != "expired"
    assert selectors.limitation_before_application(a_day_late).state == "expired"
    # Read on 7 October (a holiday) the claim is not time-barred; on 9 October it is.
    facts = {"knew_on": date(2023, 10, 2), "interruptions": [], "category": "termination", "employment_ended_on": None}
    assert rules.limitation(today=date(2024, 10, 7), **facts).state == "near"
    assert rules.limitation(today=date(2024, 10, 9), **facts).state == "expired"


def test_the_case_page_of_a_limitation_in_the_holiday_is_not_barred(new_case, client_for) -> None:  # noqa: ANN001
    with time_machine.travel("2024-10-08 10:00 +0800", tick=False):
        case = new_case(knew_on=date(2023, 10, 2), category="termination")
        page = client_for("worker1").get(f"/mediation/cases/{case.pk}/").content.decode()
    assert "可能已超过一年的仲裁时效" not in page


# --- mediation's 15 days, rolled, and extensions --------------------------------------------------------------

def test_mediation_fifteen_days_ending_in_the_spring_festival(accepted, mediator) -> None:  # noqa: ANN001
    # Accepted Wednesday 15 January 2025: the 15th day, 30 January, is in the break; the period ends 5 February.
    with time_machine.travel("2025-01-15 09:00 +0800", tick=False):
        case = accepted(knew_on=date(2025, 1, 2))
    assert case.mediation_ends_on == date(2025, 2, 5)
    services.run_clocks(date(2025, 2, 5))
    assert Case.objects.get(pk=case.pk).state == S.ACCEPTED  # the rolled last day: still mediating
    services.run_clocks(date(2025, 2, 6))
    assert Case.objects.get(pk=case.pk).state == S.NOT_MEDIATED


def test_mediation_ending_on_a_saturday_before_an_adjusted_working_sunday(accepted) -> None:  # noqa: ANN001
    # Accepted Friday 10 January 2025: day 15 is Saturday 25 January; Sunday 26 January is a working day (调休).
    with time_machine.travel("2025-01-10 09:00 +0800", tick=False):
        case = accepted(knew_on=date(2025, 1, 2))
    assert case.mediation_ends_on == date(2025, 1, 26)


def test_an_agreed_extension_runs_from_the_rolled_end_and_rolls_itself(accepted, worker1, hr1) -> None:  # noqa: ANN001
    # Accepted 13 September 2024 → 28 September (a Saturday; Sunday 29 September is a working day) → 29 September.
    with time_machine.travel("2024-09-13 09:00 +0800", tick=False):
        case = accepted(knew_on=date(2024, 9, 1))
    assert case.mediation_ends_on == date(2024, 9, 29)
    with time_machine.travel("2024-09-20 09:00 +0800", tick=False):
        services.propose_extension(actor=worker1, case=case, days=3)
        services.agree_extension(actor=hr1, case=case)
    # 3 days after 29 September is 2 October, in the National Day rest: the extended period ends 8 October.
    assert Case.objects.get(pk=case.pk).mediation_ends_on == date(2024, 10, 8)


def test_reminders_are_the_apps_own_clock_and_do_not_roll() -> None:
    # Day 10 after 15 January 2025 is 25 January, a Saturday: the reminder is that day, not moved.
    assert rules.reminder_days(date(2025, 1, 15)) == [date(2025, 1, 25), date(2025, 1, 28)]


def test_the_arbitration_open_day_follows_the_rolled_fifteenth_day(new_case) -> None:  # noqa: ANN001
    # Received 17 September 2024: the 15th day, 2 October, rolls to 8 October; either party may apply from 9 October.
    with time_machine.travel("2024-09-17 09:00 +0800", tick=False):
        case = new_case(knew_on=date(2024, 9, 1))
    assert case.arbitration_open_on == date(2024, 10, 9)


# --- suspension (中止) and interruption (中断) ------------------------------------------------------------------

def test_a_suspension_of_ten_days_pushes_the_end_by_ten_days() -> None:
    # Knew Monday 4 March 2024: the year ends Tuesday 4 March 2025. Stopped 1–11 June 2024 (resumed on the 11th).
    plain = rules.limitation(knew_on=date(2024, 3, 4), interruptions=[], category="termination",
                             employment_ended_on=None, today=date(2025, 3, 10), calendar=CAL)
    assert plain.ends_on == date(2025, 3, 4) and plain.state == "expired"
    stopped = rules.limitation(knew_on=date(2024, 3, 4), interruptions=[], category="termination",
                               employment_ended_on=None, today=date(2025, 3, 10), calendar=CAL,
                               suspensions=[(date(2024, 6, 1), date(2024, 6, 11))])
    assert stopped.suspended_days == 10 and stopped.ends_on == date(2025, 3, 14) and stopped.state == "near"
    # One day fewer of suspension: 13 March, a day less.
    shorter = rules.limitation(knew_on=date(2024, 3, 4), interruptions=[], category="termination",
                               employment_ended_on=None, today=date(2025, 3, 10), calendar=CAL,
                               suspensions=[(date(2024, 6, 1), date(2024, 6, 10))])
    assert shorter.ends_on == date(2025, 3, 13)


def test_a_suspension_after_the_year_ran_out_does_not_revive_it() -> None:
    result = rules.limitation(knew_on=date(2024, 3, 4), interruptions=[], category="termination",
                              employment_ended_on=None, today=date(2025, 4, 1), calendar=CAL,
                              suspensions=[(date(2025, 3, 5), date(2025, 3, 20))])
    assert result.ends_on == date(2025, 3, 4) and result.state == "expired" and result.suspended_days == 0


def test_an_ongoing_suspension_keeps_the_period_stopped() -> None:
    result = rules.limitation(knew_on=date(2024, 3, 4), interruptions=[], category="termination",
                              employment_ended_on=None, today=date(2025, 3, 20), calendar=CAL,
                              suspensions=[(date(2025, 3, 1), None)])
    assert result.state == "suspended"
    assert result.suspended_days == 19  # 1–19 March, the cause still present on the 20th
    assert result.ends_on >= date(2025, 3, 20)


@given(gap=st.integers(min_value=1, max_value=300), length=st.integers(min_value=0, max_value=200),
       knew=st.dates(min_value=date(2015, 1, 1), max_value=date(2025, 12, 31)))
def test_suspended_days_are_added_then_the_end_rolls(gap: int, length: int, knew: date) -> None:
    starts = knew + timedelta(days=gap)
    result = rules.limitation(knew_on=knew, interruptions=[], category="injury", employment_ended_on=None,
                              today=knew, calendar=CAL, suspensions=[(starts, starts + timedelta(days=length))])
    assert result.suspended_days == length
    nominal = add_months(knew, 12) + timedelta(days=length)
    assert result.ends_on == CAL.next_working_day(nominal)
    assert CAL.is_working_day(result.ends_on)


def test_staff_record_and_end_a_suspension_and_the_case_limitation_moves(new_case, mediator, worker1) -> None:  # noqa: ANN001
    with time_machine.travel("2025-03-10 09:00 +0800", tick=False):
        case = new_case(knew_on=date(2024, 3, 4), category="termination")
        assert selectors.limitation_before_application(case).state == "expired"
        with pytest.raises(Http404):
            suspensions.record_suspension(actor=worker1, case=case, reason="洪水", starts_on=date(2024, 6, 1))
        held = suspensions.record_suspension(actor=mediator, case=case, reason="所在地洪灾封闭（不可抗力）",
                                             starts_on=date(2024, 6, 1), evidence="街道封控通知")
        with pytest.raises(ValidationError):  # one open suspension at a time
            suspensions.record_suspension(actor=mediator, case=case, reason="再次", starts_on=date(2024, 7, 1))
        suspensions.end_suspension(actor=mediator, case=case, suspension_id=held.pk, ends_on=date(2024, 6, 11))
        with pytest.raises(ValidationError):
            suspensions.end_suspension(actor=mediator, case=case, suspension_id=held.pk, ends_on=date(2024, 6, 12))
    at_application = selectors.limitation_before_application(Case.objects.get(pk=case.pk))
    assert at_application.ends_on == date(2025, 3, 14) and at_application.state != "expired"
    assert AuditEvent.objects.filter(object_type="mediation.limitationsuspension", object_id=str(held.pk)).count() == 2


def test_a_suspension_cannot_start_in_the_future_or_end_before_it_starts(new_case, mediator) -> None:  # noqa: ANN001
    with time_machine.travel("2025-03-10 09:00 +0800", tick=False):
        case = new_case(knew_on=date(2025, 1, 4), category="termination")
        with pytest.raises(ValidationError):
            suspensions.record_suspension(actor=mediator, case=case, reason="x", starts_on=date(2025, 3, 11))
        with pytest.raises(ValidationError):
            suspensions.record_suspension(actor=mediator, case=case, reason="x", starts_on=date(2025, 3, 1),
                                          ends_on=date(2025, 2, 28))
        with pytest.raises(ValidationError):
            suspensions.record_suspension(actor=mediator, case=case, reason=" ", starts_on=date(2025, 3, 1))
    assert not LimitationSuspension.objects.filter(case=case).exists()


def test_another_bodys_staff_get_the_404(new_case, persona) -> None:  # noqa: ANN001
    case = new_case(knew_on=date(2025, 1, 4), category="termination")
    stranger = persona("worker2")
    with pytest.raises(Http404):
        suspensions.record_interruption(actor=stranger, case=case, kind="claim", occurred_on=date(2025, 1, 5),
                                        evidence="催告函")


def test_an_interruption_restarts_the_year(new_case, mediator) -> None:  # noqa: ANN001
    # Knew 4 March 2024; the employer agreed in writing to pay on 3 March 2025 (the year still ran): a new year to
    # 3 March 2026. The application on 10 March 2025 is then in time.
    with time_machine.travel("2025-03-10 09:00 +0800", tick=False):
        case = new_case(knew_on=date(2024, 3, 4), category="termination")
        with pytest.raises(ValidationError):
            suspensions.record_interruption(actor=mediator, case=case, kind="agreed", occurred_on=date(2025, 3, 3),
                                            evidence="")
        suspensions.record_interruption(actor=mediator, case=case, kind=LimitationInterruption.Kind.AGREED,
                                        occurred_on=date(2025, 3, 3), evidence="用人单位书面承诺支付")
    result = selectors.limitation_before_application(Case.objects.get(pk=case.pk))
    assert result.ends_on == date(2026, 3, 3) and result.state != "expired"
    assert "第二十七条第二款" in result.basis


def test_an_interruption_a_day_after_the_year_does_not_restart_it(new_case, mediator) -> None:  # noqa: ANN001
    with time_machine.travel("2025-03-10 09:00 +0800", tick=False):
        case = new_case(knew_on=date(2024, 3, 4), category="termination")
        suspensions.record_interruption(actor=mediator, case=case, kind="department", occurred_on=date(2025, 3, 5),
                                        evidence="劳动监察投诉回执")
    assert selectors.limitation_before_application(Case.objects.get(pk=case.pk)).state == "expired"


def test_the_case_page_records_a_suspension(new_case, client_for) -> None:  # noqa: ANN001
    with time_machine.travel("2025-03-10 09:00 +0800", tick=False):
        case = new_case(knew_on=date(2024, 3, 4), category="termination")
        client = client_for("tiaojie")
        response = client.post(f"/mediation/cases/{case.pk}/act/", {
            "action": "record_suspension", "reason": "洪灾", "starts_on": "2024-06-01", "ends_on": "2024-06-11",
            "evidence": "通知"})
        assert response.status_code == 302
        page = client.get(f"/mediation/cases/{case.pk}/").content.decode()
    assert "洪灾" in page and 'data-testid="limitation-facts"' in page
    assert LimitationSuspension.objects.get(case=case).ends_on == date(2024, 6, 11)


# --- overtime pay is 劳动报酬 (第二十七条第四款) ---------------------------------------------------------------

def test_overtime_pay_during_employment_is_not_limited(new_case) -> None:  # noqa: ANN001
    assert "overtime_pay" in rules.WAGE_CATEGORIES
    with time_machine.travel("2025-03-10 09:00 +0800", tick=False):
        case = new_case(knew_on=date(2020, 1, 1), category="overtime_pay")
    during = selectors.limitation_before_application(case)
    assert during.state == "none" and during.ends_on is None
    # Once the employment ended (Friday 28 June 2024), one year from its end: 30 June 2025 (28 June is a Saturday).
    ended = rules.limitation(knew_on=date(2020, 1, 1), interruptions=[], category="overtime_pay",
                             employment_ended_on=date(2024, 6, 28), today=date(2025, 6, 30), calendar=CAL)
    assert ended.ends_on == date(2025, 6, 30) and ended.state == "near"
    assert rules.limitation(knew_on=date(2020, 1, 1), interruptions=[], category="overtime_pay",
                            employment_ended_on=date(2024, 6, 28), today=date(2025, 7, 1), calendar=CAL).state == "expired"
    # Another category is limited from knowing, even while employed.
    other = rules.limitation(knew_on=date(2020, 1, 1), interruptions=[], category="hours", employment_ended_on=None,
                             today=date(2025, 3, 10), calendar=CAL)
    assert other.state == "expired"


# --- a provisional year, recomputed when its arrangement arrives ---------------------------------------------

def test_clocks_on_a_provisional_year_move_when_the_arrangement_is_loaded(accepted, mediator, client_for) -> None:  # noqa: ANN001
    # 2031 is provisional. Accepted Monday 3 March 2031: mediation ends Tuesday 18 March, arbitration open 19 March.
    with time_machine.travel("2031-03-03 09:00 +0800", tick=False):
        case = accepted(knew_on=date(2031, 2, 20))
        page = client_for("tiaojie").get(f"/mediation/cases/{case.pk}/").content.decode()
        listed = client_for("tiaojie").get("/mediation/cases/").content.decode()
    assert str(PROVISIONAL_NOTE) in page and str(PROVISIONAL_NOTE) in listed
    assert (case.mediation_ends_on, case.arbitration_open_on) == (date(2031, 3, 18), date(2031, 3, 19))
    assert [c for c in recompute_open_clocks(2031) if "/mediation/" in c.url] == []  # nothing moved yet
    CalendarDay.objects.create(day=date(2031, 3, 18), working=False, note="2031年放假安排（测试）")
    changes = [c for c in recompute_open_clocks(2031) if "/mediation/" in c.url]
    moved = {(c.old, c.new) for c in changes}
    assert moved == {(date(2031, 3, 18), date(2031, 3, 19)), (date(2031, 3, 19), date(2031, 3, 20))}
    assert all(c.notify == (mediator.pk,) and case.number in c.what for c in changes)
    stored = Case.objects.get(pk=case.pk)
    assert (stored.mediation_ends_on, stored.arbitration_open_on) == (date(2031, 3, 19), date(2031, 3, 20))
    assert [c for c in recompute_open_clocks(2031) if "/mediation/" in c.url] == []  # idempotent
    # A year the clocks did not count on leaves them alone.
    assert [c for c in recompute_open_clocks(2030) if "/mediation/" in c.url] == []


def test_a_negotiation_reply_on_a_provisional_year_is_recomputed(worker1, employer1) -> None:  # noqa: ANN001
    from gonghui.orgs.models import Person

    person = Person.objects.get(user=worker1)
    with time_machine.travel("2031-03-10 09:00 +0800", tick=False):  # Monday: 5 days → Saturday 15 → Monday 17
        negotiation = services.request_negotiation(actor=worker1, person=person, employer=employer1,
                                                   category="overtime_pay", claims="支付加班费")
    assert negotiation.reply_due_on == date(2031, 3, 17)
    CalendarDay.objects.create(day=date(2031, 3, 17), working=False, note="测试")
    changes = [c for c in recompute_open_clocks(2031) if "/mediation/negotiations/" in c.url]
    assert [(c.old, c.new) for c in changes] == [(date(2031, 3, 17), date(2031, 3, 18))]
    assert worker1.pk in changes[0].notify
    negotiation.refresh_from_db()
    assert negotiation.reply_due_on == date(2031, 3, 18)
