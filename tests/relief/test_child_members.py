"""A household member under 14 is recorded only with the consenting guardian (个人信息保护法 第三十一条)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from gonghui.orgs.models import Person
from gonghui.relief import services
from gonghui.relief.models import HardshipFile, HouseholdMember

pytestmark = pytest.mark.django_db


def _free_person() -> Person:
    return Person.objects.filter(unit__code="610104001001", hardship_files__isnull=True, user__isnull=True) \
        .order_by("id").first()


def _members(person: Person, child_age: int, **guardian: str) -> list[services.MemberData]:
    return [services.MemberData(name=person.name, relation="本人", age=40, monthly_income=Decimal("1000")),
            services.MemberData(name="小雨", relation="子女", age=child_age, **guardian)]


def test_a_13_year_old_member_without_a_guardian_is_refused_and_nothing_is_kept(persona) -> None:  # noqa: ANN001
    person = _free_person()
    with pytest.raises(ValidationError, match="个人信息保护法第三十一条"):
        services.open_file(actor=persona("beiyuanmen"), person=person, members=_members(person, 13))
    with pytest.raises(ValidationError, match="第三十一条"):  # a relation outside the list is no consent
        services.open_file(actor=persona("beiyuanmen"), person=person,
                           members=_members(person, 13, guardian_name="王秀兰", guardian_relation="邻居"))
    assert not HardshipFile.objects.filter(person=person).exists()
    assert not HouseholdMember.objects.filter(name="小雨", file__person=person).exists()


def test_a_13_year_old_member_with_a_guardian_is_kept_with_the_consent(persona) -> None:  # noqa: ANN001
    person = _free_person()
    file = services.open_file(actor=persona("beiyuanmen"), person=person,
                              members=_members(person, 13, guardian_name="王秀兰", guardian_relation="母亲"))
    child = HouseholdMember.objects.get(file=file, name="小雨")
    assert (child.guardian_name, child.guardian_relation) == ("王秀兰", "母亲")


def test_a_14_year_old_member_needs_no_guardian_and_none_is_stored(persona) -> None:  # noqa: ANN001
    person = _free_person()
    file = services.open_file(actor=persona("beiyuanmen"), person=person,
                              members=_members(person, 14, guardian_name="王秀兰", guardian_relation="母亲"))
    child = HouseholdMember.objects.get(file=file, name="小雨")
    assert (child.guardian_name, child.guardian_relation) == ("", "")


def test_the_file_form_asks_for_the_guardian(persona, client_for) -> None:  # noqa: ANN001
    person = _free_person()
    page = client_for("beiyuanmen").get(f"/relief/files/new/?person={person.pk}").content.decode()
    assert 'name="member_guardian_name"' in page and "母亲" in page
