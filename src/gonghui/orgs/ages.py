"""Age, from the ID number: who may be filed as an employee, whose data needs a guardian, who is a 未成年工.

The thresholds, each read in the statute (LawRefBook/Laws):
- 劳动法 第十五条: 禁止用人单位招用未满十六周岁的未成年人. 禁止使用童工规定 (2002) 第二条 calls employing anyone
  under 16 使用童工 and 第四条 bids the employer check the ID card and never hire anyone under 16. 第五条第三款:
  工会 … 应当依法维护未成年人的合法权益 — hence the alert to the enterprise's union and the street. 第十三条 lets
  文艺、体育单位 hire a child with the guardian's consent under the State's rules: not filed here, the union
  handles such a case by hand.
- 劳动法 第五十八条第二款: 未成年工是指年满十六周岁未满十八周岁的劳动者 (flagged on the file; 第六十四、六十五条
  are the protections that follow).
- 个人信息保护法 第三十一条: a child under 14's personal data needs the consent of a parent or other guardian
  (第二十八条 makes it sensitive personal information).

Ages are full years (周岁) on a given day (`rules.age_on`), never "today" implicitly in the rules.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gonghui.orgs.rules import age_on

WORKING_AGE = 16  # 劳动法 第十五条; 禁止使用童工规定 第二条
ADULT_AGE = 18  # 劳动法 第五十八条: 未成年工 16–17
GUARDIAN_AGE = 14  # 个人信息保护法 第三十一条

__all__ = ["ChildEmploymentRefused", "Guardian", "age_on", "check_guardian", "record_guardian_consent", "alerting_child_employment",
           "check_employment", "is_child", "is_minor_worker", "needs_guardian"]


def is_child(birth: date, day: date) -> bool:
    """Under 16 on `day`: may not be employed (劳动法 第十五条)."""
    return age_on(birth, day) < WORKING_AGE


def is_minor_worker(birth: date, day: date) -> bool:
    """16 or 17 on `day`: a 未成年工 (劳动法 第五十八条第二款), under special protection."""
    return WORKING_AGE <= age_on(birth, day) < ADULT_AGE


def needs_guardian(birth: date, day: date) -> bool:
    """Under 14 on `day`: their personal data needs a guardian's consent (个人信息保护法 第三十一条)."""
    return age_on(birth, day) < GUARDIAN_AGE


def file_flags(birth: date, day: date) -> list[str]:
    """What a person's file page says of their age on `day`."""
    age = age_on(birth, day)
    flags = []
    if age < GUARDIAN_AGE:
        flags.append(_("不满14周岁：其个人信息须经监护人同意处理（个人信息保护法第三十一条）"))
    if age < WORKING_AGE:
        flags.append(_("未满16周岁：不得被用人单位招用（劳动法第十五条）"))
    elif age < ADULT_AGE:
        flags.append(_("未成年工（年满16周岁未满18周岁，劳动法第五十八条）：不得安排矿山井下、有毒有害、"
                       "第四级体力劳动强度等禁忌劳动，用人单位应定期健康检查（第六十四条、第六十五条）"))
    return flags


def child_employment_reason(age: int) -> str:
    return _("未满16周岁（%(age)d周岁）的未成年人不得登记为企业职工：用人单位不得招用未满十六周岁的未成年人"
             "（劳动法第十五条；禁止使用童工规定第二条、第四条）。已通知该企业所在工会和街道工会。") % {"age": age}


def guardian_reason() -> str:
    return _("不满14周岁的未成年人，须取得其父母或者其他监护人的同意才能登记其个人信息（个人信息保护法第三十一条）："
             "请填写监护人姓名、与未成年人的关系和同意日期。未登记同意的，不保存该未成年人的任何信息。")


class ChildEmploymentRefused(ValidationError):
    """Filing a person under 16 as an enterprise's employee was refused. It is a ValidationError (the caller
    shows the reason); `alerting_child_employment` tells the unions once the refused transaction is undone."""

    def __init__(self, *, enterprise: Any, age: int, channel: str, actor: Any, message: str = "",
                 field: str = "employer") -> None:
        self.enterprise, self.age, self.channel, self.actor = enterprise, age, channel, actor
        text = message or child_employment_reason(age)
        super().__init__({field: text} if field else text)


@dataclass(frozen=True)
class Guardian:
    """Who consented to keeping a child's data, their relation (GuardianConsent.Relation), and when."""

    name: str
    relation: str
    consented_on: date | None


def check_guardian(*, birth: date, day: date, guardian: Guardian | None) -> Guardian | None:
    """Under 14 on `day`: a guardian's consent, complete, is required (个人信息保护法 第三十一条); returns it
    cleaned, or None when the person is 14 or over (no consent then needed: it is not kept)."""
    from gonghui.orgs.models import GuardianConsent
    from gonghui.orgs.rules import InvalidName, clean_name

    if not needs_guardian(birth, day):
        return None
    if guardian is None:
        raise ValidationError({"guardian_name": guardian_reason()})
    try:
        name = clean_name(guardian.name)
    except InvalidName as exc:
        raise ValidationError({"guardian_name": guardian_reason()}) from exc
    if guardian.relation not in GuardianConsent.Relation.values:
        raise ValidationError({"guardian_relation": _("请选择监护人与未成年人的关系（父亲、母亲或其他监护人）。")})
    if guardian.consented_on is None or guardian.consented_on > day:
        raise ValidationError({"guardian_consented_on": _("请填写监护人同意的日期（不能晚于今天）。")})
    return Guardian(name=name[:50], relation=guardian.relation, consented_on=guardian.consented_on)


def record_guardian_consent(*, actor: Any, person: Any, guardian: Guardian) -> Any:
    """Keep the consent with the child's file (same transaction as the file), audited."""
    from gonghui.core import audit
    from gonghui.orgs.models import GuardianConsent

    if guardian.consented_on is None:
        raise ValidationError({"guardian_consented_on": _("请填写监护人同意的日期（不能晚于今天）。")})
    consent = GuardianConsent.objects.create(
        person=person, guardian_name=guardian.name, relation=guardian.relation, consented_on=guardian.consented_on,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None)
    audit.record(actor=actor, action=audit.Action.CREATE, obj=person, unit_path=person.unit.path,
                 changes={"guardian_consent": {"relation": guardian.relation,
                                               "consented_on": guardian.consented_on}},
                 reason=_("个人信息保护法第三十一条：监护人同意"))
    return consent


def check_employment(*, birth: date, enterprise: Any, day: date, channel: str, actor: Any) -> None:
    """Refuse to file someone under 16 on `day` as `enterprise`'s employee (劳动法 第十五条)."""
    if enterprise is None:
        return
    age = age_on(birth, day)
    if age < WORKING_AGE:
        raise ChildEmploymentRefused(enterprise=enterprise, age=age, channel=channel, actor=actor)


CHANNELS = {"page": "页面登记", "api": "接口", "import": "表格导入", "service": "业务办理时建档", "join": "网上入会",
            "correction": "更正身份证号"}


def alert_child_employment(*, enterprise: Any, age: int, channel: str, actor: Any, count: int = 1,
                           key: str = "") -> int:
    """Tell the enterprise's union and its street (the union above a grassroots union), with an audit row on
    the enterprise. Nothing identifies the child: the refusal keeps no personal data of theirs."""
    from gonghui.core import audit
    from gonghui.core.notify import notify
    from gonghui.orgs.models import Level, Role, User

    unit = enterprise.unit
    units = [unit.pk]
    if unit.level == Level.GRASSROOTS and unit.parent_id:
        units.append(unit.parent_id)  # the street (街道/乡镇总工会) the enterprise's union belongs to
    recipients = list(User.objects.filter(is_active=True, role_assignments__revoked_at__isnull=True,
                                          role_assignments__role__in=(Role.OFFICIAL, Role.CHAIR),
                                          role_assignments__unit_id__in=units).distinct())
    actor_label = getattr(actor, "display_name", "") or getattr(actor, "username", "") or _("未登录用户")
    text = _("童工预警：%(who)s 试图通过“%(how)s”将%(count)d名未满16周岁（最小%(age)d周岁）的人员登记为“%(ent)s”的职工，已被拒绝。"
             "请核查该企业是否使用童工（劳动法第十五条、禁止使用童工规定第二条），必要时向劳动保障行政部门反映"
             "（禁止使用童工规定第五条）。") % {"who": actor_label, "how": CHANNELS.get(channel, channel), "age": age,
                                            "count": count, "ent": enterprise.name}
    sent = notify(recipients, text, key=key)
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=enterprise,
                 unit_path=unit.path, changes={"child_employment_refused": {"age": age, "channel": channel, "count": count}},
                 reason=_("拒绝登记未满16周岁的职工"))
    return sent


F = TypeVar("F", bound=Callable[..., Any])


def alerting_child_employment(fn: F) -> F:
    """Wrap a service (outside its @transaction.atomic): a ChildEmploymentRefused raised inside is re-raised
    after the alert is written in a transaction of its own, so that the refusal's rollback does not undo it."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ChildEmploymentRefused as refusal:
            with transaction.atomic():
                alert_child_employment(enterprise=refusal.enterprise, age=refusal.age, channel=refusal.channel,
                                       actor=refusal.actor)
            raise

    return wrapper  # type: ignore[return-value]
