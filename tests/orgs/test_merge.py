"""Person merges: every app declares what it holds on a person (core.merges), and the merge moves it."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from gonghui.core import merges
from gonghui.core.models import AuditEvent
from gonghui.orgs import services
from gonghui.orgs.models import Person


def person_fields() -> set[str]:
    """Every field of every model that points at a person's file (reflection in the test only)."""
    found = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if field.is_relation and field.concrete and field.related_model is Person:
                found.add(f"{model._meta.app_label}.{model.__name__}.{field.name}")
    return found


def test_every_field_that_points_at_a_person_is_claimed_by_a_merge_holder() -> None:
    """A new model with a person on it and no holder fails here: its rows would stay on the duplicate."""
    unclaimed = person_fields() - merges.claimed_fields()
    assert not unclaimed, f"no merge holder claims {sorted(unclaimed)} (register it in the app's ready())"
    assert not merges.claimed_fields() - person_fields()  # no claim names a field that is gone


def test_the_ledger_payee_is_a_real_reference_kept_in_place() -> None:
    assert "core.PaymentEntry.payee_person" in person_fields()
    assert any("core.PaymentEntry.payee_person" in h.kept for h in merges.holders())


@pytest.mark.django_db
def test_a_merge_moves_each_apps_records_and_audits_the_counts(persona) -> None:  # noqa: ANN001
    from gonghui.orgs.models import Consent

    people = list(Person.objects.filter(unit__code__startswith="610104001", user__isnull=True, merged_into__isnull=True,
                                        memberships__isnull=True, isolations__isnull=True).order_by("id")[:3])
    keep, duplicate, earlier = people
    Consent.objects.create(person=duplicate, purpose="relief", wording_version="t", channel=Consent.Channel.values[0])
    services.merge_people(actor=persona("beiyuanmen"), keep=duplicate, duplicate=earlier, reason="同一人")
    services.merge_people(actor=persona("beiyuanmen"), keep=keep, duplicate=duplicate, reason="同一人")
    assert Consent.objects.filter(person=keep).exists() and not Consent.objects.filter(person=duplicate).exists()
    # A file merged before into the duplicate now names the kept file: one step from any file to the person.
    assert Person.objects.get(pk=earlier.pk).merged_into_id == keep.pk
    event = AuditEvent.objects.filter(object_id=str(keep.pk), changes__merged_from=duplicate.pk).get()
    assert event.changes["moved"]["orgs.Consent.person"] == 1
    assert event.changes["moved"]["orgs.Person.merged_into"] == 1
    with pytest.raises(ValidationError):
        services.merge_people(actor=persona("beiyuanmen"), keep=keep, duplicate=earlier, reason="again")
