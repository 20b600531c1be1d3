"""Membership: routing, the decision clock and its escalation, transfer, the one-union rule, the e-card."""

from __future__ import annotations

import os
import threading
from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from gonghui.membership import cards, services
from gonghui.membership.models import JoinApplication, Membership, Transfer
from gonghui.orgs.models import Enterprise, Person, Unit

pytestmark = pytest.mark.django_db


def outsider(code: str) -> Person:
    return Person.objects.filter(unit__code=code, membership="non_member", user__isnull=True,
                                 join_applications__isnull=True).order_by("id").first()


def enterprise_under(unit: Unit, name: str = "无工会小微企业") -> Enterprise:
    return Enterprise.objects.create(name=name, credit_code=f"91610104MA{Enterprise.objects.count():07d}X"[:18],
                                     unit=unit, province_id=unit.province_id)


# --- routing (工会法 第三条, 第十一条) ---

def test_an_employer_with_its_own_union_takes_the_application(unit) -> None:  # noqa: ANN001
    hotel = Enterprise.objects.filter(unit__code="610104001001").first()
    target = services.route(employer=hotel)
    assert target.unit.code == "610104001001" and "本单位工会" in target.reason


def test_an_employer_without_a_union_goes_to_the_streets_joint_union(unit) -> None:  # noqa: ANN001
    small = enterprise_under(unit("610104001"))
    target = services.route(employer=small)
    assert target.unit.kind == Unit.Kind.JOINT and target.unit.parent.code == "610104001"


def test_new_form_workers_join_the_industry_union_of_where_they_work(unit) -> None:  # noqa: ANN001
    rider = services.route(employer=None, new_form="rider", place=unit("610104001"))
    assert rider.unit.kind == Unit.Kind.INDUSTRY and rider.unit.code == "610104001005"
    # 青年路 has no industry union: its joint union takes them
    other = services.route(employer=None, new_form="courier", place=unit("610104002"))
    assert other.unit.kind == Unit.Kind.JOINT and other.unit.parent.code == "610104002"
    with pytest.raises(ValidationError):
        services.route(employer=None, new_form="rider", place=None)


# --- the decision clock: 3 working days, then the union above ---

def test_the_clock_counts_working_days_and_escalates_across_a_holiday(persona, unit) -> None:  # noqa: ANN001
    person = outsider("610104001001")
    with time_machine.travel("2026-09-30 10:00 +0800", tick=False):
        application = services.apply_to_join(actor=persona("admin"), person=person,
                                             employer=Enterprise.objects.filter(unit__code="610104001001").first(),
                                             consent=True)
    # 1–7 October are holidays; Saturday 10 October is a working day: the third one is 10 October.
    assert application.due_on == date(2026, 10, 10)
    assert services.escalate_overdue(today=date(2026, 10, 10)) == 0
    assert services.escalate_overdue(today=date(2026, 10, 11)) == 1
    application.refresh_from_db()
    assert application.current_unit.code == "610104001" and application.escalated
    assert application.steps.filter(action="escalate").exists()
    assert application.due_on == date(2026, 10, 14)  # a new clock at the street: 12, 13, 14 October


def test_decisions_need_reasons_and_approval_makes_a_member(persona) -> None:  # noqa: ANN001
    person = outsider("610104001001")
    application = services.apply_to_join(actor=persona("admin"), person=person, consent=True,
                                         employer=Enterprise.objects.filter(unit__code="610104001001").first())
    with pytest.raises(ValidationError):
        services.decide(actor=persona("meilihao"), application=application, decision="reject")
    returned = services.decide(actor=persona("meilihao"), application=application, decision="return",
                               reason="请补充工作证明")
    assert returned.state == JoinApplication.State.RETURNED
    services.resubmit(actor=persona("admin"), application=returned, note="已补充劳动合同")
    approved = services.decide(actor=persona("meilihao"), application=returned, decision="approve")
    membership = approved.membership
    assert membership.unit.code == "610104001001" and membership.number.startswith("6100")
    person.refresh_from_db()
    assert person.membership == "member" and person.member_since == membership.since
    with pytest.raises(ValidationError, match="已经是工会会员"):
        services.apply_to_join(actor=persona("admin"), person=person, consent=True,
                               employer=Enterprise.objects.filter(unit__code="610104001001").first())


def test_consent_is_required(persona) -> None:  # noqa: ANN001
    with pytest.raises(ValidationError, match="同意"):
        services.apply_to_join(actor=persona("admin"), person=outsider("610104001001"),
                               employer=Enterprise.objects.filter(unit__code="610104001001").first())


# --- transfer (章程 第五条): the new union accepts, the old one releases, or the one above when late ---

def test_transfer_keeps_the_membership_age_and_the_union_above_releases_when_late(persona, unit) -> None:  # noqa: ANN001
    membership = Membership.objects.filter(unit__code="610104001001", ended_on__isnull=True,
                                           person__user__isnull=True).first()
    since = membership.since
    with time_machine.travel("2026-06-01 10:00 +0800", tick=False):
        transfer = services.request_transfer(actor=persona("admin"), membership=membership,
                                             to_unit=unit("610104001003"), reason="到新单位工作")
        transfer = services.accept_transfer(actor=persona("beiyuanmen"), transfer=transfer)
        assert transfer.release_due_on == date(2026, 6, 8)  # 5 working days
        # The street is above the old union: it may not release while the old union is in time.
        assert not services.can_release(persona("beiyuanmen"), transfer)
        with pytest.raises(ValidationError):
            services.release_transfer(actor=persona("beiyuanmen"), transfer=transfer)
    with time_machine.travel("2026-06-09 10:00 +0800", tick=False):
        assert services.can_release(persona("beiyuanmen"), transfer)
        done = services.release_transfer(actor=persona("beiyuanmen"), transfer=transfer)
    assert done.state == Transfer.State.DONE and done.released_by_above
    membership.refresh_from_db()
    assert membership.ended_on is not None
    assert (done.new_membership.unit.code, done.new_membership.since) == ("610104001003", since)
    assert Membership.objects.filter(person=membership.person, ended_on__isnull=True).count() == 1


def test_the_old_union_itself_releases_at_once(persona, unit) -> None:  # noqa: ANN001
    membership = Membership.objects.filter(unit__code="610104001001", ended_on__isnull=True,
                                           person__user__isnull=True).first()
    transfer = services.request_transfer(actor=persona("admin"), membership=membership,
                                         to_unit=unit("610104001002"), reason="换单位")
    services.accept_transfer(actor=persona("beiyuanmen"), transfer=transfer)
    done = services.release_transfer(actor=persona("meilihao"), transfer=transfer)
    assert done.state == Transfer.State.DONE and not done.released_by_above


def test_one_person_is_never_a_member_of_two_unions_in_the_database(unit) -> None:  # noqa: ANN001
    membership = Membership.objects.filter(ended_on__isnull=True).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(person=membership.person, unit=unit("610104001002"), number="X-1",
                                  since=membership.since, joined_unit_on=membership.since)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="real parallel transactions need PostgreSQL (`make test` runs it there too)")
def test_two_unions_approving_one_person_at_once_make_one_member(persona, unit) -> None:  # noqa: ANN001
    person = outsider("610104001001")
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def approve(code: str) -> None:
        try:
            start.wait(timeout=10)
            outcomes.append(services._open_membership(actor=persona("admin"), person=person, unit=unit(code),
                                                      since=timezone.localdate()))
        except Exception as error:  # noqa: BLE001 - counted below
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(code,)) for code in ("610104001002", "610104001003")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert Membership.objects.filter(person=person, ended_on__isnull=True).count() == 1
    assert sum(isinstance(o, Membership) for o in outcomes) == 1
    assert sum(isinstance(o, ValidationError) for o in outcomes) == 1


# --- the e-card ---

def test_the_card_token_is_valid_then_expires(persona) -> None:  # noqa: ANN001
    membership = Membership.objects.filter(ended_on__isnull=True).select_related("person", "unit").first()
    now = timezone.now()
    token, expires = cards.issue(membership, now=now)
    verdict = cards.verify(token, now=now + timedelta(seconds=299))
    assert verdict.status == cards.VALID and verdict.membership == membership
    assert cards.verify(token, now=expires + timedelta(seconds=1)).status == cards.EXPIRED


def test_a_tampered_or_foreign_token_is_refused() -> None:
    membership = Membership.objects.filter(ended_on__isnull=True).first()
    token, _ = cards.issue(membership)
    payload, signature = token.split(".")
    other = Membership.objects.filter(ended_on__isnull=True).exclude(pk=membership.pk).first()
    forged_payload = cards._b64(cards._unb64(payload).replace(membership.number.encode(), other.number.encode()))
    assert cards.verify(f"{forged_payload}.{signature}").status == cards.TAMPERED
    assert cards.verify("not-a-token").status == cards.TAMPERED
    assert cards.verify(token[:-4] + "AAAA").status == cards.TAMPERED


def test_ending_membership_revokes_the_card_at_once(persona) -> None:  # noqa: ANN001
    membership = Membership.objects.filter(unit__code="610104001001", ended_on__isnull=True).first()
    token, _ = cards.issue(membership)
    services.end_membership(actor=persona("meilihao"), membership=membership, reason="本人申请退会")
    assert cards.verify(token).status == cards.REVOKED
    membership.person.refresh_from_db()
    assert membership.person.membership == "non_member"


def test_retirement_keeps_membership_and_the_card(persona) -> None:  # noqa: ANN001
    membership = Membership.objects.filter(unit__code="610104001001", ended_on__isnull=True).first()
    services.retain(actor=persona("meilihao"), membership=membership, reason="retired")
    token, _ = cards.issue(membership)
    assert cards.verify(token).status == cards.VALID


def test_offline_verification_with_the_published_key(client) -> None:  # noqa: ANN001
    membership = Membership.objects.filter(ended_on__isnull=True).first()
    token, expires = cards.issue(membership)
    keys = client.get("/membership/card-keys.json").json()
    public = keys["keys"][0]["public_key"]
    assert keys["alg"] == "Ed25519" and "PRIVATE" not in public
    assert cards.verify_signature(token, public) == cards.VALID
    assert cards.verify_signature(token, public, now=expires + timedelta(seconds=1)) == cards.EXPIRED


def test_the_scanner_page_shows_a_masked_name(client) -> None:  # noqa: ANN001
    membership = Membership.objects.filter(ended_on__isnull=True).select_related("person").first()
    token, _ = cards.issue(membership)
    page = client.get("/membership/verify/", {"t": token}).content.decode()
    assert "有效会员" in page and membership.person.name not in page and membership.person.name[0] in page


# --- the API ---

def test_the_api_decides_within_scope_and_issues_the_card(persona, client_for) -> None:  # noqa: ANN001
    from django.test import Client

    from gonghui.orgs.services import issue_api_token

    application = JoinApplication.objects.filter(unit__code__startswith="610104001",
                                                 state=JoinApplication.State.SUBMITTED).first()
    foreign = JoinApplication.objects.filter(unit__code__startswith="610104002",
                                             state=JoinApplication.State.SUBMITTED).first()
    _, raw = issue_api_token(user=persona("beiyuanmen"))
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.post(f"/api/v1/membership/applications/{foreign.pk}/decision", {"decision": "approve"},
                    content_type="application/json").status_code == 404
    bad = api.post(f"/api/v1/membership/applications/{application.pk}/decision", {"decision": "reject"},
                   content_type="application/json")
    assert bad.status_code == 422 and "原因" in bad.json()["message"]
    done = api.post(f"/api/v1/membership/applications/{application.pk}/decision", {"decision": "approve"},
                    content_type="application/json")
    assert done.status_code == 200 and done.json()["state"] == "approved" and done.json()["membership_number"]
    person = application.person
    _, worker_raw = issue_api_token(user=persona("worker1"))
    card = Client(HTTP_AUTHORIZATION=f"Bearer {worker_raw}").get("/api/v1/membership/card").json()
    assert cards.verify(card["token"]).status == cards.VALID
    assert person.pk != persona("worker1").person.pk


def test_figures_count_members_rates_and_decision_times(persona, client_for) -> None:  # noqa: ANN001
    from gonghui.membership import selectors

    application = JoinApplication.objects.filter(unit__code__startswith="610104001",
                                                 state=JoinApplication.State.SUBMITTED).first()
    with time_machine.travel(application.submitted_at + timedelta(days=2), tick=False):
        services.decide(actor=persona("beiyuanmen"), application=application, decision="approve")
    figures = selectors.figures(persona("beiyuanmen"), Unit.objects.get(code="610104001"))
    assert figures["members"] == Membership.objects.filter(unit__code__startswith="610104001",
                                                           ended_on__isnull=True).count()
    assert 2.0 in (figures["median_days"], figures["p90_days"])
    hotel = next(r for r in figures["by_unit"] if r["name"] == "陕西美丽豪酒店管理有限公司工会")
    assert hotel["members"] == Membership.objects.filter(unit__code="610104001001", ended_on__isnull=True).count()
    response = client_for("beiyuanmen").get("/membership/figures.xlsx")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert client_for("beiyuanmen").get("/membership/figures/").status_code == 200


def test_a_registry_member_gets_the_membership_row_for_the_card(persona, client_for) -> None:  # noqa: ANN001
    worker = persona("worker1")
    Membership.objects.filter(person__user=worker).delete()
    page = client_for("worker1").get("/membership/").content.decode()
    membership = Membership.objects.get(person__user=worker, ended_on__isnull=True)
    assert membership.since == worker.person.member_since and membership.number in page


def test_the_escalation_command_runs(capsys) -> None:  # noqa: ANN001
    from django.core.management import call_command

    call_command("membership", "escalate")
    assert "escalated:" in capsys.readouterr().out


def test_the_persons_page_shows_the_membership(persona, client_for) -> None:  # noqa: ANN001
    membership = Membership.objects.filter(unit__code="610104001001", ended_on__isnull=True).first()
    page = client_for("beiyuanmen").get(f"/people/{membership.person_id}/").content.decode()
    assert membership.number in page


def test_the_printable_card_and_the_api_routes(persona, client_for) -> None:  # noqa: ANN001
    from django.test import Client

    from gonghui.orgs.services import issue_api_token

    response = client_for("worker1").get("/membership/card.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    _, raw = issue_api_token(user=persona("worker1"))
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    token = api.get("/api/v1/membership/card").json()["token"]
    checked = api.post("/api/v1/membership/verify", {"token": token}, content_type="application/json").json()
    assert checked["status"] == "valid" and "*" in checked["name"]
    moved = api.post("/api/v1/membership/transfers", {"to_unit_id": Unit.objects.get(code="610104001003").pk,
                                                      "reason": "换工作"}, content_type="application/json")
    assert moved.status_code == 201 and moved.json()["state"] == "requested"


def test_the_card_is_valid_up_to_its_expiry_second() -> None:
    membership = Membership.objects.filter(ended_on__isnull=True).first()
    now = timezone.now().replace(microsecond=0)
    token, expires = cards.issue(membership, now=now)
    assert expires == now + timedelta(seconds=300)
    assert cards.verify(token, now=expires).status == cards.VALID
    assert cards.verify(token, now=expires + timedelta(seconds=1)).status == cards.EXPIRED
