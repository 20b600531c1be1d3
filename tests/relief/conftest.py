"""Relief fixtures: a fresh household file in a named grassroots union, and the reviewers of 北院门."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from gonghui.orgs import services as orgs_services
from gonghui.orgs.models import Person, User
from gonghui.relief import services
from gonghui.relief.models import HardshipFile

ADMIN = "admin"


@pytest.fixture
def household(persona: Callable[[str], User]) -> Callable[..., HardshipFile]:
    """A new 在档 file (category confirmed) for a registry person of the unit who has none yet."""

    def make(code: str = "610104001001", wage: str = "1000", spouse: str = "600", category: str = "deep",
             bank: str = "", verified: bool = True) -> HardshipFile:
        """With `bank`, the account is recorded on the person's file and (unless `verified=False`) verified by the
        district's official, as the union does before any payment."""
        person = (Person.objects.filter(unit__code=code, hardship_files__isnull=True, user__isnull=True)
                  .order_by("id").first())
        assert person is not None, f"no free person left in {code}"
        if bank:
            person = orgs_services.update_person(actor=persona(ADMIN), person=person, bank_account=bank)
            if verified:
                services.verify_payee_account(actor=persona("lianhu"), person=person, how="本人持卡到场核对")
        file = services.open_file(actor=persona(ADMIN), person=person, members=[
            services.MemberData(name=person.name, relation="本人", age=40, monthly_income=Decimal(wage)),
            services.MemberData(name="配偶", relation="配偶", age=41, monthly_income=Decimal(spouse)),
        ])
        return services.confirm_category(actor=persona(ADMIN), file=file, category=category, reason="测试认定")

    return make


@pytest.fixture(autouse=True)
def _funded(request: pytest.FixtureRequest) -> None:
    """北院门 gets ample funds for every policy (this year and 2026, the year time-travelling tests use)."""
    if "demo_tree" not in request.fixturenames and "persona" not in request.fixturenames:
        return
    from datetime import date

    from gonghui.orgs.models import Unit
    from gonghui.relief.models import Policy

    persona = request.getfixturevalue("persona")
    street = Unit.objects.get(code="610104001")
    for year in {date.today().year, 2026}:  # noqa: DTZ011 - the year of the test run
        for policy in Policy.objects.all():
            services.move_budget(actor=persona(ADMIN), unit=street, policy=policy, year=year, amount="1000000",
                                 kind="top_up", note="测试资金")
