"""Rounds and the draft, the secret vote (规定 第三十六条), signing, submission and entry into force
(第四十二条, 劳动合同法 第五十四条), renewal (第三十八条), coverage and expiry reminders."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from gonghui.bargaining import rules, selectors, services
from gonghui.bargaining.models import Ballot, Bargaining, Clause, Contract, Reach, Vote, Voter
from gonghui.core.deadlines import period_end
from gonghui.core.models import AuditEvent
from gonghui.orgs.models import Enterprise, User
from tests.bargaining.conftest import fresh, told


def _open(bargaining: Bargaining, chair: User, voters: list[User], hours: int = 2, paper: int = 0) -> Vote:
    return services.open_vote(actor=chair, bargaining=bargaining, body=Vote.Body.CONGRESS, voters=voters,
                              paper_voters=paper,
                              opens_at=timezone.now() - timedelta(minutes=1),
                              closes_at=timezone.now() + timedelta(hours=hours))


def test_clauses_start_from_the_template_and_the_draft_shows_changes_by_round(talking, chair: User) -> None:  # noqa: ANN001
    bargaining = talking()
    clause = bargaining.clauses.get()
    assert "工资" in clause.text  # the shipped wording of 劳动报酬
    services.schedule_round(actor=chair, bargaining=bargaining, starts_at=timezone.now() - timedelta(days=2),
                            agenda="工资", meeting_url="https://meeting.example.cn/1")
    services.save_clause(actor=chair, bargaining=bargaining, clause=clause, text="月工资增长6%。")
    hours = services.save_clause(actor=chair, bargaining=bargaining, area="hours")
    services.save_clause(actor=chair, bargaining=bargaining, clause=hours, state=Clause.State.AGREED)
    services.schedule_round(actor=chair, bargaining=bargaining, starts_at=timezone.now() - timedelta(days=1),
                            agenda="工时", meeting_url="https://meeting.example.cn/2")
    services.save_clause(actor=chair, bargaining=bargaining, clause=clause, text="月工资增长5%。")
    draft = selectors.draft_text(fresh(bargaining))
    assert draft.startswith("第一条 劳动报酬\n月工资增长5%。") and "第二条 工作时间" in draft
    first, second = selectors.drafts_by_round(fresh(bargaining))
    assert ("added", "月工资增长6%。") in first.diff
    assert ("removed", "月工资增长6%。") in second.diff and ("added", "月工资增长5%。") in second.diff
    assert ("same", "第二条 工作时间") in second.diff


def test_the_employer_writes_only_its_own_proposal(talking, hr1: User) -> None:  # noqa: ANN001
    bargaining = talking()
    clause = bargaining.clauses.get()
    services.save_clause(actor=hr1, bargaining=bargaining, clause=clause, employer_proposal="增长3%")
    assert fresh(clause).employer_proposal == "增长3%"
    with pytest.raises(ValidationError):
        services.save_clause(actor=hr1, bargaining=bargaining, clause=clause, state=Clause.State.WITHDRAWN)
    assert fresh(clause).state == Clause.State.AGREED


def test_an_open_clause_keeps_the_draft_from_the_vote(talking, chair: User, voters) -> None:  # noqa: ANN001
    bargaining = talking()
    services.save_clause(actor=chair, bargaining=bargaining, area="rest")
    with pytest.raises(ValidationError, match="尚未达成一致"):
        _open(bargaining, chair, voters)
    assert fresh(bargaining).state == Bargaining.State.TALKING


def test_one_secret_ballot_per_voter_with_a_receipt(talking, chair: User, voters: list[User]) -> None:  # noqa: ANN001
    bargaining = talking()
    _open(bargaining, chair, voters)
    voter = voters[0]
    receipt = services.cast_ballot(actor=voter, bargaining=bargaining, choice="yes")
    with pytest.raises(ValidationError, match="只能投一次"):
        services.cast_ballot(actor=voter, bargaining=bargaining, choice="no")
    vote = bargaining.votes.get()
    assert vote.ballots.count() == 1 and Voter.objects.get(vote=vote, user=voter).voted
    # Nothing joins a ballot to its voter: no voter, no time, a random key; the audit says who voted, never how.
    assert {f.name for f in Ballot._meta.get_fields()} == {"id", "vote", "choice", "receipt_hash"}
    assert not {"choice", "ballot"} & {f.name for f in Voter._meta.get_fields()} - {"voted"}
    audit = AuditEvent.objects.filter(object_type="bargaining.vote", actor=voter).get()
    assert "yes" not in str(audit.changes)
    assert vote.ballots.filter(receipt_hash=services.receipt_hash(vote, receipt)).exists()
    assert not vote.ballots.filter(receipt_hash=services.receipt_hash(vote, "0000-0000-0000")).exists()


def test_only_the_roll_votes_and_only_in_the_window(talking, chair: User, voters: list[User], persona) -> None:  # noqa: ANN001
    from django.http import Http404

    bargaining = talking()
    _open(bargaining, chair, voters[:-1], paper=1)  # the fifth representative votes on paper in the hall
    with pytest.raises(Http404):
        services.cast_ballot(actor=voters[-1], bargaining=bargaining, choice="yes")
    with pytest.raises(Http404):
        services.cast_ballot(actor=persona("worker2"), bargaining=bargaining, choice="yes")
    with time_machine.travel(timezone.now() + timedelta(hours=3)), \
            pytest.raises(ValidationError, match="不在投票时间内"):
        services.cast_ballot(actor=voters[0], bargaining=bargaining, choice="yes")
    assert bargaining.votes.get().ballots.count() == 0


@pytest.mark.parametrize(("ballots", "passed"), [
    (["yes", "yes", "yes", "no"], True),           # 5 on the roll: 4 present (≥ 10/3), 3 yes (≥ 2.5)
    (["yes", "yes", "no", "abstain"], False),      # 2 yes: under half of all five
    (["yes", "yes", "yes"], False),                # 3 present: under two thirds of five
])
def test_the_tally_applies_article_36_to_all_representatives(talking, chair: User, voters: list[User],
                                                             ballots: list[str], passed: bool) -> None:
    assert len(voters) == 5
    bargaining = talking()
    _open(bargaining, chair, voters)
    for voter, choice in zip(voters, ballots, strict=False):
        services.cast_ballot(actor=voter, bargaining=bargaining, choice=choice)
    with pytest.raises(ValidationError, match="尚未截止"):
        services.tally_vote(actor=chair, bargaining=bargaining)
    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        services.run_clocks()
    vote = bargaining.votes.get()
    assert vote.state == (Vote.State.PASSED if passed else Vote.State.FAILED)
    assert fresh(bargaining).state == (Bargaining.State.ADOPTED if passed else Bargaining.State.TALKING)
    assert vote.present == len(ballots) and vote.yes == ballots.count("yes")
    assert vote.tally_digest == services.tally_digest(services.tally_lines(vote))


def _adopted(talking, chair: User, voters: list[User], kind: str = "comprehensive") -> Bargaining:  # noqa: ANN001
    bargaining = talking(kind=kind)
    _open(bargaining, chair, voters)
    for voter in voters:
        services.cast_ballot(actor=voter, bargaining=bargaining, choice="yes")
    services.tally_vote(actor=chair, bargaining=bargaining)  # everyone voted: no need to wait
    return fresh(bargaining)


@pytest.mark.parametrize(("kind", "days"), [("comprehensive", 10), ("wages", 7)])
def test_both_chiefs_sign_and_the_submission_clock_starts(talking, chair: User, hr1: User, voters, kind: str,  # noqa: ANN001
                                                          days: int) -> None:
    bargaining = _adopted(talking, chair, voters, kind)
    services.sign(actor=chair, bargaining=bargaining)
    assert not Contract.objects.filter(bargaining=bargaining).exists()
    with pytest.raises(ValidationError):
        services.sign(actor=chair, bargaining=bargaining, side="employer")  # the employer signs for itself
    services.sign(actor=hr1, bargaining=bargaining)
    contract = Contract.objects.get(bargaining=bargaining)
    assert contract.submit_due_on == period_end(contract.signed_on, days=days)  # rolled (民法典 第二百零三条)
    assert contract.submit_due_on >= contract.signed_on + timedelta(days=days)
    assert contract.text.startswith("第一条 劳动报酬") and contract.worker_chief == chair.display_name
    assert told(hr1, "报送") and fresh(bargaining).state == Bargaining.State.SIGNED


def _signed(talking, chair: User, hr1: User, voters: list[User]) -> Contract:  # noqa: ANN001
    bargaining = _adopted(talking, chair, voters)
    services.sign(actor=chair, bargaining=bargaining)
    services.sign(actor=hr1, bargaining=bargaining)
    return Contract.objects.get(bargaining=bargaining)


def test_in_force_after_fifteen_days_without_objection(talking, chair: User, hr1: User, voters, persona) -> None:  # noqa: ANN001
    contract = _signed(talking, chair, hr1, voters)
    received = contract.signed_on
    services.record_submission(actor=hr1, contract=contract, submitted_on=received, received_on=received,
                               authority="西安市人力资源和社会保障局")
    review_ends = period_end(received, days=15)  # 第四十七条, rolled past a rest day
    services.run_clocks(today=review_ends)
    assert fresh(contract).state == Contract.State.SUBMITTED
    services.run_clocks(today=review_ends + timedelta(days=1))
    contract = fresh(contract)
    assert contract.state == Contract.State.IN_FORCE and contract.effective_from == review_ends + timedelta(days=1)
    assert contract.published_at is not None and told(persona("worker1"), "生效")
    assert contract in selectors.contracts_for_worker(persona("worker1"))
    assert contract not in selectors.contracts_for_worker(persona("worker2"))


def test_an_objection_sends_the_sides_back_to_the_table(talking, chair: User, hr1: User, voters) -> None:  # noqa: ANN001
    contract = _signed(talking, chair, hr1, voters)
    services.record_submission(actor=hr1, contract=contract, submitted_on=contract.signed_on)
    services.record_review(actor=chair, contract=contract, objection="第三条低于当地最低工资标准")
    assert fresh(contract).state == Contract.State.OBJECTED
    assert fresh(contract.bargaining).state == Bargaining.State.TALKING
    services.run_clocks(today=contract.signed_on + timedelta(days=30))
    assert fresh(contract).state == Contract.State.OBJECTED


def test_a_late_submission_is_flagged_once(talking, chair: User, hr1: User, voters) -> None:  # noqa: ANN001
    contract = _signed(talking, chair, hr1, voters)
    services.run_clocks(today=contract.submit_due_on)
    assert not told(hr1, "已逾期")
    services.run_clocks(today=contract.submit_due_on + timedelta(days=1))
    services.run_clocks(today=contract.submit_due_on + timedelta(days=2))
    assert hr1.notifications.filter(text__contains="已逾期").count() == 1


def _paper(official: User, enterprises: list[Enterprise], *, kind: str = "comprehensive", effective_days_ago: int = 30,
           term: int = 36, reach: str = Reach.ENTERPRISE) -> Contract:
    today = timezone.localdate()
    return services.register_contract(
        actor=official, unit=enterprises[0].unit if reach == Reach.ENTERPRISE else official.primary_unit, kind=kind,
        reach=reach, title="纸质合同", employer_party="企业方", term_months=term,
        covered=[services.Covered(enterprise=e, workers=e.employees or 10) for e in enterprises],
        signed_on=today - timedelta(days=effective_days_ago + 20), submitted_on=today - timedelta(days=effective_days_ago + 18),
        effective_from=today - timedelta(days=effective_days_ago))


def test_renewal_only_in_the_last_three_months(persona, hotel: Enterprise) -> None:  # noqa: ANN001
    official = persona("beiyuanmen")
    contract = _paper(official, [hotel], term=12, effective_days_ago=200)
    with pytest.raises(ValidationError, match="3个月"):
        services.request_renewal(actor=official, contract=contract, request_text="续订")
    contract = _paper(official, [hotel], term=12, effective_days_ago=300)
    renewal = services.request_renewal(actor=official, contract=contract, request_text="续订")
    assert renewal.renews == contract and renewal.answer_due_on == timezone.localdate() + timedelta(days=20)


def test_expiry_reminders_at_three_months_and_one_month(persona, hotel: Enterprise, chair: User) -> None:  # noqa: ANN001
    contract = _paper(persona("beiyuanmen"), [hotel], term=12)
    three, one = rules.add_months(contract.expires_on, -3), rules.add_months(contract.expires_on, -1)

    def reminders() -> int:
        return chair.notifications.filter(text__contains="提出续订").count()

    services.run_clocks(today=three - timedelta(days=1))
    assert reminders() == 0
    services.run_clocks(today=three)  # exactly 3 months before the end
    assert reminders() == 1
    services.run_clocks(today=three + timedelta(days=1))
    assert reminders() == 1  # once
    services.run_clocks(today=one - timedelta(days=1))
    assert reminders() == 1
    services.run_clocks(today=one)  # exactly 1 month before
    assert reminders() == 2
    services.run_clocks(today=contract.expires_on)
    assert fresh(contract).state == Contract.State.IN_FORCE  # its last day still counts
    services.run_clocks(today=contract.expires_on + timedelta(days=1))
    assert fresh(contract).state == Contract.State.EXPIRED


def test_coverage_counts_each_enterprise_once(persona, unit, hotel: Enterprise) -> None:  # noqa: ANN001
    official = persona("beiyuanmen")
    street = unit("610104001")
    others = list(Enterprise.objects.filter(unit__path__startswith=street.path, unit__level=6).exclude(pk=hotel.pk)[:2])
    before = {r.unit.pk: r for r in selectors.coverage(official, street)}[street.pk]
    uncovered_before = set(selectors.uncovered(official, street).values_list("pk", flat=True))
    _paper(official, [hotel, *others], reach=Reach.REGIONAL, kind="wages")
    _paper(official, [hotel])  # the hotel again, under its own contract
    after = {r.unit.pk: r for r in selectors.coverage(official, street)}[street.pk]
    newly = len({hotel.pk, *(e.pk for e in others)} & uncovered_before)
    assert after.covered == before.covered + newly
    assert after.by_kind.get("wages", 0) >= len(others) + 1
    assert not {hotel.pk, *(e.pk for e in others)} & set(selectors.uncovered(official, street).values_list("pk", flat=True))


def test_wage_talks_are_due_without_a_wage_agreement_this_year(persona, unit, hotel: Enterprise) -> None:  # noqa: ANN001
    official = persona("beiyuanmen")
    street = unit("610104001")
    due = {e.pk for e, _last in selectors.wage_talks_due(official, street)}
    assert hotel.pk in due
    _paper(official, [hotel], kind="wages", term=12, effective_days_ago=10)
    assert hotel.pk not in {e.pk for e, _last in selectors.wage_talks_due(official, street)}


def test_shuffling_keeps_every_ballot_once(talking, chair: User, voters: list[User]) -> None:  # noqa: ANN001
    bargaining = talking()
    _open(bargaining, chair, voters)
    choices = ["yes", "no", "yes", "abstain", "yes"]
    receipts = [services.cast_ballot(actor=v, bargaining=bargaining, choice=c) for v, c in zip(voters, choices, strict=True)]
    vote = bargaining.votes.get()
    stored = {b.receipt_hash: b.choice for b in vote.ballots.all()}
    assert stored == {services.receipt_hash(vote, r): c for r, c in zip(receipts, choices, strict=True)}
