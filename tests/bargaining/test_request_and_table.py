"""The written request and its 20 days (规定 第三十二条), and who sits at the table (第十九至三十一条)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from gonghui.bargaining import services
from gonghui.bargaining.models import Bargaining, Representative, SeatRule
from gonghui.core.deadlines import period_end
from gonghui.core.models import Notification
from gonghui.orgs.models import Enterprise, Unit, User
from tests.bargaining.conftest import fresh, told


def test_the_request_reaches_the_employer_with_its_twenty_days(new_bargaining, hr1: User) -> None:  # noqa: ANN001
    received = timezone.localdate() - timedelta(days=3)
    bargaining = new_bargaining(received_on=received)
    assert bargaining.answer_due_on == received + timedelta(days=20)
    assert bargaining.requested_by_side == "worker"
    assert told(hr1, "20") or told(hr1, str(bargaining.answer_due_on))


def test_the_employer_may_ask_too_and_the_union_answers(hr1: User, hotel: Enterprise, chair: User) -> None:
    bargaining = services.request_bargaining(actor=hr1, kind="wages", title="工资协商", enterprises=[hotel],
                                             request_text="企业提出年度工资协商。")
    assert bargaining.requested_by_side == "employer" and bargaining.unit == hotel.unit
    assert told(chair, "用人单位一方要求进行集体协商")
    with pytest.raises(ValidationError):
        services.answer_request(actor=hr1, bargaining=bargaining, agree=True, answer="我方自己同意")
    services.answer_request(actor=chair, bargaining=bargaining, agree=True, answer="工会同意协商")
    assert fresh(bargaining).state == Bargaining.State.TALKING


def test_no_answer_is_recorded_the_day_after_the_twentieth_day(new_bargaining, chair: User, persona) -> None:  # noqa: ANN001
    received = timezone.localdate() - timedelta(days=40)
    bargaining = new_bargaining(received_on=received)
    due = period_end(received, days=20)  # rolled past a rest day (民法典 第二百零三条)
    assert due >= received + timedelta(days=20)
    services.run_clocks(today=due)
    assert fresh(bargaining).state == Bargaining.State.REQUESTED
    services.run_clocks(today=due + timedelta(days=1))
    assert fresh(bargaining).state == Bargaining.State.NO_ANSWER
    assert told(chair, "未在") and told(persona("beiyuanmen"), "未在")  # the union above takes it up
    services.run_clocks(today=due + timedelta(days=2))
    assert Notification.objects.filter(recipient=chair, text__contains="未在").count() == 1


def test_a_refusal_needs_its_reason_and_reaches_the_union_above(new_bargaining, hr1: User, persona) -> None:  # noqa: ANN001
    bargaining = new_bargaining()
    with pytest.raises(ValidationError):
        services.answer_request(actor=hr1, bargaining=bargaining, agree=False, answer="  ")
    assert fresh(bargaining).state == Bargaining.State.REQUESTED
    services.answer_request(actor=hr1, bargaining=bargaining, agree=False, answer="经营困难，暂不协商")
    assert fresh(bargaining).state == Bargaining.State.REFUSED
    assert told(persona("beiyuanmen"), "拒绝协商")


def test_another_units_people_cannot_act(new_bargaining, persona) -> None:  # noqa: ANN001
    bargaining = new_bargaining()
    for outsider in ("hr_qingnian", "qingnianlu", "worker1"):
        with pytest.raises(Http404):
            services.answer_request(actor=persona(outsider), bargaining=bargaining, agree=True, answer="x")
    assert fresh(bargaining).answered_at is None


def test_the_table_is_checked_before_any_round(talking, chair: User, hr1: User) -> None:  # noqa: ANN001
    bargaining = talking()
    assert services.seat_problems(bargaining) == []
    seat = bargaining.representatives.get(side="employer", name="陈会计")
    services.vacate_seat(actor=hr1, representative=seat, reason="调离")
    problems = services.seat_problems(fresh(bargaining))
    assert any("对等" in p for p in problems)
    with pytest.raises(ValidationError, match="对等"):
        services.schedule_round(actor=chair, bargaining=bargaining, starts_at=timezone.now(), agenda="工资",
                                meeting_url="https://meeting.example.cn/1")
    assert not bargaining.rounds.exists()


def test_nobody_on_both_sides_and_no_outside_chief(new_bargaining, chair: User, hr1: User) -> None:  # noqa: ANN001
    bargaining = new_bargaining()
    services.seat_representative(actor=chair, bargaining=bargaining,
                                 seating=services.Seating(side="worker", name="王秀兰"))
    with pytest.raises(ValidationError, match="第二十四条"):
        services.seat_representative(actor=hr1, bargaining=bargaining,
                                     seating=services.Seating(side="employer", name="王秀兰"))
    with pytest.raises(ValidationError, match="第二十三条"):
        services.seat_representative(actor=hr1, bargaining=bargaining, seating=services.Seating(
            side="employer", name="律师", chief=True, outside_expert=True))
    with pytest.raises(ValidationError, match="自行确定"):
        services.seat_representative(actor=hr1, bargaining=bargaining,
                                     seating=services.Seating(side="worker", name="冒名"))
    assert bargaining.representatives.count() == 1


def test_the_chair_is_the_worker_chief_unless_delegated_in_writing(new_bargaining, chair: User) -> None:  # noqa: ANN001
    bargaining = new_bargaining()
    with pytest.raises(ValidationError, match="第二十条"):
        services.seat_representative(actor=chair, bargaining=bargaining,
                                     seating=services.Seating(side="worker", name="王秀兰", chief=True))
    services.seat_representative(actor=chair, bargaining=bargaining, seating=services.Seating(
        side="worker", name="王秀兰", chief=True, delegation="工会主席委托书（2020）第1号"))
    assert bargaining.representatives.get(chief=True).delegation.startswith("工会主席委托书")


def test_the_union_is_warned_of_a_representatives_contract_ending(new_bargaining, chair: User) -> None:  # noqa: ANN001
    bargaining = new_bargaining()
    services.seat_representative(actor=chair, bargaining=bargaining, seating=services.Seating(
        side="worker", name="王秀兰", contract_ends_on=timezone.localdate() + timedelta(days=30)))
    assert told(chair, "第二十八条")
    Notification.objects.all().delete()
    services.seat_representative(actor=chair, bargaining=bargaining, seating=services.Seating(
        side="worker", name="刘建国", contract_ends_on=timezone.localdate() - timedelta(days=1)))
    assert not told(chair, "第二十八条")


def test_a_vacancy_left_past_fifteen_days_is_flagged(talking, chair: User, hr1: User) -> None:  # noqa: ANN001
    bargaining = talking()
    seat = bargaining.representatives.get(name="何人事")
    services.vacate_seat(actor=hr1, representative=seat, reason="辞任")
    due = period_end(fresh(seat).vacated_on, days=15)
    services.run_clocks(today=due)
    assert not told(chair, "第三十一条")
    services.run_clocks(today=due + timedelta(days=1))
    assert told(chair, "第三十一条")


def test_a_regional_rule_replaces_the_national_bounds(talking, unit: Callable[[str], Unit], chair: User) -> None:
    bargaining = talking()
    SeatRule.objects.create(unit=unit("610100"), min_per_side=3, max_per_side=15, worker_side_not_smaller=True)
    services.seat_representative(actor=chair, bargaining=bargaining,
                                 seating=services.Seating(side="worker", name="赵强"))
    assert services.seat_problems(fresh(bargaining)) == []  # 4 workers to 3: allowed here
    SeatRule.objects.all().delete()
    assert any("对等" in p for p in services.seat_problems(fresh(bargaining)))


def test_without_a_union_half_the_workers_must_consent(persona, unit) -> None:  # noqa: ANN001
    street = unit("610104001")
    official = persona("beiyuanmen")
    enterprise = Enterprise.objects.filter(unit=street).first() or Enterprise.objects.create(
        name="无工会小店", credit_code="91610104MA6TG0001A", unit=street, employees=9)
    bargaining = services.request_bargaining(actor=official, kind="wages", title="工资协商", enterprises=[enterprise],
                                             request_text="上级工会指导职工推举代表协商。", unit=street)
    assert any("第二十条" in p for p in services.seat_problems(bargaining))
    with pytest.raises(ValidationError, match="不足"):
        services.record_worker_election(actor=official, bargaining=bargaining, consenting=4, workforce=9)
    services.record_worker_election(actor=official, bargaining=bargaining, consenting=5, workforce=10)  # exactly half
    assert not any("第二十条" in p for p in services.seat_problems(fresh(bargaining)))


def test_seats_are_kept_per_bargaining(talking) -> None:  # noqa: ANN001
    bargaining = talking()
    assert Representative.objects.filter(bargaining=bargaining, vacated_on__isnull=True).count() == 6


def test_a_vacancy_filled_in_time_is_not_flagged(talking, chair: User, hr1: User) -> None:  # noqa: ANN001
    bargaining = talking()
    seat = bargaining.representatives.get(name="何人事")
    services.vacate_seat(actor=hr1, representative=seat, reason="辞任")
    services.seat_representative(actor=hr1, bargaining=bargaining,
                                 seating=services.Seating(side="employer", name="周主管"))
    assert fresh(seat).replaced_by.name == "周主管"
    services.run_clocks(today=fresh(seat).vacated_on + timedelta(days=30))
    assert not told(chair, "第三十一条")
