"""Who votes on a draft (集体合同规定 第三十六条): the workers' congress with its registered size, or all staff
with the enterprise's headcount — and the paper ballots cast in the hall, entered by the union.

The base of the vote (应到人数) is that number, never the length of a shorter list: two thirds of it must attend
and half of it approve (`rules.vote_result`). Representatives with an account vote online; the others vote on
paper in the hall, and the union enters the hall's count with the signed record.

企业民主管理规定 (2012) — its rules on the congress's composition (the share of front-line workers, the minimum
number of representatives, when an all-staff meeting replaces the congress) — is NOT in the stored reference
corpus: no number of it is enforced here. The front-line flag on a delegate is recorded and shown, not judged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.bargaining import rules
from gonghui.bargaining.models import Bargaining, Congress, Delegate, Reach, Vote
from gonghui.core import attachments, audit
from gonghui.core.models import Attachment
from gonghui.orgs import scoping as org_scoping
from gonghui.orgs.models import Enterprise, Person, User

OWNER = "bargaining.congress"


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValidationError(message)


def _official_over(actor: Any, enterprise: Enterprise) -> None:
    """The enterprise's union or a union above it (404 for anyone else)."""
    org_scoping.units.get_or_404(actor, enterprise.unit_id, action=org_scoping.CHANGE)


def congresses_for(actor: Any, enterprise: Enterprise) -> list[Congress]:
    _official_over(actor, enterprise)
    return list(Congress.objects.filter(enterprise=enterprise).prefetch_related("delegates"))


def evidence_of(congress: Congress) -> list[Attachment]:
    return list(Attachment.objects.filter(owner_type=OWNER, owner_id=congress.pk).order_by("uploaded_at"))


@transaction.atomic
def register_congress(*, actor: Any, enterprise: Enterprise, term: int, registered_size: int, elected_on: date,
                      evidence_note: str = "", evidence: Any = None) -> Congress:
    """Record a congress's term and the number of representatives it was elected with."""
    _official_over(actor, enterprise)
    _require(term >= 1, _("请填写届次。"))
    _require(registered_size >= 1, _("请填写登记的职工代表人数。"))
    _require(elected_on <= timezone.localdate(), _("选举日期不能晚于今天。"))
    _require(bool(evidence_note.strip()) or evidence is not None,
             _("请说明职工代表的选举情况，或上传选举结果（如选举报告、代表名单）。"))
    _require(not Congress.objects.filter(enterprise=enterprise, term=term).exists(),
             _("该企业的这一届职工代表大会已经登记。"))
    congress = Congress.objects.create(enterprise=enterprise, term=term, registered_size=registered_size,
                                       elected_on=elected_on, evidence_note=evidence_note.strip(),
                                       created_by=actor if getattr(actor, "is_authenticated", False) else None)
    if evidence is not None:
        attachments.save(actor=actor, upload=evidence, owner_type=OWNER, owner_id=congress.pk,
                         unit_path=enterprise.unit.path, label=_("选举结果"))
    audit.record(actor=actor, action=audit.Action.CREATE, obj=congress, unit_path=enterprise.unit.path,
                 changes={"term": term, "registered_size": registered_size, "elected_on": elected_on})
    return congress


def _locked(actor: Any, congress: Congress) -> Congress:
    congress = Congress.objects.select_for_update().select_related("enterprise__unit").get(pk=congress.pk)
    _official_over(actor, congress.enterprise)
    return congress


@transaction.atomic
def add_delegate(*, actor: Any, congress: Congress, name: str = "", person: Person | None = None,
                 front_line: bool = False) -> Delegate:
    """An elected representative; with their file (and an account) they may vote online."""
    congress = _locked(actor, congress)
    _require(not congress.audited, _("职工代表大会已经审核，代表名单不能再改动。"))
    name = (person.name if person is not None else name).strip()[:50]
    _require(bool(name), _("请填写代表姓名。"))
    _require(person is None or person.employer_id == congress.enterprise_id, _("职工代表应为本企业职工。"))
    _require(person is None or not congress.delegates.filter(person=person).exists(), _("该职工已在代表名单中。"))
    elected = congress.delegates.filter(elected=True).count()
    _require(elected < congress.registered_size,
             _("代表名单已达登记人数 %(n)s 人。") % {"n": congress.registered_size})
    delegate = Delegate.objects.create(congress=congress, person=person, name=name, front_line=front_line)
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=congress, unit_path=congress.enterprise.unit.path,
                 changes={"delegate": name})
    return delegate


@transaction.atomic
def audit_congress(*, actor: Any, congress: Congress) -> Congress:
    """The union checks the election evidence and that the list of representatives is the registered size; only
    then may a vote rely on the congress. Someone other than whoever registered it audits it."""
    congress = _locked(actor, congress)
    _require(not congress.audited, _("已经审核。"))
    _require(congress.created_by_id != getattr(actor, "pk", None), _("登记人以外的工会工作人员审核。"))
    elected = congress.delegates.filter(elected=True).count()
    _require(elected == congress.registered_size,
             _("代表名单 %(l)s 人，与登记人数 %(n)s 人不符。") % {"l": elected, "n": congress.registered_size})
    _require(bool(congress.evidence_note) or bool(evidence_of(congress)), _("缺少选举情况说明或选举结果。"))
    congress.audited_by, congress.audited_at = actor, timezone.now()
    congress.save(update_fields=["audited_by", "audited_at"])
    audit.record(actor=actor, action=audit.Action.TRANSITION, obj=congress, unit_path=congress.enterprise.unit.path,
                 changes={"audited": True})
    return congress


def headcount(enterprise: Enterprise) -> int:
    """All staff: the larger of the declared number of employees and the workers on file in the registry."""
    on_file = Person.objects.filter(employer=enterprise, merged_into__isnull=True).count()
    return max(enterprise.employees or 0, on_file)


@dataclass(frozen=True)
class Base:
    """The vote's base (应到人数) and where it comes from."""

    size: int
    congress: Congress | None
    source: str


def vote_base(bargaining: Bargaining, body: str) -> Base:
    enterprises = list(bargaining.enterprises.all())
    if body == Vote.Body.ALL_STAFF:
        return Base(sum(headcount(e) for e in enterprises), None, _("企业职工人数"))
    _require(bargaining.reach == Reach.ENTERPRISE and len(enterprises) == 1,
             _("区域性、行业性集体合同的职工代表大会未在本系统登记，请选择全体职工大会或线下表决后登记合同。"))
    congress = Congress.objects.filter(enterprise=enterprises[0]).order_by("-term").first()
    _require(congress is not None, _("请先登记本企业的职工代表大会及其代表人数（集体合同规定第三十六条）。"))
    assert congress is not None
    _require(congress.audited, _("职工代表大会的选举情况尚未经工会审核。"))
    return Base(congress.registered_size, congress, _("职工代表大会登记的代表人数"))


def roll_outsiders(bargaining: Bargaining, base: Base, voters: list[User]) -> list[str]:
    """Names on the online roll who are not in the body voting: not a delegate of the congress, or not on file
    at the enterprise(s)."""
    persons = {p.user_id: p for p in Person.objects.filter(user__in=voters)}
    if base.congress is not None:
        allowed = set(base.congress.delegates.filter(elected=True, person__isnull=False)
                      .values_list("person_id", flat=True))
    else:
        allowed = set(Person.objects.filter(employer__in=bargaining.enterprises.all()).values_list("pk", flat=True))
    return [u.display_name or u.get_username() for u in voters
            if u.pk not in persons or persons[u.pk].pk not in allowed]


def check_roll(bargaining: Bargaining, body: str, voters: list[User], paper_voters: int) -> Base:
    """规定 第三十六条: the online roll plus those voting on paper in the hall make up the whole base."""
    base = vote_base(bargaining, body)
    _require(paper_voters >= 0, _("书面表决人数不能为负数。"))
    problem = rules.roll_problem(base=base.size, roll=len(voters) + paper_voters)
    _require(not problem, problem)
    outsiders = roll_outsiders(bargaining, base, voters)
    _require(not outsiders, _("以下人员不是本次表决的职工代表（或本企业职工）：%(n)s") % {"n": "、".join(outsiders[:10])})
    return base


@transaction.atomic
def record_paper_ballots(*, actor: Any, bargaining: Bargaining, yes: int, no: int, abstain: int,
                         signed_record: str) -> Vote:
    """The union enters the count of the paper ballots cast in the hall, with the record signed by the tellers;
    the count adds to the online ballots when the vote is counted. Entered once."""
    from gonghui.bargaining.services import _as_union, _step

    bargaining = _as_union(actor, bargaining)
    vote = Vote.objects.select_for_update().filter(bargaining=bargaining, state=Vote.State.OPEN).first()
    _require(vote is not None, _("没有进行中的投票。"))
    assert vote is not None
    _require(vote.paper_voters > 0, _("本次表决没有在会场书面表决的代表。"))
    _require(vote.paper_entered_at is None, _("书面表决结果已经录入。"))
    _require(min(yes, no, abstain) >= 0, _("票数不能为负数。"))
    _require(yes + no + abstain <= vote.paper_voters,
             _("书面票 %(c)s 张，多于书面表决人数 %(n)s 人。") % {"c": yes + no + abstain, "n": vote.paper_voters})
    _require(bool(signed_record.strip()), _("请填写计票记录及签字人（如：监票人、计票人签字的表决记录编号）。"))
    vote.paper_yes, vote.paper_no, vote.paper_abstain = yes, no, abstain
    vote.paper_record = signed_record.strip()[:300]
    vote.paper_entered_by, vote.paper_entered_at = actor, timezone.now()
    vote.save(update_fields=["paper_yes", "paper_no", "paper_abstain", "paper_record", "paper_entered_by",
                             "paper_entered_at"])
    _step(bargaining, actor, "paper_ballots", _("录入会场书面表决：同意 %(y)s，不同意 %(n)s，弃权 %(a)s（%(r)s）") % {
        "y": yes, "n": no, "a": abstain, "r": vote.paper_record})
    return vote


def paper_pending(vote: Vote) -> bool:
    return vote.paper_voters > 0 and vote.paper_entered_at is None


def paper_counts(vote: Vote) -> dict[str, int]:
    return {"yes": vote.paper_yes or 0, "no": vote.paper_no or 0, "abstain": vote.paper_abstain or 0}
