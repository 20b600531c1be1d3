"""Personal numbers stay masked everywhere: the attack is a signed-in user reading answers, not a stranger.

Every API GET operation and every page (edit forms included) is opened as each demo persona with the objects that
persona may see, and the answers are searched for the full ID numbers, phones and bank numbers of every seeded
person, account, applicant and payee. A full value is shown only by an audited reveal, which the person then sees on
their own page. Health data in filed reports is masked for readers who do not follow the people up.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db.models import Q
from django.test import Client

from gonghui.core.masking import scrubbed, shown
from gonghui.core.models import AuditEvent, PaymentEntry
from gonghui.mediation.models import Party
from gonghui.orgs import scoping
from gonghui.orgs.models import Person, User
from gonghui.orgs.services import issue_api_token
from gonghui.relief.models import Application
from gonghui.reports.models import Report
from tests.security.test_scoping_sweep import SIGN_OUT, _fill, all_routes, api_operations

VIEWERS = ["admin", "beiyuanmen", "shegong", "tiaojie", "meilihao", "worker1", "daibiao1", "hr_meilihao", "tianbao",
           "qingnianlu", "worker2"]


def _numbers_in(value: Any, keys: tuple[str, ...] = ("id_number", "phone", "contact_phone")) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key in keys and isinstance(item, str):
                found.add(item)
            else:
                found |= _numbers_in(item, keys)
    elif isinstance(value, list):
        for item in value:
            found |= _numbers_in(item, keys)
    return found


def full_values() -> dict[str, str]:
    """Every full personal number the demo holds, and whose it is."""
    values: dict[str, str] = {}
    for person in Person.objects.all():
        for field in ("id_number", "phone", "emergency_phone", "bank_account"):
            values[getattr(person, field)] = f"person {person.pk} {field}"
    for user in User.objects.exclude(phone=""):
        values[user.phone] = f"user {user.username} phone"
    for party in Party.objects.exclude(phone=""):
        values[party.phone] = f"mediation-party-{party.pk} phone"
    for application in Application.objects.exclude(bank_account=""):
        values[application.bank_account] = f"relief-application-{application.pk} bank_account"
    for entry in PaymentEntry.objects.exclude(bank_account=""):
        values[entry.bank_account] = f"payment-{entry.pk} bank_account"
    for report in Report.objects.all():
        for number in _numbers_in(report.data):
            values[number] = f"report-{report.pk} id_number"
    return {v: who for v, who in values.items() if v and len(v) >= 7}


def leaks(body: str, values: dict[str, str]) -> list[str]:
    digits = re.sub(r"[\s-]", "", body)
    return sorted(f"{who}: {value}" for value, who in values.items() if value in body or value in digits)


def _richest() -> dict[str, Any]:
    """Per URL keyword, the objects that carry the most personal data, tried first: a person with a phone and a
    bank number, the report (and its assignment) that names people in isolation."""
    report = _observed_report()
    return {"person_id": Q(pk__in=Person.objects.exclude(phone="").exclude(bank_account="").values("pk")),
            "report_task_id": Q(pk=report.assignment_id), "filed_report_id": Q(pk=report.pk)}


def own_objects(viewer: User) -> dict[str, Any]:
    """One object per URL keyword that the viewer may see (the richest answers are the viewer's own)."""
    found, richest = {}, _richest()
    for kwarg, policy in scoping.REGISTRY.items():
        mine = policy.filter(viewer).order_by("pk")
        obj = (mine.filter(richest[kwarg]).first() if kwarg in richest else None) or mine.first()
        if obj is not None:
            found[kwarg] = obj
    return found


def _day() -> dict[str, str]:
    """The query every GET is sent with: the day the demo's reports were filed (other operations ignore it)."""
    return {"day": _observed_report().period.isoformat()}


def test_the_sweep_knows_the_seeded_numbers(persona) -> None:  # noqa: ANN001
    """A guard on the sweep: it searches for ID numbers, phones, bank numbers and the reports' ID numbers."""
    values = full_values()
    kinds = {who.rsplit(" ", 1)[-1] for who in values.values()}
    assert {"id_number", "phone", "bank_account"} <= kinds, kinds
    assert "51010719880612101X" in values  # 王芳, in 北院门's daily report
    assert len(values) > 200


@pytest.mark.parametrize("viewer", VIEWERS)
def test_no_api_answer_holds_a_full_personal_number(viewer: str, persona) -> None:  # noqa: ANN001
    me = persona(viewer)
    values, objects = full_values(), own_objects(me)
    _, raw = issue_api_token(user=me)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    problems, answered = [], 0
    for path, method, _info in api_operations():
        if method != "get":
            continue
        params = re.findall(r"{(\w+)}", path)
        if any(p not in objects for p in params):
            continue
        url = re.sub(r"{(\w+)}", lambda m: str(objects[m.group(1)].pk), path)
        response = client.get(url, _day())
        if response.status_code == 200:
            answered += 1
        found = leaks(response.content.decode(errors="replace"), values)
        if found:
            problems.append(f"GET {url}: {found[:3]}")
    assert answered >= 3, "the sweep read almost nothing"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_no_page_or_edit_form_holds_a_full_personal_number(viewer: str, persona) -> None:  # noqa: ANN001
    me = persona(viewer)
    values, objects = full_values(), own_objects(me)
    client = Client()
    client.force_login(me)
    problems, answered = [], 0
    for route in all_routes():
        if route.is_admin or route.name in SIGN_OUT or route.name.startswith("api:"):
            continue
        if any(k not in objects for k in route.kwargs):
            continue
        url = _fill(route.template, {k: objects[k].pk for k in route.kwargs})
        response = client.get(url)
        if response.streaming or response.get("Content-Type", "").startswith("application/vnd"):
            continue  # spreadsheets are checked by the export tests (masked unless a full, audited export)
        if response.status_code == 200:
            answered += 1
        found = leaks(response.content.decode(errors="replace"), values)
        if found:
            problems.append(f"GET {url}: {found[:3]}")
    assert answered >= 3, "the sweep read almost nothing"
    assert not problems, "\n".join(problems)


def test_the_sweep_would_see_a_full_number(persona) -> None:  # noqa: ANN001
    """A guard on `leaks`: a full number is found, spaced or not; its masked form is not."""
    worker = Person.objects.filter(user__username="worker1").get()
    values = full_values()
    assert leaks(f"<td>{worker.id_number}</td>", values)
    spaced = " ".join(worker.phone[i:i + 4] for i in range(0, len(worker.phone), 4))
    assert leaks(spaced, values)
    assert not leaks(shown(worker.id_number, "id_number") + shown(worker.phone, "phone"), values)


# --- edit forms ---

def test_the_person_edit_form_prefills_masked_and_keeps_what_comes_back_unchanged(persona, client_for) -> None:  # noqa: ANN001
    person = Person.objects.filter(unit__in=scoping.units.filter(persona("beiyuanmen"))).exclude(phone="").first()
    Person.objects.filter(pk=person.pk).update()
    person.bank_account, person.emergency_phone = "6222020200998877665", "13700001234"
    person.save()
    client = client_for("beiyuanmen")
    page = client.get(f"/people/{person.pk}/edit/").content.decode()
    assert person.phone not in page and person.bank_account not in page and "13700001234" not in page
    assert f'value="{shown(person.phone, "phone")}"' in page
    assert f'value="{shown(person.bank_account, "bank_account")}"' in page
    before = AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL).count()
    form = {"name": person.name, "phone": shown(person.phone, "phone"), "unit": person.unit_id,
            "membership": person.membership, "member_since": person.member_since or "", "residence": "新地址",
            "emergency_phone": shown("13700001234", "phone"), "bank_account": "****7665", "basis": person.basis}
    response = client.post(f"/people/{person.pk}/edit/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    person.refresh_from_db()
    assert (person.residence, person.bank_account, person.emergency_phone) == (
        "新地址", "6222020200998877665", "13700001234")
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL).count() == before  # nothing was revealed
    # A new number typed over the mask replaces the stored one.
    client.post(f"/people/{person.pk}/edit/", form | {"bank_account": "6222020200111122223"})
    person.refresh_from_db()
    assert person.bank_account == "6222020200111122223"


def test_a_mask_changed_by_one_character_is_not_taken_for_the_stored_number(persona, client_for) -> None:  # noqa: ANN001
    """The boundary: only the exact mask keeps the stored value; anything else is new input, validated as such."""
    person = Person.objects.filter(unit__in=scoping.units.filter(persona("beiyuanmen"))).first()
    person.bank_account = "6222020200998877665"
    person.save()
    form = {"name": person.name, "phone": "", "unit": person.unit_id, "membership": person.membership,
            "member_since": person.member_since or "", "bank_account": "****7664", "basis": person.basis}
    response = client_for("beiyuanmen").post(f"/people/{person.pk}/edit/", form)
    assert response.status_code == 200  # refused: not 12 to 30 digits
    person.refresh_from_db()
    assert person.bank_account == "6222020200998877665"


@pytest.mark.parametrize(("url", "field"), [("/me/file/", "phone"), ("/accounts/profile/", "phone")])
def test_own_contact_forms_prefill_the_phone_masked(url: str, field: str, persona, client_for) -> None:  # noqa: ANN001
    worker = persona("worker1")
    page = client_for("worker1").get(url).content.decode()
    assert worker.phone not in page
    assert shown(worker.phone, "phone") in page


# --- the reveal ---

def test_a_reveal_is_audited_and_shown_to_the_person(persona, client_for) -> None:  # noqa: ANN001
    person = Person.objects.get(user__username="worker1")
    response = client_for("beiyuanmen").post(f"/people/{person.pk}/reveal/", {"field": "id_number", "reason": "核对"})
    assert person.id_number in response.content.decode()
    event = AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL, object_id=str(person.pk)).latest("at")
    assert event.subject_user_id == person.user_id and event.changes == {"field": "id_number"}
    assert person.id_number not in str(event.changes) + event.object_repr + event.reason
    own_page = client_for("worker1").get("/me/file/").content.decode()
    assert "核对" in own_page and "beiyuanmen" in own_page  # who looked, and why, on the person's own page
    assert response["Cache-Control"].startswith("no-store")


# --- health data in filed reports ---

def _observed_report() -> Report:
    return next(r for r in Report.objects.select_related("assignment", "enterprise").order_by("pk")
                if r.data.get("observed"))


@pytest.mark.parametrize(("viewer", "sees_health"), [
    ("beiyuanmen", True),    # the street's official follows the people up
    ("tianbao", True),       # the hotel's reporting contact typed them
    ("meilihao", False),     # the grassroots chair
    ("shegong", False),      # the social worker
    ("hr_meilihao", False),  # the employer's representative
])
def test_the_reports_api_masks_ids_always_and_health_data_for_those_not_following_up(
        viewer: str, sees_health: bool, persona) -> None:  # noqa: ANN001
    report = _observed_report()
    if viewer == "tianbao" and report.enterprise.name != "陕西美丽豪酒店管理有限公司":
        pytest.skip("the demo's observed report is not the hotel's")
    _, raw = issue_api_token(user=persona(viewer))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    answer = client.get(f"/api/v1/reports/assignments/{report.assignment_id}/reports",
                        {"day": report.period.isoformat()})
    assert answer.status_code == 200, answer.content
    assert answer["Cache-Control"].startswith("no-store")
    mine = [r for r in answer.json()["items"] if r["id"] == report.pk]
    assert mine, f"{viewer} should read the report"
    row, stored = mine[0]["data"]["observed"][0], report.data["observed"][0]
    assert row["id_number"] == shown(stored["id_number"], "id_number") != stored["id_number"]
    if sees_health:
        assert (row["temperature"], row["symptoms"]) == (stored["temperature"], stored["symptoms"])
    else:
        assert row["temperature"] == row["symptoms"] == "***"
        assert row["kind"] == stored["kind"] and row["name"] == stored["name"]  # the rest of the row stays


def test_the_filed_report_page_masks_health_data_for_a_chair(persona, client_for) -> None:  # noqa: ANN001
    report = _observed_report()
    stored = report.data["observed"][0]
    chair = client_for("meilihao").get(f"/reports/filed/{report.pk}/")
    official = client_for("beiyuanmen").get(f"/reports/filed/{report.pk}/")
    if chair.status_code == 404:
        pytest.skip("the chair does not reach this report's page")
    assert stored["id_number"] not in chair.content.decode() + official.content.decode()
    assert f">{stored['temperature']}<" not in chair.content.decode()
    assert f">{stored['temperature']}<" in official.content.decode()


# --- Cache-Control ---

def test_signed_in_answers_and_answers_that_set_a_session_are_not_stored(persona, client_for, settings) -> None:  # noqa: ANN001
    official = client_for("beiyuanmen")
    for url in ("/people/", f"/people/{Person.objects.get(user__username='worker1').pk}/", "/healthz"):
        assert official.get(url)["Cache-Control"].startswith("no-store"), url
    _, raw = issue_api_token(user=persona("beiyuanmen"))
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/people")["Cache-Control"].startswith("no-store")
    anonymous = Client()
    signed_in = anonymous.post("/accounts/login/", {"username": "worker1", "password": "Gonghui@2026"})
    assert settings.SESSION_COOKIE_NAME in signed_in.cookies
    assert signed_in["Cache-Control"].startswith("no-store")


def test_an_anonymous_public_page_may_be_cached(db) -> None:  # noqa: ANN001
    """The other side of the rule: the sign-in form to a stranger holds nothing personal."""
    response = Client().get("/privacy/")
    assert "no-store" not in response.get("Cache-Control", "")


# --- nothing plain at rest: sign-in attempts, export filters, log lines ---

def test_an_id_number_typed_as_a_user_name_is_not_kept(db, settings) -> None:  # noqa: ANN001
    from gonghui.orgs.models import LoginAttempt

    typed = "610104199203047716"
    for _ in range(settings.GONGHUI_LOCKOUT_THRESHOLD):
        Client().post("/accounts/login/", {"username": typed, "password": "x"})
    kept = list(LoginAttempt.objects.values_list("username", flat=True))
    assert kept and not any(typed in k for k in kept)
    audit_text = " ".join(f"{e.actor_label} {e.object_repr} {e.changes}" for e in AuditEvent.objects.all())
    assert typed not in audit_text and shown(typed, "id_number") in audit_text
    # Lockout still counts the repeated tries of the same typed name (the keyed hash is the same each time).
    assert LoginAttempt.objects.exclude(locked_until=None).exists()


def test_an_export_searched_by_id_keeps_no_plain_id(persona, client_for, settings) -> None:  # noqa: ANN001
    from gonghui.core.models import Job

    person = Person.objects.get(user__username="worker1")
    client = client_for("beiyuanmen")
    response = client.get("/people/export.xlsx", {"q": person.id_number})
    assert response.status_code == 200
    settings.GONGHUI_EXPORT_TASK_ROWS = 0  # the same export as a background job
    client.get("/people/export.xlsx", {"q": person.id_number})
    job = Job.objects.filter(kind="people.export").latest("pk")
    assert person.id_number not in str(job.params)
    events = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).order_by("-pk")[:2]
    assert events and all(person.id_number not in str(e.changes) for e in events)
    assert shown(person.id_number, "id_number") in str(events[0].changes)


def test_the_export_job_still_finds_the_person_searched_by_id(persona, settings) -> None:  # noqa: ANN001
    from gonghui.core.models import Job
    from gonghui.orgs import exports

    person = Person.objects.get(user__username="worker1")
    settings.GONGHUI_EXPORT_TASK_ROWS = 0
    job = exports.export(actor=persona("beiyuanmen"), what="people", filters={"query": person.id_number})
    assert isinstance(job, Job)
    exports.run_export(Job.objects.get(pk=job.pk))
    assert Job.objects.get(pk=job.pk).counts == {"rows": 1}


def test_a_404_log_line_masks_the_number_in_its_path(client_for, caplog) -> None:  # noqa: ANN001
    client = client_for("beiyuanmen")
    with caplog.at_level("WARNING", logger="django.request"):
        client.get("/people/610104199203047716/no-such-page/")
        client.get("/no-such/?q=13912345678")
    text = caplog.text + " ".join(str(r.args) for r in caplog.records)
    assert "Not Found" in text
    assert "610104199203047716" not in text and "13912345678" not in text
    assert "6101**********7716" in text


@pytest.mark.parametrize(("text", "kept"), [
    ("/people/123456/", "/people/123456/"),          # six digits: an object id stays
    ("/people/1234567/", "/people/****4567/"),       # seven: a number, masked
    ("q=13912345678", "q=139****5678"),
    ("q=6222 0202 0011 2233 445", "q=****3445"),
    ("id 61010419920304771X", "id 6101**********771X"),
    ("year 2026 page 3", "year 2026 page 3"),
])
def test_scrubbed_masks_runs_of_seven_digits_or_more(text: str, kept: str) -> None:
    assert scrubbed(text) == kept


@pytest.mark.parametrize(("kind", "value", "masked"), [
    ("id_number", "61010419920304771X", "6101**********771X"),
    ("phone", "13912345678", "139****5678"),
    ("bank_account", "6222020200998877665", "****7665"),
    ("name", "张小明", "张*明"),
    ("health", "37.5", "***"),
    ("health", ["发热"], "***"),
])
def test_shown_masks_each_kind_unless_revealed(kind: str, value: Any, masked: str) -> None:
    assert shown(value, kind) == masked
    assert shown(value, kind, revealed=True) == str(value)


def test_shown_refuses_a_kind_it_does_not_know() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        shown("x", "passport")


def test_an_account_phone_reveal_is_audited_and_shown_on_the_accounts_own_profile(persona, client_for) -> None:  # noqa: ANN001
    worker = persona("worker1")
    response = client_for("beiyuanmen").post(f"/people/accounts/{worker.pk}/reveal-phone/", {"reason": "回访"})
    assert worker.phone in response.content.decode()
    event = AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL, subject_user_id=worker.pk).latest("at")
    assert event.changes == {"field": "phone"} and worker.phone not in str(event.changes) + event.object_repr
    profile = client_for("worker1").get("/accounts/profile/").content.decode()
    assert "回访" in profile or "beiyuanmen" in profile


@pytest.mark.parametrize(("viewer", "sees_health"), [("beiyuanmen", True), ("meilihao", False)])
def test_the_consolidated_table_masks_health_data_for_a_chair(viewer: str, sees_health: bool, client_for,
                                                               tmp_path) -> None:  # noqa: ANN001
    from python_calamine import CalamineWorkbook

    report = _observed_report()
    stored = report.data["observed"][0]
    response = client_for(viewer).get(f"/reports/{report.assignment_id}/consolidated.xlsx",
                                      {"day": report.period.isoformat(), "unit": report.enterprise.unit_id})
    if response.status_code == 404:
        pytest.skip(f"{viewer} does not reach this assignment's table")
    assert response.status_code == 200, response.status_code
    path = tmp_path / "table.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    text = "\n".join("|".join(str(c) for c in row) for row in rows)
    assert stored["name"] in text and stored["id_number"] not in text
    assert (f"|{stored['temperature']}|" in text) == sees_health
    assert ("|***|" in text) != sees_health


def test_sign_in_attempts_kept_before_are_rewritten_as_the_keyed_hash(db) -> None:  # noqa: ANN001
    from importlib import import_module

    from django.apps import apps

    from gonghui.orgs.auth import attempt_key
    from gonghui.orgs.models import LoginAttempt

    migration = import_module("gonghui.orgs.migrations.0009_masking_login_attempt_names")
    old = LoginAttempt.objects.create(username="name:610104199203047716")
    new = LoginAttempt.objects.create(username=attempt_key("zhangsan", None))
    migration.hash_typed_names(apps, None)
    old.refresh_from_db()
    assert old.username == attempt_key("610104199203047716", None)  # lockout counts it with the new tries
    assert LoginAttempt.objects.get(pk=new.pk).username == attempt_key("zhangsan", None)  # a hash stays as it is
