"""Sign-ins and sign-outs go to the audit log, whichever way they happened."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import pre_save
from django.dispatch import receiver

from gonghui.core import audit


@receiver(user_logged_in)
def audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    unit = user.primary_unit
    audit.record(actor=user, action=audit.Action.LOGIN, obj=user, unit_path=unit.path if unit else "",
                 subject_user_id=user.pk)


@receiver(user_logged_out)
def audit_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    unit = user.primary_unit
    audit.record(actor=user, action=audit.Action.LOGOUT, obj=user, unit_path=unit.path if unit else "",
                 subject_user_id=user.pk)


@receiver(pre_save, sender="orgs.User")
def revoke_tokens_on_new_password(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    """A password changed by any path (the back office, `changepassword`, a reset) revokes the API tokens,
    as services.change_password does; a save that does not touch the password costs nothing."""
    if instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    old = type(instance).objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if old is not None and old != instance.password:
        from gonghui.orgs.services import revoke_all_api_tokens

        revoke_all_api_tokens(instance)
