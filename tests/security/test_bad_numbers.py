"""Bad numbers at every door (issue 20): NaN, infinities, exponents past range, amounts that round to zero,
look-alike digits ("²") and very long digit strings are refused with a reason — CLI exit status 2, API 422, a
message on the page, a problem naming the row and column in Excel — never a traceback, and nothing is stored.

Full-width digits ("１２") are deliberately read as digits (Chinese input methods type them); the other side of
each boundary (a good value is taken) is tested alongside, so that a refusal is a real one.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import execute_from_command_line
from django.test import Client
from django.utils import timezone

from gonghui.core import excel
from gonghui.mediation.models import Case, MediationBody
from gonghui.orgs.models import Enterprise, Person
from gonghui.orgs.services import issue_api_token
from gonghui.reports import forms as report_forms
from gonghui.reports.models import FollowUpCheck, Isolation, SupplyRequest

JSON = "application/json"
LONG = "9" * 400
NOT_NUMBERS = ["NaN", "nan", "Infinity", "-inf", "1e999", "1E-999", "²", LONG]
BAD_AMOUNTS = [*NOT_NUMBERS, "0.001", "-0", "-0.001", "1e30"]
BAD_COUNTS = [*NOT_NUMBERS, "-0", "-3", "12.5", "1e3", "٣"]

pytestmark = pytest.mark.django_db


def _api(persona, username: str) -> Client:  # noqa: ANN001
    _, raw = issue_api_token(user=persona(username))
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def _messages(response: Any) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


# --- API: 422 with the field named, nothing written ---

@pytest.mark.parametrize("amount", BAD_AMOUNTS)
def test_api_money_a_bad_amount_claimed_is_422(amount: str, client_for) -> None:  # noqa: ANN001
    body = MediationBody.objects.get(name="北院门街道劳动争议调解委员会")
    employer = Person.objects.get(user__username="worker1").employer
    before = Case.objects.count()
    response = client_for("worker1").post("/api/v1/mediation/cases", {
        "body_id": body.pk, "employer_id": employer.pk, "category": "wages", "claims": "支付拖欠工资",
        "facts": "两个月未发工资", "knew_on": (timezone.localdate() - timedelta(days=5)).isoformat(),
        "amount_claimed": amount}, content_type=JSON)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid" and "amount_claimed" in str(response.json()["details"])
    assert Case.objects.count() == before


@pytest.mark.parametrize("quantity", [*BAD_COUNTS, 0, 10**8 + 1, 1.5, True])
def test_api_count_a_bad_supply_quantity_is_422(quantity: Any, persona) -> None:  # noqa: ANN001
    hotel = Enterprise.objects.get(name="陕西美丽豪酒店管理有限公司")
    before = SupplyRequest.objects.count()
    response = _api(persona, "hr_meilihao").post("/api/v1/reports/supplies/requests", {
        "enterprise_id": hotel.pk, "item": "酒精", "quantity": quantity}, content_type=JSON)
    assert response.status_code == 422, response.content
    assert SupplyRequest.objects.count() == before


@pytest.mark.parametrize("temperature", [*NOT_NUMBERS, "36.5e3", "-0"])
def test_api_decimal_a_bad_temperature_is_422(temperature: str, persona) -> None:  # noqa: ANN001
    isolation = Isolation.objects.filter(unit__code__startswith="610104001").first()
    assert isolation is not None
    before = FollowUpCheck.objects.count()
    response = _api(persona, "beiyuanmen").post(f"/api/v1/reports/isolations/{isolation.pk}/checks", {
        "day": timezone.localdate().isoformat(), "temperature": temperature}, content_type=JSON)
    assert response.status_code == 422, response.content
    assert FollowUpCheck.objects.count() == before


def test_api_decimal_a_good_temperature_is_taken(persona) -> None:  # noqa: ANN001
    isolation = Isolation.objects.filter(unit__code__startswith="610104001").first()
    response = _api(persona, "beiyuanmen").post(f"/api/v1/reports/isolations/{isolation.pk}/checks", {
        "day": timezone.localdate().isoformat(), "temperature": "３６.５５"}, content_type=JSON)
    assert response.status_code == 201, response.content
    assert FollowUpCheck.objects.get(pk=response.json()["id"]).reading["temperature"] == "36.6"  # half-up


@pytest.mark.parametrize("value", ["NaN", "1e999", "1E-999", "²", LONG, "-0.001"])
def test_api_relief_quote_bad_fact_is_422(value: str, client_for) -> None:  # noqa: ANN001
    response = client_for("beiyuanmen").post("/api/v1/relief/quote", {
        "policy": "cq-temp-acute", "facts": {"self_paid": value}}, content_type=JSON)
    assert response.status_code == 422, response.content
    assert response.json()["message"]


# --- pages: a message (or the form's error), never a 500, nothing written ---

@pytest.mark.parametrize("quantity", BAD_COUNTS)
def test_page_count_a_bad_supply_quantity_is_refused_with_a_message(quantity: str, client_for) -> None:  # noqa: ANN001
    hotel = Enterprise.objects.get(name="陕西美丽豪酒店管理有限公司")
    from gonghui.reports.models import SupplyItem

    item = SupplyItem.objects.filter(active=True).first()
    before = SupplyRequest.objects.count()
    response = client_for("hr_meilihao").post("/reports/supplies/request/", {
        "enterprise": hotel.pk, "item": item.pk, "quantity": quantity}, follow=True)
    assert response.status_code == 200
    assert "数量" in _messages(response)
    assert SupplyRequest.objects.count() == before


def test_page_count_full_width_digits_are_read_as_digits(client_for) -> None:  # noqa: ANN001
    hotel = Enterprise.objects.get(name="陕西美丽豪酒店管理有限公司")
    from gonghui.reports.models import SupplyItem

    item = SupplyItem.objects.filter(active=True).first()
    client_for("hr_meilihao").post("/reports/supplies/request/", {
        "enterprise": hotel.pk, "item": item.pk, "quantity": "１２"}, follow=True)
    assert SupplyRequest.objects.filter(enterprise=hotel, item=item).latest("pk").quantity == 12


@pytest.mark.parametrize("employees", BAD_COUNTS)
def test_page_count_an_enterprise_headcount_is_a_form_error(employees: str, client_for, unit) -> None:  # noqa: ANN001
    before = Enterprise.objects.count()
    response = client_for("beiyuanmen").post("/enterprises/new/", {
        "name": "坏数字测试公司", "credit_code": "91610104MA6TG1XX1X", "employees": employees,
        "unit": unit("610104001").pk, "status": "operating"})
    assert response.status_code == 200
    assert "employees" in response.context["form"].errors
    assert "职工人数" in str(response.context["form"].errors["employees"])
    assert Enterprise.objects.count() == before


def test_page_count_an_enterprise_headcount_in_full_width_digits_is_taken(client_for, unit) -> None:  # noqa: ANN001
    """The other side: a good headcount is stored (the CharField's length check once ran on the int: a 500)."""
    response = client_for("beiyuanmen").post("/enterprises/new/", {
        "name": "好数字测试公司", "credit_code": "91610104MA6TG1YY2W", "employees": "１２",
        "unit": unit("610104001").pk, "status": "operating"})
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    assert Enterprise.objects.get(name="好数字测试公司").employees == 12


@pytest.mark.parametrize("temperature", NOT_NUMBERS)
def test_page_decimal_a_bad_temperature_is_a_message(temperature: str, client_for) -> None:  # noqa: ANN001
    isolation = Isolation.objects.filter(unit__code__startswith="610104001").first()
    before = FollowUpCheck.objects.count()
    response = client_for("beiyuanmen").post(f"/reports/health/{isolation.pk}/", {
        "action": "check", "day": timezone.localdate().isoformat(), "temperature": temperature,
        "well": "yes"}, follow=True)
    assert response.status_code == 200
    assert "体温" in _messages(response)
    assert FollowUpCheck.objects.count() == before


def _a_bargaining(persona):  # noqa: ANN001, ANN202
    from gonghui.bargaining import scoping as bargaining_scoping

    user = persona("meilihao")
    return user, bargaining_scoping.bargainings.filter(user).order_by("pk").first()


@pytest.mark.parametrize("pct", [*NOT_NUMBERS, "1001", "-100.01"])
def test_page_and_api_decimal_a_bad_wage_rise_is_refused(pct: str, persona, client_for) -> None:  # noqa: ANN001
    from gonghui.bargaining.models import Bargaining

    user, bargaining = _a_bargaining(persona)
    before = Bargaining.objects.values_list("last_rise_pct", "updated_at").get(pk=bargaining.pk)
    page = client_for("meilihao").post(f"/bargaining/{bargaining.pk}/act/", {
        "action": "wage_data", "headcount": "50", "average_wage": "5000", "last_rise_pct": pct}, follow=True,
        HTTP_REFERER=f"/bargaining/{bargaining.pk}/")
    assert page.status_code == 200 and "增幅" in _messages(page)
    api = _api(persona, "meilihao").post(f"/api/v1/bargaining/bargainings/{bargaining.pk}/transitions", {
        "action": "wage_data", "headcount": 50, "average_wage": "5000", "last_rise_pct": pct}, content_type=JSON)
    assert api.status_code == 422 and "last_rise_pct" in str(api.json()["details"])
    assert Bargaining.objects.values_list("last_rise_pct", "updated_at").get(pk=bargaining.pk) == before


def test_page_decimal_a_good_wage_rise_is_rounded_half_up(persona, client_for) -> None:  # noqa: ANN001
    from gonghui.bargaining.models import Bargaining

    _user, bargaining = _a_bargaining(persona)
    client_for("meilihao").post(f"/bargaining/{bargaining.pk}/act/", {
        "action": "wage_data", "headcount": "５０", "average_wage": "5000", "last_rise_pct": "7.125"})
    stored = Bargaining.objects.get(pk=bargaining.pk)
    assert (stored.headcount, str(stored.last_rise_pct)) == (50, "7.13")


@pytest.mark.parametrize("raw", ["²", "１２", LONG, "NaN"])
def test_page_a_count_in_a_query_or_hidden_field_is_never_a_server_error(raw: str, client_for) -> None:  # noqa: ANN001
    """"²".isdigit() is true and int("²") raises: a relief year, a row count, an id were each a 500."""
    client = client_for("beiyuanmen")
    assert client.get("/relief/", {"year": raw}).status_code == 200
    assert client.post("/reports/forms/new/", {"rows": raw}).status_code < 500
    assert client.get("/people/", {"unit": raw}).status_code < 500  # an unknown unit is a 404
    assert client.get("/units/", {"level": raw}).status_code == 200


@pytest.mark.parametrize("account", ["²" * 16, "６２２２０２０２００１１２２３１"])
def test_a_bank_account_of_look_alike_or_full_width_digits_is_refused(account: str) -> None:
    from django.core.exceptions import ValidationError

    from gonghui.orgs.forms import PersonForm
    from gonghui.orgs.imports import _bank

    with pytest.raises(ValueError, match="12到30位数字"):
        _bank(account)
    with pytest.raises(ValidationError, match="12到30位数字"):
        PersonForm.base_fields["bank_account"].clean(account)


# --- CLI: usage error, exit status 2, the reason on stderr; nothing printed on stdout ---

@pytest.mark.parametrize("days", [*BAD_COUNTS, "99999999"])
def test_cli_count_deadline_days_exit_2(days: str, capsys) -> None:  # noqa: ANN001
    with pytest.raises(SystemExit) as exit_:
        execute_from_command_line(["gonghui", "deadline", "--start", "2026-01-01", f"--days={days}"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "--days" in err and ("整数" in err or "之间" in err) and "Traceback" not in err


def test_cli_count_deadline_full_width_days_are_digits(capsys) -> None:  # noqa: ANN001
    execute_from_command_line(["gonghui", "deadline", "--start", "2026-01-01", "--days=１０"])
    assert capsys.readouterr().out.strip() == "2026-01-12"  # 1-11 is a Sunday: rolled to Monday (民法典 203)


@pytest.mark.parametrize("fact", ['"NaN"', "NaN", "Infinity", "-Infinity", "1e999", "1E-999", '"²"', '"1e999"',
                                  LONG, '"-0.001"'])
def test_cli_relief_facts_bad_number_exit_2(fact: str, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    facts = tmp_path / "facts.json"
    facts.write_text('{"self_paid": ' + fact + ', "household_annual_income": "30000"}', encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        execute_from_command_line(["gonghui", "relief", "quote", "--policy", "cq-temp-acute",
                                   "--facts", str(facts)])
    assert exit_.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.strip() and "Traceback" not in captured.err


def test_cli_relief_facts_good_number_is_quoted(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"self_paid": "15000", "household_annual_income": "30000",
                                       "file_status": "active"}), encoding="utf-8")
    execute_from_command_line(["gonghui", "relief", "quote", "--policy", "cq-temp-acute", "--facts", str(facts)])
    assert "amount" in json.loads(capsys.readouterr().out)


# --- Excel: each bad cell a problem naming its row and column; decimals half-up to the fen ---

MONEY = excel.Sheet("测试", (excel.Column("name", "姓名", required=True),
                             excel.Column("amount", "金额（元）", kind="decimal", required=True),
                             excel.Column("heads", "人数", kind="int", minimum=0)))


def _workbook(rows: list[list[Any]], tmp_path: Path) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = excel.DATA_SHEET
    sheet.append(["姓名", "金额（元）", "人数"])
    for row in rows:
        sheet.append(row)
    path = tmp_path / "numbers.xlsx"
    book.save(path)
    return path


@pytest.mark.parametrize("amount", [*NOT_NUMBERS, "10000000000", 1e300, -1e300])
def test_excel_a_bad_amount_cell_is_a_problem_with_its_row_and_column(amount: Any, tmp_path: Path) -> None:
    rows = list(excel.read(_workbook([["张三", "12.00", 3], ["李四", amount, 3]], tmp_path), MONEY))
    assert rows[0].ok and rows[0].values["amount"] == excel.Decimal("12.00")
    [problem] = rows[1].problems
    assert (problem.row, problem.column) == (rows[1].number, "金额（元）") and problem.reason


@pytest.mark.parametrize("heads", ["²", "-1", "12.5", "1e3", 10**9, "NaN", LONG])
def test_excel_a_bad_count_cell_is_a_problem_with_its_row_and_column(heads: Any, tmp_path: Path) -> None:
    [row] = list(excel.read(_workbook([["张三", "1", heads]], tmp_path), MONEY))
    [problem] = row.problems
    assert problem.column == "人数" and problem.row == row.number


@pytest.mark.parametrize(("typed", "stored"), [("0.005", "0.01"), ("2.675", "2.68"), ("-0.004", "0.00"),
                                               ("１２３.４５", "123.45"), (1234.5, "1234.50")])
def test_excel_amounts_are_rounded_half_up_to_the_fen(typed: Any, stored: str, tmp_path: Path) -> None:
    [row] = list(excel.read(_workbook([["张三", typed, 1]], tmp_path), MONEY))
    assert row.ok and str(row.values["amount"]) == stored


@pytest.mark.parametrize("employees", ["1e999", "²", "-1", "NaN", 10**9])
def test_excel_the_enterprise_import_refuses_a_bad_headcount_cell(employees: Any) -> None:
    from gonghui.orgs import imports

    with pytest.raises(ValueError, match="之间|整数|数字|范围"):
        excel.parse_cell(employees, imports.ENTERPRISES.column("employees"))


# --- the reports form engine: numeric fields refuse what is not a finite number within its caps ---

@pytest.mark.parametrize("value", [*NOT_NUMBERS, "1e13", "-1e13"])
def test_report_form_a_bad_number_field_is_a_problem(value: str) -> None:
    field = report_forms.Field(key="n", label="人数", type="number")
    with pytest.raises(ValueError, match="数字"):
        report_forms.clean_value(field, value)


def test_report_form_a_number_at_the_cap_and_full_width_is_taken() -> None:
    field = report_forms.Field(key="n", label="人数", type="integer")
    assert report_forms.clean_value(field, "１２") == 12
    assert report_forms.clean_value(field, str(10**12)) == 10**12


@pytest.mark.parametrize("bound", ["NaN", "Infinity", "1e999", "²"])
def test_report_form_schema_bounds_must_be_finite(bound: str) -> None:
    """A NaN minimum was accepted, and every later comparison with it raised InvalidOperation (a 500)."""
    with pytest.raises(report_forms.SchemaError, match="取值范围不是数字"):
        report_forms.parse_schema([{"key": "n", "label": "人数", "type": "number", "minimum": bound}])
