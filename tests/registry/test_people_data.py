"""Personal data: encrypted at rest, masked on pages and exports, revealed only on an audited request."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from python_calamine import CalamineWorkbook

from gonghui.core import crypto
from gonghui.core.models import AuditEvent
from gonghui.orgs import services
from gonghui.orgs.models import Consent, Person, Tag
from tests.registry.sheets import people_file, valid_id

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
KNOWN_ID = valid_id("61010419880808246")
KNOWN_PHONE = "13712340987"


def _person(persona, unit, **extra) -> Person:  # noqa: ANN001
    return services.create_person(actor=persona("beiyuanmen"), id_number=KNOWN_ID, name="何芳",
                                  unit=unit("610104001001"), phone=KNOWN_PHONE, bank_account="6222020200112233445",
                                  **extra)


def test_the_raw_database_file_holds_no_plain_id_or_phone_after_an_import(tmp_path) -> None:
    """A real SQLite file, filled through `gonghui import`, read back as bytes."""
    var = tmp_path / "var"
    rows = [{"姓名": "何芳", "身份证号": KNOWN_ID, "手机号": KNOWN_PHONE, "银行账号": "6222020200112233445"}]
    sheet = people_file(tmp_path / "p.xlsx", rows)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGHUI_") and k not in ("DATABASE_URL",)}
    env.update(SECRET_KEY="k" * 50, GONGHUI_DATA_KEY="file-test-key", GONGHUI_VAR_DIR=str(var),
               DJANGO_SETTINGS_MODULE="gonghui.settings", GONGHUI_HTTPS="0")
    gonghui = os.path.join(os.path.dirname(sys.executable), "gonghui")
    for command in (["migrate", "-v0"], ["demo"], ["import", "people", str(sheet), "--unit", "610104001001"]):
        result = subprocess.run([gonghui, *command], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
    assert "created=1" in result.stdout
    subprocess.run([sys.executable, "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); "
                    "c.execute('PRAGMA wal_checkpoint(TRUNCATE)'); c.close()", str(var / "gonghui.sqlite3")], check=True)
    raw = b"".join(p.read_bytes() for p in var.glob("gonghui.sqlite3*"))
    for secret in (KNOWN_ID, KNOWN_PHONE, "6222020200112233445", "13900000001"):
        assert secret.encode() not in raw, f"{secret} is stored in plain text"
    assert "何芳".encode() in raw  # the file is the right one: names are not encrypted


def test_values_are_sealed_in_the_table_and_found_through_the_hash(persona, unit) -> None:  # noqa: ANN001
    person = _person(persona, unit)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone, bank_account FROM orgs_person WHERE id = %s", [person.pk])
        stored = cursor.fetchone()
    assert all(value.startswith("v1:aes-256-gcm:") for value in stored)
    from gonghui.orgs import selectors

    official = persona("beiyuanmen")
    assert list(selectors.people_list(official, query=KNOWN_ID)) == [person]
    assert list(selectors.people_list(official, query=KNOWN_ID.lower())) == [person]
    assert list(selectors.people_list(official, query="137 1234 0987")) == [person]
    assert list(selectors.people_list(official, query=person.id_masked)) == [person]
    assert person in selectors.people_list(official, query="hf")
    assert list(selectors.people_list(persona("qingnianlu"), query=KNOWN_ID)) == []


def test_sm4_can_be_chosen(persona, unit, settings) -> None:  # noqa: ANN001
    settings.GONGHUI_DATA_CIPHER = "sm4-gcm"
    person = _person(persona, unit)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM orgs_person WHERE id = %s", [person.pk])
        assert cursor.fetchone()[0].startswith("v1:sm4-gcm:")
    assert Person.objects.get(pk=person.pk).id_number == KNOWN_ID


def test_the_person_page_masks_and_reveals_on_request(persona, unit, client_for) -> None:  # noqa: ANN001
    person = _person(persona, unit)
    client = client_for("beiyuanmen")
    page = client.get(f"/people/{person.pk}/").content.decode()
    assert person.id_masked in page and KNOWN_ID not in page and KNOWN_PHONE not in page
    revealed = client.post(f"/people/{person.pk}/reveal/", {"field": "id_number", "reason": "核实"}).content.decode()
    assert KNOWN_ID in revealed
    event = AuditEvent.objects.get(action="reveal", object_id=str(person.pk))
    assert event.changes == {"field": "id_number"} and event.actor_label == "beiyuanmen"
    assert client_for("qingnianlu").post(f"/people/{person.pk}/reveal/", {"field": "id_number"}).status_code == 404
    assert client_for("shegong").post(f"/people/{person.pk}/reveal/", {"field": "id_number"}).status_code == 404


def test_a_worker_sees_their_file_corrects_contact_and_sees_who_looked(persona, client_for) -> None:  # noqa: ANN001
    worker = persona("worker1")
    person = worker.person
    services.reveal_person_field(actor=persona("beiyuanmen"), person=person, field="id_number", reason="帮扶审核")
    client = client_for("worker1")
    page = client.get("/me/file/").content.decode()
    assert person.id_masked in page and "beiyuanmen" in page and "帮扶审核" in page
    from tests.identity_helpers import code_for

    response = client.post("/me/file/", {"phone": "13911112222", "residence": "西安市莲湖区西大街",
                                         "emergency_name": "张大明", "emergency_phone": "13911113333",
                                         "phone_code": code_for("13911112222", "phone_new")})  # the file's phone
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.phone, person.residence, person.emergency_phone) == ("13911112222", "西安市莲湖区西大街",
                                                                         "13911113333")
    assert AuditEvent.objects.filter(object_id=str(person.pk), action="update", reason="本人更正").exists()


def test_a_worker_gives_and_withdraws_consent(persona, client_for) -> None:  # noqa: ANN001
    client = client_for("worker1")
    client.post("/me/consents/", {"action": "grant", "purpose": "sensitive"})
    consent = Consent.objects.get(person=persona("worker1").person)
    assert (consent.channel, consent.wording_version, consent.withdrawn_at) == ("app", "2026-11", None)
    client.post("/me/consents/", {"action": "withdraw", "consent": consent.pk})
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    # Another worker cannot withdraw it.
    other = Consent.objects.create(person=persona("worker1").person, purpose="health", wording_version="2026-11",
                                   channel="app")
    assert client_for("worker2").post("/me/consents/", {"action": "withdraw", "consent": other.pk}).status_code == 404


def _cells(content: bytes) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()


def test_exports_are_masked_and_formulas_never_run(persona, unit, client_for) -> None:  # noqa: ANN001
    official = persona("beiyuanmen")
    hostile = services.create_person(actor=official, id_number=valid_id("61010419770707123"),
                                     name='=HYPERLINK("http://x","y")', unit=unit("610104001001"),
                                     hukou="+1+1", residence="@SUM(A1)", job="-2+3")
    response = client_for("beiyuanmen").get("/people/export.xlsx", {"q": "hyperlink"})
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet
    rows = _cells(response.content)
    assert rows[1][0] == '=HYPERLINK("http://x","y")'
    assert rows[1][1] == hostile.id_masked
    assert AuditEvent.objects.filter(action="export", actor_label="beiyuanmen").exists()


def test_a_full_export_is_audited_as_a_display_and_refused_to_social_workers(persona, unit, client_for) -> None:  # noqa: ANN001
    person = _person(persona, unit)
    full = client_for("beiyuanmen").get("/people/export.xlsx", {"q": KNOWN_ID, "full": "1"})
    assert _cells(full.content)[1][1] == KNOWN_ID
    assert AuditEvent.objects.filter(action="reveal", changes__full=True).exists()
    masked = client_for("shegong").get("/people/export.xlsx", {"q": KNOWN_ID, "full": "1"})
    assert _cells(masked.content)[1][1] == person.id_masked


def test_long_exports_run_as_a_task(persona, unit, client_for, settings, run_queue) -> None:  # noqa: ANN001
    settings.GONGHUI_EXPORT_TASK_ROWS = 10
    client = client_for("beiyuanmen")
    response = run_queue(lambda: client.get("/people/export.xlsx"))
    assert response.status_code == 302 and "/jobs/" in response["Location"]
    job_page = client.get(response["Location"]).content.decode()
    assert "result.xlsx" in job_page
    result = client.get(response["Location"] + "result.xlsx")
    rows = _cells(b"".join(result.streaming_content))
    assert len(rows) - 1 == Person.objects.filter(unit__path__startswith=unit("610104001").path).count()


def test_rotating_the_key_reencrypts_everything(persona, unit, settings) -> None:  # noqa: ANN001
    person = _person(persona, unit)
    old = settings.GONGHUI_DATA_KEY
    settings.GONGHUI_DATA_KEY = "the-new-key-2027"
    call_command("rotate_key", old_key=old)
    fresh = Person.objects.get(pk=person.pk)
    assert (fresh.id_number, fresh.phone) == (KNOWN_ID, KNOWN_PHONE)
    assert fresh.id_hash == crypto.lookup_hash(KNOWN_ID, "id")
    assert persona("worker1").phone == "13900000001"
    # The ledger and the relief files (found, not listed) are re-encrypted too, their hashes recomputed.
    from gonghui.core.models import PaymentEntry
    from gonghui.relief.models import Application, HouseholdMember

    assert PaymentEntry.objects.exclude(bank_account="").first().bank_account.startswith("6222")
    application = Application.objects.exclude(bank_account="").first()
    assert application.bank_hash == crypto.lookup_hash(application.bank_account, "bank")
    assert HouseholdMember.objects.exclude(health="").first().health
    call_command("rotate_key", old_key=old)  # a second run changes nothing
    settings.GONGHUI_DATA_KEY = old
    with pytest.raises(crypto.DecryptionError):
        Person.objects.get(pk=person.pk)


def test_purge_anonymises_people_long_transferred_out(persona, unit, settings) -> None:  # noqa: ANN001
    person = _person(persona, unit, membership="transferred_out")
    person.tags.add(Tag.objects.first())
    Person.objects.filter(pk=person.pk).update(updated_at="2020-01-01T00:00:00+08:00")
    call_command("purge")
    person.refresh_from_db()
    assert person.name == "（已匿名）" and person.phone == "" and KNOWN_ID not in person.id_number
    assert not person.tags.exists()
    assert AuditEvent.objects.filter(object_repr="retention purge").exists()
