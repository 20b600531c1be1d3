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


def test_a_refused_change_of_the_login_number_leaves_both_codes_good(persona, settings, client_for, monkeypatch) -> None:  # noqa: ANN001
    """Both codes were right, then the save failed: the number is another account's (refused), or the database
    was busy (the form comes back with what was typed). Neither code is spent."""
    from django.core.exceptions import ValidationError

    from gonghui.orgs import services
    from tests.identity_helpers import code_for

    settings.GONGHUI_SMS_RESEND_SECONDS = 0
    worker = persona("worker1")
    taken = persona("worker2").phone
    new_code, current_code = code_for(taken, "phone_new"), code_for(worker.phone, "phone_current")
    with pytest.raises(ValidationError):
        services.update_own_contact(actor=worker, display_name="张小明", phone=taken, new_code=new_code,
                                    current_code=current_code)
    for number, purpose in ((taken, "phone_new"), (worker.phone, "phone_current")):
        code = SmsCode.objects.get(phone_hash=phone_hash(number), purpose=purpose)
        assert code.used_at is None and code.attempts == 1

    free = "13712345606"
    new_code = code_for(free, "phone_new")
    client = client_for("worker1")
    client.raise_request_exception = False
    monkeypatch.setattr(services, "_save_own_contact", lambda **kwargs: (_ for _ in ()).throw(
        OperationalError("database is locked")))
    form = {"display_name": "张晓明", "phone": free, "new_code": new_code, "current_code": current_code}
    busy = client.post("/accounts/profile/", form)
    assert busy.status_code == 200 and BUSY in busy.content.decode()
    assert _typed(busy.content.decode(), "display_name") == "张晓明"
    assert SmsCode.objects.get(phone_hash=phone_hash(free), purpose="phone_new").used_at is None
    monkeypatch.undo()
    assert client.post("/accounts/profile/", form).status_code == 302
    worker.refresh_from_db()
    assert worker.phone == free
