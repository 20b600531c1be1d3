"""A failed submission never spends a one-time code and never loses what the person typed (issue 21).

The database busy after the code was checked (`database is locked`), or the write refused: the page comes back
with everything typed and a clear message, not a 503, and the same code works when the form is sent again."""

from __future__ import annotations

import re

import pytest
from django.db import OperationalError
from django.test import Client

from gonghui.core import sms
from gonghui.membership import services
from gonghui.membership.models import JoinApplication, PhoneRebind
from gonghui.orgs import identity
from gonghui.orgs.auth import phone_hash
from gonghui.orgs.models import SmsCode, Unit, User
from tests.identity_helpers import code_for
from tests.registry.sheets import valid_id

pytestmark = pytest.mark.django_db

BUSY = "系统繁忙，请稍后再提交；您填写的内容和验证码仍然有效。"


def _locked(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
    raise OperationalError("database is locked")


def _join_form(phone: str, code: str) -> dict[str, str]:
    return {"name": "骆小骑", "id_number": valid_id("61010419970101133"), "phone": phone, "code": code,
            "new_form": "courier", "place": str(Unit.objects.get(code="610104002").pk), "job": "外卖配送",
            "wages_main_source": "yes", "consent": "1"}


def typed(page: str, name: str) -> str | None:
    """The value an input of the page shows, as the browser will fill it in."""
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page)
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0)) if tag else None
    return value.group(1) if value else None


def _unspent(phone: str, purpose: str) -> int:
    return SmsCode.objects.filter(phone_hash=phone_hash(phone), purpose=purpose, used_at__isnull=True).count()


def test_a_busy_database_on_the_join_page_keeps_the_form_and_the_code(demo_tree, monkeypatch) -> None:  # noqa: ANN001
    client = Client(raise_request_exception=False)
    phone = "13712345601"
    client.post("/membership/join/code/", {"phone": phone})
    code = re.search(r"验证码 (\d{6})", sms.outbox[-1].text).group(1)
    form = _join_form(phone, code)
    # The code is checked and the account opened; then the application cannot be written.
    monkeypatch.setattr(services, "apply_to_join", _locked)
    busy = client.post("/membership/join/", form)
    assert busy.status_code == 200
    page = busy.content.decode()
    assert BUSY in page
    for field in ("name", "id_number", "phone", "code", "job"):
        assert typed(page, field) == form[field], field
    assert 'value="yes" id="wages_yes" checked' in page and 'id="consent" checked' in page
    assert f'<option value="{form["place"]}" selected' in page
    assert not User.objects.filter(phone_hash=phone_hash(phone)).exists()  # nothing of it was kept
    assert _unspent(phone, "join") == 1

    monkeypatch.undo()
    joined = client.post("/membership/join/", form)  # the same code, sent again
    assert joined.status_code == 302
    assert JoinApplication.objects.filter(person__user__phone_hash=phone_hash(phone)).count() == 1
    assert _unspent(phone, "join") == 0


def test_a_busy_database_on_the_join_api_is_a_503_that_keeps_the_code(demo_tree, monkeypatch) -> None:  # noqa: ANN001
    client = Client(raise_request_exception=False)
    phone = "13712345602"
    code = code_for(phone, "join")
    body = {"name": "骆小骑", "id_number": valid_id("61010419970101144"), "phone": phone, "code": code,
            "new_form": "courier", "place_unit_id": Unit.objects.get(code="610104002").pk, "consent": True}
    monkeypatch.setattr(services, "apply_to_join", _locked)
    busy = client.post("/api/v1/membership/join", body, content_type="application/json")
    assert busy.status_code == 503
    assert busy.json() == {"code": "busy", "message": BUSY}
    assert _unspent(phone, "join") == 1
    monkeypatch.undo()
    joined = client.post("/api/v1/membership/join", body, content_type="application/json")
    assert joined.status_code == 201 and joined.json()["state"] == "submitted"


def test_a_busy_database_on_the_rebind_page_keeps_the_form_and_the_code(persona, monkeypatch) -> None:  # noqa: ANN001
    from tests.membership.test_own_data import registered

    person = registered(persona)
    client = Client(raise_request_exception=False)
    number = "13712345603"
    code = code_for(number, "rebind")
    form = {"phone": number, "code": code, "name": "周小燕", "id_number": person.id_number}
    monkeypatch.setattr(identity, "hold_reasons", _locked)  # after the code check, inside the write
    busy = client.post("/membership/rebind/", form)
    assert busy.status_code == 200
    page = busy.content.decode()
    assert BUSY in page
    for field in ("phone", "code", "name", "id_number"):
        assert typed(page, field) == form[field], field
    assert not PhoneRebind.objects.filter(person=person).exists()
    monkeypatch.undo()
    assert client.post("/membership/rebind/", form).status_code == 302
    assert PhoneRebind.objects.filter(person=person, phone_hash__isnull=False).count() == 1


def test_a_refusal_after_the_code_check_leaves_the_code_good_and_counts_one_attempt(persona) -> None:  # noqa: ANN001
    """A mistyped ID number is refused after the code was checked: the code is not spent (the corrected form goes
    through with it), and the refusal counts as one of its attempts."""
    from django.core.exceptions import ValidationError

    from tests.membership.test_own_data import registered

    person = registered(persona)
    number = "13712345604"
    code = code_for(number, "rebind")
    with pytest.raises(ValidationError):
        services.rebind_phone(phone=number, code=code, name="周小燕", id_number="61010419880808")
    live = SmsCode.objects.get(phone_hash=phone_hash(number), purpose="rebind")
    assert live.used_at is None and live.attempts == 1
    assert services.rebind_phone(phone=number, code=code, name="周小燕", id_number=person.id_number) is not None
    live.refresh_from_db()
    assert live.used_at is not None


def test_a_wrong_code_still_counts_as_a_wrong_attempt(persona) -> None:  # noqa: ANN001
    from django.core.exceptions import ValidationError

    from tests.membership.test_own_data import registered

    person = registered(persona)
    number = "13712345605"
    code_for(number, "rebind")
    with pytest.raises(ValidationError) as refused:
        services.rebind_phone(phone=number, code="000000", name="周小燕", id_number=person.id_number)
    assert "code" in refused.value.message_dict
    live = SmsCode.objects.get(phone_hash=phone_hash(number), purpose="rebind")
    assert live.used_at is None and live.attempts == 1
