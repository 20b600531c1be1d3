"""Sending text messages: pluggable backends chosen by GONGHUI_SMS_BACKEND."""

from __future__ import annotations

import json
import logging
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from gonghui.core.masking import mask_phone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    phone: str
    text: str


class SmsError(Exception):
    pass


class ConsoleBackend:
    """Prints messages on standard output (development and demo), the number masked: the console is a log."""

    def send(self, message: Message) -> None:
        sys.stdout.write(f"[SMS to {mask_phone(message.phone)}] {message.text}\n")
        sys.stdout.flush()


class FileBackend:
    """Appends messages to GONGHUI_SMS_FILE, one JSON line each."""

    def send(self, message: Message) -> None:
        path = Path(settings.GONGHUI_SMS_FILE)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = {"at": timezone.now().isoformat(), "phone": message.phone, "text": message.text}
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")


outbox: list[Message] = []


class MemoryBackend:
    """Keeps messages in `gonghui.core.sms.outbox` (tests, like Django's mail.outbox)."""

    def send(self, message: Message) -> None:
        outbox.append(message)


class HttpGatewayBackend:
    """POSTs {"phone", "text"} as JSON to GONGHUI_SMS_GATEWAY_URL with a bearer token.

    Most SMS providers in China sit behind such a small relay run by the deployment.
    """

    def send(self, message: Message) -> None:
        url = settings.GONGHUI_SMS_GATEWAY_URL
        if not url or not url.startswith(("https://", "http://")):
            raise SmsError("GONGHUI_SMS_GATEWAY_URL is not set to an http(s) address")
        body = json.dumps({"phone": message.phone, "text": message.text}).encode()
        request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 - scheme checked above
        request.add_header("Content-Type", "application/json")
        if settings.GONGHUI_SMS_GATEWAY_TOKEN:
            request.add_header("Authorization", f"Bearer {settings.GONGHUI_SMS_GATEWAY_TOKEN}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                if response.status >= 300:
                    raise SmsError(f"gateway answered {response.status}")
        except OSError as exc:
            raise SmsError(f"gateway unreachable: {exc}") from exc


def send(phone: str, text: str) -> None:
    backend = import_string(settings.GONGHUI_SMS_BACKEND)()
    backend.send(Message(phone=phone, text=text))
