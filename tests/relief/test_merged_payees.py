"""Money is never paid twice across a merge: a grant paid to one file of a person counts for the file it is
merged into, and the yearly cap adds up both files."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from gonghui.core import ledger
from gonghui.core.models import AccountVerification, PaymentEntry
from gonghui.orgs import services as orgs_services
from gonghui.orgs.models import Person
from gonghui.relief import services
from gonghui.relief.models import Application, Policy
from gonghui.relief.services.caps import household_facts
from tests.relief.test_applications import approve_all, submit

GRANT = "epidemic-grant-1000"


def merged(persona, keep: Person, duplicate: Person) -> Person:  # noqa: ANN001
    """(The demo's people are members: the duplicate's membership is ended first, as the union would.)"""
    from gonghui.membership.models import Membership
    from gonghui.reports.models import Isolation

    Membership.objects.filter(person=duplicate, ended_on__isnull=True).update(ended_on=date(2026, 1, 1), status="ended")
    Isolation.objects.filter(person=duplicate).delete()
    return orgs_services.merge_people(actor=persona("beiyuanmen"), keep=keep, duplicate=duplicate,
                                      reason="身份证号录错，同一人")


@pytest.mark.django_db
def test_a_grant_paid_to_the_duplicate_is_not_paid_again_to_the_kept_file(persona, unit, run_queue,
                                                                          household) -> None:  # noqa: ANN001
    keep = household(bank="6222020200112238881")
    duplicate = household(bank="6222020200112238882")
    services.exit_file(actor=persona("beiyuanmen"), file=duplicate, status="exited", reason="同一人的第二份档案")
    paid, _created = ledger.post_payment(
        actor=persona("beiyuanmen"), key=f"grant:{GRANT}:{duplicate.person_id}", payee_person_id=duplicate.person_id,
        payee_name=duplicate.person.name, bank_account=duplicate.person.bank_account, amount=Decimal("1000"),
        purpose_code=GRANT, unit=duplicate.unit)
    street = unit("610104001")
    before = services.preview_batch(actor=persona("beiyuanmen"), unit=street, policy=Policy.objects.get(code=GRANT))
    merged(persona, keep.person, duplicate.person)
    paid.refresh_from_db()
    assert paid.payee_person_id == duplicate.person_id  # the ledger keeps whom it paid
    after = services.preview_batch(actor=persona("beiyuanmen"), unit=street, policy=Policy.objects.get(code=GRANT))
    assert after.preview_count == before.preview_count - 1  # the kept file counts as paid
    run_queue(lambda: services.approve_batch(actor=persona("lianhu"), batch=after))
    assert not PaymentEntry.objects.filter(purpose_code=GRANT, payee_person_id=keep.person_id).exists()
    assert PaymentEntry.objects.filter(purpose_code=GRANT).count() == 1 + after.preview_count
    # An application's once-per-campaign check sees the grant too.
    version = Policy.objects.get(code=GRANT).versions.order_by("-effective_from").first()
    _yearly, once, notes = household_facts(keep, version, day=date.today())  # noqa: DTZ011 - the run's day
    assert once == {GRANT: "1000.00"}


@pytest.mark.django_db
def test_the_yearly_cap_sees_what_both_files_received(household, persona) -> None:  # noqa: ANN001
    duplicate = household(wage="500", spouse="500")  # 12,000 a year: 50,000 a year at most
    first = approve_all(submit(duplicate, self_paid="40000"), persona)
    assert first.amount == Decimal("40000.00")
    services.exit_file(actor=persona("beiyuanmen"), file=duplicate, status="exited", reason="同一人的第二份档案")
    keep = household(wage="500", spouse="500")
    assert submit(keep, self_paid="40000").amount == Decimal("40000.00")  # two people: each has the cap
    Application.objects.filter(file=keep).update(state=Application.State.REJECTED)
    merged(persona, keep.person, duplicate.person)
    assert submit(keep, self_paid="40000").amount == Decimal("10000.00")  # one person: 10,000 left this year


@pytest.mark.django_db
def test_the_duplicates_verified_account_is_verified_on_the_kept_file(household, persona) -> None:  # noqa: ANN001
    keep = household()
    duplicate = household(bank="6222020200112238883")
    services.exit_file(actor=persona("beiyuanmen"), file=duplicate, status="exited", reason="同一人的第二份档案")
    merged(persona, keep.person, duplicate.person)
    assert ledger.is_verified(keep.person_id, "6222020200112238883")
    assert ledger.is_verified(duplicate.person_id, "6222020200112238883")  # its own entries may be re-issued
    assert AccountVerification.objects.filter(person_id_ref=keep.person_id).count() == 1
