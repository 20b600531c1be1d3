"""Identity proofing, written as the attack: a stranger who knows a worker's name and ID number (widely leaked; every
employer's HR office holds them) and has a phone of their own, and what they must not get."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from gonghui.core import sms
from gonghui.core.models import AuditEvent
from gonghui.membership import services as membership
from gonghui.membership.models import JoinApplication, PhoneRebind
from gonghui.orgs import auth, identity
from gonghui.orgs import services as orgs_services
from gonghui.orgs.models import (
    IdentityVerification,
    IdLookup,
    Person,
    PersonLink,
    RoleAssignment,
    SmsCode,
    Unit,
    User,
)
from tests.identity_helpers import REALNAME, FakeRealName, code_for
from tests.registry.sheets import valid_id

pytestmark = pytest.mark.django_db
STRANGER = "13712345678"  # the attacker's own phone


def _worker1_file(persona) -> Person:  # noqa: ANN001
    return Person.objects.select_related("user", "unit").get(user=persona("worker1"))


def _rows() -> tuple[int, ...]:
    return (User.objects.count(), Person.objects.count(), RoleAssignment.objects.count(),
            JoinApplication.objects.count(), IdentityVerification.objects.count(), AuditEvent.objects.count(),
            SmsCode.objects.filter(used_at__isnull=False).count())


def _join(name: str, id_number: str, phone: str, code: str, **extra) -> tuple:  # noqa: ANN003
    return membership.join_online(name=name, id_number=id_number, phone=phone, code=code, new_form="courier",
                                  place=Unit.objects.get(code="610104002"), consent=True, **extra)


def _registry_file(persona, phone: str = "", number: str = "61010419770707123") -> Person:  # noqa: ANN001
    """A file imported by the union (no account yet)."""
    return orgs_services.create_person(actor=persona("admin"), id_number=valid_id(number), name="吴春华",
                                       unit=Unit.objects.get(code="610104001001"), phone=phone)


# --- codes are bound to their purpose ---

def test_a_joining_or_rebinding_code_does_not_sign_in(persona) -> None:  # noqa: ANN001
    phone = persona("worker1").phone
    for purpose in ("join", "rebind", "phone_new"):
        with time_machine.travel(timezone.now() + timedelta(minutes=2 * len(sms.outbox)), tick=False):
            code = code_for(phone, purpose)
            response = Client().post("/accounts/login/sms/", {"phone": phone, "code": code})
        assert response.status_code == 200 and "验证码不正确" in response.content.decode(), purpose
    assert SmsCode.objects.filter(used_at__isnull=False).count() == 0


def test_a_sign_in_code_does_not_join_or_rebind(persona) -> None:  # noqa: ANN001
    ok, _message = auth.request_sms_code(phone=persona("worker1").phone, ip=None)
    code = sms.outbox[-1].text.split("登录验证码是 ")[1][:6]
    assert ok and not auth.check_verification_code(phone=persona("worker1").phone, code=code, purpose="join")
    assert not auth.check_verification_code(phone=persona("worker1").phone, code=code, purpose="rebind")


# --- joining with an ID number that already has a file ---

def test_a_stranger_with_a_name_and_an_id_number_cannot_join_onto_the_file(persona) -> None:  # noqa: ANN001
    """Nothing is linked, nothing is left behind, the code is not spent, and the answer is the same for the right
    name and a wrong one: the stranger does not learn whether name and ID number belong together."""
    target = _worker1_file(persona)
    answers = []
    code = code_for(STRANGER, "join")
    for name in (target.name, "王不对"):
        before = _rows()
        with pytest.raises(ValidationError) as refused:
            _join(name, target.id_number, STRANGER, code)
        answers.append(refused.value.messages)
        assert _rows() == before
    assert answers[0] == answers[1] and "工会核验" in answers[0][0]
    assert not User.objects.filter(phone_hash=auth.phone_hash(STRANGER)).exists()
    assert Person.objects.get(pk=target.pk).user == persona("worker1")
    spent = SmsCode.objects.get(phone_hash=auth.phone_hash(STRANGER))
    assert spent.used_at is None and spent.attempts == 2  # each refusal counts: one code cannot probe many IDs


def test_the_join_page_and_api_refuse_the_stranger_alike(persona, client) -> None:  # noqa: ANN001
    target = _worker1_file(persona)
    code = code_for(STRANGER, "join")
    body = {"name": target.name, "id_number": target.id_number, "phone": STRANGER, "code": code,
            "new_form": "courier", "place_unit_id": Unit.objects.get(code="610104002").pk, "consent": True}
    right = client.post("/api/v1/membership/join", body, content_type="application/json")
    wrong = client.post("/api/v1/membership/join", {**body, "name": "王不对"}, content_type="application/json")
    assert right.status_code == wrong.status_code == 422 and right.json() == wrong.json()
    page = client.post("/membership/join/", {**body, "place": body["place_unit_id"], "consent": "1"})
    assert page.status_code == 200 and "_auth_user_id" not in client.session
    assert target.name not in page.content.decode() or target.name == body["name"]
    assert not User.objects.filter(phone_hash=auth.phone_hash(STRANGER)).exists()


def test_the_phone_on_file_proves_the_person(persona) -> None:  # noqa: ANN001
    person = _registry_file(persona, phone="13712340077")
    user, application, new_account = _join(person.name, person.id_number, "13712340077",
                                           code_for("13712340077", "join"))
    person.refresh_from_db()
    assert person.user == user and new_account and application.person == person
    assert IdentityVerification.objects.get(person=person, user=user).method == "phone_on_file"


def test_the_realname_service_proves_the_person_and_the_disabled_default_proves_nobody(persona, settings) -> None:  # noqa: ANN001
    person = _registry_file(persona)
    FakeRealName.vouched, FakeRealName.calls = {(person.name, person.id_number, STRANGER)}, []
    with pytest.raises(ValidationError):  # no service configured: the default vouches for nobody, calls nobody
        _join(person.name, person.id_number, STRANGER, code_for(STRANGER, "join"))
    assert FakeRealName.calls == [] and identity.realname_backend().available is False
    settings.GONGHUI_REALNAME_BACKEND = REALNAME
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        user, _application, _new = _join(person.name, person.id_number, STRANGER, code_for(STRANGER, "join"))
    person.refresh_from_db()
    assert person.user == user
    assert IdentityVerification.objects.get(person=person).method == "realname_service"


def test_a_refused_join_of_a_new_person_leaves_no_trace(persona) -> None:  # noqa: ANN001
    """self_register succeeds, then the application is refused (no consent): the account and the file go too."""
    code = code_for(STRANGER, "join")
    before = _rows()
    with pytest.raises(ValidationError, match="同意"):
        membership.join_online(name="骆小骑", id_number=valid_id("61010419970101123"), phone=STRANGER, code=code,
                               new_form="courier", place=Unit.objects.get(code="610104002"), consent=False)
    assert _rows() == before
    assert SmsCode.objects.get(phone_hash=auth.phone_hash(STRANGER)).used_at is None


def test_a_joining_code_never_signs_in_an_account_that_existed(persona, client) -> None:  # noqa: ANN001
    """Whoever holds an official's number still signs in by the official's own means (and second factor)."""
    phone = persona("beiyuanmen").phone
    code = code_for(phone, "join")
    response = client.post("/membership/join/", {
        "name": "白院门", "id_number": valid_id("61010419800101123"), "phone": phone, "code": code,
        "new_form": "courier", "place": Unit.objects.get(code="610104002").pk, "consent": "1"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_a_number_bound_to_another_file_does_not_open_a_second_one(persona) -> None:  # noqa: ANN001
    code = code_for(persona("worker1").phone, "join")
    before = _rows()
    with pytest.raises(ValidationError, match="另一份职工档案"):
        _join("张小明", valid_id("61010419900101123"), persona("worker1").phone, code)
    assert _rows() == before


# --- re-binding a file's login number ---

def _rebind(person: Person, number: str) -> PhoneRebind | None:
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):  # the old number is told once the request is stored
        return membership.rebind_phone(phone=number, code=code_for(number, "rebind"), name=person.name,
                                       id_number=person.id_number)


OWNER = "13712340044"


def _owned_file(persona) -> Person:  # noqa: ANN001
    """A worker who joined online with the phone on their file, and has nothing open anywhere."""
    person = _registry_file(persona, phone=OWNER)
    _join(person.name, person.id_number, OWNER, code_for(OWNER, "join"))
    person.refresh_from_db()
    sms.outbox.clear()
    return person


def test_a_stranger_cannot_rebind_without_a_proof(persona) -> None:  # noqa: ANN001
    """No real-name service: the stranger's request waits for the union, the owner's number is told at once, and
    the account stays the owner's."""
    target = _worker1_file(persona)
    record = _rebind(target, STRANGER)
    assert record.state == PhoneRebind.State.HELD and record.takes_effect_at is None
    assert persona("worker1").phone == "13900000001"
    told = [m for m in sms.outbox if m.phone == "13900000001"]
    assert told and "工会核验" in told[-1].text
    with time_machine.travel(timezone.now() + timedelta(days=30), tick=False):
        assert membership.apply_due_rebinds() == 0
    assert persona("worker1").phone == "13900000001"


def test_the_cooling_period_boundary_and_the_lazy_application(persona, settings) -> None:  # noqa: ANN001
    target = _owned_file(persona)
    settings.GONGHUI_REALNAME_BACKEND = REALNAME
    FakeRealName.vouched = {(target.name, target.id_number, "13712340055")}
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        record = _rebind(target, "13712340055")
    assert record.state == PhoneRebind.State.PENDING
    told = [m for m in sms.outbox if m.phone == OWNER]
    assert told and "取消" in told[-1].text  # the old number is told at once
    with time_machine.travel(start + timedelta(hours=71, minutes=59), tick=False):
        assert membership.apply_due_rebinds() == 0
        auth.request_sms_code(phone="13712340055", ip=None)  # the new number asks to sign in: still too early
    assert PhoneRebind.objects.get(pk=record.pk).state == PhoneRebind.State.PENDING
    assert User.objects.get(pk=target.user_id).phone == OWNER
    with time_machine.travel(start + timedelta(hours=72), tick=False):
        ok, _message = auth.request_sms_code(phone="13712340055", ip=None)  # lazily applied
    assert ok and PhoneRebind.objects.get(pk=record.pk).state == PhoneRebind.State.DONE
    assert User.objects.get(pk=target.user_id).phone == "13712340055"
    assert sms.outbox[-1].phone == "13712340055" and "登录验证码" in sms.outbox[-1].text


def test_the_owner_cancels_from_the_old_number(persona, settings, client) -> None:  # noqa: ANN001
    target = _owned_file(persona)
    settings.GONGHUI_REALNAME_BACKEND = REALNAME
    FakeRealName.vouched = {(target.name, target.id_number, STRANGER)}
    record = _rebind(target, STRANGER)
    with pytest.raises(ValidationError):  # the stranger's own number cannot cancel anything, nor a wrong code
        membership.cancel_rebinds_from_old_number(phone=OWNER, code="000000")
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False), \
            pytest.raises(ValidationError):  # a code for another purpose cannot cancel
        membership.cancel_rebinds_from_old_number(phone=OWNER, code=code_for(OWNER, "rebind"))
    with time_machine.travel(timezone.now() + timedelta(minutes=4), tick=False):
        client.post("/membership/join/code/", {"phone": OWNER, "purpose": "rebind_cancel"})
        code = sms.outbox[-1].text.split("验证码 ")[1][:6]
        response = client.post("/membership/rebind/cancel/", {"phone": OWNER, "code": code})
    assert response.status_code == 302
    assert PhoneRebind.objects.get(pk=record.pk).state == PhoneRebind.State.CANCELLED
    with time_machine.travel(timezone.now() + timedelta(hours=73), tick=False):
        assert membership.apply_due_rebinds() == 0
    assert User.objects.get(pk=target.user_id).phone == OWNER


def test_the_union_cancels_a_waiting_change(persona, settings, client_for) -> None:  # noqa: ANN001
    target = _owned_file(persona)
    settings.GONGHUI_REALNAME_BACKEND = REALNAME
    FakeRealName.vouched = {(target.name, target.id_number, STRANGER)}
    record = _rebind(target, STRANGER)
    assert record.state == PhoneRebind.State.PENDING
    assert client_for("qingnianlu").post(f"/membership/rebinds/{record.pk}/review/",
                                         {"cancel": "1", "note": "x"}).status_code == 404  # another street's
    assert client_for("meilihao").post(f"/membership/rebinds/{record.pk}/review/",
                                       {"cancel": "1", "note": "本人来电，非本人申请"}).status_code == 302
    assert PhoneRebind.objects.get(pk=record.pk).state == PhoneRebind.State.CANCELLED


def _vouched_rebind(settings, person: Person) -> PhoneRebind:  # noqa: ANN001
    settings.GONGHUI_REALNAME_BACKEND = REALNAME
    FakeRealName.vouched = {(person.name, person.id_number, STRANGER)}
    return _rebind(person, STRANGER)


def test_an_official_account_always_needs_the_union(persona, settings) -> None:  # noqa: ANN001
    person = _registry_file(persona)
    Person.objects.filter(pk=person.pk).update(user=persona("beiyuanmen"))
    person.refresh_from_db()
    record = _vouched_rebind(settings, person)
    assert record.state == PhoneRebind.State.HELD and "职务" in record.why_held


def test_an_open_relief_application_always_needs_the_union(persona, settings) -> None:  # noqa: ANN001
    from gonghui.relief.models import Application

    application = Application.objects.filter(state__in=["submitted", "notice", "approved"]).select_related(
        "person").first()
    record = _vouched_rebind(settings, application.person)
    assert record.state == PhoneRebind.State.HELD and "帮扶" in record.why_held


def test_an_open_mediation_case_always_needs_the_union(persona, settings) -> None:  # noqa: ANN001
    from gonghui.mediation.models import Case, Party

    party = Party.objects.filter(person__isnull=False, case__state__in=Case.OPEN).select_related("person").first()
    record = _vouched_rebind(settings, party.person)
    assert record.state == PhoneRebind.State.HELD and "调解" in record.why_held


def test_the_union_verifies_in_person_on_its_page_and_nobody_else_can(persona, client_for) -> None:  # noqa: ANN001
    person = _registry_file(persona)
    assert client_for("qingnianlu").get(f"/people/{person.pk}/verify/").status_code == 404
    assert client_for("qingnianlu").post(f"/people/{person.pk}/verify/", {
        "method": "union_in_person", "evidence": "核对身份证原件", "phone": STRANGER}).status_code == 404
    assert client_for("worker1").get(f"/people/{person.pk}/verify/").status_code in (302, 404)
    form = {"method": "union_in_person", "evidence": "核对身份证原件，证件号后四位一致", "phone": "13712340066"}
    refused = client_for("beiyuanmen").post(f"/people/{person.pk}/verify/", form)  # the number is not proved
    assert refused.status_code == 200 and not IdentityVerification.objects.filter(person=person).exists()
    response = client_for("beiyuanmen").post(f"/people/{person.pk}/verify/", {
        **form, "phone_code": code_for("13712340066", "phone_new")})
    assert response.status_code == 302
    person.refresh_from_db()
    verification = IdentityVerification.objects.get(person=person)
    assert verification.verified_by == persona("beiyuanmen") and verification.method == "union_in_person"
    assert person.user.phone == "13712340066" and identity.is_verified(person, person.user)
    with pytest.raises(ValidationError):  # a name and an ID number are not a method
        identity.verify_by_union(actor=persona("beiyuanmen"), person=person, method="phone_on_file",
                                 evidence="对方报出了身份证号")


# --- the profile page and the login phone ---

def test_the_login_phone_changes_only_with_both_codes(persona) -> None:  # noqa: ANN001
    worker = persona("worker1")
    new, current = "13712340088", worker.phone
    with pytest.raises(ValidationError):
        orgs_services.update_own_contact(actor=worker, display_name="张小明", phone=new)
    new_code = code_for(new, "phone_new")
    with pytest.raises(ValidationError, match="当前手机号"):
        orgs_services.update_own_contact(actor=worker, display_name="张小明", phone=new, new_code=new_code)
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        new_code = code_for(new, "phone_new")
        current_code = code_for(current, "phone_current")
        with pytest.raises(ValidationError, match="新手机号"):  # the codes are not interchangeable
            orgs_services.update_own_contact(actor=worker, display_name="张小明", phone=new, new_code=current_code,
                                             current_code=new_code)
    assert User.objects.get(pk=worker.pk).phone == current
    with time_machine.travel(timezone.now() + timedelta(minutes=4), tick=False):
        orgs_services.update_own_contact(actor=worker, display_name="张小明", phone=new,
                                         new_code=code_for(new, "phone_new"),
                                         current_code=code_for(current, "phone_current"))
    assert User.objects.get(pk=worker.pk).phone == new


def test_the_profile_page_refuses_a_phone_change_without_codes(client_for, persona) -> None:  # noqa: ANN001
    response = client_for("worker1").post("/accounts/profile/", {"display_name": "张小明", "phone": STRANGER})
    assert response.status_code == 200 and "验证码" in response.content.decode()
    assert persona("worker1").phone == "13900000001"
    assert client_for("worker1").post("/accounts/profile/", {"display_name": "张晓明", "phone": "13900000001"}) \
        .status_code == 302  # the name alone changes freely


def test_the_file_phone_changes_only_with_a_code(client_for, persona) -> None:  # noqa: ANN001
    data = {"phone": STRANGER, "residence": "", "emergency_name": "", "emergency_phone": ""}
    assert client_for("worker1").post("/me/file/", data).status_code == 200
    assert _worker1_file(persona).phone == "13900000001"
    code = code_for(STRANGER, "phone_new")
    assert client_for("worker1").post("/me/file/", {**data, "phone_code": code}).status_code == 302
    assert _worker1_file(persona).phone == STRANGER


# --- looking a person up by ID number for a service ---

def test_another_streets_file_gets_a_pending_link_and_reveals_nothing(persona) -> None:  # noqa: ANN001
    """青年路 names 北院门's worker1 by ID number: right name or wrong, the answer is a pending link, nothing is
    attached, and the file is untouched."""
    target = _worker1_file(persona)
    qingnian = Unit.objects.get(code="610104002001")
    answers = []
    for name in (target.name, "王不对"):
        found = orgs_services.file_for_service(actor=persona("qingnianlu"), id_number=target.id_number, name=name,
                                               unit=qingnian, purpose=f"test {name}")
        assert isinstance(found, PersonLink) and found.state == "pending" and found.unit == target.unit
        answers.append(type(found))
    assert answers[0] is answers[1]
    # Inside the street the file is found, and a wrong name is said to be wrong.
    beiyuanmen = Unit.objects.get(code="610104001001")
    assert orgs_services.file_for_service(actor=persona("beiyuanmen"), id_number=target.id_number, name=target.name,
                                          unit=beiyuanmen, purpose="x") == target


def test_id_lookups_outside_the_street_are_rate_limited(persona, settings) -> None:  # noqa: ANN001
    settings.GONGHUI_ID_LOOKUPS_PER_HOUR = 3
    target = _worker1_file(persona)
    qingnian = Unit.objects.get(code="610104002001")
    for i in range(3):
        orgs_services.file_for_service(actor=persona("qingnianlu"), id_number=target.id_number, name="x",
                                       unit=qingnian, purpose=f"probe {i}")
    with pytest.raises(ValidationError, match="频繁"):
        orgs_services.file_for_service(actor=persona("qingnianlu"), id_number=target.id_number, name="x",
                                       unit=qingnian, purpose="probe 3")
    assert IdLookup.objects.filter(actor=persona("qingnianlu")).count() == 3
    with time_machine.travel(timezone.now() + timedelta(hours=1, seconds=1), tick=False):
        orgs_services.file_for_service(actor=persona("qingnianlu"), id_number=target.id_number, name="x",
                                       unit=qingnian, purpose="probe 4")


def test_an_oral_application_naming_another_streets_worker_waits_for_their_union(persona, client_for) -> None:  # noqa: ANN001
    """青年路's committee records an oral application naming 北院门's worker1: the party is attached to no file
    and no account (worker1's account does not see the case) until 北院门 confirms."""
    from gonghui.mediation import services as mediation
    from gonghui.mediation.models import MediationBody, Party

    target = _worker1_file(persona)
    body = MediationBody.objects.filter(unit__code="610104002").first()
    employer = Person.objects.get(user=persona("worker2")).employer
    recorder = User.objects.filter(role_assignments__unit=body.unit, role_assignments__role="mediator").first() \
        or persona("qingnianlu")
    case = mediation.record_oral_application(
        actor=recorder, body=body, employer=employer, category="wages", claims="支付拖欠工资", facts="两个月未发",
        knew_on=timezone.localdate(), applicants=[mediation.Applicant(name=target.name, id_number=target.id_number)])
    party = Party.objects.get(case=case)
    assert party.person is None and party.user is None and party.name == target.name
    assert client_for("worker1").get(f"/mediation/cases/{case.pk}/").status_code == 404
    link = PersonLink.objects.get(object_type="mediation.party", object_id=str(party.pk))
    assert client_for("qingnianlu").post(f"/people/links/{link.pk}/decide/", {"confirm": "1"}).status_code == 404
    assert client_for("beiyuanmen").post(f"/people/links/{link.pk}/decide/",
                                         {"confirm": "1", "note": "电话联系本人确认"}).status_code == 302
    party.refresh_from_db()
    assert party.person == target and party.user == persona("worker1")


# --- the union's verification that moves the login number tells the old number ---

def _union_verifies(persona, person: Person, number: str):  # noqa: ANN001, ANN202
    from django.test import TestCase

    code = code_for(number, "phone_new")
    sms.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        return identity.verify_by_union(actor=persona("beiyuanmen"), person=person, method="union_in_person",
                                        evidence="核对身份证原件，证件号后四位一致", phone=number, phone_code=code)


def test_the_unions_verification_binding_a_new_number_tells_the_old_one(persona) -> None:  # noqa: ANN001
    """An official (or one who tricked them) binds another number to worker1's file: the old number hears of it
    at once, and the audit names both numbers, masked."""
    person = _worker1_file(persona)
    old = person.user.phone
    _union_verifies(persona, person, STRANGER)
    person.refresh_from_db()
    assert person.user.phone == STRANGER
    told = [m for m in sms.outbox if m.phone == old]
    assert len(told) == 1 and "登录手机号已由" in told[0].text and "5678" in told[0].text
    assert STRANGER not in told[0].text  # the new number is masked in the message
    event = AuditEvent.objects.filter(subject_user_id=person.user_id, changes__has_key="login_phone").get()
    masked_old, masked_new = event.changes["login_phone"]
    assert masked_old.endswith(old[-4:]) and old not in masked_old
    assert masked_new.endswith("5678") and STRANGER not in masked_new
    assert event.actor_id == persona("beiyuanmen").pk


def test_the_unions_verification_keeping_the_same_number_tells_nobody(persona) -> None:  # noqa: ANN001
    person = _worker1_file(persona)
    _union_verifies(persona, person, person.user.phone)
    assert sms.outbox == []
    assert not AuditEvent.objects.filter(changes__has_key="login_phone").exists()


def test_the_unions_first_binding_of_a_file_without_account_tells_nobody(persona) -> None:  # noqa: ANN001
    person = _registry_file(persona)
    _union_verifies(persona, person, "13712340066")
    person.refresh_from_db()
    assert person.user.phone == "13712340066" and sms.outbox == []
