"""The case: applying, acceptance, mediators, sessions, the thread, the extension of the period, ending it, and its clocks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core import attachments, audit, counters
from gonghui.core.deadlines import add_days, calendar_days_after, local_date
from gonghui.core.money import BadAmount, positive_yuan
from gonghui.core.notify import notify
from gonghui.mediation import rules, scoping
from gonghui.mediation.models import (
    AgreedPayment,
    Assignment,
    Case,
    EarlyWarning,
    Extension,
    MediationBody,
    MediatorSeat,
    Message,
    Negotiation,
    Party,
    Session,
    Side,
)
from gonghui.mediation.services._common import (
    MAX_EXTENSION_DAYS,
    A,
    S,
    _case_url,
    _check_category,
    _holders,
    _locked,
    _party_case,
    _present,
    _require,
    _staff_case,
    _step,
    _tell_parties,
    _today,
    district_of,
    employer_users,
    staff_users,
    worker_users,
)
from gonghui.mediation.services.negotiation import _expire_negotiation
from gonghui.orgs import services as orgs_services
from gonghui.orgs.models import Enterprise, Role, Unit, User

# --- applying ---

@dataclass(frozen=True)
class Applicant:
    """A worker named in an application recorded at the desk (oral application, co-applicants)."""

    name: str
    id_number: str
    phone: str = ""


def _check_dates(knew_on: date, employment_ended_on: date | None, today: date) -> None:
    if knew_on > today:
        raise ValidationError({"knew_on": _("知道权利被侵害的日期不能晚于今天。")})
    orgs_services.check_not_before_1900(knew_on, field="knew_on", label=_("知道权利被侵害的日期"))
    orgs_services.check_not_before_1900(employment_ended_on, field="employment_ended_on", label=_("劳动关系终止日期"))
    if employment_ended_on is not None and employment_ended_on > today:
        raise ValidationError({"employment_ended_on": _("劳动关系终止日期不能晚于今天。")})


def _amount(raw: Any) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        return positive_yuan(raw)
    except BadAmount as exc:
        raise ValidationError({"amount_claimed": str(exc)}) from exc


def bodies_for_dispute(place: Unit, employer: Enterprise | None) -> list[MediationBody]:
    """The bodies that take a dispute arising at `place`: those of the union there or above it, and the
    employer's own committee (调解仲裁法 第十条)."""
    found = MediationBody.objects.filter(active=True, unit_id__in=place.ancestor_ids).select_related("unit", "enterprise") \
        .order_by("-unit__level", "name")
    return [b for b in found if b.kind != MediationBody.Kind.ENTERPRISE or (employer and b.enterprise_id == employer.pk)]


def _next_number(today: date) -> str:
    prefix = f"TJ{today:%Y}"
    serial = counters.next_serial(f"mediation.case:{prefix}", seed=lambda: counters.serial_of(
        Case.objects.filter(number__startswith=prefix).aggregate(n=Max("number"))["n"], prefix))
    return f"{prefix}{serial:06d}"


def _open_case(*, actor: Any, body: MediationBody, employer: Enterprise, category: str, claims: str, facts: str,
               knew_on: date, employment_ended_on: date | None, amount_claimed: Any, channel: str,
               negotiation: Negotiation | None) -> Case:
    _check_category(category)
    if not claims.strip() or not facts.strip():
        raise ValidationError(_("请写明调解请求和事实、理由。"))
    if not body.active:
        raise ValidationError({"body": _("该调解组织已停止受理。")})
    if body.kind == MediationBody.Kind.ENTERPRISE and body.enterprise_id != employer.pk:
        raise ValidationError({"body": _("企业劳动争议调解委员会只调解本企业的劳动争议。")})
    if not employer.unit.path.startswith(body.unit.path):
        raise ValidationError({"body": _("该用人单位不在%(body)s的辖区内，请向用人单位所在地的调解组织申请。")
                                       % {"body": body.name}})
    now = timezone.now()
    today = local_date(now)
    _check_dates(knew_on, employment_ended_on, today)
    amount = _amount(amount_claimed)
    case = Case.objects.create(
        number=_next_number(today), body=body, unit=body.unit, province_id=body.province_id, employer=employer, category=category,
        channel=channel, claims=claims.strip(), facts=facts.strip(), amount_claimed=amount, knew_on=knew_on,
        employment_ended_on=employment_ended_on, negotiation=negotiation, received_at=now,
        # 协商调解规定: decide within 3 working days of receiving the application.
        accept_due_on=add_days(now, rules.ACCEPTANCE_WORKING_DAYS, working=True),
        # 调解仲裁法 第十四条第三款: 15 days from receipt without agreement opens arbitration.
        arbitration_open_on=rules.arbitration_open_on(add_days(now, rules.STATUTE_DAYS)),
        created_by=actor)
    return case


@transaction.atomic
def apply_online(*, actor: Any, body: MediationBody, employer: Enterprise, category: str, claims: str, facts: str,
                 knew_on: date, employment_ended_on: date | None = None, amount_claimed: Any = None,
                 negotiation: Negotiation | None = None, employer_reason: str = "") -> Case:
    """A worker applies in writing from their phone (调解仲裁法 第十二条).

    Only against their own employer (the one on their file), unless they say why it is another one;
    that reason is shown to the body, which must confirm it checked it before accepting the case.
    """
    person = getattr(actor, "person", None)
    if person is None:
        raise ValidationError(_("请先完善本人档案（实名）后再申请调解。"))
    employer_reason = (employer_reason or "").strip()[:1000] if employer.pk != person.employer_id else ""
    if employer.pk != person.employer_id and not employer_reason:
        own = person.employer.name if person.employer_id else _("（档案中未登记工作单位）")
        raise ValidationError({"employer_reason": _(
            "您只能针对本人档案登记的工作单位（%(own)s）申请调解。如争议确与其他单位有关（如已离职、劳务派遣的用工单位），"
            "请写明理由，调解组织受理时将核实。") % {"own": own}})
    if negotiation is not None:
        negotiation = scoping.negotiations.get_or_404(actor, negotiation.pk, action=scoping.PARTY)
    case = _open_case(actor=actor, body=body, employer=employer, category=category, claims=claims, facts=facts,
                      knew_on=knew_on, employment_ended_on=employment_ended_on, amount_claimed=amount_claimed,
                      channel=Case.Channel.WRITTEN, negotiation=negotiation)
    case.applicant_confirmed_at = case.received_at  # a written application is the applicant's own words
    case.employer_reason = employer_reason
    case.save(update_fields=["applicant_confirmed_at", "employer_reason"])
    Party.objects.create(case=case, side=Side.WORKER, kind=Party.Kind.WORKER, person=person, user=actor,
                         name=person.name, phone=person.phone)
    _step(case, actor, A.SUBMIT, reason=_("书面（网上）申请"))
    _received(case)
    return case


@transaction.atomic
def record_oral_application(*, actor: Any, body: MediationBody, applicants: Iterable[Applicant], employer: Enterprise,
                            category: str, claims: str, facts: str, knew_on: date,
                            employment_ended_on: date | None = None, amount_claimed: Any = None) -> Case:
    """调解仲裁法 第十二条: an oral application is written down by the body's staff on the spot — the applicant's
    identity, the matter, the reasons and the time — and the applicant then confirms the record."""
    body = scoping.bodies.get_or_404(actor, body.pk)
    if not scoping.is_staff_of(actor, body.unit):
        raise Http404
    applicants = list(applicants)
    if not applicants:
        raise ValidationError(_("请填写申请人（劳动者）的姓名和身份证号。"))
    case = _open_case(actor=actor, body=body, employer=employer, category=category, claims=claims, facts=facts,
                      knew_on=knew_on, employment_ended_on=employment_ended_on, amount_claimed=amount_claimed,
                      channel=Case.Channel.ORAL, negotiation=None)
    case.recorded_by = actor
    case.save(update_fields=["recorded_by"])
    _step(case, actor, A.RECORD_ORAL, reason=_("由%(who)s当场记录") % {"who": actor})
    for applicant in applicants:
        _add_worker(actor, case, applicant)
    _received(case)
    return case


def _add_worker(actor: Any, case: Case, applicant: Applicant) -> Party:
    from gonghui.orgs import identity
    from gonghui.orgs.models import PersonLink

    found = orgs_services.file_for_service(actor=actor, id_number=applicant.id_number, name=applicant.name,
                                           unit=case.employer.unit, purpose=f"劳动争议调解 {case.number}", phone=applicant.phone,
                                           employer=case.employer)
    if isinstance(found, PersonLink):
        # Another street's file: the party stands by the name given, attached to no file and no account
        # until the person's own union confirms (identity.decide_link → attach_party_link).
        party = Party.objects.create(case=case, side=Side.WORKER, kind=Party.Kind.WORKER, person=None, user=None,
                                     name=applicant.name.strip(), phone=applicant.phone)
        identity.attach_link(found, party)
        return party
    person = found
    if case.parties.filter(person=person).exists():
        raise ValidationError(_("%(name)s 已是本案申请人。") % {"name": person.name})
    return Party.objects.create(case=case, side=Side.WORKER, kind=Party.Kind.WORKER, person=person,
                                user=person.user, name=person.name, phone=applicant.phone or person.phone)


def _received(case: Case) -> None:
    """After an application is on file: the body is told, and a collective dispute raises its warning."""
    notify(staff_users(case), _("新调解申请 %(no)s（%(cat)s），须于 %(due)s 前作出是否受理的决定。")
           % {"no": case.number, "cat": case.get_category_display(), "due": case.accept_due_on}, url=_case_url(case))
    notify(employer_users(case), _("劳动者就“%(cat)s”向%(body)s申请调解（%(no)s），请在线表明是否同意调解。")
           % {"cat": case.get_category_display(), "body": case.body.name, "no": case.number}, url=_case_url(case))
    _check_collective(case)


def _check_collective(case: Case) -> None:
    """调解仲裁法 第七条: ten or more workers with a common claim — an early warning to the district at once."""
    workers = case.parties.filter(kind=Party.Kind.WORKER).count()
    if not rules.is_collective(workers):
        return
    if not case.collective:
        case.collective = True
        case.save(update_fields=["collective"])
    district = district_of(case.unit)
    warning, created = EarlyWarning.objects.get_or_create(case=case, defaults={"unit": district, "workers": workers})
    if not created:
        if warning.workers != workers:
            warning.workers = workers
            warning.save(update_fields=["workers"])
        return
    _step(case, None, A.WARNING, reason=_("集体争议：%(n)d 名劳动者有共同请求，已报%(unit)s")
          % {"n": workers, "unit": district.name})
    notify(_holders((Role.OFFICIAL,), unit=district), _("劳动关系预警：%(employer)s %(n)d 名职工集体争议（%(cat)s），案号 %(no)s。")
           % {"employer": case.employer.name, "n": workers, "cat": case.get_category_display(), "no": case.number},
           url=_case_url(case))


@transaction.atomic
def add_workers(*, actor: Any, case: Case, applicants: Iterable[Applicant]) -> Case:
    """More workers with the same claim join the application (a collective dispute when they reach ten)."""
    case = _staff_case(actor, case)
    _require(case.is_open, _("案件已结束，不能再添加申请人。"))
    added = [_add_worker(actor, case, applicant) for applicant in applicants]
    _require(bool(added), _("请填写要添加的申请人。"))
    _step(case, actor, A.ADD_WORKERS, reason="、".join(p.name for p in added))
    _check_collective(case)
    return case


@transaction.atomic
def add_participant(*, actor: Any, case: Case, side: str, kind: str, name: str, phone: str = "",
                    user: User | None = None) -> Party:
    """An agent (委托代理人) or a witness on one side."""
    case = _staff_case(actor, case)
    _require(kind in (Party.Kind.AGENT, Party.Kind.WITNESS), _("请选择代理人或证人。"))
    _require(side in Side.values, _("请选择所属一方。"))
    _require(bool(name.strip()), _("请填写姓名。"))
    name = orgs_services.clean_name(name)
    party = Party.objects.create(case=case, side=side, kind=kind, name=name[:50], phone=phone.strip(),
                                 user=user)
    _step(case, actor, A.ADD_PARTICIPANT, reason=f"{party.get_side_display()} {party}")
    return party


@transaction.atomic
def confirm_record(*, actor: Any, case: Case, in_person_by_staff: bool = False) -> Case:
    """The applicant confirms the record of their oral application (online, or in person before the staff)."""
    if in_person_by_staff:
        case = _staff_case(actor, case)
    else:
        case, sides = _party_case(actor, case)
        _require(Side.WORKER in sides, _("只有申请人可以确认申请记录。"))
    _require(case.channel == Case.Channel.ORAL and case.applicant_confirmed_at is None, _("无需确认。"))
    case.applicant_confirmed_at = timezone.now()
    case.save(update_fields=["applicant_confirmed_at"])
    _step(case, actor, A.CONFIRM_RECORD, reason=_("当面签字确认") if in_person_by_staff else _("网上确认"))
    return case


@transaction.atomic
def answer_mediation(*, actor: Any, case: Case, agree: bool, note: str = "") -> Case:
    """The employer says whether it agrees to mediate — online, or the staff records what it said by phone."""
    if case.employer_id in actor.represented_enterprise_ids():
        case, _sides = _party_case(actor, case)
        how = _("用人单位代表网上表示")
    else:
        case = _staff_case(actor, case)
        _require(bool(note.strip()), _("代为记录用人单位的意见时，请写明联系人和方式。"))
        how = _("调解组织记录")
    _require(case.state == S.SUBMITTED, _("案件已作出受理决定。"))
    if agree:
        case.employer_consented_at = timezone.now()
        case.save(update_fields=["employer_consented_at"])
    _step(case, actor, A.EMPLOYER_AGREE if agree else A.EMPLOYER_REFUSE, reason=f"{how} {note}".strip())
    notify(staff_users(case), _("%(no)s：用人单位%(what)s调解。") % {
        "no": case.number, "what": _("同意") if agree else _("不同意")}, url=_case_url(case))
    return case


@transaction.atomic
def decide_acceptance(*, actor: Any, case: Case, accept: bool, reason: str = "", in_scope: bool = False,
                      employer_checked: bool = False) -> Case:
    """协商调解规定: accept a labour dispute in scope that both parties agree to mediate, within 3
    working days; otherwise record why and tell the applicant in writing.

    A case against an employer other than the applicant's own is accepted only once the body confirms
    it checked the applicant's stated reason (`employer_checked`)."""
    case = _staff_case(actor, case)
    _require(case.state == S.SUBMITTED, _("该案已作出受理决定。"))
    now = timezone.now()
    today = local_date(now)
    if accept:
        _require(in_scope, _("请确认该争议属于劳动争议受理范围（调解仲裁法第二条）。"))
        _require(case.employer_consented_at is not None,
                 _("用人单位尚未同意调解：双方同意是受理的条件。请联系用人单位，或决定不予受理。"))
        _require(case.applicant_confirmed_at is not None, _("口头申请的记录尚未经申请人确认。"))
        _require(not case.employer_reason or employer_checked,
                 _("申请人针对的用人单位不是其档案登记的单位，申请人所述理由：“%(why)s”。请核实后勾选“已核实”再受理。")
                 % {"why": case.employer_reason})
        case.accepted_on = today
        # 协商调解规定: mediation ends 15 days after acceptance unless both parties agree to extend.
        case.mediation_ends_on = rules.mediation_ends_on(today)
        case.decision_reason = reason.strip() or _("属于劳动争议受理范围，双方同意调解")
        case.save(update_fields=["accepted_on", "mediation_ends_on", "decision_reason"])
        checked = _("；已核实申请人针对该用人单位的理由") if case.employer_reason else ""
        _step(case, actor, A.ACCEPT, to=S.ACCEPTED, reason=f"{case.decision_reason}{checked}")
        _tell_parties(case, _("%(body)s已受理调解申请 %(no)s，调解期限至 %(end)s。")
                      % {"body": case.body.name, "no": case.number, "end": case.mediation_ends_on})
    else:
        _require(bool(reason.strip()), _("不予受理须写明理由，并将书面通知送达申请人。"))
        case.decision_reason, case.closed_at = reason.strip(), now
        case.save(update_fields=["decision_reason", "closed_at"])
        _step(case, actor, A.NOT_ACCEPT, to=S.NOT_ACCEPTED, reason=case.decision_reason)
        _tell_parties(case, _("%(body)s决定不予受理调解申请 %(no)s，理由：%(why)s。可下载不予受理通知书。")
                      % {"body": case.body.name, "no": case.number, "why": case.decision_reason})
    case.save(update_fields=["state"])
    return case


@transaction.atomic
def assign_mediator(*, actor: Any, case: Case, mediator: User, declaration: str, reason: str = "") -> Case:
    """A mediator from the body's roster, who declares no conflict of interest; a change of mediator needs a reason."""
    case = _staff_case(actor, case)
    _require(case.is_open, _("案件已结束。"))
    seat = _present(MediatorSeat.objects.filter(body=case.body, user=mediator, active=True).first(),
                    _("该调解员不在本调解组织的名册中。"))
    # 调解仲裁法 第十一条 (公道正派) and the rules of recusal: no mediator employed by or related to a party.
    _require(seat.employer_id != case.employer_id, _("该调解员受雇于本案用人单位，应当回避。"))
    _require(not case.parties.filter(Q(user=mediator) | Q(person__user=mediator)).exists(),
             _("该调解员是本案当事人或参与人，应当回避。"))
    _require(bool(declaration.strip()), _("请调解员声明与当事人无利害关系（回避声明）。"))
    if case.mediator_id:
        _require(case.mediator_id != mediator.pk, _("该调解员已负责本案。"))
        _require(bool(reason.strip()), _("更换调解员须写明理由。"))
    previous = case.mediator
    case.mediator = mediator
    case.save(update_fields=["mediator"])
    Assignment.objects.create(case=case, mediator=mediator, declaration=declaration.strip(), assigned_by=actor,
                              reason=reason.strip()[:200])
    _step(case, actor, A.REASSIGN if previous else A.ASSIGN,
          reason=f"{previous} → {mediator}" + (f"：{reason.strip()}" if reason.strip() else "") if previous
          else str(mediator))
    notify([mediator], _("您被指派调解案件 %(no)s。") % {"no": case.number}, url=_case_url(case))
    return case


@transaction.atomic
def schedule_session(*, actor: Any, case: Case, mode: str, starts_at: datetime, place: str,
                     minutes_long: int = 60) -> Session:
    case = _staff_case(actor, case)
    _require(case.state == S.ACCEPTED, _("受理后才能安排调解。"))
    _require(mode in Session.Mode.values, _("请选择调解方式。"))
    _require(timezone.is_aware(starts_at) and starts_at > timezone.now(), _("调解时间须晚于现在。"))
    place = place.strip()
    if mode == Session.Mode.ONLINE:
        _require(place.startswith("https://"), _("线上调解请填写以 https:// 开头的会议链接。"))
    else:
        _require(bool(place), _("请填写地点或电话联系方式。"))
    _require(15 <= minutes_long <= 480, _("时长须在 15 到 480 分钟之间。"))
    session = Session.objects.create(case=case, mode=mode, starts_at=starts_at, place=place[:300],
                                     minutes_long=minutes_long, created_by=actor)
    when = timezone.localtime(starts_at)
    _step(case, actor, A.SCHEDULE, reason=f"{when:%Y-%m-%d %H:%M} {session.get_mode_display()}")
    _tell_parties(case, _("调解安排：%(no)s 于 %(when)s %(mode)s进行，%(place)s。") % {
        "no": case.number, "when": f"{when:%Y-%m-%d %H:%M}", "mode": session.get_mode_display(), "place": place})
    return session


@transaction.atomic
def cancel_session(*, actor: Any, session: Session, reason: str) -> Session:
    """Call off a session that has not taken place; both parties are told."""
    session = scoping.sessions.get_or_404(actor, session.pk, action=scoping.CHANGE)
    _require(not session.cancelled, _("该次调解已取消。"))
    _require(session.starts_at > timezone.now(), _("已经开始或结束的调解不能取消。"))
    _require(bool(reason.strip()), _("请写明取消的原因。"))
    session.cancelled = True
    session.save(update_fields=["cancelled"])
    case = _locked(session.case)
    when = f"{timezone.localtime(session.starts_at):%Y-%m-%d %H:%M}"
    _step(case, actor, A.CANCEL_SESSION, reason=f"{when}：{reason.strip()}")
    _tell_parties(case, _("%(no)s：原定 %(when)s 的调解取消（%(why)s）。") % {"no": case.number, "when": when,
                                                                    "why": reason.strip()})
    return session


@transaction.atomic
def record_minutes(*, actor: Any, session: Session, minutes: str) -> Session:
    session = scoping.sessions.get_or_404(actor, session.pk, action=scoping.CHANGE)
    _require(bool(minutes.strip()), _("请填写调解笔录。"))
    session.minutes = minutes.strip()
    session.save(update_fields=["minutes"])
    case = _locked(session.case)
    _step(case, actor, A.MINUTES, reason=f"{timezone.localtime(session.starts_at):%Y-%m-%d %H:%M}")
    return session


@transaction.atomic
def post_message(*, actor: Any, case: Case, text: str, audience: str = Message.Audience.ALL,
                 upload: Any = None) -> Message:
    """Write in the case thread. A party writes to everyone or to the mediator alone (背对背); the mediator
    writes to everyone or to one side."""
    if scoping.cases.can(actor, scoping.CHANGE, case):
        case, side = _locked(case), ""
    else:
        case, sides = _party_case(actor, case)
        _require(bool(sides), _("您不是本案当事人。"))
        side = Side.WORKER if Side.WORKER in sides else Side.EMPLOYER
        _require(audience in (Message.Audience.ALL, side), _("只能写给各方，或单独写给调解员。"))
    _require(audience in Message.Audience.values, _("请选择可见范围。"))
    _require(case.state in (S.SUBMITTED, S.ACCEPTED), _("案件已结束，不能再留言。"))
    _require(bool(text.strip()) or upload is not None, _("请填写内容或上传证据。"))
    if upload is not None:
        try:
            attachments.check(upload)
        except attachments.AttachmentRefused as exc:
            raise ValidationError(str(exc)) from exc
    message = Message.objects.create(case=case, author=actor, author_side=side, audience=audience,
                                     text=text.strip()[:5000])
    if upload is not None:
        message.evidence = attachments.save(actor=actor, upload=upload, owner_type="mediation.message",
                                            owner_id=message.pk, unit_path=case.unit.path, label="证据")
        message.save(update_fields=["evidence"])
    readers = staff_users(case) if side else []
    if audience in (Message.Audience.ALL, Message.Audience.WORKER):
        readers += worker_users(case)
    if audience in (Message.Audience.ALL, Message.Audience.EMPLOYER):
        readers += employer_users(case)
    notify([u for u in readers if u.pk != actor.pk], _("%(no)s 有新留言。") % {"no": case.number}, url=_case_url(case))
    return message



# --- extension of the mediation period ---

@transaction.atomic
def propose_extension(*, actor: Any, case: Case, days: int) -> Extension:
    """A party or the mediator proposes more days; it applies only once both parties agree (协商调解规定)."""
    sides: set[str] = set()
    if scoping.cases.can(actor, scoping.CHANGE, case):
        case = _locked(case)
    else:
        case, sides = _party_case(actor, case)
        _require(bool(sides), _("您不是本案当事人。"))
    ends_on = _present(case.mediation_ends_on if case.state == S.ACCEPTED else None, _("只有调解中的案件可以延期。"))
    _require(_today() <= ends_on, _("调解期限已过，不能再延期。"))
    _require(1 <= days <= MAX_EXTENSION_DAYS, _("延长天数须在 1 到 %(n)d 天之间。") % {"n": MAX_EXTENSION_DAYS})
    _require(not case.extensions.filter(applied_at__isnull=True).exists(), _("已有一项延期提议等待双方同意。"))
    now = timezone.now()
    extension = Extension.objects.create(case=case, days=days, proposed_by=actor,
                                         worker_agreed_at=now if Side.WORKER in sides else None,
                                         employer_agreed_at=now if Side.EMPLOYER in sides else None)
    _step(case, actor, A.PROPOSE_EXTENSION, reason=_("延长 %(n)d 天") % {"n": days})
    _tell_parties(case, _("%(no)s：有人提议将调解期限延长 %(n)d 天，须双方同意。") % {"no": case.number, "n": days})
    return extension


@transaction.atomic
def agree_extension(*, actor: Any, case: Case) -> Case:
    case, sides = _party_case(actor, case)
    _require(bool(sides), _("只有当事人可以同意延期。"))
    extension = _present(case.extensions.select_for_update().filter(applied_at__isnull=True).first(),
                         _("没有等待同意的延期提议。"))
    ends_on = _present(case.mediation_ends_on if case.state == S.ACCEPTED else None, _("案件不在调解中。"))
    _require(_today() <= ends_on, _("调解期限已过，不能再延期。"))
    now = timezone.now()
    if Side.WORKER in sides:
        extension.worker_agreed_at = extension.worker_agreed_at or now
    if Side.EMPLOYER in sides:
        extension.employer_agreed_at = extension.employer_agreed_at or now
    if extension.worker_agreed_at and extension.employer_agreed_at:
        extension.applied_at = now
        # Counted on from the current (rolled) last day; the new last day rolls too (民法典 第二百零三条).
        agreed_before = list(case.extensions.filter(applied_at__isnull=False).values_list("days", flat=True))
        case.mediation_ends_on = rules.mediation_ends_on(_present(case.accepted_on, _("案件不在调解中。")),
                                                         [*agreed_before, extension.days])
        case.save(update_fields=["mediation_ends_on"])
        _step(case, actor, A.EXTENDED, reason=_("延长 %(n)d 天，至 %(end)s")
              % {"n": extension.days, "end": case.mediation_ends_on})
        _tell_parties(case, _("%(no)s：双方同意，调解期限延至 %(end)s。") % {"no": case.number, "end": case.mediation_ends_on})
    else:
        _step(case, actor, A.AGREE_EXTENSION, reason="、".join(str(Side(s).label) for s in sorted(sides)))
    extension.save()
    return case



# --- ending a case ---

@transaction.atomic
def withdraw(*, actor: Any, case: Case, reason: str = "") -> Case:
    case, sides = _party_case(actor, case)
    _require(Side.WORKER in sides, _("只有申请人可以撤回申请。"))
    _require(case.is_open, _("案件已结束。"))
    case.closed_at, case.close_reason = timezone.now(), reason.strip()
    case.save(update_fields=["closed_at", "close_reason"])
    _step(case, actor, A.WITHDRAW, to=S.WITHDRAWN, reason=case.close_reason)
    case.save(update_fields=["state"])
    notify(staff_users(case) + employer_users(case), _("%(no)s 已由申请人撤回。") % {"no": case.number},
           url=_case_url(case))
    return case


@transaction.atomic
def end_not_mediated(*, actor: Any, case: Case, reason: str) -> Case:
    """The mediator ends mediation without agreement (a party will not go on, say); the parties get the notice."""
    case = _staff_case(actor, case)
    _require(case.state == S.ACCEPTED, _("只有调解中的案件可以终止调解。"))
    _require(bool(reason.strip()), _("请写明调解不成的情况。"))
    _close_not_mediated(case, actor, reason.strip())
    return case


def _close_not_mediated(case: Case, actor: Any, reason: str) -> None:
    # 协商调解规定: not agreed in the period — not mediated; tell the parties in
    # writing that they may apply for arbitration.
    case.closed_at, case.close_reason = timezone.now(), reason
    case.save(update_fields=["closed_at", "close_reason"])
    _step(case, actor, A.NOT_MEDIATED, to=S.NOT_MEDIATED, reason=reason)
    case.save(update_fields=["state"])
    _tell_parties(case, _("%(no)s 调解不成。可向%(commission)s申请仲裁，可下载《调解不成告知书》。")
                  % {"no": case.number, "commission": case.body.arbitration_commission})


@transaction.atomic
def acknowledge_warning(*, actor: Any, case: Case) -> EarlyWarning:
    from gonghui.orgs import scoping as org_scoping

    warning = EarlyWarning.objects.select_for_update().select_related("unit").filter(case_id=case.pk).first()
    if warning is None or not org_scoping.acts_for(actor, warning.unit):
        raise Http404
    _require(warning.acknowledged_at is None, _("该预警已经签收。"))
    warning.acknowledged_at, warning.acknowledged_by = timezone.now(), actor
    warning.save(update_fields=["acknowledged_at", "acknowledged_by"])
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=warning.case, unit_path=warning.unit.path,
                 changes={"warning": "acknowledged"})
    return warning



# --- the clocks (run daily by `gonghui mediation clocks`, and for one case when its page opens) ---

def apply_clocks(case: Case, today: date | None = None) -> list[str]:
    """What the clocks do to one case on `today`; returns what happened."""
    today = today or _today()
    done: list[str] = []
    with transaction.atomic():
        case = _locked(case)
        url = _case_url(case)
        if case.state == S.SUBMITTED and today > case.accept_due_on:
            notify(staff_users(case), _("%(no)s 已超过受理决定期限（%(due)s），请尽快决定。")
                   % {"no": case.number, "due": case.accept_due_on}, url=url, key=f"case-{case.pk}-accept-overdue")
            done.append("acceptance overdue")
        agreed = case.state == S.AGREED
        if (not agreed and case.state not in (S.WITHDRAWN, S.NOT_ACCEPTED) and today >= case.arbitration_open_on
                and not case.steps.filter(action=A.ARBITRATION_NOTICE).exists()):
            # 调解仲裁法 第十四条第三款: no agreement 15 days after receipt — either party may apply for arbitration.
            notify(worker_users(case) + employer_users(case),
                   _("%(no)s：自调解组织收到申请之日起已满十五日未达成调解协议，双方均可依法向%(commission)s申请仲裁。")
                   % {"no": case.number, "commission": case.body.arbitration_commission}, url=url,
                   key=f"case-{case.pk}-arbitration-open")
            _step(case, None, A.ARBITRATION_NOTICE, reason=case.body.arbitration_commission)
            done.append("arbitration open")
        if case.state == S.ACCEPTED and case.mediation_ends_on is not None and case.accepted_on is not None:
            if today > case.mediation_ends_on:
                _close_not_mediated(case, None, _("调解期限（%(end)s）届满未达成调解协议，双方未同意延期，视为调解不成。")
                                    % {"end": case.mediation_ends_on})
                done.append("not mediated")
            else:
                for n, day in zip(rules.REMINDER_DAYS, rules.reminder_days(case.accepted_on), strict=True):
                    if today >= day and case.mediator_id:
                        notify([case.mediator], _("%(no)s 已受理第 %(n)d 天，调解期限至 %(end)s。")
                               % {"no": case.number, "n": n, "end": case.mediation_ends_on}, url=url,
                               key=f"case-{case.pk}-day-{n}")
        if agreed:
            for payment in AgreedPayment.objects.filter(agreement__case=case, paid_on__isnull=True, due_on__lt=today):
                if notify(worker_users(case), _("%(no)s：%(p)s 约定于 %(due)s 支付。如未收到，请在案件页报告未支付。")
                          % {"no": case.number, "p": payment, "due": payment.due_on}, url=url,
                          key=f"payment-{payment.pk}-due"):
                    done.append("payment due")
    return done


def run_clocks(today: date | None = None) -> dict[str, int]:
    today = today or _today()
    counts: dict[str, int] = {}
    with transaction.atomic():
        for negotiation in Negotiation.objects.select_for_update().filter(state=Negotiation.State.REQUESTED,
                                                                          reply_due_on__lt=today):
            if _expire_negotiation(negotiation, today):
                counts["negotiation refused"] = counts.get("negotiation refused", 0) + 1
                notify([negotiation.requested_by], _("用人单位 5 日内未回应协商请求，视为不愿协商。您可以申请调解。"),
                       url=reverse("mediation:negotiation", args=[negotiation.pk]))
    live = Case.objects.filter(Q(state__in=Case.OPEN)
                               | Q(state=S.AGREED, agreement__payments__paid_on__isnull=True,
                                   agreement__payments__due_on__lt=today)
                               | Q(state=S.NOT_MEDIATED, arbitration_open_on__lte=today,
                                   # The app's own sweep window (a week of late notices), not a period: no roll.
                                   arbitration_open_on__gte=calendar_days_after(today, -7))).distinct()
    for case in live.iterator():
        for what in apply_clocks(case, today):
            counts[what] = counts.get(what, 0) + 1
    return counts


def attach_party_link(link: Any, person: Any) -> None:
    """A pending link confirmed by the person's own union: the party is that person's (and their account's)."""
    party = Party.objects.filter(pk=int(link.object_id), person__isnull=True).first()
    if party is None or party.case.parties.filter(person=person).exists():
        return
    Party.objects.filter(pk=party.pk).update(person=person, user=person.user)
