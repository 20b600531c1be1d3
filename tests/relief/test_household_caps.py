"""A household is its members: spouses with files of their own share one household's caps and one-off grants,
matched by the ID hash of their members; the trace says which file's payments counted. And the shipped caps."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from gonghui.core.crypto import lookup_hash
from gonghui.orgs.models import Person
from gonghui.relief import policies, services
from gonghui.relief.models import HardshipFile, HouseholdMember, Policy
from gonghui.relief.services import caps
from tests.relief.test_applications import approve_all, submit

D = Decimal
UNIT = "610104001001"


def _free_people(n: int) -> list[Person]:
    people = list(Person.objects.filter(unit__code=UNIT, hardship_files__isnull=True, user__isnull=True)
                  .order_by("id")[:n])
    assert len(people) == n
    return people


def _file(persona, person: Person, spouse: Person | None, spouse_id: str = "") -> HardshipFile:  # noqa: ANN001
    members = [services.MemberData(name=person.name, relation="本人", age=40, monthly_income=D("500")),
               services.MemberData(name=spouse.name if spouse else "配偶", relation="配偶", age=41,
                                   monthly_income=D("500"),
                                   id_number=spouse_id or (spouse.id_number if spouse else ""))]
    file = services.open_file(actor=persona("admin"), person=person, members=members)
    return services.confirm_category(actor=persona("admin"), file=file, category="deep", reason="测试认定")


@pytest.mark.django_db
def test_the_member_id_hash_is_computed_as_a_registry_persons(persona) -> None:  # noqa: ANN001
    husband, wife = _free_people(2)
    file = _file(persona, husband, wife)
    me, spouse = file.members.order_by("id")
    assert spouse.id_hash == wife.id_hash == lookup_hash(wife.id_number, "id")
    assert spouse.id_number == wife.id_number  # sealed at rest like the registry's
    assert me.id_hash == husband.id_hash  # 本人: the file's own person
    assert caps.household_keys(file) == {husband.id_hash, wife.id_hash}


@pytest.mark.django_db
def test_a_bad_member_id_number_is_refused_with_the_reason(persona) -> None:  # noqa: ANN001
    (person,) = _free_people(1)
    with pytest.raises(ValidationError, match="第 2 位家庭成员的身份证号"):
        _file(persona, person, None, spouse_id="61010419900101123")  # 17 characters
    assert not HardshipFile.objects.filter(person=person).exists()


@pytest.mark.django_db
def test_spouses_with_files_of_their_own_share_the_yearly_cap(persona) -> None:  # noqa: ANN001
    husband, wife, stranger = _free_people(3)
    his = _file(persona, husband, wife)
    hers = _file(persona, wife, None)  # her file does not even name him: his names her
    theirs = _file(persona, stranger, None)
    assert [f.pk for f in caps.household_files(hers)] == [hers.pk, his.pk]
    approve_all(submit(his, self_paid="49000"), persona)  # 49,000 of the household's 50,000
    shared = submit(hers, self_paid="300000")
    assert shared.amount == D("1000.00")
    assert any(f"#{his.pk}（{husband.name}，同户档案） 49,000.00 元" in line for line in shared.trace)
    assert any("同一家庭的档案" in line for line in shared.trace)
    alone = submit(theirs, self_paid="300000")  # another household: its own 50,000
    assert alone.amount == D("50000.00")
    assert not any("同户档案" in line for line in alone.trace)


@pytest.mark.django_db
def test_the_household_gets_a_one_off_grant_once_whichever_file_applies(persona) -> None:  # noqa: ANN001
    husband, wife, stranger = _free_people(3)
    his = _file(persona, husband, wife)
    hers = _file(persona, wife, husband)
    grant = Policy.objects.get(code="epidemic-grant-1000")
    approve_all(submit(his, code="epidemic-grant-1000"), persona)
    with pytest.raises(ValidationError, match="限领一次"):
        submit(hers, code="epidemic-grant-1000")
    quote = services.quote_policy(code=grant.code, facts={}, file=hers)
    assert not quote.eligible and any(f"#{his.pk}" in line for line in quote.trace)
    assert submit(_file(persona, stranger, None), code="epidemic-grant-1000").amount == D("1000.00")


@pytest.mark.django_db
def test_a_member_without_an_id_number_joins_no_other_household(persona) -> None:  # noqa: ANN001
    husband, wife = _free_people(2)
    his = _file(persona, husband, None)  # spouse named, ID number not given
    hers = _file(persona, wife, None)
    assert caps.household_files(his) == [his]
    approve_all(submit(his, self_paid="49000"), persona)
    assert submit(hers, self_paid="300000").amount == D("50000.00")
    assert HouseholdMember.objects.filter(file=his, relation="配偶", id_hash="").exists()


def test_the_shipped_caps_follow_the_seed() -> None:
    shipped = {item["code"]: item["spec"]["caps"] for item in policies.SHIPPED}
    yearly = {code: [(c.get("group"), c.get("value") or c.get("formula")) for c in cs
                     if c["kind"] == "per_household_year"] for code, cs in shipped.items()}
    assert yearly == {"cq-temp-acute": [("cq-temp-acute", "50000")],
                      "cq-temp-outpatient": [("cq-temp-outpatient", "18 * dibao_monthly")],
                      "cq-temp-other": [], "epidemic-grant-1000": []}
    assert shipped["cq-temp-other"] == [{"kind": "per_application", "value": "2000"}]  # per event, no lifetime limit
    assert [c["kind"] for c in shipped["epidemic-grant-1000"]] == ["once_per_campaign"]


@pytest.mark.django_db
def test_the_migration_corrected_the_shipped_versions() -> None:
    from gonghui.relief.models import PolicyVersion

    for item in policies.SHIPPED:
        version = PolicyVersion.objects.get(policy__code=item["code"], number=1)
        assert version.spec["caps"] == item["spec"]["caps"], item["code"]


@pytest.mark.django_db
def test_the_migration_corrects_a_version_still_holding_the_old_caps_and_leaves_an_officials_own(persona) -> None:  # noqa: ANN001
    import importlib

    from django.apps import apps as django_apps

    from gonghui.relief.models import PolicyVersion

    migration = importlib.import_module("gonghui.relief.migrations.0005_household_caps")
    other = PolicyVersion.objects.get(policy__code="cq-temp-other", number=1)
    PolicyVersion.objects.filter(pk=other.pk).update(
        spec={**other.spec, "caps": policies.SHIPPED_BEFORE_0005["cq-temp-other"]})
    acute = PolicyVersion.objects.get(policy__code="cq-temp-acute", number=1)
    own = {**acute.spec, "caps": [{"kind": "per_household_year", "value": "40000", "group": "cq-temp"}]}
    PolicyVersion.objects.filter(pk=acute.pk).update(spec=own)
    migration.correct_shipped_caps(django_apps, None)
    other.refresh_from_db()
    acute.refresh_from_db()
    assert other.spec["caps"] == [{"kind": "per_application", "value": "2000"}]
    assert acute.spec == own  # an official's own caps: theirs to change
