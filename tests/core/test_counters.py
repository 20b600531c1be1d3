"""One counter for every document number: consecutive, seeded from the numbers already used, safe in parallel."""

from __future__ import annotations

import os
import threading

import pytest
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from gonghui.core import counters
from gonghui.core.models import DocumentCounter


@pytest.mark.django_db
def test_a_series_starts_after_its_highest_number_and_counts_on() -> None:
    with transaction.atomic():
        assert [counters.next_serial("test:A", seed=lambda: 41) for _ in range(3)] == [42, 43, 44]
        assert counters.next_serial("test:B", seed=lambda: 0) == 1  # each series its own


@pytest.mark.django_db
def test_a_rolled_back_document_gives_its_number_back() -> None:
    with transaction.atomic():
        counters.next_serial("test:C", seed=lambda: 0)
    with pytest.raises(RuntimeError), transaction.atomic():
        counters.next_serial("test:C", seed=lambda: 0)
        raise RuntimeError("the document was not written")
    with transaction.atomic():
        assert counters.next_serial("test:C", seed=lambda: 0) == 2


@pytest.mark.django_db
def test_a_number_is_taken_only_inside_the_documents_transaction() -> None:
    from django.db import connection as conn

    # pytest-django's test transaction is an atomic block; step outside it as a view without ATOMIC would be.
    conn.in_atomic_block, saved = False, conn.in_atomic_block
    try:
        with pytest.raises(counters.CounterOutsideTransaction):
            counters.next_serial("test:D", seed=lambda: 0)
    finally:
        conn.in_atomic_block = saved


def test_a_serial_is_read_from_ascii_digits_only() -> None:
    assert counters.serial_of("TJ2026000123", "TJ2026") == 123
    assert counters.serial_of(None, "TJ2026") == 0
    assert counters.serial_of("TJ2026００１", "TJ2026") == 0


@pytest.mark.django_db
def test_membership_numbers_follow_the_highest_used_and_are_consecutive(persona, unit) -> None:  # noqa: ANN001
    from gonghui.membership import services
    from gonghui.membership.models import Membership
    from gonghui.orgs.models import Person

    street = unit("610104001001")
    today = timezone.localdate()
    prefix = f"{street.province.code[:4]}{today.year}"
    people = list(Person.objects.exclude(Exists(Membership.objects.filter(
        person=OuterRef("pk"), ended_on__isnull=True))).filter(unit__code__startswith="6101").order_by("id")[:3])
    top = Membership.objects.filter(number__startswith=prefix).order_by("-number").first()
    DocumentCounter.objects.filter(key=f"membership:{prefix}").delete()  # as on a database from before the counter
    made = [services._open_membership(actor=persona("admin"), person=p, unit=street, since=today) for p in people]
    first = counters.serial_of(top.number if top else None, prefix) + 1
    assert [m.number for m in made] == [f"{prefix}{n:06d}" for n in range(first, first + 3)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="real parallel transactions need PostgreSQL (`make test` runs it there too)")
def test_twenty_memberships_opened_at_once_all_get_consecutive_numbers(persona, unit) -> None:  # noqa: ANN001
    from gonghui.membership import services
    from gonghui.membership.models import Membership
    from gonghui.orgs.models import Person

    street = unit("610104001001")
    today = timezone.localdate()
    prefix = f"{street.province.code[:4]}{today.year}"
    people = list(Person.objects.filter(unit__code__startswith="610104", merged_into__isnull=True).order_by("id")[:20])
    # Twenty people who are not members now (their memberships ended), joining at once.
    Membership.objects.filter(person__in=people, ended_on__isnull=True).update(status="ended", ended_on=today)
    assert len(people) == 20
    before = Membership.objects.filter(number__startswith=prefix).count()
    start = threading.Barrier(len(people))
    outcomes: list[object] = []
    admin = persona("admin")

    def open_one(person: Person) -> None:
        try:
            start.wait(timeout=20)
            outcomes.append(services._open_membership(actor=admin, person=person, unit=street, since=today))
        except Exception as error:  # noqa: BLE001 - counted below
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=open_one, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert [o for o in outcomes if not isinstance(o, Membership)] == []
    numbers = sorted(m.number for m in outcomes if isinstance(m, Membership))
    serials = [int(n[len(prefix):]) for n in numbers]
    assert len(set(numbers)) == 20 and serials == list(range(serials[0], serials[0] + 20))
    assert Membership.objects.filter(number__startswith=prefix).count() == before + 20
