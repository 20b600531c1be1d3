"""Joining and age: under 16 refused; at the statutory retirement age flagged; the 工会法 第三条 question."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from gonghui.core.deadlines import local_date
from gonghui.membership import rules, services
from gonghui.orgs import services as orgs_services
from gonghui.orgs.models import Enterprise
from tests.registry.sheets import valid_id

pytestmark = pytest.mark.django_db


def _today() -> dt.date:
    return local_date(timezone.now())


def _born(birth: dt.date, seq: str = "123") -> str:  # the 17th digit 3 is odd: a man
    return valid_id(f"610104{birth:%Y%m%d}{seq}")


# --- the schedule (rules) ---

@pytest.mark.parametrize(("category", "birth", "months"), [
    (rules.MEN, dt.date(1964, 12, 31), 720), (rules.MEN, dt.date(1965, 1, 1), 721),
    (rules.MEN, dt.date(1965, 4, 30), 721), (rules.MEN, dt.date(1965, 5, 1), 722),
    (rules.MEN, dt.date(1976, 8, 31), 755), (rules.MEN, dt.date(1976, 9, 1), 756), (rules.MEN, dt.date(1990, 1, 1), 756),
    (rules.WOMEN_CADRE, dt.date(1969, 12, 31), 660), (rules.WOMEN_CADRE, dt.date(1970, 1, 1), 661),
    (rules.WOMEN_CADRE, dt.date(1981, 9, 1), 696),
    (rules.WOMEN_WORKER, dt.date(1974, 12, 31), 600), (rules.WOMEN_WORKER, dt.date(1975, 1, 1), 601),
    (rules.WOMEN_WORKER, dt.date(1975, 3, 1), 602), (rules.WOMEN_WORKER, dt.date(1984, 10, 31), 659),
    (rules.WOMEN_WORKER, dt.date(1984, 11, 1), 660),
])
def test_the_retirement_age_schedule(category: str, birth: dt.date, months: int) -> None:
    assert rules.retirement_age_months(birth, category) == months


@given(st.sampled_from(list(rules.SCHEDULES)), st.dates(min_value=dt.date(1940, 1, 1), max_value=dt.date(2010, 12, 31)),
       st.integers(1, 400))
def test_the_retirement_age_never_decreases_with_the_birth_month_and_stays_within_bounds(
        category: str, birth: dt.date, later_days: int) -> None:
    schedule = rules.SCHEDULES[category]
    age = rules.retirement_age_months(birth, category)
    assert schedule.base_years * 12 <= age <= schedule.final_months
    assert rules.retirement_age_months(birth + dt.timedelta(days=later_days), category) >= age
    assert rules.retirement_date(birth, category) >= birth


def test_the_retirement_age_is_reached_on_the_exact_day_not_the_day_before() -> None:
    birth = dt.date(1965, 3, 15)  # 60 years and 1 month: 15 April 2025
    assert rules.retirement_date(birth, rules.MEN) == dt.date(2025, 4, 15)
    assert rules.has_reached_retirement_age(birth, rules.MEN, dt.date(2025, 4, 15))
    assert not rules.has_reached_retirement_age(birth, rules.MEN, dt.date(2025, 4, 14))
    # the month of the birthday clamps: born 31 October 1966 (60 years 6 months) reaches it on 30 April 2027
    assert rules.retirement_date(dt.date(1966, 10, 31), rules.MEN) == dt.date(2027, 4, 30)


# --- applications ---

@pytest.fixture
def enterprise() -> Enterprise:
    return Enterprise.objects.select_related("unit").filter(unit__code="610104001001").order_by("id").first()


def _file(persona, unit, birth: dt.date, name: str, seq: str = "123"):  # noqa: ANN001, ANN202
    return orgs_services.create_person(actor=persona("beiyuanmen"), id_number=_born(birth, seq), name=name,
                                       unit=unit("610104001001"))


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def test_an_applicant_of_15_years_364_days_is_refused_and_of_16_accepted(persona, unit, enterprise) -> None:  # noqa: ANN001
    sixteen = _years_before(_today(), 16)
    young = _file(persona, unit, sixteen + dt.timedelta(days=1), "差一天")
    with pytest.raises(ValidationError, match="未满16周岁"):
        services.apply_to_join(actor=persona("beiyuanmen"), person=young, employer=enterprise, consent=True)
    old_enough = _file(persona, unit, sixteen, "满十六", seq="125")
    application = services.apply_to_join(actor=persona("beiyuanmen"), person=old_enough, employer=enterprise,
                                         consent=True, wages_main_source=True)
    assert not application.over_retirement_age and application.wages_main_source is True


def _birth_reaching_today(category: str) -> dt.date:
    """A birth date whose statutory retirement age is reached exactly today."""
    today = _today()
    for months in range(rules.SCHEDULES[category].base_years * 12, rules.SCHEDULES[category].final_months + 1):
        birth = rules.add_months_clamped(today, -months)
        if rules.retirement_date(birth, category) == today:
            return birth
    raise AssertionError("no birth date reaches it today")


def test_an_applicant_reaching_the_retirement_age_today_is_flagged_and_one_a_day_younger_is_not(
        persona, unit, enterprise) -> None:  # noqa: ANN001
    birth = _birth_reaching_today(rules.MEN)
    today_man = _file(persona, unit, birth, "今天退休")
    application = services.apply_to_join(actor=persona("beiyuanmen"), person=today_man, employer=enterprise,
                                         consent=True, wages_main_source=True)
    assert application.over_retirement_age
    assert "法定退休年龄" in application.age_note and "保留会籍" in application.age_note
    younger = _file(persona, unit, birth + dt.timedelta(days=1), "明天退休", seq="125")
    if rules.retirement_date(younger.birth_date, rules.MEN) > _today():
        application = services.apply_to_join(actor=persona("beiyuanmen"), person=younger, employer=enterprise,
                                             consent=True)
        assert not application.over_retirement_age and application.age_note == ""


def test_a_woman_is_flagged_at_the_earlier_of_the_two_former_ages(persona, unit, enterprise) -> None:  # noqa: ANN001
    birth = _birth_reaching_today(rules.WOMEN_WORKER)
    woman = _file(persona, unit, birth, "女工人", seq="124")  # the 17th digit 4 is even: a woman
    application = services.apply_to_join(actor=persona("beiyuanmen"), person=woman, employer=enterprise, consent=True,
                                         wages_main_source=False)
    assert application.over_retirement_age
    assert "原法定退休年龄50周岁" in application.age_note and "原法定退休年龄55周岁" in application.age_note
    assert "工资收入不是其主要生活来源" in application.age_note


def test_the_joining_form_asks_the_wages_question_quoting_the_article(persona, enterprise) -> None:  # noqa: ANN001
    page = Client().get("/membership/join/").content.decode()
    assert "工资收入是否是您的主要生活来源" in page
    assert ("在中国境内的企业、事业单位、机关、社会组织（以下统称用人单位）中以工资收入为主要生活来源的劳动者，"
            "不分民族、种族、性别、职业、宗教信仰、教育程度，都有依法参加和组织工会的权利。") in page
    assert 'name="wages_main_source" value="yes"' in page and 'name="wages_main_source" value="no"' in page


def test_a_child_joining_online_and_naming_an_employer_is_refused_kept_nowhere_and_alerted(enterprise) -> None:  # noqa: ANN001
    from gonghui.core.models import Notification
    from gonghui.orgs.models import Person
    from tests.identity_helpers import code_for

    phone = "13712349876"
    code = code_for(phone, "join")
    with pytest.raises(ValidationError, match="未满16周岁"):
        services.join_online(name="童工", id_number=_born(_years_before(_today(), 15)), phone=phone, code=code,
                             employer=enterprise, consent=True, wages_main_source=True)
    assert not Person.objects.filter(name="童工").exists()
    assert Notification.objects.filter(recipient__username="meilihao", text__contains="童工预警").count() == 1
