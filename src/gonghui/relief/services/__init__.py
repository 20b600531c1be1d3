"""Every write of hardship relief: one function per use case, atomic, audited, state moves enforced."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core import attachments, audit, ledger
from gonghui.core.deadlines import add_days, add_months, local_date
from gonghui.core.models import AccountChange, PaymentEntry
from gonghui.core.money import yuan
from gonghui.orgs.ages import GUARDIAN_AGE
from gonghui.orgs.models import Level, Person, Unit, User
from gonghui.relief import rules
from gonghui.relief.models import (
    Application,
    Contact,
    CriteriaSetting,
    DibaoStandard,
    DuplicateFlag,
    Flag,
    HardshipFile,
    HouseholdMember,
    IncomeSource,
    MonthlyIncome,
    Objection,
    Policy,
    PolicyVersion,
    Problem,
    Review,
    SpotCheck,
    Step,
)

ZERO = Decimal("0.00")
S = Application.State


def _today() -> date:
    return local_date(timezone.now())


# --- parameters: 低保 and the criteria ---

def city_of(unit: Unit) -> Unit | None:
    """The city-level union above (or at) a unit: 低保 is set per city."""
    if unit.level == Level.CITY:
        return unit
    ids = unit.ancestor_ids
    return Unit.objects.filter(id__in=ids, level=Level.CITY).first()


def dibao_on(unit: Unit, day: date) -> Decimal | None:
    city = city_of(unit)
    if city is None:
        return None
    standard = (DibaoStandard.objects.filter(city=city, effective_from__lte=day)
                .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day)).order_by("-effective_from").first())
    return standard.monthly if standard else None


def criteria_for(unit: Unit) -> rules.Criteria:
    settings_by_unit = {c.unit_id: c for c in CriteriaSetting.objects.filter(unit_id__in=unit.ancestor_ids)}
    for unit_id in reversed(unit.ancestor_ids):
        if unit_id in settings_by_unit:
            return settings_by_unit[unit_id].as_rules()
    return rules.Criteria()


@transaction.atomic
def set_dibao(*, actor: User, city: Unit, monthly: Decimal, effective_from: date) -> DibaoStandard:
    """A new 低保 standard from a date; the one before it ends the day before."""
    if city.level != Level.CITY:
        raise ValidationError(_("低保标准按城市设置，请选择市级工会。"))
    monthly = _money(monthly, "monthly")
    if monthly <= 0:
        raise ValidationError({"monthly": _("低保标准必须大于零。")})
    if DibaoStandard.objects.filter(city=city, effective_from=effective_from).exists():
        raise ValidationError({"effective_from": _("该日期已有一条低保标准。")})
    DibaoStandard.objects.filter(city=city, effective_from__lt=effective_from).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=effective_from)).update(
        effective_to=effective_from - timedelta(days=1))
    later = DibaoStandard.objects.filter(city=city, effective_from__gt=effective_from).order_by("effective_from").first()
    standard = DibaoStandard.objects.create(
        city=city, monthly=monthly, effective_from=effective_from,
        effective_to=later.effective_from - timedelta(days=1) if later else None)
    audit.record(actor=actor, action=audit.Action.CREATE, obj=standard, unit_path=city.path,
                 changes={"monthly": str(monthly), "from": effective_from.isoformat()})
    return standard


# --- hardship files ---

def _money(value: Any, field: str) -> Decimal:
    try:
        amount = yuan(value if value not in (None, "") else "0")
    except ValueError as exc:
        raise ValidationError({field: str(exc)}) from exc
    if amount < 0:
        raise ValidationError({field: _("金额不能为负数。")})
    return amount


def _recompute(file: HardshipFile) -> None:
    """Household totals, per-head income and the proposed category, from members and incomes."""
    members = list(file.members.all())
    sources = list(file.income_sources.all())
    file.members_count = max(1, len(members))
    file.monthly_income = sum((m.monthly_income for m in members), ZERO) + sum((s.monthly for s in sources), ZERO)
    file.state_support_monthly = sum((s.monthly for s in sources if s.kind in IncomeSource.STATE_KINDS), ZERO)
    file.per_head = rules.net_income_per_head(monthly_income=file.monthly_income,
                                              essential_spending=file.essential_spending, members=file.members_count)
    dibao = dibao_on(file.unit, _today())
    if dibao is None:
        file.proposed_category, file.proposal_reason = "", _("所在城市尚未设置低保标准，无法建议类别。")
    else:
        category, reason = rules.propose_category(
            monthly_income=file.monthly_income, essential_spending=file.essential_spending,
            members=file.members_count, dibao=dibao, accident=file.accident_on is not None,
            hardship_costs_annual=file.hardship_costs_annual, criteria=criteria_for(file.unit))
        file.proposed_category, file.proposal_reason = category or "", reason[:300]


@dataclass(frozen=True)
class MemberData:
    name: str
    relation: str
    age: int
    monthly_income: Decimal = ZERO
    health: str = ""
    serious_illness: bool = False
    disability: str = ""
    schooling: str = ""
    employment: str = ""
    person: Person | None = None
    guardian_name: str = ""  # required under 14 (个人信息保护法 第三十一条)
    guardian_relation: str = ""
    id_number: str = ""  # sealed; its hash matches the member's own file (one household: `services.caps`)


def _sync_edge_flag(file: HardshipFile) -> None:
    """困难边缘户: set automatically while per-head income sits in the edge band above the 相对困难 line."""
    today = _today()
    dibao = dibao_on(file.unit, today)
    open_flag = file.flags.filter(kind="edge", automatic=True, ends_on__isnull=True).first()
    edge = dibao is not None and rules.is_edge(per_head=file.per_head, dibao=dibao, criteria=criteria_for(file.unit))
    if edge and open_flag is None:
        Flag.objects.create(file=file, kind="edge", starts_on=today, automatic=True,
                            note=_("人均收入在边缘带内（低保 %(d)s 元）") % {"d": dibao})
    elif not edge and open_flag is not None:
        Flag.objects.filter(pk=open_flag.pk).update(ends_on=max(today, open_flag.starts_on))


def _write_household(file: HardshipFile, members: Sequence[MemberData], incomes: Sequence[tuple[str, Decimal, str]]) -> None:
    if not members:
        raise ValidationError(_("请至少登记一名家庭成员（本人）。"))
    if sum(1 for m in members if m.relation == "本人") != 1:
        raise ValidationError(_("家庭成员中须有且只有一位“本人”。"))
    for m in members:
        # 个人信息保护法 第三十一条: nothing of a child under 14 is kept without a guardian's consent.
        if m.age < GUARDIAN_AGE and (not m.guardian_name.strip()
                                     or m.guardian_relation not in HouseholdMember.GUARDIAN_RELATIONS):
            raise ValidationError({"members": _(
                "家庭成员“%(name)s”不满14周岁：须填写同意登记其信息的监护人姓名及与其关系（个人信息保护法第三十一条），"
                "否则不能登记。") % {"name": m.name}})
    file.members.all().delete()
    file.income_sources.all().delete()
    from gonghui.orgs.rules import InvalidNumber
    from gonghui.relief.services.caps import member_identity

    for index, m in enumerate(members, start=1):
        person = m.person if m.person is not None or m.relation != "本人" else file.person
        try:
            id_number, id_hash = member_identity(m.id_number, person)
        except InvalidNumber as exc:
            raise ValidationError({"members": _("第 %(n)d 位家庭成员的身份证号：%(why)s") % {"n": index, "why": exc}}) from exc
        guardian = m.age < GUARDIAN_AGE
        HouseholdMember.objects.create(
            file=file, name=m.name, relation=m.relation, age=m.age, health=m.health, serious_illness=m.serious_illness,
            disability=m.disability, schooling=m.schooling, employment=m.employment,
            monthly_income=_money(m.monthly_income, "members"), person=m.person, id_number=id_number,
            id_hash=id_hash, guardian_name=m.guardian_name.strip()[:50] if guardian else "",
            guardian_relation=m.guardian_relation if guardian else "")
    for kind, monthly, note in incomes:
        if kind not in IncomeSource.KINDS:
            raise ValidationError(_("未知的收入来源“%(kind)s”。") % {"kind": kind})
        IncomeSource.objects.create(file=file, kind=kind, monthly=_money(monthly, "incomes"), note=note[:100])


@transaction.atomic
def open_file(*, actor: User, person: Person, members: Sequence[MemberData],
              incomes: Sequence[tuple[str, Decimal, str]] = (), causes: Iterable[str] = (),
              essential_spending: Decimal = ZERO, hardship_costs_annual: Decimal = ZERO,
              accident_on: date | None = None, union_help_monthly: Decimal = ZERO,
              entered_on: date | None = None) -> HardshipFile:
    """建档. A person with a closed file comes back as 返困, linked to it."""
    causes = list(causes)
    unknown = [c for c in causes if c not in HardshipFile.CAUSES]
    if unknown:
        raise ValidationError({"causes": _("未知的致困原因：%(c)s") % {"c": "、".join(unknown)}})
    if HardshipFile.objects.filter(person=person, status__in=HardshipFile.OPEN).exists():
        raise ValidationError(_("%(name)s 已有在档的困难档案，不能重复建档。") % {"name": person.name})
    previous = (HardshipFile.objects.filter(person=person).exclude(status__in=HardshipFile.OPEN)
                .order_by("-exited_on", "-id").first())
    if previous is not None and HardshipFile.objects.filter(previous_file=previous).exists():
        previous = None
    file = HardshipFile(
        person=person, unit=person.unit, province_id=person.province_id,
        status=HardshipFile.Status.RETURNED if previous else HardshipFile.Status.ACTIVE, causes=causes,
        essential_spending=_money(essential_spending, "essential_spending"),
        hardship_costs_annual=_money(hardship_costs_annual, "hardship_costs_annual"), accident_on=accident_on,
        union_help_monthly=_money(union_help_monthly, "union_help_monthly"), entered_on=entered_on or _today(),
        previous_file=previous)
    try:
        with transaction.atomic():
            file.save()
    except IntegrityError as exc:  # a parallel request opened one first
        raise ValidationError(_("%(name)s 已有在档的困难档案，不能重复建档。") % {"name": person.name}) from exc
    _write_household(file, members, incomes)
    _recompute(file)
    file.save()
    _sync_edge_flag(file)
    audit.record(actor=actor, action=audit.Action.CREATE, obj=file, unit_path=file.unit.path,
                 subject_user_id=person.user_id,
                 changes={"status": file.status, "proposed": file.proposed_category, "per_head": str(file.per_head)})
    return file


@transaction.atomic
def update_household(*, actor: User, file: HardshipFile, members: Sequence[MemberData],
                     incomes: Sequence[tuple[str, Decimal, str]], essential_spending: Decimal,
                     hardship_costs_annual: Decimal, union_help_monthly: Decimal, causes: Iterable[str],
                     accident_on: date | None) -> HardshipFile:
    before = {"per_head": str(file.per_head), "proposed": file.proposed_category}
    file.essential_spending = _money(essential_spending, "essential_spending")
    file.hardship_costs_annual = _money(hardship_costs_annual, "hardship_costs_annual")
    file.union_help_monthly = _money(union_help_monthly, "union_help_monthly")
    file.causes = [c for c in causes if c in HardshipFile.CAUSES]
    file.accident_on = accident_on
    _write_household(file, members, incomes)
    _recompute(file)
    file.save()
    _sync_edge_flag(file)
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=file, unit_path=file.unit.path,
                 changes=audit.diff(before, {"per_head": str(file.per_head), "proposed": file.proposed_category}))
    return file


@transaction.atomic
def confirm_category(*, actor: User, file: HardshipFile, category: str, reason: str = "") -> HardshipFile:
    """The official confirms (or overrides, with a reason) the proposed category."""
    if category not in rules.CATEGORY:
        raise ValidationError({"category": _("请选择困难类别。")})
    if category != file.proposed_category and not reason.strip():
        raise ValidationError({"reason": _("与系统建议不同，请写明认定理由。")})
    before = file.category
    file.category = category
    file.category_reason = (reason.strip() or file.proposal_reason)[:300]
    file.category_confirmed_by = actor
    file.category_confirmed_at = timezone.now()
    file.save(update_fields=["category", "category_reason", "category_confirmed_by", "category_confirmed_at",
                             "updated_at"])
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=file, unit_path=file.unit.path,
                 changes={"category": [before, category]}, reason=file.category_reason)
    return file


@transaction.atomic
def record_monthly_income(*, actor: User, file: HardshipFile, month: date, per_head: Decimal) -> bool:
    """One month's per-head income; answers whether 脱困 is now proposed (6 months above 低保)."""
    month = month.replace(day=1)
    dibao = dibao_on(file.unit, month)
    if dibao is None:
        raise ValidationError(_("所在城市尚未设置该月的低保标准。"))
    MonthlyIncome.objects.update_or_create(file=file, month=month,
                                           defaults={"per_head": _money(per_head, "per_head"), "dibao": dibao})
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=file, unit_path=file.unit.path,
                 changes={"month": month.isoformat(), "per_head": str(per_head)})
    return exit_proposed(file)


def exit_proposed(file: HardshipFile) -> bool:
    records = [(r.month, r.per_head, r.dibao) for r in file.monthly_incomes.all()]
    return file.is_open and rules.propose_exit(records, criteria_for(file.unit))


def resolution_proposed(file: HardshipFile) -> bool:
    dibao = dibao_on(file.unit, _today())
    if dibao is None or not file.is_open:
        return False
    members = list(file.members.all())
    cannot_leave = any(m.serious_illness or m.disability in ("1", "2") for m in members)
    count = max(1, file.members_count)
    own = (file.monthly_income - file.state_support_monthly - file.essential_spending) / count
    return rules.propose_resolution(per_head=own, state_support_per_head=file.state_support_monthly / count,
                                    union_help_per_head=file.union_help_monthly / count, dibao=dibao,
                                    cannot_leave=cannot_leave)


@transaction.atomic
def exit_file(*, actor: User, file: HardshipFile, status: str, reason: str, on: date | None = None) -> HardshipFile:
    """脱困 or 解困. 脱困 sets the 12-month unstable-exit flag automatically."""
    if status not in (HardshipFile.Status.EXITED, HardshipFile.Status.RESOLVED):
        raise ValidationError({"status": _("请选择脱困或解困。")})
    if not file.is_open:
        raise ValidationError(_("这份档案已经退出。"))
    if not reason.strip():
        raise ValidationError({"reason": _("请写明退出原因。")})
    on = on or _today()
    before = file.status
    file.status, file.exited_on, file.exit_reason = status, on, reason.strip()[:200]
    file.save(update_fields=["status", "exited_on", "exit_reason", "updated_at"])
    file.flags.filter(ends_on__isnull=True).exclude(kind="unstable_exit").update(ends_on=on)
    if status == HardshipFile.Status.EXITED:
        months = criteria_for(file.unit).unstable_months
        # The app's own monitoring span (12 months after the exit), not a period anyone must act within: plain
        # months, it does not roll past a rest day.
        Flag.objects.create(file=file, kind="unstable_exit", starts_on=on,
                            ends_on=add_months(on, months) - timedelta(days=1), automatic=True,
                            note=_("脱困后 %(n)d 个月内动态监测") % {"n": months})
    audit.record(actor=actor, action=audit.Action.TRANSITION, obj=file, unit_path=file.unit.path,
                 changes={"status": [before, status]}, reason=reason)
    return file


@transaction.atomic
def add_flag(*, actor: User, file: HardshipFile, kind: str, starts_on: date, ends_on: date | None = None,
             note: str = "") -> Flag:
    if kind not in rules.FLAGS:
        raise ValidationError({"kind": _("请选择监测标记。")})
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": _("结束日期不能早于开始日期。")})
    flag = Flag.objects.create(file=file, kind=kind, starts_on=starts_on, ends_on=ends_on, note=note[:200])
    audit.record(actor=actor, action=audit.Action.CREATE, obj=flag, unit_path=file.unit.path,
                 object_repr=f"{file.person.name} {flag.get_kind_display()}")
    return flag


@transaction.atomic
def end_flag(*, actor: User, flag: Flag, on: date) -> Flag:
    if on < flag.starts_on:
        raise ValidationError(_("结束日期不能早于开始日期。"))
    flag.ends_on = on
    flag.save(update_fields=["ends_on"])
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=flag, unit_path=flag.file.unit.path,
                 changes={"ends_on": on.isoformat()})
    return flag


@transaction.atomic
def assign_helper(*, actor: User, file: HardshipFile, helper: User) -> HardshipFile:
    before = file.helper_id
    file.helper = helper
    file.save(update_fields=["helper", "updated_at"])
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=file, unit_path=file.unit.path,
                 changes={"helper": [before, helper.pk]})
    return file


@transaction.atomic
def log_contact(*, actor: User, file: HardshipFile, on: date, channel: str, notes: str,
                problems: Iterable[str] = ()) -> Contact:
    if channel not in Contact.CHANNELS:
        raise ValidationError({"channel": _("请选择联系方式。")})
    if on > _today():
        raise ValidationError({"on": _("联系日期不能晚于今天。")})
    contact = Contact.objects.create(file=file, helper=actor, on=on, channel=channel, notes=notes)
    for text in problems:
        if text.strip():
            Problem.objects.create(file=file, contact=contact, description=text.strip()[:300], raised_on=on)
    if file.last_contact_on is None or on > file.last_contact_on:
        HardshipFile.objects.filter(pk=file.pk).update(last_contact_on=on)
    audit.record(actor=actor, action=audit.Action.CREATE, obj=contact, unit_path=file.unit.path,
                 object_repr=f"{file.person.name} {contact.get_channel_display()}")
    return contact


@transaction.atomic
def resolve_problem(*, actor: User, problem: Problem, outcome: str, on: date | None = None) -> Problem:
    if not outcome.strip():
        raise ValidationError({"outcome": _("请写明解决结果。")})
    problem.outcome, problem.resolved_on = outcome.strip()[:300], on or _today()
    problem.save(update_fields=["outcome", "resolved_on"])
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=problem, unit_path=problem.file.unit.path,
                 changes={"outcome": problem.outcome})
    return problem


@transaction.atomic
def draw_spot_check(*, actor: User, unit: Unit, year: int, files: QuerySet[HardshipFile]) -> SpotCheck:
    """年审抽查: at least 30% of the unit's files in review, drawn at random and recorded with the seed."""
    if SpotCheck.objects.filter(unit=unit, year=year).exists():
        raise ValidationError(_("%(year)d 年度已抽查过，不能重抽。") % {"year": year})
    share = criteria_for(unit).spot_check_share
    ids = list(files.values_list("id", flat=True))
    if not ids:
        raise ValidationError(_("没有可抽查的档案。"))
    seed = secrets.randbits(48)
    drawn = rules.draw_spot_check(ids, share, seed)
    check = SpotCheck.objects.create(unit=unit, year=year, share=share, seed=seed, population=len(ids),
                                     drawn_ids=drawn, drawn_by=actor)
    audit.record(actor=actor, action=audit.Action.CREATE, obj=check, unit_path=unit.path,
                 object_repr=f"{unit.name} {year} 年审抽查", changes={"population": len(ids), "drawn": len(drawn)})
    return check


@transaction.atomic
def review_file(*, actor: User, file: HardshipFile, year: int, outcome: str, notes: str = "",
                spot_checked: bool = False) -> Review:
    if outcome not in Review.OUTCOMES:
        raise ValidationError({"outcome": _("请选择年审结论。")})
    if Review.objects.filter(file=file, year=year).exists():
        raise ValidationError(_("这份档案 %(year)d 年度已年审。") % {"year": year})
    review = Review.objects.create(file=file, year=year, reviewed_on=_today(), reviewer=actor, outcome=outcome,
                                   notes=notes, spot_checked=spot_checked)
    HardshipFile.objects.filter(pk=file.pk).update(last_review_on=review.reviewed_on)
    audit.record(actor=actor, action=audit.Action.CREATE, obj=review, unit_path=file.unit.path,
                 object_repr=f"{file.person.name} {year} 年审", changes={"outcome": outcome})
    return review


# --- policies ---

def version_on(policy: Policy, day: date) -> PolicyVersion | None:
    return (policy.versions.filter(status=PolicyVersion.Status.PUBLISHED, effective_from__lte=day)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day)).order_by("-effective_from").first())


def _owner_path(policy: Policy) -> str:
    return policy.owner.path if policy.owner is not None else ""


def _check_spec(spec: Any, code: str) -> None:
    try:
        rules.CompiledPolicy(spec, code)
    except rules.PolicyError as exc:
        raise ValidationError({"spec": str(exc)}) from exc


@transaction.atomic
def draft_version(*, actor: User, policy: Policy, spec: dict[str, Any], effective_from: date,
                  review_levels: list[int] | None = None, escalate_above: Decimal | None = None,
                  notice_days: int | None = None, note: str = "") -> PolicyVersion:
    _check_spec(spec, policy.code)
    latest = policy.versions.order_by("-number").first()
    version = PolicyVersion.objects.create(
        policy=policy, number=(latest.number + 1) if latest else 1, effective_from=effective_from, spec=spec,
        review_levels=review_levels if review_levels is not None else (latest.review_levels if latest else [6, 5]),
        escalate_above=escalate_above if escalate_above is not None else (latest.escalate_above if latest else None),
        notice_days=notice_days if notice_days is not None else (latest.notice_days if latest else 0),
        note=note, created_by=actor)
    audit.record(actor=actor, action=audit.Action.CREATE, obj=version, unit_path=_owner_path(policy))
    return version


@transaction.atomic
def update_draft(*, actor: User, version: PolicyVersion, spec: dict[str, Any], effective_from: date,
                 notice_days: int, escalate_above: Decimal | None, note: str) -> PolicyVersion:
    if version.status != PolicyVersion.Status.DRAFT:
        raise ValidationError(_("已发布的版本不能修改，请新建一个版本。"))
    _check_spec(spec, version.policy.code)
    version.spec, version.effective_from, version.notice_days = spec, effective_from, notice_days
    version.escalate_above, version.note = escalate_above, note
    version.save()
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=version, unit_path=_owner_path(version.policy))
    return version


@transaction.atomic
def publish_version(*, actor: User, version: PolicyVersion) -> PolicyVersion:
    if version.status != PolicyVersion.Status.DRAFT:
        raise ValidationError(_("这个版本已经发布。"))
    _check_spec(version.spec, version.policy.code)
    version.policy.versions.filter(status=PolicyVersion.Status.PUBLISHED, effective_from__lt=version.effective_from
                                   ).filter(Q(effective_to__isnull=True) | Q(effective_to__gte=version.effective_from)
                                            ).update(effective_to=version.effective_from - timedelta(days=1))
    version.status, version.published_at = PolicyVersion.Status.PUBLISHED, timezone.now()
    version.save(update_fields=["status", "published_at"])
    audit.record(actor=actor, action=audit.Action.TRANSITION, obj=version, unit_path=_owner_path(version.policy),
                 changes={"status": ["draft", "published"]})
    return version


# --- facts from the database ---

def cap_groups(version: PolicyVersion) -> list[str]:
    return sorted({cap.get("group") or version.policy.code for cap in version.spec.get("caps", [])
                   if cap.get("kind") == "per_household_year"})


def campaigns(version: PolicyVersion) -> list[str]:
    return sorted({cap.get("campaign") or version.policy.code for cap in version.spec.get("caps", [])
                   if cap.get("kind") == "once_per_campaign"})


def facts_and_notes(file: HardshipFile, version: PolicyVersion, *, day: date, given: dict[str, Any] | None = None,
                    exclude: int | None = None) -> tuple[dict[str, Any], list[str]]:
    """What the engine needs, from the file and the ledger; `given` supplies what only the applicant knows. What
    the household got counts across all its files (`services.caps`); the notes say which file's payments counted."""
    from gonghui.relief.services import caps

    today = day
    yearly, once, notes = caps.household_facts(file, version, day=today, exclude=exclude)
    facts: dict[str, Any] = {
        "household_annual_income": str(file.monthly_income * 12),
        "household_size": file.members_count,
        "file_status": file.status,
        "membership": file.person.membership,
        "flags": sorted({f.kind for f in file.flags.all() if f.active_on(today)}),
        "paid_this_year": yearly,
        "paid_in_campaign": once,
    }
    if file.category:
        facts["category"] = file.category
    dibao = dibao_on(file.unit, today)
    if dibao is not None:
        facts["dibao_monthly"] = str(dibao)
    for key in ("self_paid", "requested", "household_annual_income"):
        if given and given.get(key) not in (None, ""):
            facts[key] = str(given[key])
    return facts, notes


def facts_for(file: HardshipFile, version: PolicyVersion, *, day: date, given: dict[str, Any] | None = None,
              exclude: int | None = None) -> dict[str, Any]:
    return facts_and_notes(file, version, day=day, given=given, exclude=exclude)[0]


def quote(version: PolicyVersion, facts: dict[str, Any], notes: Sequence[str] = ()) -> rules.Quote:
    """The engine's answer; `notes` (which household files counted) open the explanation."""
    try:
        result = version.compiled().price(facts)
    except rules.FactsError as exc:
        raise ValidationError(exc.problems) from exc
    if notes:
        result.trace = [*notes, *result.trace]
    return result


# --- applications ---

def _chain(unit: Unit, version: PolicyVersion, amount: Decimal) -> list[int]:
    levels = sorted(set(version.review_levels or [Level.GRASSROOTS]), reverse=True)
    if version.escalate_above is not None and amount > version.escalate_above:
        levels.append(min(levels) - 1)
    by_level = {u.level: u.pk for u in Unit.objects.filter(id__in=unit.ancestor_ids)}
    chain = [by_level[level] for level in levels if level in by_level]
    return chain or [unit.pk]


@transaction.atomic
def submit_application(*, actor: User, file: HardshipFile, policy: Policy, self_paid: Any = None,
                       requested: Any = None, description: str = "", bank_account: str = "",
                       uploads: Sequence[Any] = (), channel: str = "self") -> Application:
    """A worker (or an official for them) applies; the amount is priced now and again at approval."""
    for upload in uploads:
        try:
            attachments.check(upload)
        except attachments.AttachmentRefused as exc:
            raise ValidationError({"attachments": str(exc)}) from exc
    if not file.is_open:
        raise ValidationError(_("档案不在档（已脱困或已解困），不能申请困难救助。"))
    day = _today()
    version = version_on(policy, day)
    if version is None:
        raise ValidationError(_("“%(policy)s”今天没有生效的版本。") % {"policy": policy.name})
    given = {"self_paid": self_paid, "requested": requested}
    facts, notes = facts_and_notes(file, version, day=day, given=given)
    result = quote(version, facts, notes)
    if not result.eligible:
        raise ValidationError(result.reasons)
    account = (bank_account or file.person.bank_account or "").replace(" ", "")
    if not account:
        raise ValidationError({"bank_account": _("请填写收款银行账号。")})
    if not (account.isascii() and account.isdigit()) or not 12 <= len(account) <= 30:  # not "²"
        raise ValidationError({"bank_account": _("银行账号应为 12 到 30 位数字。")})
    chain = _chain(file.unit, version, result.amount)
    application = Application.objects.create(
        file=file, person=file.person, unit=file.unit, province_id=file.province_id, version=version,
        cap_groups=cap_groups(version), facts=facts, description=description, amount=result.amount,
        trace=result.trace, chain=chain, step=0, current_unit_id=chain[0], bank_account=account,
        bank_hash=ledger.bank_hash(account), channel=channel, submitted_by=actor)
    for upload in uploads:
        attachments.save(actor=actor, upload=upload, owner_type="relief.application", owner_id=application.pk,
                         unit_path=file.unit.path)
    Step.objects.create(application=application, actor=actor, unit=file.unit, action="submit", from_state="",
                        to_state=S.SUBMITTED)
    _flag_duplicates(application)
    flag_double_claims(application)
    audit.record(actor=actor, action=audit.Action.CREATE, obj=application, unit_path=file.unit.path,
                 subject_user_id=file.person.user_id, changes={"amount": str(result.amount), "policy": policy.code})
    return application


def _flag_duplicates(application: Application) -> None:
    """Possible duplicates for the reviewer, each with its reason; nothing is merged."""
    person = application.person
    member_people = list(application.file.members.filter(person__isnull=False).values_list("person_id", flat=True))
    others = HardshipFile.objects.filter(status__in=HardshipFile.OPEN).exclude(pk=application.file_id).filter(
        Q(person_id__in=[person.pk, *member_people]) | Q(members__person_id__in=[person.pk, *member_people])
    ).select_related("person").distinct()
    for other in others[:5]:
        DuplicateFlag.objects.get_or_create(application=application, kind="person_in_two_files",
                                            detail=_("与 %(name)s 的档案（%(n)s）有同一家庭成员")
                                            % {"name": other.person.name, "n": other.pk})
    if application.bank_hash:
        sharing = (Application.objects.filter(bank_hash=application.bank_hash).exclude(person_id=person.pk)
                   .values_list("person__name", flat=True).distinct()[:5])
        people = Person.objects.filter(bank_hash=application.bank_hash).exclude(pk=person.pk).values_list("name",
                                                                                                         flat=True)[:5]
        names = sorted(set(sharing) | set(people))
        if names:
            DuplicateFlag.objects.get_or_create(application=application, kind="shared_bank",
                                                detail=_("同一账号也属于：%(names)s") % {"names": "、".join(names)})
    if person.phone_hash:
        names = sorted(set(Person.objects.filter(phone_hash=person.phone_hash).exclude(pk=person.pk)
                           .values_list("name", flat=True)[:5]))
        if names:
            DuplicateFlag.objects.get_or_create(application=application, kind="shared_phone",
                                                detail=_("同一手机号也属于：%(names)s") % {"names": "、".join(names)})


def flag_double_claims(application: Application) -> None:
    """The same expense claimed twice, flagged before approval: an attachment (by its SHA-256) already used by
    another live application, or another live application of the household in the same cap period (the
    calendar year) under the same policy with the same facts."""
    live = Application.objects.exclude(pk=application.pk).exclude(state=S.REJECTED)
    mine = attachments_model().objects.filter(owner_type="relief.application", owner_id=application.pk)
    hashes = set(mine.values_list("sha256", flat=True))
    if hashes:
        reused = (attachments_model().objects.filter(owner_type="relief.application", sha256__in=hashes)
                  .exclude(owner_id=application.pk)
                  .filter(owner_id__in=live.values("pk")).values_list("owner_id", flat=True).distinct()[:5])
        for other in Application.objects.filter(pk__in=list(reused)):
            DuplicateFlag.objects.get_or_create(application=application, kind="same_attachment",
                                                detail=_("附件与申请 %(n)s 的附件相同") % {"n": other.number})
    year = local_date(application.submitted_at).year
    from gonghui.relief.services.caps import household_applications_q

    household = household_applications_q(application)  # every file of the household, matched by ID hash
    same = live.filter(household, version__policy_id=application.version.policy_id,
                       submitted_at__year=year)
    keys = ("self_paid", "requested")
    for other in same.only("id", "facts")[:50]:
        if all(str(other.facts.get(k) or "") == str(application.facts.get(k) or "") for k in keys):
            DuplicateFlag.objects.get_or_create(application=application, kind="same_facts",
                                                detail=_("与同户申请 %(n)s 的政策和金额相同") % {"n": other.number})


def attachments_model() -> Any:
    from gonghui.core.models import Attachment

    return Attachment


@transaction.atomic
def clear_duplicate_flag(*, actor: User, flag: DuplicateFlag, reason: str) -> DuplicateFlag:
    """The reviewer records why a possible duplicate is not one (or what was done about it)."""
    if flag.kind in DuplicateFlag.DOUBLE_CLAIM:
        check_no_conflict(flag.application, actor)
    if not reason.strip():
        raise ValidationError({"reason": _("请写明核实情况。")})
    if flag.cleared_by_id is not None:
        raise ValidationError(_("这条提示已经核实过了。"))
    flag.cleared_by, flag.cleared_reason = actor, reason.strip()[:300]
    flag.save(update_fields=["cleared_by", "cleared_reason"])
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=flag.application, unit_path=flag.application.unit.path,
                 changes={"duplicate": flag.kind}, reason=flag.cleared_reason)
    return flag


def _move(application: Application, actor: User, action: str, to_state: str, reason: str = "",
          unit: Unit | None = None) -> None:
    Step.objects.create(application=application, actor=actor, unit=unit or application.current_unit, action=action,
                        from_state=application.state, to_state=to_state, reason=reason)
    audit.record(actor=actor, action=audit.Action.TRANSITION, obj=application, unit_path=application.unit.path,
                 subject_user_id=application.person.user_id, changes={"state": [application.state, to_state]},
                 reason=reason)
    application.state = to_state


DECISIONS = ("approve", "return", "reject")


def decide_application(*, actor: User, application: Application, decision: str, reason: str = "") -> Application:
    """One reviewer's decision at the application's current step."""
    if decision not in DECISIONS:
        raise ValidationError(_("未知的审批意见。"))
    with transaction.atomic():
        # The household's file row is the lock: two approvals for one household queue here, so
        # the yearly cap is checked against what the other one committed (PostgreSQL: row lock;
        # SQLite: the whole database is written by one transaction at a time).
        HardshipFile.objects.select_for_update().get(pk=application.file_id)
        application = Application.objects.select_for_update(of=("self",)).select_related(
            "version__policy", "file__person", "file__unit", "unit", "current_unit", "person").get(pk=application.pk)
        if application.state != S.SUBMITTED:
            raise ValidationError(_("这份申请当前为“%(state)s”，不能审批。") % {"state": application.get_state_display()})
        if application.steps.filter(actor=actor, action="approve").exists():
            raise ValidationError(_("同一人不能在同一申请的两个环节审批。"))
        check_no_conflict(application, actor)
        if decision == "approve" and application.duplicate_flags.filter(
                kind__in=DuplicateFlag.DOUBLE_CLAIM, cleared_by__isnull=True).exists():
            raise ValidationError(_("这份申请疑似重复申领（同一附件或同户同年相同事实），"
                                    "须先核实并记录理由，才能审批通过。"))
        if decision in ("return", "reject") and not reason.strip():
            raise ValidationError({"reason": _("退回或不予通过，须写明原因。")})
        if decision == "return":
            _move(application, actor, "return", S.RETURNED, reason)
        elif decision == "reject":
            _move(application, actor, "reject", S.REJECTED, reason)
            application.decided_at = timezone.now()
        elif application.step + 1 < len(application.chain):
            Step.objects.create(application=application, actor=actor, unit=application.current_unit,
                                action="approve", from_state=S.SUBMITTED, to_state=S.SUBMITTED, reason=reason)
            audit.record(actor=actor, action=audit.Action.TRANSITION, obj=application,
                         unit_path=application.unit.path, changes={"step": [application.step, application.step + 1]},
                         reason=reason)
            application.step += 1
            application.current_unit_id = application.chain[application.step]
        else:
            _final_approval(application, actor, reason)
        application.save()
        return application


def conflict_of(application: Application, actor: User) -> str:
    """Why `actor` may not decide on this application ("" when nothing ties them to it)."""
    if application.channel == "self" and application.submitted_by_id == actor.pk:
        return _("您是这份申请的申请人")
    if application.person.user_id == actor.pk or application.file.person.user_id == actor.pk:
        return _("您是这份申请的受益人")
    if HouseholdMember.objects.filter(file_id=application.file_id, person__user_id=actor.pk).exists():
        return _("您是申请家庭的成员")
    if application.submitted_by_id == actor.pk:
        return _("您是这份申请的代录人")
    return ""


def check_no_conflict(application: Application, actor: User) -> None:
    reason = conflict_of(application, actor)
    if reason:
        raise ValidationError(_("%(why)s，须回避，不能审批。") % {"why": reason})


def _final_approval(application: Application, actor: User, reason: str) -> None:
    day = _today()
    version = application.version
    given = {k: application.facts.get(k) for k in ("self_paid", "requested")}
    facts, notes = facts_and_notes(application.file, version, day=day, given=given, exclude=application.pk)
    result = quote(version, facts, notes)
    if not result.eligible:
        raise ValidationError(result.reasons)
    budget = budget_for(application.unit, version.policy, day.year, lock=True)
    if budget is None:
        raise ValidationError(_("“%(policy)s”%(year)d 年度没有下达资金，无法批准。")
                              % {"policy": version.policy.name, "year": day.year})
    left = budget_position(budget).left
    if left < result.amount:
        raise ValidationError(_("%(unit)s 的救助资金余额 %(left)s 元，不足以支付 %(amount)s 元。")
                              % {"unit": budget.unit.name, "left": left, "amount": result.amount})
    if result.amount != application.amount:
        result.trace.append(_("审批时重新核算：原申请核定 %(old)s 元，现为 %(new)s 元。")
                            % {"old": application.amount, "new": result.amount})
    application.facts, application.amount, application.trace = facts, result.amount, result.trace
    application.budget, application.year, application.decided_at = budget, day.year, timezone.now()
    Step.objects.create(application=application, actor=actor, unit=application.current_unit, action="approve",
                        from_state=S.SUBMITTED, to_state=S.SUBMITTED, reason=reason)
    if version.notice_days:
        # The policy's public-notice period, counted from the day after approval as a period in days: its last
        # day rolls past a rest day (core.deadlines.period_end, 民法典 第二百零一条至第二百零三条); recomputed by
        # relief.clocks when a year's arrangement is loaded.
        application.notice_until = add_days(day, version.notice_days)
        _move(application, actor, "notice", S.NOTICE, _("公示至 %(d)s") % {"d": application.notice_until})
    else:
        _move(application, actor, "approved", S.APPROVED, reason)


@transaction.atomic
def resubmit_application(*, actor: User, application: Application, description: str, uploads: Sequence[Any] = (),
                         self_paid: Any = None, requested: Any = None) -> Application:
    """The applicant answers a return: more information, perhaps a corrected cost; the same step decides again."""
    for upload in uploads:
        try:
            attachments.check(upload)
        except attachments.AttachmentRefused as exc:
            raise ValidationError({"attachments": str(exc)}) from exc
    if application.state != S.RETURNED:
        raise ValidationError(_("只有被退回的申请可以补充后重新提交。"))
    given = {"self_paid": self_paid if self_paid not in (None, "") else application.facts.get("self_paid"),
             "requested": requested if requested not in (None, "") else application.facts.get("requested")}
    facts, notes = facts_and_notes(application.file, application.version, day=_today(), given=given,
                                   exclude=application.pk)
    result = quote(application.version, facts, notes)
    if not result.eligible:
        raise ValidationError(result.reasons)
    application.facts, application.amount, application.trace = facts, result.amount, result.trace
    if description.strip():
        application.description = f"{application.description}\n【补充】{description.strip()}".strip()
    for upload in uploads:
        attachments.save(actor=actor, upload=upload, owner_type="relief.application", owner_id=application.pk,
                         unit_path=application.unit.path)
    _move(application, actor, "resubmit", S.SUBMITTED, description)
    application.save()
    flag_double_claims(application)
    return application


@transaction.atomic
def raise_objection(*, actor: User, application: Application, text: str) -> Objection:
    if application.state != S.NOTICE or application.notice_until is None or _today() > application.notice_until:
        raise ValidationError(_("公示期已结束，不能再提出异议。"))
    if not text.strip():
        raise ValidationError({"text": _("请写明异议内容。")})
    objection = Objection.objects.create(application=application, raised_by=actor, text=text.strip())
    Step.objects.create(application=application, actor=actor, unit=application.unit, action="objection",
                        from_state=application.state, to_state=application.state, reason=_("公示期间收到异议"))
    audit.record(actor=actor, action=audit.Action.CREATE, obj=objection, unit_path=application.unit.path,
                 object_repr=f"{application.number} 异议")
    return objection


@transaction.atomic
def resolve_objection(*, actor: User, objection: Objection, upheld: bool, resolution: str) -> Objection:
    if objection.resolved_at is not None:
        raise ValidationError(_("这条异议已经处理过了。"))
    if not resolution.strip():
        raise ValidationError({"resolution": _("请写明核实和处理结果。")})
    objection.upheld, objection.resolution = upheld, resolution.strip()
    objection.resolved_by, objection.resolved_at = actor, timezone.now()
    objection.save()
    application = Application.objects.select_for_update().get(pk=objection.application_id)
    if upheld and application.state in Application.COMMITTED:
        _move(application, actor, "reject", S.REJECTED, _("公示异议成立：%(r)s") % {"r": resolution.strip()})
        application.save()
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=objection, unit_path=application.unit.path,
                 object_repr=f"{application.number} 异议", changes={"upheld": upheld})
    return objection


def payable_from(application: Application) -> date | None:
    """The first day money may be paid: the day after the notice period's last day."""
    if application.state == S.APPROVED:
        return _today()
    if application.state == S.NOTICE and application.notice_until:
        return application.notice_until + timedelta(days=1)
    return None


@transaction.atomic
def release_payment(*, actor: User, application: Application) -> PaymentEntry:
    """Hand an approved application to the ledger (once: the key is the application's)."""
    application = Application.objects.select_for_update(of=("self",)).select_related("person", "unit", "version__policy").get(
        pk=application.pk)
    if application.state not in Application.COMMITTED:
        raise ValidationError(_("这份申请当前为“%(state)s”，不能拨付。") % {"state": application.get_state_display()})
    if application.state == S.NOTICE:
        start = payable_from(application)
        if start is None or _today() < start:
            raise ValidationError(_("公示期到 %(d)s 结束，期满后才能拨付。") % {"d": application.notice_until})
        if application.objections.filter(resolved_at__isnull=True).exists():
            raise ValidationError(_("还有未处理的公示异议，处理完毕后才能拨付。"))
    person = application.person
    if not application.bank_hash or application.bank_hash != person.bank_hash:
        raise ValidationError(_("申请的收款账号不是 %(name)s 档案中登记的账号，不能拨付。请先在档案中登记并核实账号，"
                                "或由两位工作人员办理收款账号变更。") % {"name": person.name})
    if AccountChange.objects.filter(target=f"relief.application:{application.pk}",
                                    state=AccountChange.State.PENDING).exists():
        raise ValidationError(_("这份申请有一项收款账号变更在等待复核，复核后才能拨付。"))
    if not ledger.is_verified(person.pk, application.bank_account):
        raise ValidationError(_("%(name)s 的收款账号尚未经工会核实属于本人，不能拨付。") % {"name": person.name})
    key = f"relief.application:{application.pk}"
    entry, _created = ledger.post_payment(
        actor=actor, key=key, payee_person_id=application.person_id, payee_name=application.person.name,
        bank_account=application.bank_account, amount=application.amount,
        purpose_code=application.version.policy.code, purpose_ref=key, unit=application.unit,
        memo=f"{application.version.policy.name} {application.number}")
    _move(application, actor, "release", S.RELEASED)
    application.released_at, application.payment_key = timezone.now(), key
    application.save()
    return entry


def quote_policy(*, code: str, facts: Any, on: date | None = None, file: HardshipFile | None = None) -> rules.Quote:
    """What a policy would pay on the facts, writing nothing (CLI `gonghui relief quote`, API /relief/quote).

    With a household's file, the facts start from the file and the ledger; given facts win.
    """
    policy = Policy.objects.filter(code=code).first()
    if policy is None:
        raise ValidationError(_("没有代码为“%(code)s”的救助政策。") % {"code": code})
    day = on or _today()
    version = version_on(policy, day)
    if version is None:
        raise ValidationError(_("“%(policy)s”在 %(day)s 没有生效的版本。") % {"policy": policy.name, "day": day})
    if not isinstance(facts, dict):
        raise ValidationError(_("facts 必须是一个对象（JSON）。"))
    notes: list[str] = []
    if file is not None:
        merged, notes = facts_and_notes(file, version, day=day)
        merged.update({k: v for k, v in facts.items() if k != "household"})
        facts = merged
    return quote(version, facts, notes)


# The package's other aggregates, re-exported so that `services.<verb>` keeps working.
from gonghui.relief.services.budgets import BudgetPosition as BudgetPosition  # noqa: E402
from gonghui.relief.services.budgets import approve_batch as approve_batch  # noqa: E402
from gonghui.relief.services.budgets import batch_files as batch_files  # noqa: E402
from gonghui.relief.services.budgets import budget_for as budget_for  # noqa: E402
from gonghui.relief.services.budgets import budget_position as budget_position  # noqa: E402
from gonghui.relief.services.budgets import may_manage_funds as may_manage_funds  # noqa: E402
from gonghui.relief.services.budgets import move_budget as move_budget  # noqa: E402
from gonghui.relief.services.budgets import preview_batch as preview_batch  # noqa: E402
from gonghui.relief.services.budgets import run_batch_grant as run_batch_grant  # noqa: E402
from gonghui.relief.services.budgets import write_grant_entries as write_grant_entries  # noqa: E402
from gonghui.relief.services.payees import decide_account_change as decide_account_change  # noqa: E402
from gonghui.relief.services.payees import (  # noqa: E402
    request_application_account_change as request_application_account_change,
)
from gonghui.relief.services.payees import request_payment_account_change as request_payment_account_change  # noqa: E402
from gonghui.relief.services.payees import verify_payee_account as verify_payee_account  # noqa: E402
