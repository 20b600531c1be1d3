"""Helpers for identity tests: real one-time codes read from the SMS outbox, and a fake real-name service."""

from __future__ import annotations

import re

from gonghui.core import sms
from gonghui.orgs import auth
from gonghui.orgs.identity import RealNameBackend


def code_for(phone: str, purpose: str) -> str:
    """Send a real code for `purpose` to `phone` and read it from the outbox, as the phone's owner would."""
    ok, message = auth.send_verification_code(phone=phone, ip=None, purpose=purpose)
    assert ok, message
    return re.search(r"验证码 (\d{6})", sms.outbox[-1].text).group(1)


class FakeRealName(RealNameBackend):
    """The carrier three-factor check in tests: vouches only for the (name, ID number, mobile) it was told."""

    label = "fake"
    vouched: set[tuple[str, str, str]] = set()
    calls: list[tuple[str, str, str]] = []

    def verify(self, *, name: str, id_number: str, phone: str) -> bool:
        FakeRealName.calls.append((name, id_number, phone))
        return (name, id_number, phone) in FakeRealName.vouched


REALNAME = "tests.identity_helpers.FakeRealName"
