"""One door, written as the attack: a guesser locks themselves out, never the owner.

The stranger knows a name and a phone number and guesses passwords and codes from their own
address; the owner signs in from theirs (or from their own browser behind the same NAT).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client, RequestFactory
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from gonghui.core import sms
from gonghui.core.models import AuditEvent
from gonghui.orgs import auth, services
from gonghui.orgs.models import ApiToken, LoginAttempt

pytestmark = pytest.mark.django_db
PASSWORD = "Gonghui@2026"
WRONG = "wrong-Password1"
ATTACKER = "10.66.6.6"
OWNER = "10.1.1.1"


@pytest.fixture(autouse=True)
def _no_otp_throttle(settings) -> None:  # noqa: ANN001
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's own slow-down is not what is under test


def _login(client: Client, username: str, password: str, ip: str = OWNER) -> object:
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def _device(user) -> TOTPDevice:  # noqa: ANN001
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key):06d}"


def _wrong_code(device: TOTPDevice) -> str:
    return "000000" if totp(device.bin_key) != 0 else "111111"


def _sms_sign_in(client: Client, phone: str, ip: str) -> object:
    client.post("/accounts/login/sms/send/", {"phone": phone}, REMOTE_ADDR=ip)
    code = sms.outbox[-1].text.split("登录验证码是 ")[1][:6]
    return client.post("/accounts/login/sms/", {"phone": phone, "code": code}, REMOTE_ADDR=ip)


# --- the owner keeps the door during a guessing attack ---

def test_fifty_guesses_from_elsewhere_do_not_keep_the_owner_with_an_authenticator_out(persona) -> None:  # noqa: ANN001
    official = persona("beiyuanmen")
    device = _device(official)
    attacker = Client()
    for _ in range(50):
        _login(attacker, "beiyuanmen", WRONG, ATTACKER)
    # The guesser is locked: even the right password is refused from there.
    assert "临时锁定" in _login(attacker, "beiyuanmen", PASSWORD, ATTACKER).content.decode()
    owner = Client()
    assert _login(owner, "beiyuanmen", PASSWORD, OWNER)["Location"] == "/accounts/login/otp/"
    assert owner.post("/accounts/login/otp/", {"token": _code(device)}, REMOTE_ADDR=OWNER).status_code == 302
    assert owner.get("/console/", REMOTE_ADDR=OWNER).status_code == 200


def test_fifty_guesses_do_not_keep_the_owner_from_signing_in_with_an_sms_code(persona) -> None:  # noqa: ANN001
    persona("worker1")
    attacker = Client()
    for _ in range(50):
        _login(attacker, "13900000001", WRONG, ATTACKER)
    owner = Client()
    assert _sms_sign_in(owner, "13900000001", OWNER).status_code == 302
    assert owner.get("/me/", REMOTE_ADDR=OWNER).status_code == 200


def test_the_owners_own_browser_behind_the_guessers_nat_still_gets_in(persona) -> None:  # noqa: ANN001
    persona("worker1")
    owner = Client()
    assert _login(owner, "worker1", PASSWORD, ATTACKER).status_code == 302  # the browser becomes known
    assert owner.cookies.get(auth.DEVICE_COOKIE)
    owner.post("/accounts/logout/", REMOTE_ADDR=ATTACKER)
    attacker = Client()
    for _ in range(50):
        _login(attacker, "worker1", WRONG, ATTACKER)
    assert "临时锁定" in _login(Client(), "worker1", PASSWORD, ATTACKER).content.decode()
    assert _login(owner, "worker1", PASSWORD, ATTACKER).status_code == 302


def test_a_device_cookie_issued_to_another_account_is_no_fresh_client(persona) -> None:  # noqa: ANN001
    """The guesser signs in to their own account to get a known-device cookie: it does not count for the victim."""
    persona("worker1")
    persona("worker2")
    attacker = Client()
    assert _login(attacker, "worker2", PASSWORD, ATTACKER).status_code == 302
    attacker.post("/accounts/logout/", REMOTE_ADDR=ATTACKER)
    for _ in range(5):
        _login(attacker, "worker1", WRONG, ATTACKER)
    assert "临时锁定" in _login(attacker, "worker1", PASSWORD, ATTACKER).content.decode()
    assert set(LoginAttempt.objects.filter(username__startswith="user:", success=False)
               .values_list("client", flat=True)) == {f"ip:{ATTACKER}"}


def test_a_forged_device_cookie_is_ignored(persona) -> None:  # noqa: ANN001
    worker = persona("worker1")
    attacker = Client()
    attacker.cookies[auth.DEVICE_COOKIE] = f"{worker.pk}:made-up"
    for _ in range(5):
        _login(attacker, "worker1", WRONG, ATTACKER)
    assert "临时锁定" in _login(attacker, "worker1", PASSWORD, ATTACKER).content.decode()


# --- the guessing client is locked, with growing delays ---

def test_the_guesser_is_locked_at_the_fifth_failure_and_not_at_the_fourth(persona, settings) -> None:  # noqa: ANN001
    assert settings.GONGHUI_LOCKOUT_THRESHOLD == 5
    persona("beiyuanmen")
    for _ in range(4):
        _login(Client(), "beiyuanmen", WRONG, ATTACKER)
    assert not LoginAttempt.objects.exclude(locked_until=None).exists()
    assert "临时锁定" in _login(Client(), "beiyuanmen", WRONG, ATTACKER).content.decode()  # the fifth
    lock = LoginAttempt.objects.exclude(locked_until=None).get()
    assert lock.client == f"ip:{ATTACKER}"
    assert "临时锁定" in _login(Client(), "beiyuanmen", PASSWORD, ATTACKER).content.decode()
    # Four failures and then the right password: in (from the same client).
    LoginAttempt.objects.all().delete()
    for _ in range(4):
        _login(Client(), "beiyuanmen", WRONG, ATTACKER)
    assert _login(Client(), "beiyuanmen", PASSWORD, ATTACKER).status_code == 302


def test_each_next_lock_of_the_same_client_lasts_twice_as_long(persona) -> None:  # noqa: ANN001
    persona("beiyuanmen")
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(5):
            _login(Client(), "beiyuanmen", WRONG, ATTACKER)
        clock.move_to(start + timedelta(minutes=14, seconds=59))
        assert "临时锁定" in _login(Client(), "beiyuanmen", PASSWORD, ATTACKER).content.decode()
        second_start = start + timedelta(minutes=15, seconds=1)
        clock.move_to(second_start)
        for _ in range(4):
            _login(Client(), "beiyuanmen", WRONG, ATTACKER)
        assert not LoginAttempt.objects.filter(locked_until__gt=second_start).exists()  # N-1 after the lock
        _login(Client(), "beiyuanmen", WRONG, ATTACKER)
        locks = list(LoginAttempt.objects.exclude(locked_until=None).order_by("at"))
        assert [lock.locked_until - lock.at for lock in locks] == [timedelta(minutes=15), timedelta(minutes=30)]
        clock.move_to(second_start + timedelta(minutes=29, seconds=59))
        assert "临时锁定" in _login(Client(), "beiyuanmen", PASSWORD, ATTACKER).content.decode()
        clock.move_to(second_start + timedelta(minutes=30, seconds=1))
        assert _login(Client(), "beiyuanmen", PASSWORD, ATTACKER).status_code == 302


def test_locks_double_up_to_the_cap(settings) -> None:  # noqa: ANN001
    assert [auth.lock_minutes(n) for n in range(5)] == [15, 30, 60, 120, 240]
    assert auth.lock_minutes(7) == 24 * 60 and auth.lock_minutes(40) == 24 * 60


def test_successful_sign_ins_do_not_count_against_an_address(persona, settings) -> None:  # noqa: ANN001
    """A factory behind one NAT: 200 sign-ins from one address, and the next one still gets in."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    worker = persona("worker1")
    worker.set_password(PASSWORD)
    worker.save()
    factory = RequestFactory()
    for _ in range(200):
        outcome = auth.password_login(factory.post("/accounts/login/", REMOTE_ADDR="10.8.8.8"), "worker1", PASSWORD)
        assert outcome.user is not None
    assert LoginAttempt.objects.filter(ip="10.8.8.8", success=True).count() == 200
    assert _login(Client(), "worker1", PASSWORD, "10.8.8.8").status_code == 302


def test_an_address_is_rate_limited_on_failures_at_the_limit_and_not_before(persona, settings) -> None:  # noqa: ANN001
    settings.GONGHUI_LOGIN_RATE_PER_IP = 3
    persona("beiyuanmen")
    for name in ("a1", "a2"):
        _login(Client(), name, WRONG, "10.9.9.9")
    assert _login(Client(), "beiyuanmen", PASSWORD, "10.9.9.9").status_code == 302
    _login(Client(), "a3", WRONG, "10.9.9.9")
    assert "过于频繁" in _login(Client(), "beiyuanmen", PASSWORD, "10.9.9.9").content.decode()


def test_many_guessers_together_close_the_password_alone_but_not_the_sms_code(persona, settings) -> None:  # noqa: ANN001
    """A botnet guesses from many addresses, each under the per-client lock: the account stops taking
    a password alone (the same answer whether the guess is right), and the owner uses an SMS code."""
    settings.GONGHUI_ACCOUNT_GUARD_THRESHOLD = 6
    persona("worker1")
    for _ in range(5):
        _login(Client(), "worker1", WRONG, "10.70.0.1")
    assert _login(Client(), "worker1", PASSWORD, OWNER).status_code == 302  # five: not yet
    _login(Client(), "worker1", WRONG, "10.70.0.2")
    right = _login(Client(), "worker1", PASSWORD, "10.70.0.3").content.decode()
    wrong = _login(Client(), "worker1", WRONG, "10.70.0.4").content.decode()
    assert "请使用短信验证码登录" in right and "请使用短信验证码登录" in wrong
    assert "请使用短信验证码登录" in _login(Client(), "worker1", PASSWORD, OWNER).content.decode()
    assert _sms_sign_in(Client(), "13900000001", OWNER).status_code == 302


def test_a_guarded_account_still_takes_password_and_authenticator(persona, settings) -> None:  # noqa: ANN001
    settings.GONGHUI_ACCOUNT_GUARD_THRESHOLD = 6
    device = _device(persona("beiyuanmen"))
    for ip in ("10.70.0.1", "10.70.0.2"):
        for _ in range(5):
            _login(Client(), "beiyuanmen", WRONG, ip)
    owner = Client()
    assert _login(owner, "beiyuanmen", PASSWORD, OWNER)["Location"] == "/accounts/login/otp/"
    assert owner.post("/accounts/login/otp/", {"token": _code(device)}, REMOTE_ADDR=OWNER).status_code == 302


# --- a wrong authenticator code is a failure wherever it is typed ---

def test_wrong_codes_at_the_second_step_lock_the_client(persona) -> None:  # noqa: ANN001
    device = _device(persona("beiyuanmen"))
    attacker = Client()  # knows the password, not the authenticator
    for _ in range(4):
        assert _login(attacker, "beiyuanmen", PASSWORD, ATTACKER)["Location"] == "/accounts/login/otp/"
        attacker.post("/accounts/login/otp/", {"token": _wrong_code(device)}, REMOTE_ADDR=ATTACKER)
    assert not LoginAttempt.objects.exclude(locked_until=None).exists()
    assert _login(attacker, "beiyuanmen", PASSWORD, ATTACKER)["Location"] == "/accounts/login/otp/"
    page = attacker.post("/accounts/login/otp/", {"token": _wrong_code(device)}, REMOTE_ADDR=ATTACKER)
    assert "临时锁定" in page.content.decode()
    assert LoginAttempt.objects.filter(channel="otp", success=False).count() == 5
    assert AuditEvent.objects.filter(action="login_failed", reason="bad_otp").count() == 5
    # Locked: neither the right code nor the password is taken from this client any more.
    assert attacker.post("/accounts/login/otp/", {"token": _code(device)}, REMOTE_ADDR=ATTACKER).status_code == 302
    assert attacker.get("/console/", REMOTE_ADDR=ATTACKER).status_code == 302  # back to the password step
    assert "临时锁定" in _login(attacker, "beiyuanmen", PASSWORD, ATTACKER).content.decode()
    # The owner elsewhere still gets in.
    owner = Client()
    _login(owner, "beiyuanmen", PASSWORD, OWNER)
    assert owner.post("/accounts/login/otp/", {"token": _code(device)}, REMOTE_ADDR=OWNER).status_code == 302


def test_wrong_codes_on_the_api_lock_the_client(persona) -> None:  # noqa: ANN001
    device = _device(persona("beiyuanmen"))

    def token(otp: str) -> object:
        return Client().post("/api/v1/auth/token", {"username": "beiyuanmen", "password": PASSWORD, "otp": otp},
                             content_type="application/json", REMOTE_ADDR=ATTACKER)

    for _ in range(5):
        assert token(_wrong_code(device)).status_code == 401
    assert token(_code(device)).status_code == 423
    assert LoginAttempt.objects.filter(channel="otp", success=False, ip=ATTACKER).count() == 5


def test_a_wrong_code_when_removing_the_authenticator_is_a_failure(client_for, persona) -> None:  # noqa: ANN001
    device = _device(persona("beiyuanmen"))
    client = client_for("beiyuanmen")
    client.post("/accounts/security/", {"action": "remove_otp", "token": _wrong_code(device)})
    assert LoginAttempt.objects.filter(channel="otp", success=False).count() == 1
    for _ in range(4):
        client.post("/accounts/security/", {"action": "remove_otp", "token": _wrong_code(device)})
    client.post("/accounts/security/", {"action": "remove_otp", "token": _code(device)})
    assert TOTPDevice.objects.filter(pk=device.pk).exists()  # locked: even the right code is not taken


def test_a_wrong_code_when_enrolling_is_a_failure(client_for, persona) -> None:  # noqa: ANN001
    client = client_for("beiyuanmen")
    client.get("/accounts/security/totp/")
    device = TOTPDevice.objects.get(user=persona("beiyuanmen"))
    client.post("/accounts/security/totp/", {"token": _wrong_code(device)})
    assert LoginAttempt.objects.filter(channel="otp", success=False).count() == 1


# --- the back office has no door of its own ---

def test_the_admin_login_page_is_the_apps_sign_in(persona) -> None:  # noqa: ANN001
    client = Client()
    response = client.get("/admin/login/?next=/admin/orgs/unit/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Forgs%2Funit%2F"
    # Posting a password to the admin's own login signs nobody in.
    client.post("/admin/login/", {"username": "admin", "password": PASSWORD})
    assert client.get("/admin/").status_code == 302
    assert not AuditEvent.objects.filter(action="login").exists()


def test_the_admin_sign_in_locks_like_every_other(persona) -> None:  # noqa: ANN001
    persona("admin")
    for _ in range(5):
        Client().post("/accounts/login/?next=/admin/", {"username": "admin", "password": WRONG}, REMOTE_ADDR=ATTACKER)
    assert AuditEvent.objects.filter(action="login_failed", actor_label="admin").count() == 5
    locked = Client().post("/accounts/login/?next=/admin/", {"username": "admin", "password": PASSWORD},
                           REMOTE_ADDR=ATTACKER)
    assert "临时锁定" in locked.content.decode()


def test_a_staff_account_with_an_authenticator_needs_it_for_the_back_office(persona) -> None:  # noqa: ANN001
    device = _device(persona("admin"))
    client = Client()
    response = client.post("/accounts/login/?next=/admin/", {"username": "admin", "password": PASSWORD})
    assert response["Location"] == "/accounts/login/otp/"
    assert client.get("/admin/").status_code == 302  # the password alone opens nothing
    response = client.post("/accounts/login/otp/", {"token": _code(device)})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_session_not_verified_by_the_authenticator_does_not_open_the_back_office(persona) -> None:  # noqa: ANN001
    admin = persona("admin")
    _device(admin)
    client = Client()
    client.force_login(admin)  # however the session came about, it was not verified with the authenticator
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert client.get(response["Location"])["Location"].startswith("/accounts/login/")


def test_an_admin_that_must_use_a_second_factor_cannot_skip_enrolling(persona) -> None:  # noqa: ANN001
    admin = persona("admin")
    admin.otp_required = True
    admin.save()
    client = Client()
    client.force_login(admin)
    assert client.get("/admin/").status_code == 302


# --- API tokens die with the password, the lock, and the idle rule ---

def _api(raw: str) -> int:
    return Client().get("/api/v1/orgs", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code


def test_changing_the_password_revokes_the_api_tokens(client_for, persona) -> None:  # noqa: ANN001
    _, raw = services.issue_api_token(user=persona("beiyuanmen"))
    assert _api(raw) == 200
    client = client_for("beiyuanmen")
    response = client.post("/accounts/security/", {
        "action": "password", "old_password": PASSWORD, "new_password1": "Zq7#mVb2!pLx9w", "new_password2": "Zq7#mVb2!pLx9w"})
    assert response.status_code == 302
    assert _api(raw) == 401
    assert ApiToken.objects.get().revoked_at is not None
    assert client.get("/console/").status_code == 200  # this session stays
    assert AuditEvent.objects.filter(changes__password="changed", changes__tokens_revoked=1).exists()


def test_a_password_set_in_the_back_office_revokes_the_api_tokens_too(persona) -> None:  # noqa: ANN001
    user = persona("beiyuanmen")
    _, raw = services.issue_api_token(user=user)
    user.display_name = "白院门"
    user.save()  # a save that does not change the password keeps them
    assert _api(raw) == 200
    user.set_password("Zq7#mVb2!pLx9w")
    user.save()
    assert _api(raw) == 401


def test_an_official_locks_an_account_and_its_tokens_die(client_for, persona) -> None:  # noqa: ANN001
    worker = persona("worker1")
    _, raw = services.issue_api_token(user=worker)
    assert _api(raw) == 200
    official = client_for("beiyuanmen")
    url = f"/people/accounts/{worker.pk}/lock/"
    official.post(url, {"action": "lock", "reason": ""})
    worker.refresh_from_db()
    assert worker.is_active and _api(raw) == 200  # no reason, no lock
    official.post(url, {"action": "lock", "reason": "手机丢失"})
    worker.refresh_from_db()
    assert not worker.is_active and _api(raw) == 401
    assert _login(Client(), "worker1", PASSWORD).status_code == 200
    assert AuditEvent.objects.filter(subject_user_id=worker.pk, changes__locked=True, reason="手机丢失").exists()
    official.post(url, {"action": "unlock", "reason": "已找回"})
    worker.refresh_from_db()
    assert worker.is_active and _api(raw) == 401  # the old tokens stay dead
    assert _login(Client(), "worker1", PASSWORD).status_code == 302


def test_an_official_of_a_sibling_unit_cannot_lock_the_account(client_for, persona) -> None:  # noqa: ANN001
    worker = persona("worker1")
    response = client_for("qingnianlu").post(f"/people/accounts/{worker.pk}/lock/",
                                             {"action": "lock", "reason": "恶意"})
    assert response.status_code == 404
    worker.refresh_from_db()
    assert worker.is_active


def test_an_official_cannot_lock_themselves(persona) -> None:  # noqa: ANN001
    from django.core.exceptions import ValidationError

    official = persona("beiyuanmen")
    with pytest.raises(ValidationError):
        services.lock_account(actor=official, user=official, reason="试试")


def test_an_officials_token_unused_past_the_idle_limit_is_refused(persona, settings) -> None:  # noqa: ANN001
    assert settings.GONGHUI_OFFICIAL_IDLE_MINUTES == 30
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        _, raw = services.issue_api_token(user=persona("beiyuanmen"))
        clock.move_to(start + timedelta(minutes=30))
        assert _api(raw) == 200  # at the limit: still good, and the clock restarts
        clock.move_to(start + timedelta(minutes=60))
        assert _api(raw) == 200
        clock.move_to(start + timedelta(minutes=90, seconds=1))
        assert _api(raw) == 401
        clock.move_to(start + timedelta(minutes=90, seconds=2))
        assert _api(raw) == 401  # and it stays dead
    assert ApiToken.objects.get().revoked_at is not None


def test_a_workers_token_is_not_bound_by_the_officials_idle_rule(persona) -> None:  # noqa: ANN001
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        _, raw = services.issue_api_token(user=persona("worker1"))
        clock.move_to(start + timedelta(hours=5))
        assert _api(raw) == 200


# --- nobody can block a worker's SMS sign-in (workers have no password) ---

def _ask_code(client: Client, phone: str, ip: str) -> str:
    client.post("/accounts/login/sms/send/", {"phone": phone}, REMOTE_ADDR=ip)
    return sms.outbox[-1].text.split("登录验证码是 ")[1][:6]


def _wrong_sms(right: str) -> str:
    return "000000" if right != "000000" else "111111"


def test_a_strangers_wrong_codes_do_not_burn_the_owners_code(persona) -> None:  # noqa: ANN001
    persona("worker1")
    owner = Client()
    code = _ask_code(owner, "13900000001", OWNER)
    attacker = Client()
    for _ in range(5):
        attacker.post("/accounts/login/sms/", {"phone": "13900000001", "code": _wrong_sms(code)},
                      REMOTE_ADDR=ATTACKER)
    from gonghui.orgs.models import SmsCode

    assert SmsCode.objects.get(purpose="login").attempts == 0  # the stranger spent nothing of the owner's code
    # The stranger is bounded by their own lock: even the right code is refused from there now.
    refused = attacker.post("/accounts/login/sms/", {"phone": "13900000001", "code": code}, REMOTE_ADDR=ATTACKER)
    assert "临时锁定" in refused.content.decode()
    assert owner.post("/accounts/login/sms/", {"phone": "13900000001", "code": code},
                      REMOTE_ADDR=OWNER).status_code == 302


def test_the_owners_own_wrong_codes_still_spend_the_code(persona, settings) -> None:  # noqa: ANN001
    settings.GONGHUI_LOCKOUT_THRESHOLD = 10  # so that it is the code, not the lock, that refuses
    persona("worker1")
    owner = Client()
    code = _ask_code(owner, "13900000001", OWNER)
    for _ in range(settings.GONGHUI_SMS_MAX_ATTEMPTS - 1):
        owner.post("/accounts/login/sms/", {"phone": "13900000001", "code": _wrong_sms(code)}, REMOTE_ADDR=OWNER)
    from gonghui.orgs.models import SmsCode

    assert SmsCode.objects.get(purpose="login").attempts == settings.GONGHUI_SMS_MAX_ATTEMPTS - 1
    owner.post("/accounts/login/sms/", {"phone": "13900000001", "code": _wrong_sms(code)}, REMOTE_ADDR=OWNER)
    spent = owner.post("/accounts/login/sms/", {"phone": "13900000001", "code": code}, REMOTE_ADDR=OWNER)
    assert spent.status_code == 200 and "验证码不正确" in spent.content.decode()


def test_the_owners_code_one_guess_short_of_the_maximum_still_works(persona, settings) -> None:  # noqa: ANN001
    settings.GONGHUI_LOCKOUT_THRESHOLD = 10
    persona("worker1")
    owner = Client()
    code = _ask_code(owner, "13900000001", OWNER)
    for _ in range(settings.GONGHUI_SMS_MAX_ATTEMPTS - 1):
        owner.post("/accounts/login/sms/", {"phone": "13900000001", "code": _wrong_sms(code)}, REMOTE_ADDR=OWNER)
    assert owner.post("/accounts/login/sms/", {"phone": "13900000001", "code": code},
                      REMOTE_ADDR=OWNER).status_code == 302


def test_a_stranger_asking_a_new_code_does_not_cancel_the_owners(persona) -> None:  # noqa: ANN001
    persona("worker1")
    owner = Client()
    code = _ask_code(owner, "13900000001", OWNER)
    with time_machine.travel(timezone.now() + timedelta(seconds=61), tick=False):
        _ask_code(Client(), "13900000001", ATTACKER)
        assert owner.post("/accounts/login/sms/", {"phone": "13900000001", "code": code},
                          REMOTE_ADDR=OWNER).status_code == 302


def test_other_purposes_do_not_use_up_the_sign_in_allowance(persona, settings) -> None:  # noqa: ANN001
    persona("worker1")
    start = timezone.now()
    for i, purpose in enumerate(["join", "rebind", "phone_new", "join", "rebind"]):
        with time_machine.travel(start + timedelta(minutes=2 * i), tick=False):
            ok, _message = auth.send_verification_code(phone="13900000001", ip=f"10.80.0.{i}", purpose=purpose)
            assert ok, _message
    with time_machine.travel(start + timedelta(minutes=9), tick=False):
        # the other purposes' allowance is used up…
        ok, _message = auth.send_verification_code(phone="13900000001", ip="10.80.0.9", purpose="join")
        assert not ok and "次数过多" in _message
    with time_machine.travel(start + timedelta(minutes=8, seconds=10), tick=False):
        # …and ten seconds after the stranger's last code, the owner still gets a sign-in code and signs in
        owner = Client()
        assert _sms_sign_in(owner, "13900000001", OWNER).status_code == 302


def test_the_sign_in_allowance_per_number_still_holds_at_its_limit(persona, settings) -> None:  # noqa: ANN001
    persona("worker1")
    start = timezone.now()
    for i in range(settings.GONGHUI_SMS_PER_NUMBER_PER_HOUR):
        with time_machine.travel(start + timedelta(minutes=2 * i), tick=False):
            ok, _message = auth.request_sms_code(phone="13900000001", ip=f"10.81.0.{i}")
            assert ok, _message
    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        ok, _message = auth.request_sms_code(phone="13900000001", ip="10.81.0.99")
        assert not ok and "次数过多" in _message


# --- the account guard shuts out nobody who has no other way in ---

def test_many_guessers_do_not_lock_an_account_without_phone_or_authenticator_out(persona, settings) -> None:  # noqa: ANN001
    settings.GONGHUI_ACCOUNT_GUARD_THRESHOLD = 6
    admin = persona("admin")
    assert not admin.phone_hash and not TOTPDevice.objects.filter(user=admin, confirmed=True).exists()
    for ip in ("10.70.0.1", "10.70.0.2"):
        for _ in range(5):
            _login(Client(), "admin", WRONG, ip)
    assert auth.account_guarded(auth.attempt_key("admin", admin))  # the guard's count is reached…
    answer = _login(Client(), "admin", PASSWORD, OWNER)  # …yet the owner's new browser still gets in
    assert answer.status_code == 302 and "请使用短信验证码登录" not in answer.content.decode()
    # the guessing clients stay locked
    assert "临时锁定" in _login(Client(), "admin", PASSWORD, "10.70.0.1").content.decode()


def test_the_guard_still_closes_the_password_of_an_account_with_a_phone(persona, settings) -> None:  # noqa: ANN001
    settings.GONGHUI_ACCOUNT_GUARD_THRESHOLD = 6
    assert persona("worker1").phone_hash
    for ip in ("10.70.0.1", "10.70.0.2"):
        for _ in range(5):
            _login(Client(), "worker1", WRONG, ip)
    assert "请使用短信验证码登录" in _login(Client(), "worker1", PASSWORD, OWNER).content.decode()
