"""Age, from the ID number: typed numbers, implausible birth dates, children as employees, guardians' consent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from gonghui.core.deadlines import local_date
from gonghui.core.models import AuditEvent, Notification
from gonghui.orgs import ages, rules, services
from gonghui.orgs.models import Enterprise, GuardianConsent, Person
from tests.conftest import PASSWORD
from tests.registry.sheets import people_file, valid_id

DAY = dt.date(2026, 6, 15)


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def number_born(birth: dt.date, region: str = "610104", seq: str = "123") -> str:
    return valid_id(f"{region}{birth:%Y%m%d}{seq}")


def today() -> dt.date:
    return local_date(timezone.now())


# --- the number ---

@pytest.mark.parametrize(("region", "kind"), [("610104", "resident"), ("810000", "hmt_permit"),
                                               ("820000", "hmt_permit"), ("830000", "hmt_permit")])
def test_residence_permits_are_accepted_and_typed(region: str, kind: str) -> None:
    identity = rules.parse_id_number(number_born(dt.date(1990, 3, 15), region))
    assert identity.id_type == kind
    assert identity.birth_date == dt.date(1990, 3, 15)


def test_a_taiwan_resident_id_with_71_stays_a_resident_id_and_an_810001_is_not_a_permit() -> None:
    assert rules.parse_id_number(number_born(dt.date(1990, 3, 15), "710000")).id_type == "resident"
    assert rules.parse_id_number(number_born(dt.date(1990, 3, 15), "810001")).id_type == "resident"


def test_the_2023_foreigners_permanent_residence_card_is_accepted_and_typed() -> None:
    # 9, the province of issue (11 Beijing), the nationality (840), the birth date, sequence, check character.
    identity = rules.parse_id_number(valid_id("911840" + "19850704" + "002"))
    assert identity.id_type == "foreign_pr"
    assert identity.birth_date == dt.date(1985, 7, 4)
    assert identity.gender == "F"
    with pytest.raises(rules.InvalidNumber, match="受理地区码"):
        rules.parse_id_number(valid_id("999840" + "19850704" + "002"))
    with pytest.raises(rules.InvalidNumber, match="校验位"):
        number = valid_id("911840" + "19850704" + "002")
        rules.parse_id_number(number[:-1] + ("0" if number[-1] != "0" else "1"))


def test_an_age_of_120_is_accepted_and_121_refused_with_the_reason() -> None:
    now = rules._today()
    assert rules.parse_id_number(number_born(years_before(now, 120))).birth_date == years_before(now, 120)
    oldest = years_before(now, 121) + dt.timedelta(days=1)  # still 120 today: their 121st birthday is tomorrow
    assert rules.parse_id_number(number_born(oldest)).birth_date == oldest
    with pytest.raises(rules.InvalidNumber, match="超过120周岁"):
        rules.parse_id_number(number_born(years_before(now, 121)))


def test_a_birth_date_in_the_future_is_refused() -> None:
    with pytest.raises(rules.InvalidNumber, match="晚于今天"):
        rules.parse_id_number(number_born(rules._today() + dt.timedelta(days=1)))
    assert rules.parse_id_number(number_born(rules._today())).birth_date == rules._today()


def test_the_date_limits_are_judged_on_the_day_of_each_check_not_the_day_a_number_was_first_parsed() -> None:
    import time_machine

    with time_machine.travel(dt.datetime(2026, 6, 15, 9, tzinfo=dt.UTC), tick=False):
        oldest = number_born(years_before(DAY, 121) + dt.timedelta(days=1))  # 120 today, 121 tomorrow
        unborn = number_born(DAY + dt.timedelta(days=1))
        assert rules.parse_id_number(oldest)
        with pytest.raises(rules.InvalidNumber, match="晚于今天"):
            rules.parse_id_number(unborn)
    with time_machine.travel(dt.datetime(2026, 6, 16, 9, tzinfo=dt.UTC), tick=False):
        with pytest.raises(rules.InvalidNumber, match="超过120周岁"):
            rules.parse_id_number(oldest)
        assert rules.parse_id_number(unborn).birth_date == dt.date(2026, 6, 16)


# --- ages ---

def test_age_goes_up_on_the_birthday_and_a_leap_day_birthday_on_1_march() -> None:
    birth = dt.date(2010, 6, 15)
    assert rules.age_on(birth, dt.date(2026, 6, 14)) == 15
    assert rules.age_on(birth, dt.date(2026, 6, 15)) == 16
    leap = dt.date(2008, 2, 29)
    assert rules.age_on(leap, dt.date(2026, 2, 28)) == 17
    assert rules.age_on(leap, dt.date(2026, 3, 1)) == 18
    assert rules.age_on(leap, dt.date(2028, 2, 29)) == 20


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)), st.integers(0, 120),
       st.integers(0, 400))
def test_age_is_never_decreasing_and_exact_on_birthdays(birth: dt.date, years: int, extra: int) -> None:
    day = years_before(birth, -years) if (birth.month, birth.day) != (2, 29) else dt.date(birth.year + years, 3, 1)
    if (birth.month, birth.day) == (2, 29) and years % 4 == 0:
        day = dt.date(birth.year + years, 2, 29)
    assert rules.age_on(birth, day) == years
    assert rules.age_on(birth, day - dt.timedelta(days=1)) == years - 1 or years == 0
    assert rules.age_on(birth, day + dt.timedelta(days=extra)) >= years


def test_the_boundaries_15y364d_16_13_14_17_18() -> None:
    sixteen = years_before(DAY, 16)
    assert ages.is_child(sixteen + dt.timedelta(days=1), DAY)  # 15 years and 364 days
    assert not ages.is_child(sixteen, DAY)
    assert ages.is_minor_worker(sixteen, DAY)
    assert not ages.is_minor_worker(sixteen + dt.timedelta(days=1), DAY)
    eighteen = years_before(DAY, 18)
    assert ages.is_minor_worker(eighteen + dt.timedelta(days=1), DAY)
    assert not ages.is_minor_worker(eighteen, DAY)
    fourteen = years_before(DAY, 14)
    assert ages.needs_guardian(fourteen + dt.timedelta(days=1), DAY)
    assert not ages.needs_guardian(fourteen, DAY)


# --- services: under 16 as an employee ---

@pytest.fixture
def enterprise(demo_tree) -> Enterprise:  # noqa: ANN001
    return Enterprise.objects.select_related("unit").filter(unit__code="610104001001").order_by("id").first()


def _alerts(*usernames: str) -> dict[str, int]:
    return {u: Notification.objects.filter(recipient__username=u, text__contains="童工预警").count() for u in usernames}


@pytest.mark.django_db
def test_filing_a_15_year_old_as_an_employee_is_refused_kept_nowhere_and_alerts_union_and_street(
        persona, unit, enterprise) -> None:  # noqa: ANN001
    child = number_born(years_before(today(), 16) + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="劳动法第十五条") as refused:
        services.create_person(actor=persona("beiyuanmen"), id_number=child, name="小华", unit=unit("610104001001"),
                               employer=enterprise)
    assert "employer" in refused.value.message_dict
    assert not Person.objects.filter(name="小华").exists()
    assert _alerts("meilihao", "beiyuanmen") == {"meilihao": 1, "beiyuanmen": 1}  # its union, and the street
    event = AuditEvent.objects.filter(object_type="orgs.enterprise", object_id=str(enterprise.pk)).latest("id")
    assert event.changes["child_employment_refused"]["age"] == 15
    assert "小华" not in str(event.changes) and child not in str(event.changes)


@pytest.mark.django_db
def test_a_16_year_old_is_filed_as_an_employee_and_flagged_a_minor_worker_on_the_file_page(
        persona, unit, enterprise, client_for) -> None:  # noqa: ANN001
    person = services.create_person(actor=persona("beiyuanmen"), id_number=number_born(years_before(today(), 16)),
                                    name="小强", unit=unit("610104001001"), employer=enterprise)
    assert person.employer_id == enterprise.pk and person.id_type == "resident"
    assert _alerts("meilihao") == {"meilihao": 0}
    page = client_for("beiyuanmen").get(f"/people/{person.pk}/").content.decode()
    assert "未成年工" in page and "第五十八条" in page
    adult = services.create_person(actor=persona("beiyuanmen"), id_number=number_born(years_before(today(), 18)),
                                   name="大强", unit=unit("610104001001"), employer=enterprise)
    assert "未成年工" not in client_for("beiyuanmen").get(f"/people/{adult.pk}/").content.decode()


@pytest.mark.django_db
def test_making_a_15_year_old_someones_employee_later_is_refused_and_alerted(persona, unit, enterprise) -> None:  # noqa: ANN001
    official = persona("beiyuanmen")
    fifteen = years_before(today(), 15)
    person = services.create_person(actor=official, id_number=number_born(fifteen), name="小军",
                                    unit=unit("610104001001"))
    with pytest.raises(ValidationError, match="劳动法第十五条"):
        services.update_person(actor=official, person=person, employer=enterprise)
    person.refresh_from_db()
    assert person.employer_id is None
    assert _alerts("meilihao") == {"meilihao": 1}


@pytest.mark.django_db
def test_the_api_refuses_a_child_employee_with_422_and_alerts(persona, enterprise) -> None:  # noqa: ANN001
    token = Client().post("/api/v1/auth/token", {"username": "beiyuanmen", "password": PASSWORD},
                          content_type="application/json").json()["token"]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    unit_id = enterprise.unit_id
    child = {"name": "小丽", "id_number": number_born(years_before(today(), 16) + dt.timedelta(days=1)),
             "unit_id": unit_id, "employer_id": enterprise.pk}
    response = api.post("/api/v1/people", child, content_type="application/json")
    assert response.status_code == 422, response.content
    assert "劳动法第十五条" in str(response.json())
    assert _alerts("meilihao") == {"meilihao": 1}
    ok = dict(child, id_number=number_born(years_before(today(), 16), seq="124"))
    response = api.post("/api/v1/people", ok, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["employer_id"] == enterprise.pk and response.json()["id_type"] == "resident"


@pytest.mark.django_db
def test_the_import_refuses_child_employees_and_children_under_14_and_alerts_once(
        tmp_path, persona, unit, enterprise, run_queue) -> None:  # noqa: ANN001
    from gonghui.orgs import imports

    rows = [{"姓名": "小一", "身份证号": number_born(years_before(today(), 16) + dt.timedelta(days=1), seq="111"),
             "工作单位信用代码": enterprise.credit_code},
            {"姓名": "小二", "身份证号": number_born(years_before(today(), 15), seq="112"),
             "工作单位信用代码": enterprise.credit_code},
            {"姓名": "小三", "身份证号": number_born(years_before(today(), 14) + dt.timedelta(days=1), seq="113")},
            {"姓名": "十六", "身份证号": number_born(years_before(today(), 16), seq="114"),
             "工作单位信用代码": enterprise.credit_code},
            {"姓名": "十四", "身份证号": number_born(years_before(today(), 14), seq="115")}]
    path = people_file(tmp_path / "p.xlsx", rows)
    source = imports.save_upload(iter([path.read_bytes()]), path.name)
    job = run_queue(lambda: imports.start_import(actor=persona("beiyuanmen"), kind="people.import",
                                                 unit=unit("610104001001"), source=source, source_name=path.name,
                                                 mode="commit", accept_clean=True))
    job.refresh_from_db()
    reasons = " ".join(p["reason"] if "reason" in p else str(p) for p in job.problems)
    assert "劳动法第十五条" in reasons and "个人信息保护法第三十一条" in reasons
    assert set(Person.objects.filter(name__in=["小一", "小二", "小三", "十六", "十四"]).values_list("name", flat=True)) \
        == {"十六", "十四"}
    assert _alerts("meilihao", "beiyuanmen") == {"meilihao": 1, "beiyuanmen": 1}  # one alert for the two rows
    assert "2名" in Notification.objects.filter(recipient__username="meilihao", text__contains="童工预警").get().text


# --- services: under 14 needs a guardian's consent ---

@pytest.mark.django_db
def test_a_13_year_old_is_not_filed_without_a_guardian_and_is_with_one(persona, unit) -> None:  # noqa: ANN001
    official = persona("beiyuanmen")
    thirteen = number_born(years_before(today(), 14) + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="个人信息保护法第三十一条"):
        services.create_person(actor=official, id_number=thirteen, name="小小", unit=unit("610104001001"))
    with pytest.raises(ValidationError, match="同意的日期"):
        services.create_person(actor=official, id_number=thirteen, name="小小", unit=unit("610104001001"),
                               guardian=ages.Guardian(name="王母", relation="mother", consented_on=None))
    assert not Person.objects.filter(name="小小").exists()
    person = services.create_person(actor=official, id_number=thirteen, name="小小", unit=unit("610104001001"),
                                    guardian=ages.Guardian(name="王母", relation="mother", consented_on=today()))
    consent = GuardianConsent.objects.get(person=person)
    assert (consent.guardian_name, consent.relation, consent.recorded_by) == ("王母", "mother", official)
    assert AuditEvent.objects.filter(object_type="orgs.person", object_id=str(person.pk),
                                     changes__has_key="guardian_consent").exists()


@pytest.mark.django_db
def test_a_14_year_old_needs_no_guardian_and_none_is_kept(persona, unit) -> None:  # noqa: ANN001
    person = services.create_person(actor=persona("beiyuanmen"), id_number=number_born(years_before(today(), 14)),
                                    name="十四岁", unit=unit("610104001001"),
                                    guardian=ages.Guardian(name="王父", relation="father", consented_on=today()))
    assert not GuardianConsent.objects.filter(person=person).exists()


@pytest.mark.django_db
def test_a_service_desk_never_opens_a_file_for_a_child_under_14(persona, unit) -> None:  # noqa: ANN001
    with pytest.raises(ValidationError, match="个人信息保护法第三十一条"):
        services.file_for_service(actor=persona("beiyuanmen"), id_number=number_born(years_before(today(), 10)),
                                  name="小孩", unit=unit("610104001001"), purpose="测试")
    assert not Person.objects.filter(name="小孩").exists()


@pytest.mark.django_db
def test_the_form_page_records_the_guardian(persona, unit, client_for) -> None:  # noqa: ANN001
    client = client_for("beiyuanmen")
    target = unit("610104001001")
    data = {"name": "页页", "id_number": number_born(years_before(today(), 12)), "unit": target.pk,
            "membership": "non_member", "basis": "duty"}
    response = client.post("/people/new/", data)
    assert response.status_code == 200 and "第三十一条" in response.content.decode()
    assert not Person.objects.filter(name="页页").exists()
    response = client.post("/people/new/", dict(data, guardian_name="页母", guardian_relation="mother",
                                                           guardian_consented_on=today().isoformat()))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert GuardianConsent.objects.filter(person__name="页页", guardian_name="页母").exists()


@pytest.mark.django_db
def test_the_api_records_a_guardians_consent_for_a_child_and_refuses_without_one(enterprise) -> None:  # noqa: ANN001
    token = Client().post("/api/v1/auth/token", {"username": "beiyuanmen", "password": PASSWORD},
                          content_type="application/json").json()["token"]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    child = {"name": "接口娃", "id_number": number_born(years_before(today(), 10), seq="131"),
             "unit_id": enterprise.unit_id}
    response = api.post("/api/v1/people", child, content_type="application/json")
    assert response.status_code == 422 and "第三十一条" in str(response.json())
    response = api.post("/api/v1/people", dict(child, guardian_name="接口母", guardian_relation="mother",
                                                guardian_consented_on=today().isoformat()),
                        content_type="application/json")
    assert response.status_code == 201, response.content
    assert GuardianConsent.objects.filter(person_id=response.json()["id"], guardian_name="接口母").exists()


@pytest.mark.django_db
def test_correcting_an_employees_id_number_to_a_15_year_olds_is_refused_and_alerted(persona, unit, enterprise) -> None:  # noqa: ANN001
    official = persona("beiyuanmen")
    person = services.create_person(actor=official, id_number=number_born(years_before(today(), 30), seq="141"),
                                    name="改号", unit=unit("610104001001"), employer=enterprise)
    with pytest.raises(ValidationError, match="劳动法第十五条"):
        services.correct_identity(actor=official, person=person, reason="录错",
                                  id_number=number_born(years_before(today(), 15), seq="141"))
    person.refresh_from_db()
    assert person.birth_date == years_before(today(), 30)
    assert _alerts("meilihao") == {"meilihao": 1}
