"""Fixing one's own data: a taken phone number re-bound by its owner, corrections, merging duplicates."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from gonghui.core.models import AuditEvent
from gonghui.membership import services
from gonghui.membership.models import CorrectionRequest, Membership, PhoneRebind
from gonghui.orgs import services as orgs_services
from gonghui.orgs.auth import phone_hash
from gonghui.orgs.models import Person, User
from tests import samples
from tests.registry.sheets import valid_id

pytestmark = pytest.mark.django_db
PNG = samples.png()


def registered(persona, code: str = "610104001001") -> Person:  # noqa: ANN001
    """A registry person (imported by the union) with an ID number we know, and no account yet."""
    number = valid_id("61010419880808123")
    person = Person.objects.filter(id_masked=number[:4] + "**********" + number[-4:]).first()
    if person is None:
        from gonghui.orgs.models import Unit

        person = orgs_services.create_person(actor=persona("admin"), id_number=number, name="周小燕",
                                             unit=Unit.objects.get(code=code), phone="")
    return person


def test_a_taken_number_is_rebound_by_its_owner_without_an_administrator(persona, client) -> None:  # noqa: ANN001
    person = registered(persona)
    old_holder = persona("worker2")  # the number once belonged to someone else's account
    number = old_holder.phone
    record, user = services.rebind_phone(phone=number, code_ok=True, name="周小燕", id_number=person.id_number)
    assert record.state == PhoneRebind.State.DONE and user is not None
    person.refresh_from_db()
    assert person.user == user and user.phone == number and person.phone == number
    old_holder.refresh_from_db()
    assert old_holder.phone == "" and old_holder.phone_hash is None
    assert AuditEvent.objects.filter(object_type="orgs.user", object_id=str(old_holder.pk),
                                     subject_user_id=old_holder.pk).exists()  # the release is audited for them too


def test_the_identity_must_match_the_file(persona) -> None:  # noqa: ANN001
    person = registered(persona)
    with pytest.raises(ValidationError, match="不符"):
        services.rebind_phone(phone="13712340000", code_ok=True, name="周小", id_number=person.id_number)
    with pytest.raises(ValidationError, match="验证码"):
        services.rebind_phone(phone="13712340000", code_ok=False, name="周小燕", id_number=person.id_number)


def test_repeated_rebinding_goes_to_the_union_for_review(persona) -> None:  # noqa: ANN001
    person = registered(persona)
    services.rebind_phone(phone="13712340001", code_ok=True, name="周小燕", id_number=person.id_number)
    services.rebind_phone(phone="13712340002", code_ok=True, name="周小燕", id_number=person.id_number)
    record, user = services.rebind_phone(phone="13712340003", code_ok=True, name="周小燕", id_number=person.id_number)
    assert record.state == PhoneRebind.State.HELD and user is None
    person.refresh_from_db()
    assert person.user.phone == "13712340002"  # unchanged until reviewed
    with pytest.raises(ValidationError):
        services.review_rebind(actor=persona("meilihao"), record=record, approve=True, note="")
    services.review_rebind(actor=persona("meilihao"), record=record, approve=True, note="电话核实为本人")
    person.user.refresh_from_db()
    assert person.user.phone == "13712340003"


def test_a_correction_with_evidence_is_decided_by_the_union(persona) -> None:  # noqa: ANN001
    person = registered(persona)
    user, person = orgs_services.self_register(name="周小燕", id_number=person.id_number, phone="13712349999",
                                               unit=person.unit)
    right = valid_id("61010419880808124")
    with pytest.raises(ValidationError, match="证明材料"):
        services.request_correction(actor=user, person=person, field="id_number", new_value=right, reason="录错一位")
    request = services.request_correction(actor=user, person=person, field="id_number", new_value=right,
                                          reason="录错一位", evidence=SimpleUploadedFile("id.png", PNG))
    decided = services.decide_correction(actor=persona("meilihao"), request=request, approve=True, note="核对身份证原件")
    assert decided.state == CorrectionRequest.State.APPROVED
    person.refresh_from_db()
    assert person.id_number == right and person.id_masked.endswith(right[-4:])
    assert AuditEvent.objects.filter(object_type="orgs.person", object_id=str(person.pk), reason__contains="核对").exists()


def test_duplicates_are_merged_by_an_official_with_both_histories(persona) -> None:  # noqa: ANN001
    from gonghui.orgs.selectors import person_history

    keep = registered(persona)
    duplicate = orgs_services.create_person(actor=persona("admin"), id_number=valid_id("61010419880808125"),
                                            name="周小燕", unit=keep.unit, phone="")
    duplicate_membership = Membership.objects.create(person=duplicate, unit=keep.unit, number="DUP-1",
                                                    since=keep.created_at.date(), joined_unit_on=keep.created_at.date())
    with pytest.raises(Http404):  # not in 青年路's reach
        orgs_services.merge_people(actor=persona("qingnianlu"), keep=keep, duplicate=duplicate, reason="同一人")
    merged = orgs_services.merge_people(actor=persona("beiyuanmen"), keep=keep, duplicate=duplicate,
                                        reason="身份证号录错，同一人")
    duplicate.refresh_from_db()
    duplicate_membership.refresh_from_db()
    assert duplicate.merged_into == merged and duplicate_membership.person == keep
    events = list(person_history(persona("beiyuanmen"), keep))
    assert {e.object_id for e in events} >= {str(keep.pk), str(duplicate.pk)}
    with pytest.raises(ValidationError):
        orgs_services.merge_people(actor=persona("beiyuanmen"), keep=keep, duplicate=duplicate, reason="again")


def test_merging_two_files_that_are_both_members_is_refused(persona) -> None:  # noqa: ANN001
    members = list(Membership.objects.filter(unit__code="610104001001", ended_on__isnull=True)[:2])
    with pytest.raises(ValidationError, match="在办记录"):
        orgs_services.merge_people(actor=persona("beiyuanmen"), keep=members[0].person, duplicate=members[1].person,
                                   reason="测试")
    assert all(Membership.objects.get(pk=m.pk).person_id == m.person_id for m in members)


def test_the_rebind_page_signs_the_owner_in(persona, client) -> None:  # noqa: ANN001
    import re

    from gonghui.core import sms

    person = registered(persona)
    client.post("/membership/join/code/", {"phone": "13712348888"})
    code = re.search(r"验证码 (\d{6})", sms.outbox[-1].text).group(1)
    response = client.post("/membership/rebind/", {"phone": "13712348888", "code": code, "name": "周小燕",
                                                   "id_number": person.id_number})
    assert response.status_code == 302 and response["Location"] == "/membership/"
    assert User.objects.get(phone_hash=phone_hash("13712348888")) == Person.objects.get(pk=person.pk).user


def test_the_public_api_joins_and_rebinds_with_a_code(persona, client) -> None:  # noqa: ANN001
    import re

    from gonghui.core import sms
    from gonghui.orgs.models import Unit

    sent = client.post("/api/v1/membership/code", {"phone": "13712347777"}, content_type="application/json")
    assert sent.status_code == 200
    code = re.search(r"验证码 (\d{6})", sms.outbox[-1].text).group(1)
    body = {"name": "骆小骑", "id_number": valid_id("61010419970101123"), "phone": "13712347777", "code": "000000",
            "new_form": "courier", "place_unit_id": Unit.objects.get(code="610104002").pk, "consent": True}
    wrong = client.post("/api/v1/membership/join", body, content_type="application/json")
    assert wrong.status_code == 422 and "验证码" in wrong.json()["message"]
    joined = client.post("/api/v1/membership/join", {**body, "code": code}, content_type="application/json")
    assert joined.status_code == 201 and joined.json()["state"] == "submitted"
    assert Unit.objects.get(pk=joined.json()["unit_id"]).kind == "joint"  # 青年路 has no industry union


def test_officials_keep_or_end_membership_through_the_api(persona) -> None:  # noqa: ANN001
    from django.test import Client

    from gonghui.orgs.services import issue_api_token

    membership = Membership.objects.filter(unit__code="610104001001", ended_on__isnull=True).first()
    _, raw = issue_api_token(user=persona("meilihao"))
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    kept = api.post(f"/api/v1/membership/members/{membership.pk}", {"action": "retain", "reason": "retired"},
                    content_type="application/json")
    assert kept.status_code == 200 and kept.json()["status"] == "retained"
    ended = api.post(f"/api/v1/membership/members/{membership.pk}", {"action": "end", "reason": "本人退会"},
                     content_type="application/json")
    assert ended.status_code == 200 and ended.json()["ended_on"]


def test_rebindings_older_than_thirty_days_do_not_count(persona) -> None:  # noqa: ANN001
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    person = registered(persona)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        services.rebind_phone(phone="13712340011", code_ok=True, name="周小燕", id_number=person.id_number)
        services.rebind_phone(phone="13712340012", code_ok=True, name="周小燕", id_number=person.id_number)
    with time_machine.travel(start + timedelta(days=30), tick=False):  # both still inside the window
        record, _user = services.rebind_phone(phone="13712340013", code_ok=True, name="周小燕",
                                              id_number=person.id_number)
        assert record.state == PhoneRebind.State.HELD
    with time_machine.travel(start + timedelta(days=30, seconds=1), tick=False):  # both just outside it
        record, _user = services.rebind_phone(phone="13712340014", code_ok=True, name="周小燕",
                                              id_number=person.id_number)
        assert record.state == PhoneRebind.State.DONE
