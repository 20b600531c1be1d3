"""Telling someone something: an inbox entry, and a text message when the account has a mobile.

Services call `notify` inside their transaction; the message goes out only once it commits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction

from gonghui.core import sms
from gonghui.core.models import Notification

logger = logging.getLogger(__name__)


def notify(recipients: Iterable[Any], text: str, *, url: str = "", key: str = "") -> int:
    """Notify each account once; with a `key`, an account already told under that key is not told again."""
    sent = 0
    for user in {u.pk: u for u in recipients if u is not None}.values():
        if key and Notification.objects.filter(recipient=user, key=key).exists():
            continue
        try:
            with transaction.atomic():
                Notification.objects.create(recipient=user, text=text[:500], url=url[:255], key=key[:120])
        except IntegrityError:  # told by a run of the same clock in parallel
            continue
        sent += 1
        phone = getattr(user, "phone", "")
        if phone:
            transaction.on_commit(partial(_text, phone, text))
    return sent


def _text(phone: str, text: str) -> None:
    try:
        sms.send(phone, f"【工会】{text}")
    except sms.SmsError:
        logger.warning("text message not sent", exc_info=True)
