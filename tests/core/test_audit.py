from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from gonghui.core import audit
from gonghui.core.models import AppendOnlyError, AuditEvent

pytestmark = pytest.mark.django_db


def _event(**kwargs) -> AuditEvent:  # noqa: ANN003
    return audit.record(actor=None, action=audit.Action.UPDATE, object_repr="probe", **kwargs)


def test_entries_cannot_be_changed_or_deleted_through_the_orm() -> None:
    event = _event()
    event.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_the_database_refuses_updates_and_young_deletes() -> None:
    event = _event()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET reason = 'x' WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, reason="").exists()


def test_purge_removes_only_entries_past_retention(settings) -> None:  # noqa: ANN001
    settings.GONGHUI_AUDIT_RETENTION_DAYS = 180
    now = timezone.now()
    old = AuditEvent.objects.create(action="update", object_repr="old", at=now - timedelta(days=181))
    kept = AuditEvent.objects.create(action="update", object_repr="kept", at=now - timedelta(days=179))
    call_command("audit_purge")
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=kept.pk).exists()


def test_retention_cannot_be_set_below_180_days(settings) -> None:  # noqa: ANN001
    settings.GONGHUI_AUDIT_RETENTION_DAYS = 30
    now = timezone.now()
    young = AuditEvent.objects.create(action="update", object_repr="young", at=now - timedelta(days=100))
    call_command("audit_purge")
    assert AuditEvent.objects.filter(pk=young.pk).exists()


def test_entries_record_where_the_request_came_from(client_for) -> None:  # noqa: ANN001
    from gonghui.orgs.models import User

    client = client_for("beiyuanmen")

    target = User.objects.get(username="m00100101")
    client.post(f"/people/accounts/{target.pk}/reveal-phone/", REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="probe-agent")
    event = AuditEvent.objects.filter(action="reveal").latest("id")
    assert (event.ip, event.user_agent, event.actor_label) == ("10.1.2.3", "probe-agent", "beiyuanmen")
    assert event.subject_user_id == target.pk
