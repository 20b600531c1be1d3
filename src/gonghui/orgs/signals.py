"""Sign-ins and sign-outs go to the audit log, whichever way they happened."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
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
