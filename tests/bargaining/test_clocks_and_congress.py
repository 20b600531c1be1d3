"""Issue 20: every statutory clock of bargaining rolls past a rest day; the vote's base is the congress's registered
size (or the enterprise's headcount), never a shorter list; paper ballots from the hall count; stored clocks move
when a year's arrangement is loaded."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gonghui.bargaining import clocks, congress, rules, services
from gonghui.bargaining.models import Bargaining, Congress, Contract, Vote
from gonghui.core.deadlines import PROVISIONAL_NOTE, recompute_open_clocks
from gonghui.core.models import CalendarDay
from gonghui.orgs.models import Enterprise, Person, User
from tests.bargaining.conftest import fresh

# --- the clocks (rules) -------------------------------------------------------------------------------------------

def test_an_answer_due_in_the_spring_festival_rolls_to_the_first_working_day() -> None:
    # 2024: 春节 rest 10–17 February, Sunday 18 February an adjusted working day (国务院办公厅 arrangement).
    assert rules.answer_due(date(2024, 1, 23)) == date(2024, 2, 18)  # nominal 12 February (初三): rolled
    assert rules.answer_due(date(2024, 1, 22)) == date(2024, 2, 18)  # nominal 11 February (除夕 eve, a Sunday)
    assert rules.answer_due(date(2024, 1, 15)) == date(2024, 2, 4)  # a Sunday that is a working day: not moved


def test_a_submission_ending_on_a_saturday_rolls_to_monday() -> None:
    assert rules.submission_due(date(2024, 3, 6), wage_agreement=False) == date(2024, 3, 18)  # Sat 16 → Mon 18
    assert rules.submission_due(date(2024, 3, 5), wage_agreement=False) == date(2024, 3, 15)  # a Friday: kept
    assert rules.submission_due(date(2024, 3, 9), wage_agreement=True) == date(2024, 3, 18)  # 7 days → Sat 16
    assert rules.submission_due(date(2024, 3, 8), wage_agreement=True) == date(2024, 3, 15)


def test_review_ends_rolled_and_the_contract_binds_the_plain_day_after() -> None:
    assert rules.review_ends(date(2024, 3, 1)) == date(2024, 3, 18)  # 15 days → Sat 16 March → Mon 18
    assert rules.in_force_from(date(2024, 3, 1)) == date(2024, 3, 19)
    assert rules.review_ends(date(2024, 2, 29)) == date(2024, 3, 15)  # a Friday
    assert rules.in_force_on(date(2024, 3, 15)) == date(2024, 3, 16)  # a Saturday: 即行生效, not rolled
    assert rules.objection_in_time(date(2024, 3, 18), date(2024, 3, 18))
    assert not rules.objection_in_time(date(2024, 3, 18), date(2024, 3, 19))


def test_a_vacancy_ending_on_a_holiday_rolls() -> None:
    assert rules.vacancy_due(date(2024, 9, 16)) == date(2024, 10, 8)  # nominal 1 October: 国庆 rest to the 7th
    assert rules.vacancy_due(date(2024, 9, 10)) == date(2024, 9, 25)


def test_roll_against_the_base() -> None:
    assert "第三十六条" in rules.roll_problem(base=5, roll=4)
    assert rules.roll_problem(base=5, roll=5) == ""
    assert rules.roll_problem(base=5, roll=6) != ""
    assert rules.roll_problem(base=0, roll=0) != ""


# --- the stored review clock and a late objection -------------------------------------------------------------------

def _adopted(talking, chair: User, voters: list[User], *, paper: int = 0) -> Bargaining:  # noqa: ANN001
    bargaining = talking()
    online = voters[:len(voters) - paper]
    services.open_vote(actor=chair, bargaining=bargaining, body=Vote.Body.CONGRESS, voters=online,
                       paper_voters=paper, opens_at=timezone.now() - timedelta(minutes=1),
                       closes_at=timezone.now() + timedelta(hours=2))
    for voter in online:
        services.cast_ballot(actor=voter, bargaining=bargaining, choice="yes")
    if paper:
        congress.record_paper_ballots(actor=chair, bargaining=bargaining, yes=paper, no=0, abstain=0,
                                      signed_record="监票人王某、计票人李某签字的表决记录第1号")
    services.tally_vote(actor=chair, bargaining=bargaining)
    return fresh(bargaining)


def _submitted(talking, chair: User, hr1: User, voters: list[User]) -> Contract:  # noqa: ANN001
    bargaining = _adopted(talking, chair, voters)
    services.sign(actor=chair, bargaining=bargaining)
    services.sign(actor=hr1, bargaining=bargaining)
    contract = Contract.objects.get(bargaining=bargaining)
    services.record_submission(actor=hr1, contract=contract, submitted_on=contract.signed_on)
    return fresh(contract)


def test_submission_stores_the_review_end_and_a_late_objection_is_refused(talking, chair, hr1, voters) -> None:  # noqa: ANN001
    contract = _submitted(talking, chair, hr1, voters)
    assert contract.review_ends_on == rules.review_ends(contract.received_on)
    today = timezone.localdate()
    Contract.objects.filter(pk=contract.pk).update(review_ends_on=today - timedelta(days=1))
    with pytest.raises(ValidationError, match="第五十四条"):
        services.record_review(actor=hr1, contract=fresh(contract), objection="第三条低于最低工资标准")
    assert fresh(contract).state == Contract.State.SUBMITTED
    Contract.objects.filter(pk=contract.pk).update(review_ends_on=today)  # the last day: still in time
    services.record_review(actor=hr1, contract=fresh(contract), objection="第三条低于最低工资标准")
    assert fresh(contract).state == Contract.State.OBJECTED


def test_in_force_the_day_after_the_stored_review_end(talking, chair, hr1, voters) -> None:  # noqa: ANN001
    contract = _submitted(talking, chair, hr1, voters)
    ends = contract.review_ends_on
    services.run_clocks(today=ends)
    assert fresh(contract).state == Contract.State.SUBMITTED
    services.run_clocks(today=ends + timedelta(days=1))
    assert fresh(contract).effective_from == ends + timedelta(days=1)


# --- who votes: the base ---------------------------------------------------------------------------------------------

def test_the_hotel_congress_is_registered_with_its_delegates(hotel: Enterprise, voters: list[User]) -> None:
    hall = Congress.objects.get(enterprise=hotel)
    assert hall.audited and hall.registered_size == len(voters) == hall.delegates.count()


def test_a_roll_smaller_than_the_registered_size_is_refused(talking, chair: User, voters: list[User]) -> None:  # noqa: ANN001
    bargaining = talking()
    opens, closes = timezone.now() - timedelta(minutes=1), timezone.now() + timedelta(hours=1)
    with pytest.raises(ValidationError, match="第三十六条"):
        services.open_vote(actor=chair, bargaining=bargaining, body=Vote.Body.CONGRESS, voters=voters[:4],
                           opens_at=opens, closes_at=closes)
    with pytest.raises(ValidationError, match="多于"):
        services.open_vote(actor=chair, bargaining=bargaining, body=Vote.Body.CONGRESS, voters=voters[:4],
                           paper_voters=2, opens_at=opens, closes_at=closes)
    vote = services.open_vote(actor=chair, bargaining=bargaining, body=Vote.Body.CONGRESS, voters=voters[:4],
                              paper_voters=1, opens_at=opens, closes_at=closes)
    assert vote.electorate == 5 and vote.roll.count() == 4 and vote.congress is not None


def test_only_delegates_on_the_online_roll(talking, chair: User, voters: list[User], persona) -> None:  # noqa: ANN001
    bargaining = talking()
    with pytest.raises(ValidationError, match="不是本次表决的职工代表"):
        services.open_vote(actor=chair, bargaining=bargaining, body=Vote.Body.CONGRESS,
                           voters=[*voters[:4], persona("worker2")], opens_at=timezone.now(),
                           closes_at=timezone.now() + timedelta(hours=1))


def test_an_unaudited_congress_cannot_carry_a_vote(talking, chair, voters, hotel, persona) -> None:  # noqa: ANN001
    later = congress.register_congress(actor=chair, enterprise=hotel, term=4, registered_size=3,
                                       elected_on=timezone.localdate(), evidence_note="第四届选举报告")
    with pytest.raises(ValidationError, match="审核"):
        services.open_vote(actor=chair, bargaining=talking(), body=Vote.Body.CONGRESS, voters=voters[:3],
                           opens_at=timezone.now(), closes_at=timezone.now() + timedelta(hours=1))
    people = list(Person.objects.filter(user__in=voters).order_by("id")[:3])
    congress.add_delegate(actor=chair, congress=later, person=people[0])
    congress.add_delegate(actor=chair, congress=later, person=people[1])
    with pytest.raises(ValidationError, match="登记人以外"):
        congress.audit_congress(actor=chair, congress=later)
    with pytest.raises(ValidationError, match="不符"):  # 2 listed, 3 registered
        congress.audit_congress(actor=persona("beiyuanmen"), congress=later)
    congress.add_delegate(actor=chair, congress=later, person=people[2])
    with pytest.raises(ValidationError, match="已达登记人数"):
        congress.add_delegate(actor=chair, congress=later, name="第四人")
    assert congress.audit_congress(actor=persona("beiyuanmen"), congress=later).audited
    with pytest.raises(ValidationError, match="不能再改动"):
        congress.add_delegate(actor=chair, congress=later, name="第四人")


def test_all_staff_base_is_the_larger_headcount(talking, chair: User, voters: list[User], hotel: Enterprise) -> None:  # noqa: ANN001
    on_file = Person.objects.filter(employer=hotel).count()
    Enterprise.objects.filter(pk=hotel.pk).update(employees=1)
    assert congress.headcount(fresh(hotel)) == on_file
    Enterprise.objects.filter(pk=hotel.pk).update(employees=on_file + 20)
    assert congress.headcount(fresh(hotel)) == on_file + 20
    bargaining = talking()
    opens, closes = timezone.now(), timezone.now() + timedelta(hours=1)
    with pytest.raises(ValidationError, match="第三十六条"):
        services.open_vote(actor=chair, bargaining=bargaining, body=Vote.Body.ALL_STAFF, voters=voters,
                           paper_voters=on_file + 19 - len(voters), opens_at=opens, closes_at=closes)
    vote = services.open_vote(actor=chair, bargaining=bargaining, body=Vote.Body.ALL_STAFF, voters=voters,
                              paper_voters=on_file + 20 - len(voters), opens_at=opens, closes_at=closes)
    assert vote.electorate == on_file + 20


# --- paper ballots from the hall ---------------------------------------------------------------------------------------

def _hall_vote(talking, chair: User, voters: list[User]) -> Bargaining:  # noqa: ANN001
    """Base 5: three vote online, two on paper in the hall."""
    bargaining = talking()
    services.open_vote(actor=chair, bargaining=bargaining, body=Vote.Body.CONGRESS, voters=voters[:3],
                       paper_voters=2, opens_at=timezone.now() - timedelta(minutes=1),
                       closes_at=timezone.now() + timedelta(hours=1))
    services.cast_ballot(actor=voters[0], bargaining=bargaining, choice="yes")
    services.cast_ballot(actor=voters[1], bargaining=bargaining, choice="yes")
    services.cast_ballot(actor=voters[2], bargaining=bargaining, choice="no")
    return bargaining


def test_paper_ballots_are_added_to_the_online_ones(talking, chair: User, voters: list[User]) -> None:  # noqa: ANN001
    bargaining = _hall_vote(talking, chair, voters)
    with pytest.raises(ValidationError, match="书面表决"):
        services.tally_vote(actor=chair, bargaining=bargaining)  # the hall's count is not in yet
    with pytest.raises(ValidationError, match="多于"):
        congress.record_paper_ballots(actor=chair, bargaining=bargaining, yes=2, no=1, abstain=0, signed_record="记录")
    with pytest.raises(ValidationError, match="签字"):
        congress.record_paper_ballots(actor=chair, bargaining=bargaining, yes=1, no=1, abstain=0, signed_record=" ")
    vote = congress.record_paper_ballots(actor=chair, bargaining=bargaining, yes=1, no=1, abstain=0,
                                         signed_record="监票人签字的表决记录第2号")
    assert vote.paper_entered_by == chair
    with pytest.raises(ValidationError, match="已经录入"):
        congress.record_paper_ballots(actor=chair, bargaining=bargaining, yes=1, no=1, abstain=0, signed_record="再次")
    vote = services.tally_vote(actor=chair, bargaining=bargaining)
    assert (vote.present, vote.yes, vote.no) == (5, 3, 2)  # 3 of 5 is half or more of ALL: passed
    assert vote.state == Vote.State.PASSED


def test_paper_no_votes_fail_the_draft(talking, chair: User, voters: list[User]) -> None:  # noqa: ANN001
    bargaining = _hall_vote(talking, chair, voters)
    congress.record_paper_ballots(actor=chair, bargaining=bargaining, yes=0, no=2, abstain=0, signed_record="记录第3号")
    vote = services.tally_vote(actor=chair, bargaining=bargaining)
    assert (vote.yes, vote.state) == (2, Vote.State.FAILED)  # 2 of 5: under half of all


def test_the_quorum_is_two_thirds_of_the_base_not_of_the_roll_online(talking, chair, voters) -> None:  # noqa: ANN001
    bargaining = _hall_vote(talking, chair, voters)
    # nobody came to the hall: 3 present of 5, two thirds of 5 is 4 (rounded up)
    congress.record_paper_ballots(actor=chair, bargaining=bargaining, yes=0, no=0, abstain=0, signed_record="无人出席")
    vote = services.tally_vote(actor=chair, bargaining=bargaining)
    assert vote.present == 3 and vote.state == Vote.State.FAILED
    assert fresh(bargaining).steps.filter(text__contains="三分之二").exists()


def test_the_daily_run_waits_for_the_paper_count(talking, chair: User, voters: list[User]) -> None:  # noqa: ANN001
    bargaining = _hall_vote(talking, chair, voters)
    Vote.objects.filter(bargaining=bargaining).update(opens_at=timezone.now() - timedelta(hours=3),
                                                       closes_at=timezone.now() - timedelta(hours=1))
    assert services.run_clocks().tallied == 0
    assert chair.notifications.filter(text__contains="书面表决").exists()
    congress.record_paper_ballots(actor=chair, bargaining=bargaining, yes=2, no=0, abstain=0, signed_record="记录第4号")
    assert services.run_clocks().tallied == 1


# --- recomputation when a year's arrangement is loaded ------------------------------------------------------------------

def test_recompute_moves_open_clocks_in_a_provisional_year(talking, new_bargaining, chair, hr1, voters) -> None:  # noqa: ANN001
    received = date(2100, 3, 2)  # a Tuesday; 22 March 2100 (its 20th day) a Monday
    waiting = new_bargaining()
    Bargaining.objects.filter(pk=waiting.pk).update(received_on=received, answer_due_on=date(2100, 3, 22))
    answered = new_bargaining()
    services.answer_request(actor=hr1, bargaining=answered, agree=True, answer="同意")
    Bargaining.objects.filter(pk=answered.pk).update(received_on=received, answer_due_on=date(2100, 3, 22))
    contract = _submitted(talking, chair, hr1, voters)
    Contract.objects.filter(pk=contract.pk).update(received_on=date(2100, 3, 7), review_ends_on=date(2100, 3, 22))
    assert clocks.recompute(2100) == []  # nothing moved: the stored dates are right
    CalendarDay.objects.create(day=date(2100, 3, 22), working=False, note="2100 地方假日")
    changes = recompute_open_clocks(2100)
    moved = {change.what: change for change in changes}
    assert len(changes) == 2
    assert all(c.old == date(2100, 3, 22) and c.new == date(2100, 3, 23) for c in changes)
    assert chair.pk in next(iter(moved.values())).notify
    assert fresh(waiting).answer_due_on == date(2100, 3, 23)
    assert fresh(answered).answer_due_on == date(2100, 3, 22)  # answered: its clock is closed
    assert fresh(contract).review_ends_on == date(2100, 3, 23)


def test_recompute_moves_a_submission_clock(talking, chair, hr1, voters) -> None:  # noqa: ANN001
    bargaining = _adopted(talking, chair, voters)
    services.sign(actor=chair, bargaining=bargaining)
    services.sign(actor=hr1, bargaining=bargaining)
    contract = Contract.objects.get(bargaining=bargaining)
    Contract.objects.filter(pk=contract.pk).update(signed_on=date(2100, 3, 12), submit_due_on=date(2100, 3, 22))
    CalendarDay.objects.create(day=date(2100, 3, 22), working=False, note="2100 地方假日")
    changes = clocks.recompute(2100)
    assert [(c.old, c.new) for c in changes] == [(date(2100, 3, 22), date(2100, 3, 23))]
    assert clocks.recompute(2099) == []  # signed in 2100: not a 2099 clock


def test_due_dates_in_a_provisional_year_carry_the_note(new_bargaining, client, chair: User) -> None:  # noqa: ANN001
    bargaining = new_bargaining()
    Bargaining.objects.filter(pk=bargaining.pk).update(answer_due_on=date(2100, 3, 23))
    client.force_login(chair)
    page = client.get(f"/bargaining/{bargaining.pk}/").content.decode()
    assert "2100-03-23" in page and str(PROVISIONAL_NOTE) in page


# --- pages and API ------------------------------------------------------------------------------------------------------

def test_congress_page_registers_lists_and_audits(client, chair: User, hotel: Enterprise, persona) -> None:  # noqa: ANN001
    client.force_login(chair)
    url = f"/bargaining/congress/{hotel.pk}/"
    page = client.get(url).content.decode()
    assert "第3届" in page and str(congress.headcount(hotel)) in page
    client.post(url, {"action": "register", "term": "4", "registered_size": "1", "elected_on": "2024-05-06",
                      "evidence_note": "第四届选举报告"})
    later = Congress.objects.get(enterprise=hotel, term=4)
    client.post(url, {"action": "delegate", "congress": str(later.pk), "name": "王秀兰", "front_line": "1"})
    assert later.delegates.get().front_line
    client.post(url, {"action": "audit", "congress": str(later.pk)})
    assert not fresh(later).audited  # the registrar may not audit
    client.force_login(persona("beiyuanmen"))
    client.post(url, {"action": "audit", "congress": str(later.pk)})
    assert fresh(later).audited
    client.force_login(persona("qingnianlu"))  # another street's union: not theirs
    assert client.get(url).status_code == 404


def test_paper_ballots_through_the_page_and_the_api(talking, client, chair: User, voters: list[User]) -> None:  # noqa: ANN001
    from gonghui.orgs.services import issue_api_token

    bargaining = _hall_vote(talking, chair, voters)
    _, raw = issue_api_token(user=chair)
    api = client.__class__(HTTP_AUTHORIZATION=f"Bearer {raw}")
    answer = api.post(f"/api/v1/bargaining/bargainings/{bargaining.pk}/vote/paper",
                      {"yes": 3, "no": 0, "abstain": 0, "signed_record": "记录"}, content_type="application/json")
    assert answer.status_code in (400, 422)  # 3 paper ballots for 2 paper voters
    client.force_login(chair)
    client.post(f"/bargaining/{bargaining.pk}/act/", {"action": "paper_ballots", "paper_yes": "1", "paper_no": "0",
                                                       "paper_abstain": "1", "signed_record": "监票人签字记录第5号"})
    vote = Vote.objects.get(bargaining=bargaining)
    assert (vote.paper_yes, vote.paper_abstain, vote.paper_record) == (1, 1, "监票人签字记录第5号")
    assert "监票人签字记录第5号" in client.get(f"/bargaining/{bargaining.pk}/").content.decode()
