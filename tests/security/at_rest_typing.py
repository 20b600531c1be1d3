"""Run in its own process by `test_at_rest.py`: a fresh SQLite file database, a small demo tree, and then distinctive
ID numbers, phones and bank numbers typed into every field that takes them — forms, the API, search boxes, a sign-in
with an ID as user name, 404 URLs, an export searched by ID, a reveal. The test then reads the file's raw bytes.

    python -m tests.security.at_rest_typing <values.json>

The values are read from the JSON file (the test makes them); the script prints nothing the test relies on."""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings, setup_test_environment  # noqa: E402

from gonghui.core.masking import shown  # noqa: E402
from gonghui.orgs import demo  # noqa: E402
from gonghui.orgs.models import Person, User  # noqa: E402
from gonghui.orgs.services import issue_api_token  # noqa: E402

PASSWORD = "Gonghui@2026"


def _ok(response: Any, *expected: int) -> Any:
    if response.status_code not in expected:
        text = response.content.decode(errors="replace")
        body = " | ".join(re.findall(r'(?:invalid-feedback|alert)[^>]*>([^<]+)<', text)) or text[:1500]
        raise SystemExit(f"{response.request['PATH_INFO']}: {response.status_code} (want {expected})\n{body}")
    return response


def main(values: dict[str, str]) -> None:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    with override_settings(GONGHUI_DEMO_PASSWORD=PASSWORD):
        demo.build(workers_per_unit=1, people=30, enterprises=40)
        demo.build_services()
    official = User.objects.get(username="beiyuanmen")
    page = Client()
    page.force_login(official)
    unit = official.primary_unit

    # The person form: a new file with every number, then an edit that keeps the masks and types a new account.
    _ok(page.post("/people/new/", {
        "name": "韩柏林", "id_number": values["id_form"], "phone": values["phone_form"], "unit": unit.pk,
        "membership": "non_member", "emergency_name": "韩母", "emergency_phone": values["phone_emergency"],
        "bank_account": values["bank_form"], "basis": "duty"}), 302)
    person = Person.objects.get(name="韩柏林")
    _ok(page.post(f"/people/{person.pk}/edit/", {
        "name": "韩柏林", "phone": shown(values["phone_form"], "phone"), "unit": unit.pk, "membership": "non_member",
        "emergency_name": "韩母", "emergency_phone": shown(values["phone_emergency"], "phone"),
        "bank_account": values["bank_edit"], "basis": "duty", "residence": "莲湖区"}), 302)

    # Search boxes, on the page and in the API, by ID number and by phone.
    for query in (values["id_form"], values["phone_form"], values["id_search"]):
        _ok(page.get("/people/", {"q": query}), 200)
    _, raw = issue_api_token(user=official)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    for query in (values["id_form"], values["phone_form"]):
        _ok(api.get("/api/v1/people", {"q": query}), 200)

    # The API: a new file, and a changed phone.
    made = _ok(api.post("/api/v1/people", {"name": "柯梓涵", "id_number": values["id_api"], "unit_id": unit.pk,
                                           "phone": values["phone_api"]}, content_type="application/json"), 201)
    _ok(api.patch(f"/api/v1/people/{made.json()['id']}", {"phone": values["phone_api_patch"]},
                  content_type="application/json"), 200)

    # A reveal of each number (audited: the audit row names the field, not the value).
    for field in ("id_number", "phone", "bank_account", "emergency_phone"):
        _ok(page.post(f"/people/{person.pk}/reveal/", {"field": field, "reason": "核对"}), 200)

    # Exports searched by ID: at once, then as a background job.
    _ok(page.get("/people/export.xlsx", {"q": values["id_form"]}), 200)
    with override_settings(GONGHUI_EXPORT_TASK_ROWS=0):  # the person typed above: one row, a background job
        _ok(page.get("/people/export.xlsx", {"q": values["id_form"]}), 302)
    with override_settings(GONGHUI_EXPORT_TASK_ROWS=-1):  # nobody has this number: a job even for no rows
        _ok(page.get("/people/export.xlsx", {"q": values["id_export_job"]}), 302)
        _ok(api.get("/api/v1/people/export.xlsx", {"q": values["id_export_job"]}), 202)

    # A worker's own contact forms.
    worker = Client()
    worker.force_login(User.objects.get(username="worker1"))
    _ok(worker.post("/me/file/", {"phone": values["phone_own"], "residence": "西安",
                                  "emergency_name": "张父", "emergency_phone": values["phone_own_emergency"]}), 200, 302)
    _ok(worker.post("/accounts/profile/", {"display_name": "张小明", "phone": values["phone_profile"]}), 200, 302)

    # Sign-in with an ID number, a bank card and a phone nobody has as the user name; on the page and the API.
    for typed in (values["id_login"], values["bank_login"], values["phone_login"]):
        _ok(Client().post("/accounts/login/", {"username": typed, "password": "wrong-password"}), 200)
        Client().post("/api/v1/auth/token", {"username": typed, "password": "wrong-password"},
                      content_type="application/json")

    # 404s whose URL holds a number: a page, an API path, a query string.
    _ok(page.get(f"/people/{values['id_404']}/"), 404)
    _ok(page.get(f"/no-such-page/{values['phone_404']}/"), 404)
    _ok(api.get(f"/api/v1/people/{values['id_404']}"), 404, 422)

    # A report filed through the API naming a person in isolation (rows are sealed).
    reporter = User.objects.filter(username="tianbao").first()
    if reporter is not None:
        from gonghui.reports.models import Report

        report = Report.objects.filter(enterprise_id__in=reporter.reporting_enterprise_ids()).order_by("-period", "-pk").first()
        if report is not None:
            _, reporter_raw = issue_api_token(user=reporter)
            data = dict(report.data)
            data["observed"] = [*data.get("observed", []), {
                "name": "鲁文", "id_number": values["id_report"], "phone": values["phone_report"], "kind": "居家隔离",
                "start_on": report.period.isoformat(), "temperature": "36.6", "symptoms": ["无"]}]
            data["observed_total"] = str(len(data["observed"]))
            _ok(Client(HTTP_AUTHORIZATION=f"Bearer {reporter_raw}").post(
                f"/api/v1/reports/assignments/{report.assignment_id}/reports",
                {"enterprise_id": report.enterprise_id, "period": report.period.isoformat(), "data": data},
                content_type="application/json"), 201)

    # Mediation: a mediator adds a worker (ID and phone) and an agent (phone) to a case.
    from gonghui.mediation import scoping as mediation_scoping

    mediator = User.objects.get(username="tiaojie")
    case = mediation_scoping.cases.filter(mediator).order_by("pk").first()
    _, mediator_raw = issue_api_token(user=mediator)
    mediation = Client(HTTP_AUTHORIZATION=f"Bearer {mediator_raw}")
    _ok(mediation.post(f"/api/v1/mediation/cases/{case.pk}/parties", {
        "side": "worker", "kind": "worker", "name": "江涛", "id_number": values["id_party"],
        "phone": values["phone_party"]}, content_type="application/json"), 201)
    _ok(mediation.post(f"/api/v1/mediation/cases/{case.pk}/parties", {
        "side": "worker", "kind": "agent", "name": "代理人", "phone": values["phone_agent"]},
        content_type="application/json"), 201)

    # Joining the union without an account: a code to a new phone, then the ID number.
    from gonghui.core import sms

    joiner = Client()
    _ok(joiner.post("/api/v1/membership/code", {"phone": values["phone_join"]}, content_type="application/json"), 200)
    code = re.findall(r"\d{6}", sms.outbox[-1].text)[0]
    _ok(joiner.post("/api/v1/membership/join", {
        "name": "方雨", "id_number": values["id_join"], "phone": values["phone_join"], "code": code,
        "new_form": "courier", "place_unit_id": unit.pk, "consent": True}, content_type="application/json"), 201)

    connection.close()


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as handle:
        main(json.load(handle))
