"""Every write of collective bargaining, one function per use case, each atomic, audited and on the timeline.

集体合同规定 (cited "规定"), 工资集体协商试行办法 ("工资办法"), 劳动合同法.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.bargaining import rules, scoping
from gonghui.bargaining.clause_texts import SHIPPED
from gonghui.bargaining.models import (
    Area,
    Ballot,
    Bargaining,
    Clause,
    ClauseRevision,
    ClauseTemplate,
    Contract,
    Coverage,
    Kind,
    Reach,
    Representative,
    Round,
    SeatRule,
    Side,
    Step,
    Vote,
    Voter,
)
from gonghui.core import audit, counters
from gonghui.core.deadlines import local_date
from gonghui.core.notify import notify
from gonghui.orgs import scoping as org_scoping
from gonghui.orgs import services as orgs_services
from gonghui.orgs.models import Enterprise, Level, Person, Role, Unit, User

B = Bargaining.State
T = TypeVar("T")


def _today() -> date:
    return local_date(timezone.now())


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValidationError(message)


def _present(value: T | None, message: str) -> T:
    if value is None:
        raise ValidationError(message)
    return value


def _holders(roles: Iterable[str], **where: Any) -> list[User]:
    return list(User.objects.filter(is_active=True, role_assignments__revoked_at__isnull=True,
                                    role_assignments__role__in=tuple(roles),
                                    **{f"role_assignments__{key}": value for key, value in where.items()}).distinct())


def _url(bargaining: Bargaining) -> str:
    return reverse("bargaining:detail", args=[bargaining.pk])


def union_users(bargaining: Bargaining | Contract) -> list[User]:
    return _holders(scoping.UNION, unit=bargaining.unit)


def employer_users(bargaining: Bargaining) -> list[User]:
    return _holders((Role.EMPLOYER_REP,), enterprise__in=list(bargaining.enterprises.values_list("pk", flat=True)))


def _contract_employer_users(contract: Contract) -> list[User]:
    return _holders((Role.EMPLOYER_REP,), enterprise__in=list(contract.coverage.values_list("enterprise_id", flat=True)))


def _upper_union_users(unit: Unit) -> list[User]:
    return _holders((Role.OFFICIAL,), unit_id=unit.parent_id) if unit.parent_id else []


def _step(bargaining: Bargaining, actor: Any, action: str, text: str, *, to: str = "", reason: str = "") -> None:
    from_state = bargaining.state
    if to:
        bargaining.state = to
        bargaining.save(update_fields=["state", "updated_at"])
    Step.objects.create(bargaining=bargaining, actor=actor if getattr(actor, "is_authenticated", False) else None,
                        action=action, text=text[:300], from_state=from_state if to else "", to_state=to,
                        reason=reason)
    audit.record(actor=actor, action=audit.Action.TRANSITION if to else audit.Action.UPDATE, obj=bargaining,
                 unit_path=bargaining.unit.path, reason=reason,
                 changes={"action": action, **({"state": [from_state, to]} if to else {})})


def _locked(bargaining: Bargaining) -> Bargaining:
    return Bargaining.objects.select_for_update(of=("self",)).select_related("unit").get(pk=bargaining.pk)


def _as_union(actor: Any, bargaining: Bargaining) -> Bargaining:
    scoping.bargainings.get_or_404(actor, bargaining.pk, action=scoping.CHANGE)
    return _locked(bargaining)


def _side_of(actor: Any, bargaining: Bargaining) -> str:
    """The side the actor acts for on this bargaining: the union (worker side) or the employer's representative."""
    if scoping.bargainings.can(actor, scoping.CHANGE, bargaining):
        return Side.WORKER
    scoping.bargainings.get_or_404(actor, bargaining.pk, action=scoping.EMPLOYER)
    return Side.EMPLOYER


def _next_number(prefix: str, model: type[Bargaining] | type[Contract], today: date) -> str:
    head = f"{prefix}{today:%Y}"
    serial = counters.next_serial(f"bargaining.{model._meta.model_name}:{head}", seed=lambda: counters.serial_of(
        model.objects.filter(number__startswith=head).aggregate(n=Max("number"))["n"], head))
    return f"{head}{serial:05d}"


def seat_rule_for(unit: Unit) -> rules.SeatRule:
    """The nearest region's own bounds on the seats, else the national ones (规定 第十九条)."""
    found = {r.unit_id: r for r in SeatRule.objects.filter(unit_id__in=[*unit.ancestor_ids, unit.pk])}
    for unit_id in [unit.pk, *reversed(unit.ancestor_ids)]:
        if unit_id in found:
            r = found[unit_id]
            return rules.SeatRule(min_per_side=r.min_per_side, max_per_side=r.max_per_side,
                                  worker_side_not_smaller=r.worker_side_not_smaller)
    return rules.SeatRule()


def seats_of(bargaining: Bargaining) -> list[rules.Seat]:
    return [rules.Seat(key=r.seat_key, side=r.side, chief=r.chief, outside_expert=r.outside_expert)
            for r in bargaining.representatives.filter(vacated_on__isnull=True)]


def seat_problems(bargaining: Bargaining) -> list[str]:
    problems = rules.seat_problems(seats_of(bargaining), seat_rule_for(bargaining.unit))
    if needs_election(bargaining) and not _election_holds(bargaining):
        problems.append(_("本企业未建立工会：职工一方代表须经本单位半数以上职工同意推举（集体合同规定第二十条），请记录推举情况。"))
    return problems


def needs_election(bargaining: Bargaining) -> bool:
    """An enterprise bargaining where the enterprise has no grassroots union of its own (规定 第二十条)."""
    if bargaining.reach != Reach.ENTERPRISE:
        return False
    enterprise = bargaining.enterprises.select_related("unit").first()
    return enterprise is not None and enterprise.unit.level != Level.GRASSROOTS


def _election_holds(bargaining: Bargaining) -> bool:
    consenting, workforce = bargaining.election_consenting, bargaining.election_workforce
    # "半数以上" includes half itself (民法典 第一千二百五十九条).
    return workforce is not None and workforce > 0 and consenting is not None and consenting * 2 >= workforce


# --- the request and its answer (规定 第三十二条) ---

@transaction.atomic
def request_bargaining(*, actor: Any, kind: str, title: str, request_text: str, enterprises: list[Enterprise],
                       reach: str = Reach.ENTERPRISE, unit: Unit | None = None, employer_party: str = "",
                       received_on: date | None = None, renews: Contract | None = None) -> Bargaining:
    """Either side asks the other in writing to bargain (规定 第三十二条). The union asks for its unit's
    enterprises; an employer's representative asks its own enterprise's union."""
    _require(kind in Kind.values, _("请选择合同种类。"))
    _require(reach in Reach.values, _("请选择协商范围。"))
    _require(bool(title.strip()) and bool(request_text.strip()), _("请填写协商名称和协商要求（协商的事项和理由）。"))
    enterprises = list({e.pk: e for e in enterprises}.values())
    if reach == Reach.ENTERPRISE:
        _require(len(enterprises) == 1, _("企业集体合同只涉及一家企业。"))
    else:
        _require(len(enterprises) >= 2, _("区域性、行业性集体协商应列出所覆盖的企业（至少两家）。"))
        _require(bool(employer_party.strip()), _("请填写企业方面的代表（如企业联合会、行业协会）。"))
    represented = set(actor.represented_enterprise_ids()) if getattr(actor, "is_authenticated", False) else set()
    if reach == Reach.ENTERPRISE and enterprises[0].pk in represented:
        side, unit = Side.EMPLOYER, enterprises[0].unit
    else:
        side = Side.WORKER
        unit = unit or enterprises[0].unit
        unit = org_scoping.units.get_or_404(actor, unit.pk, action=org_scoping.CHANGE)
        outside = [e.name for e in enterprises if e.unit_id != unit.pk and unit.pk not in e.unit.ancestor_ids]
        _require(not outside, _("以下企业不属于本工会：%(names)s") % {"names": "、".join(outside[:5])})
    today = _today()
    received_on = received_on or today
    _require(received_on <= today, _("对方收到日期不能晚于今天。"))
    bargaining = Bargaining.objects.create(
        number=_next_number("JX", Bargaining, today), kind=kind, reach=reach, title=title.strip()[:200], unit=unit,
        province_id=unit.province_id, employer_party=(employer_party.strip() or enterprises[0].name)[:200],
        renews=renews, requested_by_side=side, requested_by=actor, request_text=request_text.strip(),
        received_on=received_on, answer_due_on=rules.answer_due(received_on),
        headcount=sum(e.employees or 0 for e in enterprises) or None)
    bargaining.enterprises.set(enterprises)
    _step(bargaining, actor, "request", _("%(side)s提出集体协商要求，对方应于 %(due)s 前书面回应") % {
        "side": Side(side).label, "due": bargaining.answer_due_on})
    other = union_users(bargaining) if side == Side.EMPLOYER else employer_users(bargaining)
    notify(other, _("%(party)s要求进行集体协商（%(title)s），请于 %(due)s 前书面回应（集体合同规定第三十二条）。") % {
        "party": Side(side).label, "title": bargaining.title, "due": bargaining.answer_due_on}, url=_url(bargaining))
    return bargaining


@transaction.atomic
def answer_request(*, actor: Any, bargaining: Bargaining, agree: bool, answer: str) -> Bargaining:
    """The other side's written answer; a refusal needs its reason (规定 第三十二条: no refusal without good reason).
    The union may record a paper answer of an employer side that has no account here (区域性、行业性)."""
    side = _side_of(actor, bargaining)
    bargaining = _locked(bargaining)
    _require(bargaining.state in (B.REQUESTED, B.NO_ANSWER), _("该协商要求已经回应过了。"))
    answering = Side.EMPLOYER if bargaining.requested_by_side == Side.WORKER else Side.WORKER
    if side != answering:
        _require(side == Side.WORKER and not employer_users(bargaining),
                 _("协商要求应由对方回应。"))
    _require(bool(answer.strip()), _("请写明书面回应的内容；拒绝协商须说明理由。"))
    bargaining.answer, bargaining.answered_at = answer.strip(), timezone.now()
    if agree:
        bargaining.started_on = _today()
    bargaining.save(update_fields=["answer", "answered_at", "started_on", "updated_at"])
    late = _today() > bargaining.answer_due_on
    _step(bargaining, actor, "answer", (_("书面回应：同意协商") if agree else _("书面回应：拒绝协商"))
          + (_("（已超过20日期限）") if late else ""), to=B.TALKING if agree else B.REFUSED, reason=answer.strip())
    told = employer_users(bargaining) + union_users(bargaining)
    if not agree:
        told += _upper_union_users(bargaining.unit)  # a refusal is taken up by the union above
    notify(told, _("集体协商 %(n)s：对方%(what)s。") % {"n": bargaining.number,
                                                   "what": _("同意协商") if agree else _("拒绝协商")},
           url=_url(bargaining))
    return bargaining


@transaction.atomic
def abandon(*, actor: Any, bargaining: Bargaining, reason: str) -> Bargaining:
    bargaining = _as_union(actor, bargaining)
    _require(bargaining.state in (*Bargaining.OPEN, B.NO_ANSWER, B.REFUSED), _("该协商已经结束。"))
    _require(bool(reason.strip()), _("请说明终止的原因。"))
    _step(bargaining, actor, "abandon", _("终止协商"), to=B.ABANDONED, reason=reason.strip())
    return bargaining


# --- the table (规定 第十九至三十一条) ---

@dataclass(frozen=True)
class Seating:
    side: str
    name: str
    person: Person | None = None
    title: str = ""
    chief: bool = False
    outside_expert: bool = False
    delegation: str = ""
    contract_ends_on: date | None = None


def _is_union_chair(bargaining: Bargaining, person: Person | None, name: str) -> bool:
    """Whether the seat is the union chair's own: their registry file, or (without one) their account's name."""
    chairs = _holders((Role.CHAIR,), unit=bargaining.unit)
    if person is not None and person.user_id is not None:
        return any(u.pk == person.user_id for u in chairs)
    return person is None and any(u.display_name and u.display_name == name.strip() for u in chairs)


@transaction.atomic
def seat_representative(*, actor: Any, bargaining: Bargaining, seating: Seating) -> Representative:
    """Name a representative. The union names the worker side (规定 第二十条), the employer its own (第二十一条)."""
    side = _side_of(actor, bargaining)
    bargaining = _locked(bargaining)
    _require(seating.side in Side.values, _("请选择代表所在的一方。"))
    if seating.side != side:
        # The union may record the employer side's names from its written notice when it has no account here.
        _require(side == Side.WORKER and not employer_users(bargaining), _("每一方的协商代表由该方自行确定。"))
    _require(bargaining.state in (B.REQUESTED, B.TALKING, B.NO_ANSWER), _("当前阶段不能再调整协商代表。"))
    _require(bool(seating.name.strip()), _("请填写代表姓名。"))
    seating = dataclasses.replace(seating, name=orgs_services.clean_name(seating.name))
    seated = bargaining.representatives.filter(vacated_on__isnull=True)
    key = f"p{seating.person.pk}" if seating.person else f"n{seating.name.strip()}"
    _require(not any(r.seat_key == key for r in seated),
             _("%(name)s 已是协商代表；同一人不得同时担任双方代表（集体合同规定第二十四条）。") % {"name": seating.name})
    if seating.chief:
        _require(not seating.outside_expert, _("首席代表不得由本单位以外的人员担任（集体合同规定第二十三条）。"))
        _require(not seated.filter(side=seating.side, chief=True).exists(), _("该方已有首席代表。"))
        if seating.side == Side.WORKER and bargaining.reach == Reach.ENTERPRISE \
                and _holders((Role.CHAIR,), unit=bargaining.unit) and not _is_union_chair(bargaining, seating.person, seating.name):
            # 规定 第二十条: the union chair is the chief unless they delegate in writing.
            _require(bool(seating.delegation.strip()),
                     _("职工一方首席代表由工会主席担任；由他人担任的，须有工会主席的书面委托（集体合同规定第二十条）。"))
    representative = Representative.objects.create(
        bargaining=bargaining, side=seating.side, person=seating.person, name=seating.name.strip()[:50],
        title=seating.title[:100], chief=seating.chief, outside_expert=seating.outside_expert,
        delegation=seating.delegation.strip()[:200], contract_ends_on=seating.contract_ends_on)
    vacancy = bargaining.representatives.filter(side=seating.side, vacated_on__isnull=False,
                                                replaced_by__isnull=True).exclude(pk=representative.pk) \
        .order_by("vacated_on", "pk").first()
    if vacancy is not None:  # 规定 第三十一条: the new representative fills the vacant seat
        vacancy.replaced_by = representative
        vacancy.save(update_fields=["replaced_by"])
    _step(bargaining, actor, "seat", _("%(side)s协商代表：%(name)s%(chief)s") % {
        "side": Side(seating.side).label, "name": representative.name,
        "chief": _("（首席）") if seating.chief else ""})
    if seating.side == Side.WORKER and rules.contract_ends_inside(
            seating.contract_ends_on, bargaining.started_on or _today(), None):
        notify(union_users(bargaining), _("协商代表 %(name)s 的劳动合同将于 %(day)s 到期：履行代表职责期间期满的，"
                                          "劳动合同期限自动延长至完成代表职责之时（集体合同规定第二十八条）。") % {
            "name": representative.name, "day": seating.contract_ends_on}, url=_url(bargaining))
    return representative


@transaction.atomic
def record_worker_election(*, actor: Any, bargaining: Bargaining, consenting: int, workforce: int) -> Bargaining:
    """规定 第二十条: without a union, worker representatives are elected with the consent of half or more of all
    workers, under the guidance of the union above."""
    bargaining = _as_union(actor, bargaining)
    _require(workforce > 0 and 0 <= consenting <= workforce, _("请填写正确的职工总数和同意人数。"))
    _require(consenting * 2 >= workforce, _("同意人数 %(c)s 不足职工总数 %(w)s 的半数，推举不成立（集体合同规定第二十条）。")
             % {"c": consenting, "w": workforce})
    bargaining.election_consenting, bargaining.election_workforce = consenting, workforce
    bargaining.save(update_fields=["election_consenting", "election_workforce", "updated_at"])
    _step(bargaining, actor, "election", _("职工民主推举协商代表：%(c)s / %(w)s 人同意") % {"c": consenting, "w": workforce})
    return bargaining


@transaction.atomic
def vacate_seat(*, actor: Any, representative: Representative, reason: str) -> Representative:
    """A seat falls vacant (replaced, resigned…); it is to be filled within 15 days (规定 第三十一条)."""
    bargaining = representative.bargaining
    side = _side_of(actor, bargaining)
    _require(side == representative.side or not employer_users(bargaining), _("每一方的协商代表由该方自行确定。"))
    bargaining = _locked(bargaining)
    _require(representative.vacated_on is None, _("该席位已空缺。"))
    _require(bool(reason.strip()), _("请说明空缺的原因。"))
    representative.vacated_on, representative.vacancy_reason = _today(), reason.strip()[:200]
    representative.save(update_fields=["vacated_on", "vacancy_reason"])
    _step(bargaining, actor, "vacate", _("%(name)s 的代表席位空缺，应于 %(due)s 前产生新的代表") % {
        "name": representative.name, "due": rules.vacancy_due(representative.vacated_on)}, reason=reason.strip())
    return representative


# --- rounds and clauses ---

def _require_talking(bargaining: Bargaining) -> None:
    _require(bargaining.state == B.TALKING, _("只有在协商中才能安排会议、记录条款。"))


@transaction.atomic
def schedule_round(*, actor: Any, bargaining: Bargaining, starts_at: datetime, agenda: str, meeting_url: str = "",
                   place: str = "", minutes_long: int = 120) -> Round:
    bargaining = _as_union(actor, bargaining)
    _require_talking(bargaining)
    problems = seat_problems(bargaining)
    _require(not problems, " ".join(problems))
    _require(bool(agenda.strip()), _("请填写本轮协商的议程。"))
    _require(bool(meeting_url.strip() or place.strip()), _("请填写线上会议链接或会议地点。"))
    if meeting_url.strip():
        _require(meeting_url.strip().startswith(("https://", "http://")), _("会议链接应以 https:// 开头。"))
    _require(15 <= minutes_long <= 600, _("会议时长应在 15 到 600 分钟之间。"))
    number = (bargaining.rounds.aggregate(n=Max("number"))["n"] or 0) + 1
    round_ = Round.objects.create(bargaining=bargaining, number=number, starts_at=starts_at, agenda=agenda.strip(),
                                  meeting_url=meeting_url.strip()[:300], place=place.strip()[:200],
                                  minutes_long=minutes_long)
    _step(bargaining, actor, "round", _("安排第 %(n)s 轮协商：%(at)s") % {
        "n": number, "at": timezone.localtime(starts_at).strftime("%Y-%m-%d %H:%M")})
    seated = [r.person.user for r in bargaining.representatives.filter(vacated_on__isnull=True, person__user__isnull=False)
              .select_related("person__user") if r.person is not None and r.person.user is not None]
    notify(seated + employer_users(bargaining) + union_users(bargaining),
           _("集体协商 %(n)s 第 %(r)s 轮：%(at)s，%(where)s") % {
               "n": bargaining.number, "r": number, "at": timezone.localtime(starts_at).strftime("%m月%d日 %H:%M"),
               "where": meeting_url.strip() or place.strip()},
           url=reverse("bargaining:round_ics", args=[round_.pk]))
    return round_


@transaction.atomic
def record_minutes(*, actor: Any, round_: Round, minutes: str) -> Round:
    scoping.rounds.get_or_404(actor, round_.pk, action=scoping.CHANGE)
    bargaining = _locked(round_.bargaining)
    _require(bool(minutes.strip()), _("请填写会议纪要。"))
    round_.minutes = minutes.strip()
    round_.save(update_fields=["minutes"])
    _step(bargaining, actor, "minutes", _("记录第 %(n)s 轮会议纪要") % {"n": round_.number})
    return round_


def _latest_round(bargaining: Bargaining) -> Round | None:
    return bargaining.rounds.filter(starts_at__lte=timezone.now()).order_by("-number").first() \
        or bargaining.rounds.order_by("number").first()


def template_for(area: str, unit: Unit) -> tuple[str, str]:
    """A union's own wording of a content area (the nearest up the tree), else the shipped one."""
    own = {t.unit_id: t for t in ClauseTemplate.objects.filter(area=area, unit_id__in=[*unit.ancestor_ids, unit.pk])}
    for unit_id in [unit.pk, *reversed(unit.ancestor_ids)]:
        if unit_id in own:
            return own[unit_id].title, own[unit_id].text
    shipped = ClauseTemplate.objects.filter(area=area, unit__isnull=True).first()
    if shipped is not None:
        return shipped.title, shipped.text
    return SHIPPED[area]


@transaction.atomic
def save_template(*, actor: Any, unit: Unit, area: str, title: str, text: str) -> ClauseTemplate:
    """A union keeps its own wording of a content area, used by every bargaining at and below it."""
    unit = org_scoping.units.get_or_404(actor, unit.pk, action=org_scoping.CHANGE)
    _require(area in Area.values, _("请选择条款内容。"))
    _require(bool(title.strip()) and bool(text.strip()), _("请填写条款标题和范本内容。"))
    template, _created = ClauseTemplate.objects.update_or_create(
        area=area, unit=unit, defaults={"title": title.strip()[:100], "text": text.strip()})
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=template, unit_path=unit.path,
                 changes={"area": area})
    return template


@transaction.atomic
def save_clause(*, actor: Any, bargaining: Bargaining, clause: Clause | None = None, area: str = "",
                title: str = "", text: str | None = None, worker_proposal: str | None = None,
                employer_proposal: str | None = None, state: str | None = None) -> Clause:
    """Add a clause (from the area's template) or record where one stands: each side's proposal, the agreed text,
    its state. Every change is a revision tied to the current round, so the draft's changes show round by round.
    The employer's representative writes the employer side's proposal only."""
    side = _side_of(actor, bargaining)
    bargaining = _locked(bargaining)
    _require_talking(bargaining)
    if clause is None:
        _require(side == Side.WORKER, _("新增条款由工会记录。"))
        _require(area in Area.values, _("请选择条款内容。"))
        template_title, template_text = template_for(area, bargaining.unit)
        clause = Clause.objects.create(bargaining=bargaining, area=area, title=(title.strip() or template_title)[:100],
                                       text=template_text if text is None else text.strip(),
                                       position=(bargaining.clauses.aggregate(n=Max("position"))["n"] or 0) + 1)
    else:
        clause = Clause.objects.select_for_update().get(pk=clause.pk, bargaining=bargaining)
    if side == Side.EMPLOYER:
        _require(text is None and worker_proposal is None and state is None and not title,
                 _("用人单位代表只能填写用人单位方的意见。"))
    if title.strip():
        clause.title = title.strip()[:100]
    if text is not None:
        clause.text = text.strip()
    if worker_proposal is not None:
        clause.worker_proposal = worker_proposal.strip()
    if employer_proposal is not None:
        clause.employer_proposal = employer_proposal.strip()
    if state is not None:
        _require(state in Clause.State.values, _("条款状态不正确。"))
        _require(state != Clause.State.AGREED or bool(clause.text.strip()), _("达成一致的条款须有条款文本。"))
        clause.state = state
    clause.save()
    ClauseRevision.objects.create(clause=clause, round=_latest_round(bargaining), text=clause.text, state=clause.state,
                                  by=actor)
    bargaining.draft_version += 1
    bargaining.save(update_fields=["draft_version", "updated_at"])
    _step(bargaining, actor, "clause", _("条款“%(t)s”：%(s)s") % {"t": clause.title, "s": clause.get_state_display()})
    return clause


@transaction.atomic
def record_wage_data(*, actor: Any, bargaining: Bargaining, headcount: int | None, average_wage: Any,
                     last_rise_pct: Any) -> Bargaining:
    """The figures the wage talks start from (工资办法 第十九条); either side may enter them."""
    from gonghui.core.money import BadAmount, positive_yuan

    _side_of(actor, bargaining)
    bargaining = _locked(bargaining)
    _require(headcount is None or headcount >= 0, _("职工人数不能为负数。"))
    bargaining.headcount = headcount
    try:
        # A monthly wage: the column holds eight digits before the point.
        bargaining.average_wage = (positive_yuan(average_wage, maximum=Decimal("99999999.99"))
                                   if average_wage not in (None, "") else None)
    except BadAmount as exc:
        raise ValidationError({"average_wage": str(exc)}) from exc
    bargaining.last_rise_pct = last_rise_pct if last_rise_pct not in (None, "") else None
    bargaining.save(update_fields=["headcount", "average_wage", "last_rise_pct", "updated_at"])
    _step(bargaining, actor, "wage_data", _("更新工资协商数据"))
    return bargaining


@transaction.atomic
def set_term(*, actor: Any, bargaining: Bargaining, term_months: int) -> Bargaining:
    bargaining = _as_union(actor, bargaining)
    _require_talking(bargaining)
    _require(rules.MIN_TERM_MONTHS <= term_months <= rules.MAX_TERM_MONTHS,
             _("集体合同期限为1至3年（12至36个月）（集体合同规定第三十八条）。"))
    bargaining.term_months = term_months
    bargaining.save(update_fields=["term_months", "updated_at"])
    _step(bargaining, actor, "term", _("合同期限：%(m)s 个月") % {"m": term_months})
    return bargaining


# --- the vote (规定 第三十六条) ---

@transaction.atomic
def open_vote(*, actor: Any, bargaining: Bargaining, body: str, voters: list[User], opens_at: datetime,
              closes_at: datetime, paper_voters: int = 0) -> Vote:
    """Put the draft agreed by both sides to the workers' congress or all staff: online for those on the roll,
    on paper in the hall for `paper_voters` more. Together they are the whole base (规定 第三十六条,
    `congress.check_roll`): the congress's registered size, or the enterprise's headcount."""
    from gonghui.bargaining import congress as congress_rules
    from gonghui.bargaining.selectors import draft_text

    bargaining = _as_union(actor, bargaining)
    _require_talking(bargaining)
    _require(body in Vote.Body.values, _("请选择职工代表大会或全体职工大会。"))
    problems = seat_problems(bargaining)
    _require(not problems, " ".join(problems))
    clauses = list(bargaining.clauses.all())
    _require(any(c.state == Clause.State.AGREED for c in clauses), _("还没有双方达成一致的条款。"))
    open_titles = [c.title for c in clauses if c.state == Clause.State.OPEN]
    _require(not open_titles, _("以下条款尚未达成一致，不能提交审议：%(t)s") % {"t": "、".join(open_titles)})
    _require(bool(bargaining.employer_signed_at is None), _("该草案已签字。"))
    voters = list({u.pk: u for u in voters}.values())
    _require(len(voters) + paper_voters >= 3, _("请列出全部职工代表（或全体职工）作为投票人。"))
    base = congress_rules.check_roll(bargaining, body, voters, paper_voters)
    _require(closes_at > opens_at, _("截止时间须晚于开始时间。"))
    _require(closes_at > timezone.now(), _("截止时间已经过去。"))
    vote = Vote.objects.create(bargaining=bargaining, body=body, draft_version=bargaining.draft_version,
                               draft_text=draft_text(bargaining), opens_at=opens_at, closes_at=closes_at,
                               electorate=base.size, congress=base.congress, paper_voters=paper_voters)
    Voter.objects.bulk_create([Voter(vote=vote, user=u, name=(u.display_name or u.get_username())[:50])
                               for u in voters])
    _step(bargaining, actor, "vote_open", _("提交%(body)s审议，应到 %(n)s 人，投票截止 %(at)s") % {
        "body": vote.get_body_display(), "n": vote.electorate,
        "at": timezone.localtime(closes_at).strftime("%Y-%m-%d %H:%M")}, to=B.VOTING)
    notify(voters, _("请对《%(t)s》草案投票（不记名），截止 %(at)s。") % {
        "t": bargaining.title, "at": timezone.localtime(closes_at).strftime("%m月%d日 %H:%M")},
           url=reverse("bargaining:vote", args=[bargaining.pk]))
    return vote


def receipt_hash(vote: Vote, receipt: str) -> str:
    return hashlib.sha256(f"{vote.pk}:{receipt.strip().upper()}".encode()).hexdigest()


@transaction.atomic
def cast_ballot(*, actor: Any, bargaining: Bargaining, choice: str) -> str:
    """One secret ballot per voter. The roll records that the voter voted, the ballot records how, and nothing
    joins the two: the ballot has a random key and no voter or time. Returns the voter's receipt."""
    scoping.bargainings.get_or_404(actor, bargaining.pk, action=scoping.VOTE)
    vote = _present(Vote.objects.select_for_update().filter(bargaining=bargaining, state=Vote.State.OPEN).first(),
                    _("现在没有进行中的投票。"))
    now = timezone.now()
    _require(vote.opens_at <= now < vote.closes_at, _("不在投票时间内（%(a)s 至 %(b)s）。") % {
        "a": timezone.localtime(vote.opens_at).strftime("%m-%d %H:%M"),
        "b": timezone.localtime(vote.closes_at).strftime("%m-%d %H:%M")})
    _require(choice in Ballot.Choice.values, _("请选择同意、不同意或弃权。"))
    voter = _present(Voter.objects.select_for_update().filter(vote=vote, user_id=actor.pk).first(),
                     _("您不在本次表决的名单上。"))
    _require(not voter.voted, _("您已经投过票了，每人只能投一次。"))
    voter.voted = True
    voter.save(update_fields=["voted"])
    receipt = "-".join(secrets.token_hex(2).upper() for _i in range(3))
    cast = Ballot.objects.create(vote=vote, choice=choice, receipt_hash=receipt_hash(vote, receipt))
    _shuffle_in(vote, cast)
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=vote, unit_path=bargaining.unit.path,
                 changes={"ballot": "cast"})  # that they voted; never how
    return receipt


def _shuffle_in(vote: Vote, cast: Ballot) -> None:
    """Swap the new ballot's content with a uniformly chosen ballot's (itself included): the rows' physical
    order (SQLite's rowid, PostgreSQL's heap) then follows a random permutation of the casting order, so it
    cannot be lined up with the audit log's times (an inside-out Fisher–Yates shuffle, one step per ballot;
    the vote row is locked, so the steps do not interleave)."""
    other = Ballot.objects.get(pk=secrets.choice(list(vote.ballots.values_list("pk", flat=True))))
    if other.pk == cast.pk:
        return
    Ballot.objects.filter(pk=other.pk).update(receipt_hash=f"swap-{cast.pk}")  # receipt_hash is unique
    Ballot.objects.filter(pk=cast.pk).update(choice=other.choice, receipt_hash=other.receipt_hash)
    Ballot.objects.filter(pk=other.pk).update(choice=cast.choice, receipt_hash=cast.receipt_hash)


def tally_lines(vote: Vote) -> list[str]:
    return sorted(f"{b.receipt_hash}:{b.choice}" for b in vote.ballots.all())


def tally_digest(lines: list[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


@transaction.atomic
def tally_vote(*, actor: Any, bargaining: Bargaining) -> Vote:
    """Count after the window (or once everyone has voted): quorum of two thirds, approval by half of ALL
    (规定 第三十六条) — the online ballots plus the paper ballots the union entered from the hall. The counted
    ballots and their digest are kept so anyone may recount."""
    from gonghui.bargaining import congress as congress_rules

    bargaining = _as_union(actor, bargaining) if actor is not None else _locked(bargaining)
    vote = _present(Vote.objects.select_for_update().filter(bargaining=bargaining, state=Vote.State.OPEN).first(),
                    _("没有进行中的投票。"))
    voted = vote.roll.filter(voted=True).count()
    _require(not congress_rules.paper_pending(vote), _("请先录入会场书面表决的结果。"))
    online_roll = vote.electorate - vote.paper_voters
    _require(timezone.now() >= vote.closes_at or voted == online_roll, _("投票尚未截止。"))
    online = {c: vote.ballots.filter(choice=c).count() for c in Ballot.Choice.values}
    _require(sum(online.values()) == voted, _("票数与投票人数不符，请联系系统管理员。"))
    paper = congress_rules.paper_counts(vote)
    counts = {c: online[c] + paper[c] for c in Ballot.Choice.values}
    present = sum(counts.values())
    result = rules.vote_result(electorate=vote.electorate, present=present, yes=counts["yes"])
    vote.present, vote.yes, vote.no, vote.abstain = present, counts["yes"], counts["no"], counts["abstain"]
    vote.tally_digest = tally_digest(tally_lines(vote))
    vote.tallied_at, vote.tallied_by = timezone.now(), actor if getattr(actor, "is_authenticated", False) else None
    vote.state = Vote.State.PASSED if result.passed else Vote.State.FAILED
    vote.save()
    summary = _("应到 %(e)s 人，实到 %(p)s 人（须 %(q)s 人），同意 %(y)s 票（须 %(n)s 票）") % {
        "e": result.electorate, "p": result.present, "q": result.quorum_needed, "y": result.yes,
        "n": result.yes_needed}
    if result.passed:
        _step(bargaining, actor, "vote_passed", _("草案获得通过：") + summary, to=B.ADOPTED)
    else:
        why = _("出席人数不足三分之二") if not result.quorate else _("同意票不足全体半数")
        _step(bargaining, actor, "vote_failed", _("草案未获通过（%(why)s）：") % {"why": why} + summary, to=B.TALKING)
    notify(union_users(bargaining) + employer_users(bargaining) + [v.user for v in vote.roll.select_related("user")],
           _("《%(t)s》表决结果：%(r)s。%(s)s") % {"t": bargaining.title, "s": summary,
                                             "r": _("通过") if result.passed else _("未通过")},
           url=_url(bargaining))
    return vote


# --- signing and the registry ---

@transaction.atomic
def sign(*, actor: Any, bargaining: Bargaining, side: str | None = None) -> Bargaining:
    """After the vote both chief representatives sign (规定 第三十七条). When both have, the contract enters the
    registry and the submission clock starts (第四十二条; 7 days for a wage agreement, 工资办法 第二十一条)."""
    acting = _side_of(actor, bargaining)
    bargaining = _locked(bargaining)
    _require(bargaining.state == B.ADOPTED, _("草案经职工代表大会或全体职工讨论通过后，才由双方首席代表签字。"))
    side = side or acting
    if side != acting:
        _require(acting == Side.WORKER and not employer_users(bargaining), _("每一方的首席代表自行签字。"))
    field = "worker_signed_at" if side == Side.WORKER else "employer_signed_at"
    _require(getattr(bargaining, field) is None, _("本方首席代表已经签字。"))
    setattr(bargaining, field, timezone.now())
    bargaining.save(update_fields=[field, "updated_at"])
    chiefs = {r.side: r.name for r in bargaining.representatives.filter(chief=True, vacated_on__isnull=True)}
    if bargaining.worker_signed_at and bargaining.employer_signed_at:
        vote = bargaining.votes.filter(state=Vote.State.PASSED).first()
        today = _today()
        contract = Contract.objects.create(
            number=_next_number("JT", Contract, today), bargaining=bargaining, renews=bargaining.renews,
            kind=bargaining.kind, reach=bargaining.reach, title=bargaining.title, unit=bargaining.unit,
            province_id=bargaining.province_id, employer_party=bargaining.employer_party,
            text=vote.draft_text if vote else "", worker_chief=chiefs.get(Side.WORKER, ""),
            employer_chief=chiefs.get(Side.EMPLOYER, ""), signed_on=today,
            submit_due_on=rules.submission_due(today, wage_agreement=bargaining.is_wage),
            term_months=bargaining.term_months,
            vote_summary=(f"{vote.get_body_display()}：应到{vote.electorate}人，实到{vote.present}人，同意{vote.yes}票"
                          if vote else ""))
        Coverage.objects.bulk_create([Coverage(contract=contract, enterprise=e, workers=e.employees or 0)
                                      for e in bargaining.enterprises.all()])
        _step(bargaining, actor, "signed", _("双方首席代表签字，合同登记为 %(n)s，应于 %(d)s 前报送劳动保障行政部门") % {
            "n": contract.number, "d": contract.submit_due_on}, to=B.SIGNED)
        notify(employer_users(bargaining) + union_users(bargaining),
               _("《%(t)s》已签字，请于 %(d)s 前报送劳动保障行政部门审查（集体合同规定第四十二条）。") % {
                   "t": bargaining.title, "d": contract.submit_due_on},
               url=reverse("bargaining:contract", args=[contract.pk]))
    else:
        _step(bargaining, actor, "sign", _("%(side)s首席代表签字") % {"side": Side(side).label})
    return bargaining


def _contract_side(actor: Any, contract: Contract) -> str:
    if scoping.contracts.can(actor, scoping.CHANGE, contract):
        return Side.WORKER
    scoping.contracts.get_or_404(actor, contract.pk, action=scoping.EMPLOYER)
    return Side.EMPLOYER


def _contract_audit(actor: Any, contract: Contract, changes: dict[str, Any], reason: str = "") -> None:
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=contract, unit_path=contract.unit.path,
                 changes=changes, reason=reason)


@transaction.atomic
def record_submission(*, actor: Any, contract: Contract, submitted_on: date, received_on: date | None = None,
                      authority: str = "") -> Contract:
    """The employer submits the text to the labour administration (规定 第四十二条); its receipt starts the 15 days."""
    _contract_side(actor, contract)
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    _require(contract.state in (Contract.State.SIGNED, Contract.State.SUBMITTED), _("该合同已经审查完毕。"))
    today = _today()
    _require(contract.signed_on <= submitted_on <= today, _("报送日期应在签字日期和今天之间。"))
    received_on = received_on or submitted_on
    _require(submitted_on <= received_on <= today, _("收到日期应在报送日期和今天之间。"))
    contract.submitted_on, contract.received_on = submitted_on, received_on
    contract.review_ends_on = rules.review_ends(received_on)  # 劳动合同法 第五十四条
    contract.review_authority = authority.strip()[:100]
    contract.state = Contract.State.SUBMITTED
    contract.save()
    _contract_audit(actor, contract, {"submitted_on": submitted_on, "received_on": received_on,
                                      "late": submitted_on > contract.submit_due_on})
    return contract


@transaction.atomic
def record_review(*, actor: Any, contract: Contract, objection: str = "", approved_on: date | None = None) -> Contract:
    """The administration's answer: an objection sends the sides back to the table (规定 第四十六条); a written
    approval puts the contract in force on its date. Silence is handled by the clock (劳动合同法 第五十四条)."""
    _contract_side(actor, contract)
    contract = Contract.objects.select_for_update(of=("self",)).select_related("bargaining").get(pk=contract.pk)
    _require(contract.state == Contract.State.SUBMITTED and contract.received_on is not None,
             _("合同报送并被收到后才有审查结果。"))
    today = _today()
    if objection.strip():
        # 劳动合同法 第五十四条: silence for the 15 days puts the contract in force; an objection after them is late.
        received = _present(contract.received_on, _("合同报送并被收到后才有审查结果。"))
        review_ended = contract.review_ends_on or rules.review_ends(received)
        _require(rules.objection_in_time(review_ended, today),
                 _("审查期限已于 %(d)s 届满，合同已依法生效，不能再记录异议（劳动合同法第五十四条）。") % {"d": review_ended})
        contract.objection, contract.state = objection.strip(), Contract.State.OBJECTED
        contract.save(update_fields=["objection", "state"])
        _contract_audit(actor, contract, {"review": "objection"}, reason=objection.strip())
        if contract.bargaining is not None:
            bargaining = _locked(contract.bargaining)
            bargaining.worker_signed_at = bargaining.employer_signed_at = None
            bargaining.save(update_fields=["worker_signed_at", "employer_signed_at", "updated_at"])
            _step(bargaining, actor, "objection", _("劳动保障行政部门提出异议，双方重新协商"), to=B.TALKING,
                  reason=objection.strip())
        return contract
    received_on = _present(contract.received_on, _("合同报送并被收到后才有审查结果。"))
    if approved_on is None or not received_on <= approved_on <= today:
        raise ValidationError(_("请填写审查同意的日期（在收到日期和今天之间），或写明异议。"))
    _put_in_force(contract, approved_on, actor)
    return contract


def _put_in_force(contract: Contract, effective_from: date, actor: Any) -> None:
    contract.effective_from = effective_from
    contract.expires_on = rules.expires_on(effective_from, contract.term_months)
    contract.state = Contract.State.IN_FORCE
    contract.published_at = timezone.now()  # 规定 第四十八条: published to the workers once in force
    contract.save()
    _contract_audit(actor, contract, {"effective_from": effective_from, "expires_on": contract.expires_on})
    covered = list(contract.coverage.values_list("enterprise_id", flat=True))
    workers = User.objects.filter(person__employer_id__in=covered, is_active=True)
    notify(list(workers) + _contract_employer_users(contract) + union_users(contract),
           _("《%(t)s》自 %(d)s 起生效，至 %(e)s 期满，请查看合同全文。") % {
               "t": contract.title, "d": effective_from, "e": contract.expires_on},
           url=reverse("bargaining:contract", args=[contract.pk]), key=f"bargaining:in_force:{contract.pk}")


@dataclass(frozen=True)
class Covered:
    enterprise: Enterprise
    workers: int


@transaction.atomic
def register_contract(*, actor: Any, unit: Unit, kind: str, reach: str, title: str, employer_party: str,
                      covered: list[Covered], signed_on: date, term_months: int, text: str = "",
                      worker_chief: str = "", employer_chief: str = "", submitted_on: date | None = None,
                      effective_from: date | None = None) -> Contract:
    """Enter a contract signed on paper (before the app, or bargained outside it) into the registry."""
    unit = org_scoping.units.get_or_404(actor, unit.pk, action=org_scoping.CHANGE)
    _require(kind in Kind.values and reach in Reach.values, _("请选择合同种类和范围。"))
    _require(bool(title.strip()) and bool(employer_party.strip()), _("请填写合同名称和用人单位一方。"))
    _require(bool(covered), _("请列出合同覆盖的企业。"))
    _require(reach != Reach.ENTERPRISE or len(covered) == 1, _("企业集体合同只涉及一家企业。"))
    outside = [c.enterprise.name for c in covered
               if c.enterprise.unit_id != unit.pk and unit.pk not in c.enterprise.unit.ancestor_ids]
    _require(not outside, _("以下企业不属于本工会：%(names)s") % {"names": "、".join(outside[:5])})
    _require(rules.MIN_TERM_MONTHS <= term_months <= rules.MAX_TERM_MONTHS,
             _("集体合同期限为1至3年（12至36个月）（集体合同规定第三十八条）。"))
    today = _today()
    _require(signed_on <= today, _("签字日期不能晚于今天。"))
    _require(effective_from is None or effective_from >= signed_on, _("生效日期不能早于签字日期。"))
    contract = Contract.objects.create(
        number=_next_number("JT", Contract, today), kind=kind, reach=reach, title=title.strip()[:200], unit=unit,
        province_id=unit.province_id, employer_party=employer_party.strip()[:200], text=text.strip(),
        worker_chief=worker_chief.strip()[:50], employer_chief=employer_chief.strip()[:50], signed_on=signed_on,
        submit_due_on=rules.submission_due(signed_on, wage_agreement=kind == Kind.WAGES), term_months=term_months,
        submitted_on=submitted_on, received_on=submitted_on,
        review_ends_on=rules.review_ends(submitted_on) if submitted_on else None,
        state=Contract.State.SUBMITTED if submitted_on else Contract.State.SIGNED)
    seen: dict[int, Covered] = {c.enterprise.pk: c for c in covered}
    Coverage.objects.bulk_create([Coverage(contract=contract, enterprise=c.enterprise, workers=max(0, c.workers))
                                  for c in seen.values()])
    audit.record(actor=actor, action=audit.Action.CREATE, obj=contract, unit_path=unit.path,
                 changes={"kind": kind, "enterprises": len(seen)})
    if effective_from is not None:
        _put_in_force(contract, effective_from, actor)
        if contract.expires_on and contract.expires_on < today:
            contract.state = Contract.State.EXPIRED
            contract.save(update_fields=["state"])
    return contract


@transaction.atomic
def request_renewal(*, actor: Any, contract: Contract, request_text: str) -> Bargaining:
    """规定 第三十八条: in the last 3 months of the term either side may ask to renew; the new bargaining is linked."""
    _contract_side(actor, contract)
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    _require(contract.expires_on is not None and rules.renewal_open(contract.expires_on, _today()),
             _("期满前3个月内才能提出续订（集体合同规定第三十八条）。"))
    _require(not contract.renewals.exclude(state__in=(B.ABANDONED, B.REFUSED)).exists(), _("已经提出过续订要求。"))
    enterprises = [c.enterprise for c in contract.coverage.select_related("enterprise__unit")]
    return request_bargaining(actor=actor, kind=contract.kind, reach=contract.reach, unit=contract.unit,
                              title=_("续订：%(t)s") % {"t": contract.title}, request_text=request_text,
                              enterprises=enterprises, employer_party=contract.employer_party, renews=contract)


# --- the daily clocks ---

@dataclass
class ClockRun:
    unanswered: int = 0
    vacancies: int = 0
    tallied: int = 0
    submissions_late: int = 0
    in_force: int = 0
    reminders: int = 0
    expired: int = 0


def run_clocks(*, today: date | None = None) -> ClockRun:
    """Everything the calendar decides, once a day (`gonghui bargaining clocks`); safe to run twice."""
    today = today or _today()
    run = ClockRun()
    for bargaining in Bargaining.objects.filter(state=B.REQUESTED, answer_due_on__lt=today).select_related("unit"):
        with transaction.atomic():
            locked = _locked(bargaining)
            if locked.state != B.REQUESTED:
                continue
            _step(locked, None, "no_answer", _("对方未在20日内书面回应（集体合同规定第三十二条）"), to=B.NO_ANSWER)
            notify(union_users(locked) + employer_users(locked) + _upper_union_users(locked.unit),
                   _("集体协商 %(n)s：对方未在 %(d)s 前书面回应协商要求，可请上级工会或劳动保障行政部门协调。") % {
                       "n": locked.number, "d": locked.answer_due_on}, url=_url(locked),
                   key=f"bargaining:no_answer:{locked.pk}")
            run.unanswered += 1
    for seat in Representative.objects.filter(vacated_on__isnull=False, replaced_by__isnull=True,
                                              bargaining__state__in=Bargaining.OPEN).select_related("bargaining__unit"):
        if seat.vacated_on is not None and rules.vacancy_due(seat.vacated_on) < today:
            run.vacancies += notify(union_users(seat.bargaining), _("%(name)s 的代表席位空缺已超过15日，请尽快产生新的代表"
                                                                   "（集体合同规定第三十一条）。") % {"name": seat.name},
                                    url=_url(seat.bargaining), key=f"bargaining:vacancy:{seat.pk}")
    for vote in Vote.objects.filter(state=Vote.State.OPEN, closes_at__lte=timezone.now()).select_related("bargaining"):
        if vote.paper_voters and vote.paper_entered_at is None:  # the hall's count is still to be entered
            notify(union_users(vote.bargaining), _("《%(t)s》投票已截止，请录入会场书面表决的结果后计票。") % {
                "t": vote.bargaining.title}, url=_url(vote.bargaining), key=f"bargaining:paper_due:{vote.pk}")
            continue
        tally_vote(actor=None, bargaining=vote.bargaining)
        run.tallied += 1
    for contract in Contract.objects.filter(state=Contract.State.SIGNED, submit_due_on__lt=today):
        run.submissions_late += notify(_contract_employer_users(contract) + union_users(contract),
                                       _("《%(t)s》应于 %(d)s 前报送劳动保障行政部门，已逾期（集体合同规定第四十二条）。") % {
                                           "t": contract.title, "d": contract.submit_due_on},
                                       url=reverse("bargaining:contract", args=[contract.pk]),
                                       key=f"bargaining:submit_late:{contract.pk}")
    for contract in Contract.objects.filter(state=Contract.State.SUBMITTED, received_on__isnull=False):
        if contract.received_on is None:
            continue
        review_ended = contract.review_ends_on or rules.review_ends(contract.received_on)
        start = rules.in_force_on(review_ended)
        if start <= today:  # 劳动合同法 第五十四条: 15 days without objection
            with transaction.atomic():
                submitted = Contract.objects.select_for_update().get(pk=contract.pk)
                if submitted.state == Contract.State.SUBMITTED:
                    _put_in_force(submitted, start, None)
                    run.in_force += 1
    for contract in Contract.objects.filter(state=Contract.State.IN_FORCE, expires_on__isnull=False):
        if contract.expires_on is None:
            continue
        if contract.expires_on < today:
            Contract.objects.filter(pk=contract.pk).update(state=Contract.State.EXPIRED)
            audit.record(actor=None, action=audit.Action.TRANSITION, obj=contract, unit_path=contract.unit.path,
                         changes={"state": [Contract.State.IN_FORCE, Contract.State.EXPIRED]})
            run.expired += 1
            continue
        for months in sorted(rules.EXPIRY_REMINDERS_MONTHS):  # the nearer reminder first
            if rules.add_months(contract.expires_on, -months) <= today:
                run.reminders += notify(
                    union_users(contract) + _contract_employer_users(contract),
                    _("《%(t)s》将于 %(d)s 期满，可在期满前3个月内提出续订（集体合同规定第三十八条）。") % {
                        "t": contract.title, "d": contract.expires_on},
                    url=reverse("bargaining:contract", args=[contract.pk]),
                    key=f"bargaining:expiry:{contract.pk}:{months}")
                break
    return run
