"""The return-to-work services: the health follow-up of the people reports name, supplies, visits, notices,
the 复工 figures — each rule on both sides of its boundary, and each read scoped."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from gonghui.orgs.models import Enterprise, Person, Unit, User
from gonghui.reports import rules, selectors, services
from gonghui.reports.models import (
    FormTemplate,
    HealthReading,
    Isolation,
    NoticeReceipt,
    PlannedVisit,
    Report,
    SupplyItem,
    SupplyRequest,
    VisitIssue,
)
from gonghui.reports.rules import SHANGHAI
from tests.registry.sheets import valid_id

DAY = dt.date(2020, 2, 20)


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


@pytest.fixture
def hotel() -> Enterprise:
    return Enterprise.objects.get(name="陕西美丽豪酒店管理有限公司")


@pytest.fixture
def observation(official: User, street: Unit):  # noqa: ANN001, ANN201
    template = FormTemplate.objects.get(code="medical_observation_daily")
    return services.assign(actor=official, template=template, unit=street, start_on=DAY - dt.timedelta(days=5),
                           end_on=DAY + dt.timedelta(days=30), lock_after_days=3)


def _row(name: str, number: str, temperature: str = "36.6", **extra: str) -> dict:
    return {"name": name, "id_number": number, "kind": "居家隔离", "start_on": "2020-02-18", "temperature": temperature,
            "symptoms": ["无"], **extra}


# --- health follow-up ---

def test_a_row_that_names_a_person_lands_in_their_file(observation, official: User, hotel: Enterprise) -> None:  # noqa: ANN001
    number = valid_id("61010419900101001")
    report = services.submit_report(actor=official, assignment=observation, enterprise=hotel, period=DAY,
                                    data={"observed_total": "1", "observed": [_row("郑观察", number, end_on="2020-03-03")]},
                                    now=at(DAY))
    person = Person.objects.get(name="郑观察")
    assert person.id_masked.startswith("6101") and "*" in person.id_masked
    isolation = Isolation.objects.get(person=person)
    assert (isolation.kind, isolation.start_on, isolation.end_on) == ("home", dt.date(2020, 2, 18), dt.date(2020, 3, 3))
    assert (isolation.enterprise, isolation.unit) == (hotel, hotel.unit)
    reading = HealthReading.objects.get(person=person)
    assert (reading.day, reading.reading["temperature"], reading.isolation) == (DAY, "36.6", isolation)
    # Health data is sealed at rest, and so is the report that named them.
    with connection.cursor() as cursor:
        cursor.execute("SELECT reading FROM reports_healthreading WHERE id = %s", [reading.pk])
        assert "36.6" not in cursor.fetchone()[0]
        cursor.execute("SELECT data FROM reports_report WHERE id = %s", [report.pk])
        assert number not in cursor.fetchone()[0]


def test_without_an_end_date_the_observation_runs_fourteen_days(observation, official: User,  # noqa: ANN001
                                                                  hotel: Enterprise) -> None:
    isolation = _isolation(official, observation, hotel, "61010419900101008", DAY)
    assert isolation.end_on == DAY + dt.timedelta(days=13)  # the 14th day, the start counted
    assert rules.is_isolated(isolation.start_on, isolation.end_on, DAY + dt.timedelta(days=13))
    assert not rules.is_isolated(isolation.start_on, isolation.end_on, DAY + dt.timedelta(days=14))
    # A later report that gives the end moves it; one that gives none leaves it.
    services.submit_report(actor=official, assignment=observation, enterprise=hotel, period=DAY + dt.timedelta(days=1),
                           data={"observed_total": "1", "observed": [_row("周隔离", valid_id("61010419900101008"),
                                                                          start_on=DAY.isoformat(),
                                                                          end_on=(DAY + dt.timedelta(days=20)).isoformat())]},
                           now=at(DAY + dt.timedelta(days=1)))
    assert Isolation.objects.get(pk=isolation.pk).end_on == DAY + dt.timedelta(days=20)
    services.submit_report(actor=official, assignment=observation, enterprise=hotel, period=DAY + dt.timedelta(days=2),
                           data={"observed_total": "1", "observed": [_row("周隔离", valid_id("61010419900101008"),
                                                                          start_on=DAY.isoformat())]},
                           now=at(DAY + dt.timedelta(days=2)))
    assert Isolation.objects.get(pk=isolation.pk).end_on == DAY + dt.timedelta(days=20)


def test_a_correction_replaces_the_reading_and_the_same_person_stays_one_file(  # noqa: D103
        observation, official: User, hotel: Enterprise) -> None:  # noqa: ANN001
    number = valid_id("61010419900101002")
    for temperature in ("38.2", "36.9"):
        services.submit_report(actor=official, assignment=observation, enterprise=hotel, period=DAY,
                               data={"observed_total": "1", "observed": [_row("钱复核", number, temperature)]},
                               now=at(DAY))
    person = Person.objects.get(name="钱复核")
    assert [r.reading["temperature"] for r in HealthReading.objects.filter(person=person)] == ["36.9"]
    services.submit_report(actor=official, assignment=observation, enterprise=hotel, period=DAY + dt.timedelta(days=1),
                           data={"observed_total": "1", "observed": [_row("钱复核", number, "36.5")]},
                           now=at(DAY + dt.timedelta(days=1)))
    assert Person.objects.filter(name="钱复核").count() == 1
    assert Isolation.objects.filter(person=person).count() == 1
    assert HealthReading.objects.filter(person=person).count() == 2


def test_a_name_that_does_not_match_the_file_refuses_the_report(observation, official: User, hotel: Enterprise) -> None:  # noqa: ANN001
    number = valid_id("61010419900101003")
    services.submit_report(actor=official, assignment=observation, enterprise=hotel, period=DAY,
                           data={"observed_total": "1", "observed": [_row("孙正确", number)]}, now=at(DAY))
    with pytest.raises(ValidationError, match="第1行"):
        services.submit_report(actor=official, assignment=observation, enterprise=hotel,
                               period=DAY + dt.timedelta(days=1),
                               data={"observed_total": "1", "observed": [_row("孙错误", number)]},
                               now=at(DAY + dt.timedelta(days=1)))
    assert not Report.objects.filter(assignment=observation, enterprise=hotel, period=DAY + dt.timedelta(days=1)).exists()


def _isolation(official: User, observation, hotel: Enterprise, number: str, start: dt.date,  # noqa: ANN001
               end: dt.date | None = None) -> Isolation:
    row = _row("周隔离", valid_id(number), start_on=start.isoformat(), **({"end_on": end.isoformat()} if end else {}))
    services.submit_report(actor=official, assignment=observation, enterprise=hotel, period=DAY,
                           data={"observed_total": "1", "observed": [row]}, now=at(DAY))
    return Isolation.objects.get(person__name="周隔离")


def test_a_missing_check_is_overdue_the_day_after_not_on_the_day(  # noqa: D103
        observation, official: User, hotel: Enterprise) -> None:  # noqa: ANN001
    isolation = _isolation(official, observation, hotel, "61010419900101004", DAY)
    services.assign_follow_up(actor=official, isolation=isolation, follow_up_by=official)
    # On the first day itself nothing is overdue yet: today's check can still be done.
    assert not [o for o in selectors.overdue_checks(official, DAY) if o.isolation == isolation]
    # The next day, the first day's check is overdue…
    found = [o for o in selectors.overdue_checks(official, DAY + dt.timedelta(days=1)) if o.isolation == isolation]
    assert found and found[0].days == [DAY]
    # …until it is recorded.
    services.record_check(actor=official, isolation=isolation, day=DAY, temperature=Decimal("36.5"), well=True,
                          now=at(DAY + dt.timedelta(days=1)))
    assert not [o for o in selectors.overdue_checks(official, DAY + dt.timedelta(days=1)) if o.isolation == isolation]


def test_overdue_stops_with_the_isolation(observation, official: User, hotel: Enterprise) -> None:  # noqa: ANN001
    isolation = _isolation(official, observation, hotel, "61010419900101005", DAY - dt.timedelta(days=2),
                           DAY - dt.timedelta(days=1))
    # Ended yesterday: its missed days are still listed today; from the day after, they are history.
    assert [o.days for o in selectors.overdue_checks(official, DAY) if o.isolation == isolation] == [
        [DAY - dt.timedelta(days=2), DAY - dt.timedelta(days=1)]]
    assert not [o for o in selectors.overdue_checks(official, DAY + dt.timedelta(days=1)) if o.isolation == isolation]


def test_checks_only_inside_the_period_and_not_ahead(observation, official: User, hotel: Enterprise) -> None:  # noqa: ANN001
    isolation = _isolation(official, observation, hotel, "61010419900101006", DAY, DAY + dt.timedelta(days=3))
    with pytest.raises(ValidationError, match="不在"):
        services.record_check(actor=official, isolation=isolation, day=DAY - dt.timedelta(days=1), temperature=None,
                              well=True, now=at(DAY))
    with pytest.raises(ValidationError, match="提前"):
        services.record_check(actor=official, isolation=isolation, day=DAY + dt.timedelta(days=1), temperature=None,
                              well=True, now=at(DAY))
    with pytest.raises(ValidationError, match="体温"):
        services.record_check(actor=official, isolation=isolation, day=DAY, temperature=Decimal("45"), well=True,
                              now=at(DAY))
    for not_a_number in ("NaN", "sNaN", "Infinity"):  # a comparison with NaN raised InvalidOperation (a 500)
        with pytest.raises(ValidationError, match="体温"):
            services.record_check(actor=official, isolation=isolation, day=DAY, temperature=Decimal(not_a_number),
                                  well=True, now=at(DAY))
    # The last day of the period takes its check; the day after does not.
    last = DAY + dt.timedelta(days=3)
    services.record_check(actor=official, isolation=isolation, day=last, temperature=None, well=True,
                          now=at(last + dt.timedelta(days=1)))
    with pytest.raises(ValidationError, match="不在"):
        services.record_check(actor=official, isolation=isolation, day=last + dt.timedelta(days=1), temperature=None,
                              well=True, now=at(last + dt.timedelta(days=1)))


def test_the_follow_up_person_checks_and_sees_only_theirs(  # noqa: D103
        observation, official: User, hotel: Enterprise, persona) -> None:  # noqa: ANN001
    isolation = _isolation(official, observation, hotel, "61010419900101007", DAY)
    social_worker, other_street = persona("shegong"), persona("qingnianlu")
    with pytest.raises(ValidationError, match="跟进人"):
        services.assign_follow_up(actor=official, isolation=isolation, follow_up_by=other_street)
    services.assign_follow_up(actor=official, isolation=isolation, follow_up_by=social_worker)
    services.record_check(actor=social_worker, isolation=isolation, day=DAY, temperature=Decimal("36.4"), well=True,
                          now=at(DAY))
    assert isolation.checks.get().by == social_worker
    with pytest.raises(Http404):
        services.record_check(actor=other_street, isolation=isolation, day=DAY, temperature=None, well=True,
                              now=at(DAY))
    assert not selectors.isolations(other_street, DAY).filter(pk=isolation.pk).exists()


@given(start=st.dates(dt.date(2020, 1, 1), dt.date(2020, 12, 31)), length=st.integers(0, 20),
       offset=st.integers(-3, 30), checked=st.sets(st.integers(0, 20)))
def test_overdue_days_are_the_past_days_of_the_period_without_a_check(start, length, offset, checked) -> None:  # noqa: ANN001
    end, today = start + dt.timedelta(days=length), start + dt.timedelta(days=offset)
    done = {start + dt.timedelta(days=c) for c in checked}
    days = rules.overdue_check_days(start, end, done, today)
    expected = [start + dt.timedelta(days=i) for i in range(length + 1)
                if start + dt.timedelta(days=i) < today and start + dt.timedelta(days=i) not in done]
    assert days == expected


# --- supplies ---

def test_supply_totals_count_enterprises_once_and_follow_the_order(official: User, street: Unit) -> None:
    masks = SupplyItem.objects.get(name="口罩")
    enterprises = list(Enterprise.objects.filter(unit__path__startswith=street.path).order_by("pk")[:3])
    before = {t.item.name: t for t in selectors.supply_totals(official, street)}.get("口罩")
    base = (before.enterprises, before.requested, before.ordered, before.allocated, before.delivered) if before else \
        (0, 0, 0, 0, 0)
    already = set(SupplyRequest.objects.filter(item=masks, unit__path__startswith=street.path)
                  .values_list("enterprise_id", flat=True))
    new_enterprises = len({e.pk for e in enterprises} - already)
    made = [services.request_supplies(actor=official, enterprise=enterprises[0], item=masks, quantity=300),
            services.request_supplies(actor=official, enterprise=enterprises[0], item=masks, quantity=200),
            services.request_supplies(actor=official, enterprise=enterprises[1], item=masks, quantity=500),
            services.request_supplies(actor=official, enterprise=enterprises[2], item=masks, quantity=1000)]
    order = services.consolidate_order(actor=official, unit=street, item=masks)
    pending_before = sum(r.quantity for r in SupplyRequest.objects.filter(order=order)) - 2000
    assert order.quantity == 2000 + pending_before
    services.allocate_supplies(actor=official, request=made[2], quantity=400)
    services.deliver_supplies(actor=official, request=made[2])
    totals = {t.item.name: t for t in selectors.supply_totals(official, street)}["口罩"]
    assert totals.enterprises == base[0] + new_enterprises
    assert totals.requested == base[1] + 2000
    assert totals.ordered == base[1] + 2000  # everything pending was ordered
    assert (totals.allocated, totals.delivered) == (base[3] + 400, base[4] + 400)


def test_allocation_never_exceeds_the_request_or_the_order(official: User, street: Unit) -> None:
    gloves = SupplyItem.objects.get(name="一次性手套")
    enterprises = list(Enterprise.objects.filter(unit__path__startswith=street.path).order_by("pk")[:2])
    first = services.request_supplies(actor=official, enterprise=enterprises[0], item=gloves, quantity=100)
    with pytest.raises(ValidationError, match="尚未汇总"):
        services.allocate_supplies(actor=official, request=first, quantity=50)
    second = services.request_supplies(actor=official, enterprise=enterprises[1], item=gloves, quantity=100)
    services.consolidate_order(actor=official, unit=street, item=gloves)
    services.allocate_supplies(actor=official, request=first, quantity=100)  # exactly what it asked: allowed
    with pytest.raises(ValidationError, match="申请数量"):
        services.allocate_supplies(actor=official, request=second, quantity=101)
    with pytest.raises(ValidationError, match="请先分配"):
        services.deliver_supplies(actor=official, request=second)
    with pytest.raises(ValidationError, match="没有待汇总"):
        services.consolidate_order(actor=official, unit=street, item=gloves)


def test_a_short_delivery_bounds_the_allocations(official: User, street: Unit) -> None:
    goggles = SupplyItem.objects.get(name="护目镜")
    enterprises = list(Enterprise.objects.filter(unit__path__startswith=street.path).order_by("pk")[:2])
    first, second = (services.request_supplies(actor=official, enterprise=e, item=goggles, quantity=100)
                     for e in enterprises)
    order = services.consolidate_order(actor=official, unit=street, item=goggles)
    assert order.quantity == 200
    services.allocate_supplies(actor=official, request=first, quantity=100)
    with pytest.raises(ValidationError, match="到货数量"):
        services.receive_order(actor=official, order=order, quantity=201)
    services.receive_order(actor=official, order=order, quantity=150)  # 50 short
    services.allocate_supplies(actor=official, request=second, quantity=50)  # exactly what is left: allowed
    with pytest.raises(ValidationError, match="可分配数量 150"):
        services.allocate_supplies(actor=official, request=second, quantity=51)
    totals = {t.item.name: t for t in selectors.supply_totals(official, street)}["护目镜"]
    assert (totals.requested, totals.ordered, totals.allocated) == (200, 200, 150)


def test_another_street_cannot_touch_a_request(official: User, street: Unit, persona) -> None:  # noqa: ANN001
    masks = SupplyItem.objects.get(name="口罩")
    enterprise = Enterprise.objects.filter(unit__path__startswith=street.path).first()
    request = services.request_supplies(actor=official, enterprise=enterprise, item=masks, quantity=10)
    services.consolidate_order(actor=official, unit=street, item=masks)
    with pytest.raises(Http404):
        services.allocate_supplies(actor=persona("qingnianlu"), request=request, quantity=5)
    with pytest.raises(Http404):
        services.request_supplies(actor=persona("qingnianlu"), enterprise=enterprise, item=masks, quantity=10)


# --- visits ---

def test_a_plan_shares_the_enterprises_out_evenly(official: User, street: Unit) -> None:
    teams = [services.create_team(actor=official, unit=street, name=f"测试队{i}", leader=official, members=[])
             for i in range(3)]
    plan = services.plan_visits(actor=official, unit=street, name="测试计划", teams=teams, start_on=DAY,
                                end_on=DAY + dt.timedelta(days=10))
    total = Enterprise.objects.filter(unit__path__startswith=street.path).exclude(status="closed").count()
    sizes = sorted((p.planned for p in selectors.plan_progress(official, plan)), reverse=True)
    assert sum(sizes) == total and sizes == rules.share_out(total, 3)
    assert max(sizes) - min(sizes) <= 1


@given(count=st.integers(0, 5000), teams=st.integers(1, 50))
def test_share_out_is_even_and_complete(count: int, teams: int) -> None:
    sizes = rules.share_out(count, teams)
    assert len(sizes) == teams and sum(sizes) == count and max(sizes) - min(sizes) <= 1


def test_a_visit_tracks_its_issues_and_marks_the_planned_visit_done(official: User, street: Unit) -> None:
    team = services.create_team(actor=official, unit=street, name="问题队", leader=official, members=[])
    plan = services.plan_visits(actor=official, unit=street, name="问题计划", teams=[team], start_on=DAY,
                                end_on=DAY + dt.timedelta(days=10))
    enterprise = PlannedVisit.objects.filter(plan=plan).first().enterprise
    visit = services.record_visit(
        actor=official, enterprise=enterprise, visited_on=DAY + dt.timedelta(days=1), team=team, looked="人员核实",
        heard="意见", asked="缺口罩", agreed="统一采购", now=at(DAY + dt.timedelta(days=1)),
        issues=[{"category": "supplies", "description": "缺口罩一千个", "owner": official, "due_on": DAY + dt.timedelta(days=3)}])
    assert PlannedVisit.objects.get(plan=plan, enterprise=enterprise).visit == visit
    issue = VisitIssue.objects.get(visit=visit)
    # Overdue the day after its date, not on it.
    on_due = selectors.open_issues(official, DAY + dt.timedelta(days=3)).get(pk=issue.pk)
    after = selectors.open_issues(official, DAY + dt.timedelta(days=4)).get(pk=issue.pk)
    assert (on_due.overdue, after.overdue) == (False, True)
    assert rules.issue_overdue(issue.due_on, False, DAY + dt.timedelta(days=3)) is False
    assert rules.issue_overdue(issue.due_on, False, DAY + dt.timedelta(days=4)) is True
    services.resolve_issue(actor=official, issue=issue, resolution="已配送一千个")
    assert not selectors.open_issues(official, DAY + dt.timedelta(days=4)).filter(pk=issue.pk).exists()
    with pytest.raises(ValidationError, match="已解决"):
        services.resolve_issue(actor=official, issue=issue, resolution="again")


def test_a_visit_needs_all_four_parts_and_a_reachable_owner(official: User, street: Unit, persona) -> None:  # noqa: ANN001
    enterprise = Enterprise.objects.filter(unit__path__startswith=street.path).first()
    with pytest.raises(ValidationError, match="四部分"):
        services.record_visit(actor=official, enterprise=enterprise, visited_on=DAY, looked="a", heard="b", asked="",
                              agreed="d", now=at(DAY))
    with pytest.raises(ValidationError, match="责任人"):
        services.record_visit(actor=official, enterprise=enterprise, visited_on=DAY, looked="a", heard="b", asked="c",
                              agreed="d", now=at(DAY), issues=[{"category": "funds", "description": "x",
                                                                 "owner": persona("qingnianlu"), "due_on": DAY}])
    with pytest.raises(ValidationError, match="晚于"):
        services.record_visit(actor=official, enterprise=enterprise, visited_on=DAY + dt.timedelta(days=1), looked="a",
                              heard="b", asked="c", agreed="d", now=at(DAY))


def test_an_issue_owner_resolves_it_and_another_street_cannot(official: User, street: Unit, persona) -> None:  # noqa: ANN001
    enterprise = Enterprise.objects.filter(unit__path__startswith=street.path).first()
    visit = services.record_visit(actor=official, enterprise=enterprise, visited_on=DAY, looked="a", heard="b",
                                  asked="c", agreed="d", now=at(DAY),
                                  issues=[{"category": "policy", "description": "稳岗补贴", "owner": persona("shegong"),
                                           "due_on": DAY}])
    issue = visit.issues.get()
    with pytest.raises(Http404):
        services.resolve_issue(actor=persona("qingnianlu"), issue=issue, resolution="x")
    services.resolve_issue(actor=persona("shegong"), issue=issue, resolution="已申报")
    assert VisitIssue.objects.get(pk=issue.pk).resolved_by == persona("shegong")


# --- notices ---

def test_read_receipts_and_the_unread_list(official: User, street: Unit, persona, hotel: Enterprise) -> None:  # noqa: ANN001
    notice = services.publish_notice(actor=official, unit=street, title="复工政策测试", body="正文")
    expected = Enterprise.objects.filter(unit__path__startswith=street.path).exclude(status="closed").count()
    assert notice.receipts.count() == expected
    contact = persona("hr_meilihao")
    first = timezone.now()
    assert services.mark_notice_read(actor=contact, notice=notice, now=first) == 1
    assert services.mark_notice_read(actor=contact, notice=notice) == 0  # the first reading is the receipt
    receipt = NoticeReceipt.objects.get(notice=notice, enterprise=hotel)
    assert (receipt.read_at, receipt.read_by) == (first, contact)
    found = list(selectors.receipts(official, notice))
    assert len([r for r in found if r.read_at is None]) == expected - 1
    # An official reading it is no receipt.
    assert services.mark_notice_read(actor=official, notice=notice) == 0
    # The grassroots chair sees the street's notice and only its own enterprises' receipts.
    chair = persona("meilihao")
    assert {r.enterprise_id for r in selectors.receipts(chair, notice)} <= set(
        Enterprise.objects.filter(unit=chair.primary_unit).values_list("pk", flat=True))
    assert not selectors.notice_list(persona("qingnianlu")).filter(pk=notice.pk).exists()


# --- back at work ---

def test_back_to_work_counts_per_street_from_the_registry(street: Unit, unit, persona) -> None:  # noqa: ANN001
    district, lianhu = unit("610104"), persona("lianhu")
    rows = {r.unit.pk: r for r in selectors.back_to_work(lianhu, district, DAY)}
    mine = rows[street.pk]
    enterprises = Enterprise.objects.filter(unit__path__startswith=street.path)
    assert mine.total == enterprises.count()
    assert mine.resumed == enterprises.filter(status="resumed").count()
    enterprise = enterprises.exclude(status="resumed").exclude(status="closed").first()
    Enterprise.objects.filter(pk=enterprise.pk).update(status="resumed", resumed_on=DAY)
    after = {r.unit.pk: r for r in selectors.back_to_work(lianhu, district, DAY)}
    assert after[street.pk].resumed == mine.resumed + 1 and after[street.pk].resumed_today == mine.resumed_today + 1
    assert after[district.pk].resumed == rows[district.pk].resumed + 1
    assert after[street.pk].rate == rules.rate(after[street.pk].at_work, after[street.pk].open_total)



# --- assigning by tag ---

def test_an_assignment_by_tag_reaches_only_the_tagged_enterprises(official: User, street: Unit, client_for) -> None:  # noqa: ANN001
    from gonghui.orgs import services as org_services
    from gonghui.orgs.models import EnterpriseTag
    from gonghui.reports.models import Expected, Target

    tagged = list(Enterprise.objects.filter(unit__path__startswith=street.path, status="resumed",
                                            resumed_on__lte=DAY).order_by("pk")[:2])  # at work on DAY
    assert len(tagged) == 2
    org_services.update_enterprise(actor=official, enterprise=tagged[0], tags="重点企业、规上工业")
    page = client_for("beiyuanmen").get(f"/enterprises/{tagged[1].pk}/")
    assert page.status_code == 200
    form = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    form.update(tags="重点企业", status=tagged[1].status, name=tagged[1].name)
    client_for("beiyuanmen").post(f"/enterprises/{tagged[1].pk}/", form)
    key = EnterpriseTag.objects.get(name="重点企业")
    assert set(key.enterprises.values_list("pk", flat=True)) >= {e.pk for e in tagged}
    assert list(tagged[0].tags.order_by("name").values_list("name", flat=True)) == sorted(["重点企业", "规上工业"])
    template = FormTemplate.objects.get(code="outsiders_daily")
    assignment = services.assign(actor=official, template=template, unit=street, start_on=DAY, end_on=DAY, tag=key)
    # at work on DAY (not suspended, resumed by then): who owes reports
    expected_ids = set(key.enterprises.filter(unit__path__startswith=street.path)
                       .exclude(status__in=("closed", "suspended")).exclude(resumed_on__gt=DAY)
                       .values_list("pk", flat=True))
    assert set(Target.objects.filter(assignment=assignment).values_list("enterprise_id", flat=True)) == expected_ids
    assert Expected.objects.get(assignment=assignment, unit=street).count == len(expected_ids)


def test_rotating_the_key_reencrypts_reports_and_health_data(observation, official: User, hotel: Enterprise,  # noqa: ANN001
                                                             settings) -> None:
    from django.core.management import call_command

    number = valid_id("61010419900101009")
    report = services.submit_report(actor=official, assignment=observation, enterprise=hotel, period=DAY,
                                    data={"observed_total": "1", "observed": [_row("吴轮换", number, "36.8")]},
                                    now=at(DAY))
    old = settings.GONGHUI_DATA_KEY
    settings.GONGHUI_DATA_KEY = "the-new-key-2027"
    call_command("rotate_key", old_key=old)
    assert Report.objects.get(pk=report.pk).data["observed"][0]["id_number"] == number
    assert report.revisions.get().data == Report.objects.get(pk=report.pk).data
    assert HealthReading.objects.get(person__name="吴轮换").reading["temperature"] == "36.8"
    settings.GONGHUI_DATA_KEY = old


def test_a_supply_item_name_of_50_characters_is_taken_and_51_refused_whole(persona) -> None:  # noqa: ANN001
    """The name used to be cut to 50 after the duplicate check: a long name twice was a database error."""
    official = persona("beiyuanmen")
    fifty = "医" * 50
    item = services.add_supply_item(actor=official, name=fifty, measure="个")
    assert item.name == fifty
    with pytest.raises(ValidationError, match="已在目录中"):
        services.add_supply_item(actor=official, name=fifty, measure="个")
    with pytest.raises(ValidationError, match="最多 50"):
        services.add_supply_item(actor=official, name=fifty + "用", measure="个")
    with pytest.raises(ValidationError, match="最多 50"):
        services.add_supply_item(actor=official, name="护目镜", measure="副" * 11)
    assert not SupplyItem.objects.filter(name__startswith=fifty + "用").exists()
