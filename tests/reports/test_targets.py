"""Daily reporting follows the enterprise's state: owed from the day it resumed work, was registered or entered the
assignment's scope, never while suspended; enterprises that enter a live assignment's scope later are included."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from gonghui.orgs.models import Enterprise, EnterpriseTag, Unit, User
from gonghui.reports import rules, selectors, services, targets
from gonghui.reports.models import FormTemplate, Report, Target
from gonghui.reports.rules import SHANGHAI

START = dt.date(2026, 3, 2)
MADE = dt.datetime(2026, 3, 2, 8, 0, tzinfo=SHANGHAI)


# --- the rule, pure ---

def test_at_the_assignment_an_enterprise_owes_from_the_start_or_its_resumption() -> None:
    common = {"start_on": START, "today": START, "made_on": START, "registered_on": START, "previous_until": None}
    assert rules.owes_from(resumed_on=None, **common) == START
    assert rules.owes_from(resumed_on=START - dt.timedelta(days=30), **common) == START
    assert rules.owes_from(resumed_on=START + dt.timedelta(days=3), **common) == START + dt.timedelta(days=3)


def test_later_an_enterprise_owes_from_the_recorded_day_it_entered_or_today() -> None:
    later = START + dt.timedelta(days=10)
    common = {"start_on": START, "today": later, "made_on": START, "previous_until": None}
    # resumed after the assignment was made: from that day (a bulk import told us two days late)
    assert rules.owes_from(registered_on=START - dt.timedelta(days=99), resumed_on=later - dt.timedelta(days=2),
                           **common) == later - dt.timedelta(days=2)
    # registered after the assignment was made
    assert rules.owes_from(registered_on=later - dt.timedelta(days=1), resumed_on=None, **common) == later - \
        dt.timedelta(days=1)
    # nothing records the day (a tag added, a union moved): from today, not from the assignment's start
    assert rules.owes_from(registered_on=START - dt.timedelta(days=99), resumed_on=START - dt.timedelta(days=50),
                           **common) == later
    # suspended, then back: never inside its previous stretch
    assert rules.owes_from(registered_on=START, resumed_on=START - dt.timedelta(days=5),
                           **{**common, "previous_until": later - dt.timedelta(days=1)}) == later


@given(start=st.dates(dt.date(2020, 1, 1), dt.date(2030, 1, 1)), made=st.integers(0, 30), today=st.integers(0, 60),
       registered=st.integers(-400, 60), resumed=st.one_of(st.none(), st.integers(-400, 60)),
       previous=st.one_of(st.none(), st.integers(-5, 60)))
def test_never_before_the_start_a_resumption_or_a_previous_stretch(start: dt.date, made: int, today: int,
                                                                  registered: int, resumed: int | None,
                                                                  previous: int | None) -> None:
    made_on = start - dt.timedelta(days=made)
    now = made_on + dt.timedelta(days=today)
    resumed_on = None if resumed is None else made_on + dt.timedelta(days=min(resumed, today))
    previous_until = None if previous is None else made_on + dt.timedelta(days=min(previous, today))
    registered_on = made_on + dt.timedelta(days=min(registered, today))
    since = rules.owes_from(start_on=start, today=now, made_on=made_on, registered_on=registered_on,
                            resumed_on=resumed_on, previous_until=previous_until)
    assert since >= start
    assert resumed_on is None or since >= resumed_on
    assert previous_until is None or since > previous_until
    if now > made_on and since > max(start, now):
        assert previous_until is not None and since == previous_until + dt.timedelta(days=1)


# --- the services, on the demo street ---

@pytest.fixture
def street_assignment(official: User, street: Unit):  # noqa: ANN001, ANN201
    template = FormTemplate.objects.get(code="medical_observation_daily")
    with time_machine.travel(MADE, tick=False):
        return services.assign(actor=official, template=template, unit=street, start_on=START,
                               end_on=START + dt.timedelta(days=30))


def _enterprises(street: Unit, status: str) -> list[Enterprise]:
    return list(Enterprise.objects.filter(unit__path__startswith=street.path, status=status).order_by("id"))


def _owes(assignment, enterprise: Enterprise, day: dt.date) -> bool:  # noqa: ANN001
    return targets.owing(assignment, day).filter(enterprise=enterprise).exists()


@pytest.mark.django_db
def test_suspended_enterprises_owe_nothing_and_are_shown_apart(street_assignment, official: User,
                                                             street: Unit) -> None:  # noqa: ANN001
    suspended = _enterprises(street, "suspended")
    assert suspended, "the demo street has suspended enterprises"
    assert not Target.objects.filter(assignment=street_assignment, enterprise__in=suspended).exists()
    assert set(selectors.suspended(official, street_assignment, street)) == set(suspended)
    at_work = [e for e in _enterprises(street, "resumed") if e.resumed_on <= START]
    row = selectors.completeness(official, street_assignment, START, street)[0]
    owed_start = sum(1 for e in _enterprises(street, "resumed") if e.resumed_on <= START)
    owed_start += len(_enterprises(street, "operating"))
    assert row.expected == owed_start
    assert not set(suspended) & set(selectors.missing(official, street_assignment, START, street))
    assert set(at_work) <= set(selectors.missing(official, street_assignment, START, street))


@pytest.mark.django_db
def test_an_enterprise_owes_from_the_day_it_resumed_not_the_assignments_start(official: User, street: Unit) -> None:
    late_one = _enterprises(street, "resumed")[0]
    Enterprise.objects.filter(pk=late_one.pk).update(resumed_on=START + dt.timedelta(days=4))
    template = FormTemplate.objects.get(code="medical_observation_daily")
    with time_machine.travel(MADE, tick=False):
        assignment = services.assign(actor=official, template=template, unit=street, start_on=START,
                                     end_on=START + dt.timedelta(days=30))
    assert not _owes(assignment, late_one, START + dt.timedelta(days=3))
    assert _owes(assignment, late_one, START + dt.timedelta(days=4))
    day3 = selectors.completeness(official, assignment, START + dt.timedelta(days=3), street)[0].expected
    day4 = selectors.completeness(official, assignment, START + dt.timedelta(days=4), street)[0].expected
    assert day4 == day3 + 1
    assert late_one not in selectors.missing(official, assignment, START + dt.timedelta(days=3), street)
    assert late_one in selectors.missing(official, assignment, START + dt.timedelta(days=4), street)


@pytest.mark.django_db
def test_suspension_closes_the_stretch_and_resumption_opens_another(street_assignment, official: User, street: Unit,
                                                                   django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    enterprise = next(e for e in _enterprises(street, "resumed") if e.resumed_on <= START)
    day5 = START + dt.timedelta(days=5)
    with time_machine.travel(dt.datetime.combine(day5, dt.time(15), tzinfo=SHANGHAI), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        enterprise.status, enterprise.resumed_on = "suspended", None
        enterprise.save()  # the signal syncs it once the change is committed
    assert _owes(street_assignment, enterprise, day5 - dt.timedelta(days=1))
    assert not _owes(street_assignment, enterprise, day5)  # suspended today: today's report is not owed
    assert enterprise in selectors.suspended(official, street_assignment, street)
    day9 = START + dt.timedelta(days=9)
    Enterprise.objects.filter(pk=enterprise.pk).update(status="resumed", resumed_on=day9 - dt.timedelta(days=1))
    assert targets.sync_all(day9) >= 1  # the daily run catches a change made in bulk
    assert not _owes(street_assignment, enterprise, day9 - dt.timedelta(days=2))
    assert _owes(street_assignment, enterprise, day9 - dt.timedelta(days=1))  # from the recorded day it resumed
    assert Target.objects.filter(assignment=street_assignment, enterprise=enterprise).count() == 2
    assert targets.sync_all(day9) == 0  # a second run changes nothing


@pytest.mark.django_db
def test_an_enterprise_that_enters_the_scope_later_is_included(official: User, street: Unit) -> None:
    tag = EnterpriseTag.objects.create(name="测试重点企业")
    first, second = [e for e in _enterprises(street, "resumed") if e.resumed_on <= START][:2]
    first.tags.add(tag)
    template = FormTemplate.objects.get(code="medical_observation_daily")
    with time_machine.travel(MADE, tick=False):
        assignment = services.assign(actor=official, template=template, unit=street, start_on=START,
                                     end_on=START + dt.timedelta(days=30), tag=tag)
    assert list(Target.objects.filter(assignment=assignment).values_list("enterprise_id", flat=True)) == [first.pk]
    day7 = START + dt.timedelta(days=7)
    second.tags.add(tag)
    targets.sync_enterprise(second.pk, day7)
    assert not _owes(assignment, second, day7 - dt.timedelta(days=1))  # nothing records an earlier day
    assert _owes(assignment, second, day7)
    assert second in selectors.missing(official, assignment, day7, street)
    second.tags.remove(tag)
    targets.sync_enterprise(second.pk, day7 + dt.timedelta(days=2))
    assert _owes(assignment, second, day7 + dt.timedelta(days=1))
    assert not _owes(assignment, second, day7 + dt.timedelta(days=2))


@pytest.mark.django_db
def test_a_report_for_a_period_not_owed_keeps_its_figures_but_not_the_rates(street_assignment, official: User,
                                                                            street: Unit) -> None:  # noqa: ANN001
    suspended = _enterprises(street, "suspended")[0]
    report = services.submit_report(actor=official, assignment=street_assignment, enterprise=suspended, period=START,
                                    data={"observed_total": "2", "observed": []},
                                    now=dt.datetime.combine(START, dt.time(9), tzinfo=SHANGHAI))
    assert Report.objects.filter(pk=report.pk).exists()
    row = selectors.completeness(official, street_assignment, START, street)[0]
    assert row.reported == 0 and row.totals["observed_total"] == 2


@pytest.mark.django_db
def test_reminders_reach_only_the_enterprises_that_owe_today(official: User, street: Unit, persona) -> None:  # noqa: ANN001
    from gonghui.core.models import Notification

    hotel = Enterprise.objects.get(name="陕西美丽豪酒店管理有限公司")
    hr = persona("hr_meilihao")
    template = FormTemplate.objects.get(code="medical_observation_daily")
    with time_machine.travel(MADE, tick=False):
        assignment = services.assign(actor=official, template=template, unit=street, start_on=START,
                                     end_on=START + dt.timedelta(days=30), deadline=dt.time(10, 0))
    Notification.objects.all().delete()
    Enterprise.objects.filter(pk=hotel.pk).update(status="suspended", resumed_on=None)
    day = START + dt.timedelta(days=3)
    targets.sync_all(day)
    services.run_reminders(now=dt.datetime.combine(day, dt.time(9, 30), tzinfo=SHANGHAI))
    assert not Notification.objects.filter(recipient=hr, key__contains=f":{assignment.pk}:").exists()
    Enterprise.objects.filter(pk=hotel.pk).update(status="resumed", resumed_on=day + dt.timedelta(days=1))
    targets.sync_all(day + dt.timedelta(days=1))
    services.run_reminders(now=dt.datetime.combine(day + dt.timedelta(days=1), dt.time(9, 30), tzinfo=SHANGHAI))
    assert Notification.objects.filter(recipient=hr, key__contains=f":{assignment.pk}:").exists()
