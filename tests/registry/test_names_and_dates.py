"""A name refuses what is not a name — zero-width only, a bidirectional override, a CR/LF, whitespace only —
on the page form, the API and the Excel import alike; 阿卜杜·热合曼 is a name. A membership date before 1900
is a typing slip, refused on all three; 1900-01-01 is accepted."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gonghui.core.models import Job
from gonghui.orgs import imports, rules, services
from gonghui.orgs.models import Person
from tests.registry.sheets import people_file, valid_id

pytestmark = pytest.mark.django_db

BAD_NAMES = {
    "zero-width only": "\u200b",
    "zero-width joined": "\u200b\u200c\u200d\ufeff",
    "right-to-left override": "张\u202e三",
    "bidi isolate": "张\u2066三",
    "CR/LF": "张三\r\n李四",
    "line feed": "张\n三",
    "whitespace only": " \u3000 \t ",
}
GOOD_NAMES = {"middle dot": "阿卜杜·热合曼", "plain": "王建国", "latin": "Mary Smith", "rare character": "王𬌗"}
NEW_ID = valid_id("61010419900316127")


@pytest.mark.parametrize("raw", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_the_rule_refuses_what_is_not_a_name(raw: str) -> None:
    with pytest.raises(rules.InvalidName):
        rules.clean_name(raw)


@pytest.mark.parametrize("raw", GOOD_NAMES.values(), ids=GOOD_NAMES.keys())
def test_the_rule_keeps_a_real_name(raw: str) -> None:
    assert rules.clean_name(f"  {raw} ") == raw


def test_the_dots_people_type_become_the_middle_dot() -> None:
    assert rules.clean_name("阿卜杜•热合曼") == rules.clean_name("阿卜杜・热合曼") == "阿卜杜·热合曼"


# --- the page form ---

def _page_form(client_for, unit, name: str, member_since: str = "2015-06-01"):  # noqa: ANN001, ANN202
    client = client_for("beiyuanmen")
    return client.post("/people/new/", {
        "name": name, "id_number": NEW_ID, "unit": unit("610104001001").pk, "membership": "member",
        "member_since": member_since, "basis": "duty"})


@pytest.mark.parametrize("raw", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_the_page_form_refuses_a_bad_name_and_files_nobody(raw: str, client_for, unit) -> None:  # noqa: ANN001
    response = _page_form(client_for, unit, raw)
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert not Person.objects.filter(id_hash=services.lookup_hash(NEW_ID, "id")).exists()


def test_the_page_form_files_a_name_with_a_middle_dot(client_for, unit) -> None:  # noqa: ANN001
    response = _page_form(client_for, unit, "阿卜杜·热合曼")
    assert response.status_code == 302
    assert Person.objects.filter(name="阿卜杜·热合曼").exists()


@pytest.mark.parametrize(("since", "ok"), [("1899-12-31", False), ("1900-01-01", True)])
def test_the_page_form_membership_since_boundary(since: str, ok: bool, client_for, unit) -> None:  # noqa: ANN001
    response = _page_form(client_for, unit, "王建国", member_since=since)
    assert (response.status_code == 302) is ok
    assert Person.objects.filter(name="王建国", member_since=since).exists() is ok
    if not ok:
        assert "1900" in str(response.context["form"].errors["member_since"])


# --- the API ---

def _api(client_for, unit, name: str, member_since: str = "2015-06-01"):  # noqa: ANN001, ANN202
    return client_for("beiyuanmen").post("/api/v1/people", {
        "name": name, "id_number": NEW_ID, "unit_id": unit("610104001001").pk, "membership": "member",
        "member_since": member_since}, content_type="application/json")


@pytest.mark.parametrize("raw", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_the_api_refuses_a_bad_name_with_422(raw: str, client_for, unit) -> None:  # noqa: ANN001
    response = _api(client_for, unit, raw)
    assert response.status_code == 422, response.content
    assert "姓名" in response.json()["message"]
    assert not Person.objects.filter(id_hash=services.lookup_hash(NEW_ID, "id")).exists()


def test_the_api_files_a_name_with_a_middle_dot(client_for, unit) -> None:  # noqa: ANN001
    response = _api(client_for, unit, "阿卜杜·热合曼")
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "阿卜杜·热合曼"


@pytest.mark.parametrize(("since", "status"), [("1899-12-31", 422), ("1900-01-01", 201)])
def test_the_api_membership_since_boundary(since: str, status: int, client_for, unit) -> None:  # noqa: ANN001
    response = _api(client_for, unit, "王建国", member_since=since)
    assert response.status_code == status, response.content
    assert Person.objects.filter(name="王建国").exists() is (status == 201)


def test_renaming_someone_to_a_bad_name_through_the_api_changes_nothing(client_for, persona) -> None:  # noqa: ANN001
    person = Person.objects.filter(unit__code__startswith="610104001").first()
    before = person.name
    response = client_for("beiyuanmen").patch(f"/api/v1/people/{person.pk}", {"name": "\u202e" + before},
                                              content_type="application/json")
    assert response.status_code == 422
    person.refresh_from_db()
    assert person.name == before


# --- the Excel import ---

def _import(run_queue, persona, unit, path: Path) -> Job:  # noqa: ANN001
    source = imports.save_upload(iter([path.read_bytes()]), path.name)
    job = run_queue(lambda: imports.start_import(actor=persona("beiyuanmen"), kind="people.import",
                                                 unit=unit("610104001001"), source=source, source_name=path.name,
                                                 mode="commit"))
    job.refresh_from_db()
    return job


def test_the_import_refuses_each_bad_name_by_row_and_writes_nothing(tmp_path, persona, unit, run_queue) -> None:  # noqa: ANN001
    rows = [{"姓名": raw, "身份证号": valid_id(f"610104197001011{index:02d}")}
            for index, raw in enumerate(BAD_NAMES.values())]
    rows.append({"姓名": "阿卜杜·热合曼", "身份证号": NEW_ID, "紧急联系人": "张\u200b"})
    job = _import(run_queue, persona, unit, people_file(tmp_path / "names.xlsx", rows))
    problems = {(p["row"], p["column"]): p["reason"] for p in job.problems}
    for number in range(2, 2 + len(BAD_NAMES)):
        assert (number, "姓名") in problems, number
    assert (2 + len(BAD_NAMES), "紧急联系人") in problems
    assert not job.counts.get("written")
    assert not Person.objects.filter(source_job_id=job.pk).exists()


def test_the_import_files_a_name_with_a_middle_dot(tmp_path, persona, unit, run_queue) -> None:  # noqa: ANN001
    job = _import(run_queue, persona, unit, people_file(tmp_path / "ok.xlsx", [
        {"姓名": "阿卜杜·热合曼", "身份证号": NEW_ID, "会籍": "会员", "入会日期": "1900-01-01"}]))
    assert job.problems == [] or not job.problems
    person = Person.objects.get(id_hash=services.lookup_hash(NEW_ID, "id"))
    assert person.name == "阿卜杜·热合曼" and str(person.member_since) == "1900-01-01"


def test_the_import_refuses_membership_since_1899(tmp_path, persona, unit, run_queue) -> None:  # noqa: ANN001
    job = _import(run_queue, persona, unit, people_file(tmp_path / "old.xlsx", [
        {"姓名": "王建国", "身份证号": NEW_ID, "会籍": "会员", "入会日期": "1899-12-31"}]))
    problems = {(p["row"], p["column"]): p["reason"] for p in job.problems}
    assert "1900" in problems[(2, "入会日期")]
    assert not Person.objects.filter(id_hash=services.lookup_hash(NEW_ID, "id")).exists()


# --- the other doors to a name ---

def test_an_account_and_ones_own_name_refuse_a_bad_name(persona, unit) -> None:  # noqa: ANN001
    from django.core.exceptions import ValidationError

    from gonghui.orgs.models import Role, User

    with pytest.raises(ValidationError):
        services.create_account(actor=persona("beiyuanmen"), username="newbie", display_name="新人\u202e",
                                role=Role.WORKER, unit=unit("610104001001"))
    assert not User.objects.filter(username="newbie").exists()
    worker = persona("worker1")
    with pytest.raises(ValidationError):
        services.update_own_contact(actor=worker, display_name="\u200b", phone="")
    worker.refresh_from_db()
    assert worker.display_name.strip()


@given(st.text(max_size=12))
def test_a_name_is_refused_exactly_when_it_holds_an_invisible_or_control_character(raw: str) -> None:
    import unicodedata

    hidden = any(unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp", "Cs"} for c in unicodedata.normalize("NFC", raw))
    try:
        rules.clean_name(raw)
    except rules.InvalidName as exc:
        assert hidden or not any(c.isalpha() for c in raw), (raw, str(exc))
    else:
        assert not hidden, raw
