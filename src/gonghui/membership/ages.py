"""Age at joining (used by membership/services.py): under 16 refused, at the retirement age flagged."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gonghui.membership import rules
from gonghui.orgs import ages as org_ages
from gonghui.orgs import rules as org_rules
from gonghui.orgs.models import Enterprise


def join_age_reason(age: int) -> str:
    return _("未满16周岁（%(age)d周岁）不能申请加入工会：工会会员是以工资收入为主要生活来源的劳动者（工会法第三条），"
             "而用人单位不得招用未满十六周岁的未成年人（劳动法第十五条）。") % {"age": age}


def check_join_age(birth: date, day: date) -> None:
    """Applicants under 16 are refused, with the reason."""
    age = org_ages.age_on(birth, day)
    if age < rules.MIN_JOIN_AGE:
        raise ValidationError(join_age_reason(age))


def retirement_flag(*, birth: date, gender: str, day: date) -> str:
    """The note for the deciding union when the applicant has reached a statutory retirement age on `day`
    (the 2024 decision's schedule, membership/rules.py), or "" when not."""
    if not rules.has_reached_any(birth, gender, day):
        return ""
    parts = [_("%(who)s的法定退休年龄为%(age)s（%(day)s 达到）") % {
        "who": rules.CATEGORY_LABELS[c], "age": rules.format_age(rules.retirement_age_months(birth, c)),
        "day": rules.retirement_date(birth, c).isoformat()} for c in rules.categories_for(gender)]
    return (_("申请人已达到法定退休年龄：") + "；".join(parts)
            + _("。退休人员可保留会籍；新领取养老金者的工作多为劳务关系，请核实是否以工资收入为主要生活来源"
                "（工会法第三条）后决定。"))[:300]


def refuse_child(*, id_number: str, employer: Enterprise | None, day: date) -> None:
    """Under 16: the join is refused with its reason before anything is written; naming an employer also
    alerts that enterprise's unions (劳动法 第十五条), after the rollback (services.join_online)."""
    try:
        birth = org_rules.parse_id_number(id_number).birth_date
    except org_rules.InvalidNumber:
        return  # self_register gives the reason
    age = org_ages.age_on(birth, day)
    if age >= rules.MIN_JOIN_AGE:
        return
    if employer is not None:
        raise org_ages.ChildEmploymentRefused(enterprise=employer, age=age, channel="join", actor=None,
                                              message=join_age_reason(age), field="")
    raise ValidationError(join_age_reason(age))
