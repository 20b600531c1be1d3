"""Every write of membership: joining, deciding, escalating, transferring, keeping and ending membership."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gonghui.core import audit, counters
from gonghui.core.deadlines import add_days, local_date
from gonghui.membership import ages as member_ages
from gonghui.membership import rules
from gonghui.membership.models import (
    NEW_FORMS,
    CorrectionRequest,
    JoinApplication,
    Membership,
    PhoneRebind,
    Step,
    Transfer,
)
from gonghui.orgs import ages as org_ages
from gonghui.orgs import rules as org_rules
from gonghui.orgs import services as orgs_services
from gonghui.orgs.models import Enterprise, Level, Person, Unit, User
from gonghui.orgs.scoping import acts_for, acts_itself

S = JoinApplication.State
PRIVACY_PURPOSE = "入会及会员服务"
PRIVACY_VERSION = "2026-11"


def _today() -> date:
    return local_date(timezone.now())


# --- routing ---

@dataclass(frozen=True)
class Route:
    unit: Unit
    reason: str


def _child_of_kind(street: Unit, kind: str) -> Unit | None:
    return Unit.objects.filter(parent=street, level=Level.GRASSROOTS, kind=kind, status=Unit.Status.ACTIVE) \
        .order_by("code").first()


def _street_of(unit: Unit) -> Unit:
    if unit.level == Level.GRASSROOTS and unit.parent is not None:
        return unit.parent
    return unit


def route(*, employer: Enterprise | None, new_form: str = "", place: Unit | None = None) -> Route:
    """The grassroots union that takes an application (工会法 第三条, 第十一条).

    - an enterprise whose union is a grassroots union: that union;
    - an enterprise without its own union (registered under a street or township): the street's
      joint union (联合工会), else its industry union;
    - a worker in a new form of employment (新就业形态), with no employer's confirmation: the
      industry union of the street where they work, else its joint union.
    """
    if new_form:
        if new_form not in NEW_FORMS:
            raise ValidationError({"new_form": _("请选择新就业形态的类别。")})
        if place is None:
            raise ValidationError({"place": _("请选择您工作所在的街道（乡镇）。")})
        street = _street_of(place)
        for kind, why in ((Unit.Kind.INDUSTRY, _("新就业形态劳动者，由工作地行业工会受理")),
                          (Unit.Kind.JOINT, _("新就业形态劳动者，工作地无行业工会，由联合工会受理"))):
            union = _child_of_kind(street, kind)
            if union is not None:
                return Route(union, why)
        raise ValidationError(_("您工作所在的街道还没有可受理的行业工会或联合工会，请联系上级工会。"))
    if employer is None:
        raise ValidationError({"employer": _("请选择工作单位（按名称或统一社会信用代码查找）。")})
    if employer.unit.level == Level.GRASSROOTS:
        return Route(employer.unit, _("所在单位已建工会，由本单位工会受理"))
    street = employer.unit
    for kind, why in ((Unit.Kind.JOINT, _("所在单位未建工会，由所在街道联合工会受理")),
                      (Unit.Kind.INDUSTRY, _("所在单位未建工会，由所在街道行业工会受理"))):
        union = _child_of_kind(street, kind)
        if union is not None:
            return Route(union, why)
    raise ValidationError(_("所在单位及街道都还没有可受理的工会，请联系上级工会。"))


def due_date(start: date) -> date:
    """The decision is due within N working days (default 3) counted from the day after submission."""
    return add_days(start, settings.GONGHUI_JOIN_DECISION_WORKING_DAYS, working=True)


# --- joining ---

def _step(*, actor: User | None, action: str, unit: Unit | None, reason: str = "",
          application: JoinApplication | None = None, transfer: Transfer | None = None) -> Step:
    return Step.objects.create(application=application, transfer=transfer, actor=actor, unit=unit, action=action,
                               reason=reason)


@transaction.atomic
def apply_to_join(*, actor: User, person: Person, employer: Enterprise | None = None, new_form: str = "",
                  place: Unit | None = None, job: str = "", consent: bool = False, note: str = "",
                  wages_main_source: bool | None = None) -> JoinApplication:
    """A worker's application to join, routed to the union that decides it.

    Under 16 refused (劳动法 第十五条); at or past the statutory retirement age flagged for the deciding union.
    """
    today = _today()
    member_ages.check_join_age(person.birth_date, today)
    if not consent:
        raise ValidationError({"consent": _("请阅读并同意个人信息处理告知，才能提交入会申请。")})
    if Membership.objects.filter(person=person, ended_on__isnull=True).exists():
        raise ValidationError(_("您已经是工会会员，无需重复申请；换了单位请办理转会。"))
    target = route(employer=employer, new_form=new_form, place=place)
    age_note = member_ages.retirement_flag(birth=person.birth_date, gender=person.gender, day=today)
    if wages_main_source is False:
        age_note = (_("申请人表示工资收入不是其主要生活来源（工会法第三条）。") + age_note)[:300]
    application = JoinApplication(
        person=person, applicant=actor, unit=target.unit, current_unit=target.unit, province_id=target.unit.province_id,
        employer=employer, employer_name=employer.name if employer else "", new_form=new_form, job=job[:100],
        route_reason=target.reason, due_on=due_date(today), note=note, wages_main_source=wages_main_source,
        over_retirement_age=rules.has_reached_any(person.birth_date, person.gender, today), age_note=age_note)
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as exc:
        raise ValidationError(_("您已有一份正在办理的入会申请。")) from exc
    if not person.consents.filter(purpose=PRIVACY_PURPOSE, withdrawn_at__isnull=True).exists():
        orgs_services.record_consent(actor=actor, person=person, purpose=PRIVACY_PURPOSE,
                                     wording_version=PRIVACY_VERSION, channel="app")
    _step(actor=actor, action="submit", unit=target.unit, reason=target.reason, application=application)
    audit.record(actor=actor, action=audit.Action.CREATE, obj=application, unit_path=target.unit.path,
                 subject_user_id=person.user_id, changes={"unit": target.unit.name, "new_form": new_form,
                                                          "over_retirement_age": application.over_retirement_age,
                                                          "wages_main_source": wages_main_source})
    return application


def escalate_overdue(*, today: date | None = None) -> int:
    """Applications past their due date at their union move to the union above (a new clock starts)."""
    today = today or _today()
    moved = 0
    for application in JoinApplication.objects.select_related("current_unit__parent").filter(
            state=S.SUBMITTED, due_on__lt=today):
        above = application.current_unit.parent
        if above is None or above.level < Level.PROVINCE:
            continue
        with transaction.atomic():
            fresh = JoinApplication.objects.select_for_update().get(pk=application.pk)
            if fresh.state != S.SUBMITTED or fresh.due_on >= today:
                continue
            reason = _("%(unit)s 未在 %(due)s 前办理，转上级工会办理") % {"unit": fresh.current_unit.name,
                                                                    "due": fresh.due_on}
            fresh.current_unit, fresh.escalated, fresh.due_on = above, True, due_date(today)
            fresh.save(update_fields=["current_unit", "escalated", "due_on"])
            _step(actor=None, action="escalate", unit=above, reason=reason, application=fresh)
            audit.record(actor=None, actor_label="system", action=audit.Action.TRANSITION, obj=fresh,
                         unit_path=fresh.unit.path, changes={"escalated_to": above.name}, reason=reason)
            moved += 1
    return moved


def _next_number(unit: Unit, year: int) -> str:
    """Membership numbers: the province's code, the year, a serial (6101 2026 000123 style)."""
    prefix = f"{(unit.province.code if unit.province_id else unit.code)[:4]}{year}"
    serial = counters.next_serial(f"membership:{prefix}", seed=lambda: counters.serial_of(
        Membership.objects.filter(number__startswith=prefix).aggregate(top=Max("number"))["top"], prefix))
    return f"{prefix}{serial:06d}"


def _open_membership(*, actor: User, person: Person, unit: Unit, since: date) -> Membership:
    today = _today()
    try:
        with transaction.atomic():
            membership = Membership.objects.create(person=person, unit=unit, province_id=unit.province_id,
                                                   number=_next_number(unit, today.year), since=since,
                                                   joined_unit_on=today)
    except IntegrityError as exc:  # the number comes from the counter: only the person can collide
        if Membership.objects.filter(person=person, ended_on__isnull=True).exists():
            raise ValidationError(_("此人已是其他基层工会的会员：一人不能同时在两个基层工会。")) from exc
        raise
    orgs_services.record_membership(actor=actor, person=person, membership=Person.Membership.MEMBER, since=since,
                                    unit=unit)
    return membership


DECISIONS = ("approve", "return", "reject")


def decide(*, actor: User, application: JoinApplication, decision: str, reason: str = "") -> JoinApplication:
    """Approve (a membership number and the member-since date), return with what is missing, or reject."""
    if decision not in DECISIONS:
        raise ValidationError(_("未知的审批意见。"))
    with transaction.atomic():
        application = JoinApplication.objects.select_for_update(of=("self",)).select_related(
            "person", "current_unit", "unit").get(pk=application.pk)
        if application.state != S.SUBMITTED:
            raise ValidationError(_("这份申请当前为“%(s)s”，不能办理。") % {"s": application.get_state_display()})
        if decision in ("return", "reject") and not reason.strip():
            raise ValidationError({"reason": _("退回或不予通过，须写明原因。")})
        if decision == "approve":
            membership = _open_membership(actor=actor, person=application.person, unit=application.unit,
                                          since=_today())
            application.membership, application.state = membership, S.APPROVED
        else:
            application.state = S.RETURNED if decision == "return" else S.REJECTED
        application.decided_at = timezone.now()
        application.save()
        _step(actor=actor, action=decision, unit=application.current_unit, reason=reason, application=application)
        audit.record(actor=actor, action=audit.Action.TRANSITION, obj=application, unit_path=application.unit.path,
                     subject_user_id=application.person.user_id, changes={"state": application.state}, reason=reason)
        return application


@transaction.atomic
def resubmit(*, actor: User, application: JoinApplication, note: str) -> JoinApplication:
    if application.state != S.RETURNED:
        raise ValidationError(_("只有被退回的申请可以补充后重新提交。"))
    if not note.strip():
        raise ValidationError({"note": _("请写明补充的内容。")})
    application.state, application.note = S.SUBMITTED, f"{application.note}\n【补充】{note.strip()}".strip()
    application.due_on = due_date(_today())
    application.save(update_fields=["state", "note", "due_on"])
    _step(actor=actor, action="resubmit", unit=application.current_unit, reason=note, application=application)
    return application


def membership_from_registry(*, person: Person) -> Membership | None:
    """A person the registry already records as 会员 (imported from the union's own lists) gets the
    membership row that the e-card and transfers need, with the recorded member-since date."""
    if person.membership != Person.Membership.MEMBER or person.unit.level != Level.GRASSROOTS:
        return None
    existing = Membership.objects.filter(person=person, ended_on__isnull=True).first()
    if existing is not None:
        return existing
    since = person.member_since or _today()
    with transaction.atomic():
        membership = Membership.objects.create(person=person, unit=person.unit, province_id=person.unit.province_id,
                                               number=_next_number(person.unit, since.year), since=since,
                                               joined_unit_on=since)
        audit.record(actor=None, actor_label="registry", action=audit.Action.CREATE, obj=membership,
                     unit_path=person.unit.path, subject_user_id=person.user_id, reason="名册记载为会员")
    return membership


# --- transfer (转会, 章程 第五条) ---

@transaction.atomic
def request_transfer(*, actor: User, membership: Membership, to_unit: Unit, reason: str) -> Transfer:
    if membership.ended_on is not None:
        raise ValidationError(_("会籍已终止，不能转会。"))
    if to_unit.level != Level.GRASSROOTS or to_unit.pk == membership.unit_id:
        raise ValidationError({"to_unit": _("请选择要转入的另一个基层工会。")})
    if not reason.strip():
        raise ValidationError({"reason": _("请写明转会原因（如更换工作单位）。")})
    try:
        with transaction.atomic():
            transfer = Transfer.objects.create(membership=membership, to_unit=to_unit, from_unit=membership.unit,
                                               reason=reason.strip()[:200])
    except IntegrityError as exc:
        raise ValidationError(_("已有一份正在办理的转会申请。")) from exc
    _step(actor=actor, action="transfer_request", unit=to_unit, reason=reason, transfer=transfer)
    audit.record(actor=actor, action=audit.Action.CREATE, obj=transfer, unit_path=to_unit.path,
                 subject_user_id=membership.person.user_id, changes={"from": membership.unit.name, "to": to_unit.name})
    return transfer


@transaction.atomic
def accept_transfer(*, actor: User, transfer: Transfer) -> Transfer:
    transfer = Transfer.objects.select_for_update(of=("self",)).select_related("membership").get(pk=transfer.pk)
    if transfer.state != Transfer.State.REQUESTED:
        raise ValidationError(_("这份转会申请当前为“%(s)s”。") % {"s": transfer.get_state_display()})
    transfer.state, transfer.accepted_at = Transfer.State.ACCEPTED, timezone.now()
    transfer.release_due_on = add_days(_today(), settings.GONGHUI_TRANSFER_RELEASE_WORKING_DAYS, working=True)
    transfer.save(update_fields=["state", "accepted_at", "release_due_on"])
    _step(actor=actor, action="transfer_accept", unit=transfer.to_unit, transfer=transfer)
    return transfer


def can_release(user: User, transfer: Transfer, today: date | None = None) -> bool:
    """The old union itself releases (its chair or officials); once its time is up, the unions above may."""
    today = today or _today()
    if acts_itself(user, transfer.from_unit):
        return True
    overdue = transfer.release_due_on is not None and today > transfer.release_due_on
    return overdue and transfer.from_unit.parent is not None and acts_for(user, transfer.from_unit.parent)


def release_transfer(*, actor: User, transfer: Transfer) -> Transfer:
    """The old membership ends and the new one opens with the same member-since date (会龄 continues)."""
    with transaction.atomic():
        transfer = Transfer.objects.select_for_update(of=("self",)).select_related(
            "membership__person", "from_unit__parent", "to_unit").get(pk=transfer.pk)
        if transfer.state != Transfer.State.ACCEPTED:
            raise ValidationError(_("新工会接收后才能转出。"))
        if not can_release(actor, transfer):
            raise ValidationError(_("应由原工会办理转出；原工会逾期未办的，由上级工会办理。"))
        old = Membership.objects.select_for_update().get(pk=transfer.membership_id)
        today = _today()
        Membership.objects.filter(pk=old.pk).update(ended_on=today, status=Membership.Status.ENDED,
                                                    end_reason=_("转会至 %(u)s") % {"u": transfer.to_unit.name})
        new = Membership.objects.create(person=old.person, unit=transfer.to_unit, province_id=transfer.to_unit.province_id,
                                        number=_next_number(transfer.to_unit, today.year), since=old.since,
                                        joined_unit_on=today)
        orgs_services.record_membership(actor=actor, person=old.person, membership=Person.Membership.MEMBER,
                                        since=old.since, unit=transfer.to_unit)
        by_above = not acts_itself(actor, transfer.from_unit)
        transfer.state, transfer.done_at, transfer.new_membership = Transfer.State.DONE, timezone.now(), new
        transfer.released_by, transfer.released_by_above = actor, by_above
        transfer.save()
        _step(actor=actor, action="transfer_release_above" if by_above else "transfer_release",
              unit=transfer.from_unit.parent if by_above else transfer.from_unit, transfer=transfer)
        audit.record(actor=actor, action=audit.Action.TRANSITION, obj=transfer, unit_path=transfer.from_unit.path,
                     subject_user_id=old.person.user_id, changes={"done": True, "by_above": by_above})
        return transfer


# --- keeping and ending membership (章程 第六条, 第八条) ---

RETAIN_REASONS = {"retired": "退休", "unemployed": "失业"}


@transaction.atomic
def retain(*, actor: User, membership: Membership, reason: str) -> Membership:
    """Retirement or unemployment keeps membership (章程 第八条): the card stays valid."""
    if reason not in RETAIN_REASONS:
        raise ValidationError({"reason": _("请选择保留会籍的原因。")})
    membership.status, membership.retained_reason = Membership.Status.RETAINED, reason
    membership.save(update_fields=["status", "retained_reason"])
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=membership, unit_path=membership.unit.path,
                 subject_user_id=membership.person.user_id, changes={"status": "retained", "reason": reason})
    return membership


@transaction.atomic
def end_membership(*, actor: User, membership: Membership, reason: str) -> Membership:
    """Leaving (退会, 章程 第六条) or expulsion (第七条): the e-card is revoked at once."""
    if membership.ended_on is not None:
        raise ValidationError(_("会籍已终止。"))
    if not reason.strip():
        raise ValidationError({"reason": _("请写明终止会籍的原因。")})
    membership.ended_on, membership.status, membership.end_reason = _today(), Membership.Status.ENDED, reason[:200]
    membership.save(update_fields=["ended_on", "status", "end_reason"])
    orgs_services.record_membership(actor=actor, person=membership.person, membership=Person.Membership.NON_MEMBER,
                                    since=None)
    audit.record(actor=actor, action=audit.Action.TRANSITION, obj=membership, unit_path=membership.unit.path,
                 subject_user_id=membership.person.user_id, changes={"status": "ended"}, reason=reason)
    return membership


REBIND_WINDOW_DAYS = 30
REBINDS_BEFORE_REVIEW = 2  # a third re-binding within the window waits for an official


# --- joining without an account: one transaction ---

def join_online(*, name: str, id_number: str, phone: str, code: str, employer: Enterprise | None = None,
                new_form: str = "", place: Unit | None = None, job: str = "", consent: bool = False,
                note: str = "", wages_main_source: bool | None = None) -> tuple[User, JoinApplication, bool]:
    """Join from a phone without an account: the mobile proved by a joining code, the file found or opened
    (orgs.services.self_register: an existing file needs a proof, never a name and an ID number), the
    application submitted.

    All of it is one transaction: a refused join leaves nothing behind — no account, file, role, audit row,
    and the code is not spent (a refusal counts as one of its attempts, so that one code cannot probe many
    ID numbers). A wrong code is counted as a wrong code.

    Returns the account, the application, and whether the account was opened by this join: only a new
    account may be signed in on the strength of a joining code (an existing one signs in by its own means,
    with its second factor).
    """
    from gonghui.orgs import auth

    refused: ValidationError | None = None
    wrong_code = False
    with transaction.atomic():
        if not auth.check_verification_code(phone=phone, code=code, purpose=auth.Purpose.JOIN):
            wrong_code = True
        else:
            try:
                with transaction.atomic():
                    member_ages.refuse_child(id_number=id_number, employer=employer, day=_today())
                    number = orgs_services._normalised_phone(phone)
                    existed = User.objects.filter(phone_hash=auth.phone_hash(number)).exists()
                    user, person = orgs_services.self_register(name=name, id_number=id_number, phone=phone,
                                                               unit=route(employer=employer, new_form=new_form,
                                                                          place=place).unit,
                                                               job=job, employer=employer)
                    application = apply_to_join(actor=user, person=person, employer=employer, new_form=new_form,
                                                place=place, job=job, consent=consent, note=note,
                                                wages_main_source=wages_main_source)
            except ValidationError as error:
                refused = error
                transaction.set_rollback(True)  # the code's use is undone with everything else
    if wrong_code:
        raise ValidationError({"code": _("手机验证码不正确或已过期，请重新获取。")})
    if refused is not None:
        auth.count_refusal(phone=phone, purpose=auth.Purpose.JOIN)
        if isinstance(refused, org_ages.ChildEmploymentRefused):
            # Told after the rollback, so that the alert stays while nothing of the child does.
            with transaction.atomic():
                org_ages.alert_child_employment(enterprise=refused.enterprise, age=refused.age,
                                                channel=refused.channel, actor=None)
        raise refused
    return user, application, not existed



# --- fixing one's own data: re-binding a file's login number ---

REBIND_ANSWER = gettext_lazy("已受理。如姓名、身份证号与档案相符，档案原手机号会收到通知；更换须经实名核验后冷静期满生效，"
                  "或携带身份证到所在工会核验。")


def _find_file(name: str, id_number: str) -> Person | None:
    """The file named by an ID number and a name, or None: the caller is never told which of the two failed."""
    from gonghui.core.crypto import lookup_hash

    try:
        parsed = org_rules.parse_id_number(id_number)
    except org_rules.InvalidNumber as exc:
        raise ValidationError({"id_number": str(exc)}) from exc
    person = Person.objects.select_related("unit", "user").filter(id_hash=lookup_hash(parsed.number, "id"),
                                                                  merged_into__isnull=True).first()
    if person is None or person.name != name.strip():
        return None
    return person


def _trusted_number(person: Person) -> str:
    user = person.user if person.user_id else None
    return (user.phone if user is not None and user.phone else "") or person.phone


def _tell_old_number(record: PhoneRebind) -> None:
    from gonghui.core import sms
    from gonghui.core.masking import mask_phone

    if not record.old_phone:
        return
    if record.state == PhoneRebind.State.PENDING:
        text = _("【工会】有人申请把您工会账号的登录手机号改为 %(new)s，将于 %(at)s 生效。如非本人操作，请在此前用本号码"
                 "登录“取消更换手机号”页面取消，或联系所在工会。") % {
            "new": mask_phone(record.phone), "at": timezone.localtime(record.takes_effect_at).strftime("%Y-%m-%d %H:%M")}
    else:
        text = _("【工会】有人申请把您工会账号的登录手机号改为 %(new)s，须经所在工会核验身份后才会更换。如非本人操作，"
                 "请联系所在工会。") % {"new": mask_phone(record.phone)}
    number = record.old_phone
    transaction.on_commit(lambda: sms.send(number, text))


def rebind_phone(*, phone: str, code: str, name: str, id_number: str, ip: str | None = None) -> PhoneRebind | None:
    """Someone asks to move a file's login number to a new mobile, proved by a re-binding code.

    A name and an ID number prove nothing, and the answer never says whether they match a file. When they
    do: with a real-name service that vouches for name, ID number and the new mobile, the change waits a
    cooling period (GONGHUI_REBIND_COOLING_HOURS) and the old number is told at once and may cancel it;
    otherwise — or when the account holds an official role, an open relief application or an open
    mediation case, or has been re-bound recently — it waits for the union's verification. The old number
    is told in every case. Returns the record (None when nothing matched); nothing is changed at once. The
    code is spent only with the record (auth.spend_codes_with).
    """
    from gonghui.orgs import auth

    number = orgs_services._normalised_phone(phone)
    if not number:
        raise ValidationError({"phone": _("请输入正确的11位手机号码。")})
    return auth.spend_codes_with(lambda: _open_rebind(number=number, name=name, id_number=id_number, ip=ip),
                                 auth.CodeCheck(phone=number, code=code, purpose=auth.Purpose.REBIND))


def _open_rebind(*, number: str, name: str, id_number: str, ip: str | None) -> PhoneRebind | None:
    from django.db.models import Q

    from gonghui.core.crypto import lookup_hash
    from gonghui.orgs import auth, identity

    person = _find_file(name, id_number)
    if person is None:
        return None
    with transaction.atomic():
        person = Person.objects.select_for_update(of=("self",)).select_related("unit", "user").get(pk=person.pk)
        digest = lookup_hash(number, "phone")
        old = _trusted_number(person)
        if old and old == number:
            return None  # already this file's number: nothing to do, and nothing to tell a stranger
        PhoneRebind.objects.filter(person=person, state=PhoneRebind.State.PENDING).update(
            state=PhoneRebind.State.CANCELLED, cancelled_at=timezone.now(), review_note="被新的换绑申请取代")
        since = timezone.now() - timedelta(days=REBIND_WINDOW_DAYS)
        recent = PhoneRebind.objects.filter(Q(person=person) | Q(phone_hash=digest), at__gte=since).count()
        holds = identity.hold_reasons(person)
        if recent >= REBINDS_BEFORE_REVIEW:
            holds.append(_("近期多次换绑"))
        vouched = not holds and identity.realname_verifies(name=person.name, id_number=person.id_number, phone=number)
        if not vouched and not holds:
            holds.append(_("无实名核验，须工会核验身份"))
        holder = User.objects.filter(phone_hash=auth.phone_hash(number)).first()
        record = PhoneRebind.objects.create(
            person=person, unit=person.unit, phone=number, phone_hash=digest,
            old_user_id=holder.pk if holder else None, old_phone=old,
            old_phone_hash=lookup_hash(old, "phone") if old else "", ip=ip,
            state=PhoneRebind.State.PENDING if vouched else PhoneRebind.State.HELD,
            why_held="；".join(str(h) for h in holds)[:200],
            takes_effect_at=timezone.now() + timedelta(hours=settings.GONGHUI_REBIND_COOLING_HOURS) if vouched
            else None)
        if vouched:
            identity.record(person=person, user=None, method=identity.Method.REALNAME_SERVICE,
                            evidence=f"rebind:{record.pk}")
        audit.record(actor=None, actor_label="self-service", action=audit.Action.CREATE, obj=record,
                     unit_path=person.unit.path, subject_user_id=person.user_id,
                     changes={"state": record.state, "to": record.phone[:3] + "****" + record.phone[-4:]},
                     reason=record.why_held)
        _tell_old_number(record)
    return record


def _apply_rebind(*, person: Person, number: str, actor: User | None) -> User:
    from gonghui.orgs import identity

    return identity.bind_login_phone(actor=actor, person=person, phone=number,
                                     reason=_("换绑手机号（实名核验且冷静期满，或工会核验身份）"))


def apply_due_rebinds(*, now: datetime | None = None, phone_hash: str | None = None) -> int:
    """Re-bindings whose cooling period is over take effect (the daily command, and lazily when the new
    number asks for a sign-in code)."""
    from gonghui.core.crypto import lookup_hash

    now = now or timezone.now()
    due = PhoneRebind.objects.filter(state=PhoneRebind.State.PENDING, takes_effect_at__lte=now)
    if phone_hash is not None:
        due = due.filter(phone_hash=phone_hash)
    applied = 0
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            record = PhoneRebind.objects.select_for_update(of=("self",)).select_related("person__user", "person__unit") \
                .get(pk=pk)
            if record.state != PhoneRebind.State.PENDING or record.takes_effect_at > now:
                continue
            # The number the file trusts must still be the one that was told: otherwise the union decides.
            current = _trusted_number(record.person)
            if (lookup_hash(current, "phone") if current else "") != record.old_phone_hash:
                record.state, record.why_held = PhoneRebind.State.HELD, _("冷静期内档案手机号已变更，须工会核验")
                record.save(update_fields=["state", "why_held"])
                continue
            _apply_rebind(person=record.person, number=record.phone, actor=None)
            record.state = PhoneRebind.State.DONE
            record.save(update_fields=["state"])
            audit.record(actor=None, actor_label="system", action=audit.Action.TRANSITION, obj=record,
                         unit_path=record.unit.path, subject_user_id=record.person.user_id,
                         changes={"state": record.state}, reason=_("冷静期满，换绑生效"))
            applied += 1
    return applied


def cancel_rebinds_from_old_number(*, phone: str, code: str) -> int:
    """The owner, holding the old number (proved by a cancel code), cancels every waiting change of it."""
    from gonghui.core.crypto import lookup_hash
    from gonghui.orgs import auth

    number = orgs_services._normalised_phone(phone)
    if not number:
        raise ValidationError({"code": _("手机验证码不正确或已过期，请重新获取。")})

    def cancel_waiting() -> int:
        waiting = list(PhoneRebind.objects.select_for_update().filter(
            old_phone_hash=lookup_hash(number, "phone"), state__in=PhoneRebind.OPEN))
        for record in waiting:
            _cancel(record, actor=None, note=_("原手机号本人取消"))
        return len(waiting)

    return auth.spend_codes_with(cancel_waiting,
                                 auth.CodeCheck(phone=number, code=code, purpose=auth.Purpose.REBIND_CANCEL))


def _cancel(record: PhoneRebind, *, actor: User | None, note: str) -> None:
    record.state, record.cancelled_at, record.review_note = PhoneRebind.State.CANCELLED, timezone.now(), note[:200]
    record.reviewed_by = actor
    record.save(update_fields=["state", "cancelled_at", "review_note", "reviewed_by"])
    audit.record(actor=actor, actor_label=None if actor else "self-service", action=audit.Action.TRANSITION,
                 obj=record, unit_path=record.unit.path, subject_user_id=record.person.user_id,
                 changes={"state": record.state}, reason=note)


@transaction.atomic
def cancel_rebind(*, actor: User, record: PhoneRebind, note: str) -> PhoneRebind:
    """The union cancels a waiting change (the owner came to the union, or called)."""
    record = PhoneRebind.objects.select_for_update(of=("self",)).select_related("person").get(pk=record.pk)
    if record.state not in PhoneRebind.OPEN:
        raise ValidationError(_("这条换绑申请已经处理过了。"))
    if not note.strip():
        raise ValidationError({"note": _("请写明取消原因。")})
    _cancel(record, actor=actor, note=note.strip())
    return record


@transaction.atomic
def review_rebind(*, actor: User, record: PhoneRebind, approve: bool, note: str, method: str = "") -> PhoneRebind:
    """The union decides a re-binding: approving it needs the union's own verification of the person (in
    person with the ID card, or by video), recorded with who verified and how; it then takes effect at once."""
    from gonghui.orgs import identity
    from gonghui.orgs.models import IdentityVerification

    record = PhoneRebind.objects.select_for_update(of=("self",)).select_related("person__user", "person__unit") \
        .get(pk=record.pk)
    if record.state not in PhoneRebind.OPEN:
        raise ValidationError(_("这条换绑申请已经处理过了。"))
    if not note.strip():
        raise ValidationError({"note": _("请写明核实情况。")})
    if approve:
        if method not in IdentityVerification.UNION_METHODS:
            raise ValidationError({"method": _("批准换绑须由工会核验身份：请选择当面核验身份证或视频核验。")})
        _apply_rebind(person=record.person, number=record.phone, actor=actor)
        record.person.refresh_from_db()
        identity.record(person=record.person, user=record.person.user, method=method, verified_by=actor,
                        evidence=note.strip())
    record.state = PhoneRebind.State.APPROVED if approve else PhoneRebind.State.REJECTED
    record.reviewed_by, record.review_note = actor, note.strip()[:200]
    record.save(update_fields=["state", "reviewed_by", "review_note"])
    audit.record(actor=actor, action=audit.Action.TRANSITION, obj=record, unit_path=record.unit.path,
                 subject_user_id=record.person.user_id, changes={"state": record.state}, reason=note)
    return record


@transaction.atomic
def request_correction(*, actor: User, person: Person, field: str, new_value: str, reason: str,
                       evidence: object | None = None) -> CorrectionRequest:
    from gonghui.core import attachments

    if field not in CorrectionRequest.FIELDS:
        raise ValidationError({"field": _("请选择要更正的项目。")})
    if not new_value.strip() or not reason.strip():
        raise ValidationError(_("请填写更正后的内容和说明。"))
    if field == "name":
        new_value = orgs_services.clean_name(new_value, field="new_value")
    if evidence is None:
        raise ValidationError({"evidence": _("请上传证明材料（如身份证照片、户口簿）。")})
    try:
        attachments.check(evidence)
    except attachments.AttachmentRefused as exc:
        raise ValidationError({"evidence": str(exc)}) from exc
    request = CorrectionRequest.objects.create(person=person, unit=person.unit, field=field,
                                               new_value=new_value.strip()[:50], reason=reason.strip()[:300],
                                               requested_by=actor)
    stored = attachments.save(actor=actor, upload=evidence, owner_type="membership.correctionrequest",
                              owner_id=request.pk, unit_path=person.unit.path, label="证明材料")
    CorrectionRequest.objects.filter(pk=request.pk).update(evidence=stored)
    audit.record(actor=actor, action=audit.Action.CREATE, obj=request, unit_path=person.unit.path,
                 subject_user_id=person.user_id, changes={"field": field})
    return request


@transaction.atomic
def decide_correction(*, actor: User, request: CorrectionRequest, approve: bool, note: str) -> CorrectionRequest:
    request = CorrectionRequest.objects.select_for_update(of=("self",)).select_related("person__unit").get(pk=request.pk)
    if request.state != CorrectionRequest.State.SUBMITTED:
        raise ValidationError(_("这份更正申请已经处理过了。"))
    if approve:
        orgs_services.correct_identity(
            actor=actor, person=request.person, reason=_("本人申请更正，工会核实：%(n)s") % {"n": note or request.reason},
            **{request.field: request.new_value})
    elif not note.strip():
        raise ValidationError({"note": _("不予更正须写明原因。")})
    request.state = CorrectionRequest.State.APPROVED if approve else CorrectionRequest.State.REJECTED
    request.decided_by, request.decision_note = actor, note.strip()[:200]
    request.save(update_fields=["state", "decided_by", "decision_note"])
    audit.record(actor=actor, action=audit.Action.TRANSITION, obj=request, unit_path=request.unit.path,
                 subject_user_id=request.person.user_id, changes={"state": request.state}, reason=note)
    return request
