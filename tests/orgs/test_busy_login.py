"""Signing in with an SMS code when the database is busy (issue 21): the code is spent only with the session it
opens, the form comes back with the number and the code, and the same code signs in when sent again."""

from __future__ import annotations

import re

import pytest
from django.db import OperationalError
from django.test import Client

from gonghui.core import sms
from gonghui.orgs import views
from gonghui.orgs.auth import phone_hash
from gonghui.orgs.models import LoginAttempt, SmsCode

pytestmark = pytest.mark.django_db

PHONE = "13900000001"  # a demo worker
BUSY = "系统繁忙，请稍后再提交；您填写的内容和验证码仍然有效。"


def _typed(page: str, name: str) -> str | None:
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page)
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0)) if tag else None
    return value.group(1) if value else None


def test_a_busy_database_while_signing_in_keeps_the_code_and_opens_no_session(demo_tree, monkeypatch) -> None:  # noqa: ANN001
    client = Client(raise_request_exception=False)
    client.post("/accounts/login/sms/send/", {"phone": PHONE})
    code = sms.outbox[-1].text.split("登录验证码是 ")[1][:6]
    successes = LoginAttempt.objects.filter(success=True).count()

    def locked(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise OperationalError("database is locked")

    monkeypatch.setattr(views, "login", locked)  # the code was good; the session cannot be written
    busy = client.post("/accounts/login/sms/", {"phone": PHONE, "code": code})
    assert busy.status_code == 200
    page = busy.content.decode()
    assert BUSY in page and _typed(page, "phone") == PHONE and _typed(page, "code") == code
    assert "_auth_user_id" not in client.session
    assert SmsCode.objects.get(phone_hash=phone_hash(PHONE), purpose="login").used_at is None
    assert LoginAttempt.objects.filter(success=True).count() == successes  # undone with the rest

    monkeypatch.undo()
    signed_in = client.post("/accounts/login/sms/", {"phone": PHONE, "code": code})
    assert signed_in.status_code == 302
    assert client.session["_auth_user_id"]
    assert SmsCode.objects.get(phone_hash=phone_hash(PHONE), purpose="login").used_at is not None
