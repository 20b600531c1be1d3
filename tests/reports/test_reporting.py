"""Assignments, filing, late marking, revisions, locks, review and the rollups completeness reads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from gonghui.orgs.models import Enterprise, Unit, User
from gonghui.reports import forms, selectors, services
from gonghui.reports.models import FormTemplate, Report, RollupFigure
from gonghui.reports.rules import SHANGHAI
from gonghui.reports.seed_forms import SEED_FORMS
from tests.registry.sheets import valid_id

DAY = dt.date(2020, 2, 20)


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def test_the_four_seed_forms_ship_and_are_valid(db) -> None:  # noqa: ANN001
    shipped = {t.code: t for t in FormTemplate.objects.filter(unit__isnull=True)}
    assert set(shipped) == {f["code"] for f in SEED_FORMS}
    for template in shipped.values():
        assert forms.parse_schema(template.current().schema)
    assert shipped["urgent_hiring"].approval_step


@pytest.fixture
def observation(official: User, street: Unit):  # noqa: ANN001, ANN201
    template = FormTemplate.objects.get(code="medical_observation_daily")
    # every enterprise of the street back at work before the assignment starts: all of them owe every period
    # (who owes what when enterprises resume or are suspended: test_targets.py)
    Enterprise.objects.filter(unit__path__startswith=street.path).exclude(status="closed").update(
        status="resumed", resumed_on=DAY - dt.timedelta(days=10))
    return services.assign(actor=official, template=template, unit=street, start_on=DAY - dt.timedelta(days=5),
                           end_on=DAY + dt.timedelta(days=30), lock_after_days=3)


def _data(count: int, temperatures: list[str]) -> dict:
    return {"observed_total": str(count), "observed": [
        {"name": f"观察{i}", "id_number": valid_id(f"61010419900101{i:03d}"), "kind": "居家隔离",
         "start_on": "2020-02-15", "temperature": t} for i, t in enumerate(temperatures)]}


def test_assigning_counts_what_every_unit_expects(observation, street: Unit, official: User, persona) -> None:  # noqa: ANN001
    enterprises = Enterprise.objects.filter(unit__path__startswith=street.path).exclude(status="closed").count()
    rows = selectors.completeness(official, observation, DAY, street)
    assert rows[0].unit == street and rows[0].expected == enterprises and rows[0].reported == 0
    assert sum(r.expected for r in rows[1:]) == enterprises
    lianhu = Unit.objects.get(code="610104")
    assert selectors.completeness(persona("lianhu"), observation, DAY, lianhu)[0].expected == enterprises
    with pytest.raises(Http404):  # the street does not read the district's figures
        selectors.completeness(official, observation, DAY, lianhu)


def test_on_time_up_to_the_deadline_minute_and_late_after(observation, official: User, street: Unit) -> None:  # noqa: ANN001
    first, second = Enterprise.objects.filter(unit__path__startswith=street.path).order_by("id")[:2]
    # the deadline is 10:00: on time until the end of that minute (docs/reports.md), late from 10:01:00
    on_time = services.submit_report(actor=official, assignment=observation, enterprise=first, period=DAY,
                                     data=_data(1, ["36.5"]), now=at(10, 0) + dt.timedelta(seconds=59, microseconds=999999))
    late = services.submit_report(actor=official, assignment=observation, enterprise=second, period=DAY,
                                  data=_data(2, ["36.5", "37.2"]), now=at(10, 1))
    assert not on_time.late and late.late
    row = selectors.completeness(official, observation, DAY, street)[0]
    assert (row.reported, row.on_time, row.late) == (2, 1, 1)
    assert row.totals["observed_total"] == 3 and row.totals["observed.rows"] == 3
    assert row.reporting_rate == (Decimal(200) / row.expected).quantize(Decimal("0.1"), rounding="ROUND_HALF_UP")
    assert list(selectors.late(official, observation, DAY, street)) == [late]
    assert first not in selectors.missing(official, observation, DAY, street)


def test_a_correction_is_a_revision_and_never_counts_twice(observation, official: User, street: Unit) -> None:  # noqa: ANN001
    enterprise = Enterprise.objects.filter(unit__path__startswith=street.path).first()
    services.submit_report(actor=official, assignment=observation, enterprise=enterprise, period=DAY,
                           data=_data(2, ["36.5", "36.6"]), now=at(9))
    report = services.submit_report(actor=official, assignment=observation, enterprise=enterprise, period=DAY,
                                    data=_data(1, ["36.5"]), now=at(11))
    assert report.revision == 2 and not report.late  # first filed on time; the correction keeps that
    assert [r.number for r in report.revisions.all()] == [1, 2] and report.revisions.last().late
    for unit in (street, Unit.objects.get(code="610104"), Unit.objects.get(code="610000")):
        figures = dict(RollupFigure.objects.filter(assignment=observation, unit=unit, period=DAY)
                       .values_list("key", "value"))
        assert figures["#reported"] == 1 and figures["#on_time"] == 1
        assert figures["observed_total"] == 1 and figures["observed.rows"] == 1


def test_bad_data_is_refused_with_every_reason_and_changes_nothing(observation, official: User, street: Unit) -> None:  # noqa: ANN001
    enterprise = Enterprise.objects.filter(unit__path__startswith=street.path).first()
    with pytest.raises(ValidationError) as refused:
        services.submit_report(actor=official, assignment=observation, enterprise=enterprise, period=DAY,
                               data={"observed_total": "-1", "observed": [{"name": "甲", "id_number": "123"}]},
                               now=at(9))
    text = " ".join(refused.value.messages)
    assert "医学观察人数" in text and "第1行“身份证号”" in text and "第1行“观察方式”" in text
    assert not Report.objects.filter(assignment=observation).exists()
    assert not RollupFigure.objects.filter(assignment=observation).exclude(value=0).exists()


def test_a_period_locks_and_a_street_official_reopens_it(observation, official: User, street: Unit,  # noqa: ANN001
                                                         time_machine) -> None:
    enterprise = Enterprise.objects.filter(unit__path__startswith=street.path).first()
    services.submit_report(actor=official, assignment=observation, enterprise=enterprise, period=DAY,
                           data=_data(0, []), now=at(9, day=DAY + dt.timedelta(days=3)))  # the last open day
    with pytest.raises(ValidationError, match="已锁定"):
        services.submit_report(actor=official, assignment=observation, enterprise=enterprise, period=DAY,
                               data=_data(1, ["36.9"]), now=at(9, day=DAY + dt.timedelta(days=4)))
    time_machine.move_to(at(9, day=DAY + dt.timedelta(days=4)))
    services.reopen(actor=official, assignment=observation, enterprise=enterprise, period=DAY,
                    until=DAY + dt.timedelta(days=5), reason="企业补报漏报人员")
    report = services.submit_report(actor=official, assignment=observation, enterprise=enterprise, period=DAY,
                                    data=_data(1, ["36.9"]), now=at(9, day=DAY + dt.timedelta(days=4)))
    assert report.revision == 2


def test_only_the_enterprise_or_its_officials_file(observation, persona, street: Unit) -> None:  # noqa: ANN001
    hotel = Enterprise.objects.get(name="陕西美丽豪酒店管理有限公司")
    services.submit_report(actor=persona("hr_meilihao"), assignment=observation, enterprise=hotel, period=DAY,
                           data=_data(0, []), now=at(9))
    other = Enterprise.objects.filter(unit__path__startswith=street.path).exclude(pk=hotel.pk).first()
    for outsider, enterprise in (("hr_meilihao", other), ("qingnianlu", hotel), ("worker1", hotel)):
        with pytest.raises(Http404):
            services.submit_report(actor=persona(outsider), assignment=observation, enterprise=enterprise,
                                   period=DAY, data=_data(0, []), now=at(9))


def test_the_street_reviews_and_a_corrected_report_comes_back(observation, official: User, street: Unit) -> None:  # noqa: ANN001
    enterprise = Enterprise.objects.filter(unit__path__startswith=street.path).first()
    report = services.submit_report(actor=official, assignment=observation, enterprise=enterprise, period=DAY,
                                    data=_data(0, []), now=at(9))
    with pytest.raises(ValidationError):
        services.review_report(actor=official, report=report, verdict="has_issues", comment="")
    services.review_report(actor=official, report=report, verdict="has_issues", comment="观察人数与明细不符")
    report = services.submit_report(actor=official, assignment=observation, enterprise=enterprise, period=DAY,
                                    data=_data(1, ["36.6"]), now=at(9, 30))
    assert report.state == Report.State.SUBMITTED


def test_a_trend_reads_one_figure_day_by_day(observation, official: User, street: Unit, persona) -> None:  # noqa: ANN001
    enterprise = Enterprise.objects.filter(unit__path__startswith=street.path).first()
    for offset, count in ((0, 2), (1, 3)):
        day = DAY + dt.timedelta(days=offset)
        services.submit_report(actor=official, assignment=observation, enterprise=enterprise, period=day,
                               data=_data(count, ["36.5"] * count), now=at(9, day=day))
    lianhu = Unit.objects.get(code="610104")
    series = selectors.trend(persona("lianhu"), observation, lianhu, "observed_total", DAY - dt.timedelta(days=1),
                             DAY + dt.timedelta(days=1))
    assert series == [(DAY - dt.timedelta(days=1), 0), (DAY, 2), (DAY + dt.timedelta(days=1), 3)]


def test_a_period_nobody_opened_still_rolls_up(observation, official: User, street: Unit) -> None:  # noqa: ANN001
    later = DAY + dt.timedelta(days=2)  # the assignment opened its first day only; the clock did not run
    assert not RollupFigure.objects.filter(assignment=observation, period=later).exists()
    first, second = Enterprise.objects.filter(unit__path__startswith=street.path).order_by("id")[:2]
    for enterprise in (first, second):
        services.submit_report(actor=official, assignment=observation, enterprise=enterprise, period=later,
                               data=_data(1, ["36.6"]), now=at(9, day=later))
    assert selectors.completeness(official, observation, later, street)[0].reported == 2
    services.open_period(assignment=observation, period=later)  # the clock, late: makes the rest, counts nothing
    row = selectors.completeness(official, observation, later, street)[0]
    assert (row.reported, row.on_time, row.totals["observed_total"]) == (2, 2, 2)


def test_the_daily_command_opens_the_day_for_running_assignments(observation) -> None:  # noqa: ANN001
    from io import StringIO

    from django.core.management import call_command

    later = DAY + dt.timedelta(days=3)
    out = StringIO()
    call_command("reports", "open-periods", "--day", later.isoformat(), stdout=out)
    assert "1 项" in out.getvalue()
    assert RollupFigure.objects.filter(assignment=observation, period=later, key="#reported").count() == \
        observation.expected.filter(count__gt=0).count()
    call_command("reports", "open-periods", "--day", (DAY + dt.timedelta(days=90)).isoformat(), stdout=out)
    assert not RollupFigure.objects.filter(period=DAY + dt.timedelta(days=90)).exists()


def test_reminders_an_hour_before_and_at_the_deadline_once_each(persona, time_machine) -> None:  # noqa: ANN001
    from gonghui.core.models import Notification
    from gonghui.reports.models import Assignment

    assignment = Assignment.objects.get(unit__code="610104001")  # the demo's, daily, deadline 10:00
    hotel = Enterprise.objects.get(name="陕西美丽豪酒店管理有限公司")
    hr = persona("hr_meilihao")
    day = timezone.localdate()
    Report.objects.filter(assignment=assignment, enterprise=hotel, period=day).delete()
    Notification.objects.all().delete()

    def told() -> int:
        return Notification.objects.filter(recipient=hr, key__startswith="reports:").count()

    # 10:00 is still on time (the end of the deadline minute): the "it is late" reminder comes from 10:01
    for moment, expected in ((at(8, 59, day), 0), (at(9, 0, day), 1), (at(9, 30, day), 1), (at(10, 0, day), 1),
                             (at(10, 1, day), 2), (at(11, 0, day), 2), (at(11, 1, day), 2)):
        time_machine.move_to(moment)
        services.run_reminders(now=moment)
        assert told() == expected, moment
    services.submit_report(actor=hr, assignment=assignment, enterprise=hotel, period=day, data=_data(0, []),
                           now=at(11, 5, day))
    Notification.objects.all().delete()
    services.run_reminders(now=at(9, 30, day))
    assert told() == 0  # filed: nobody is reminded
