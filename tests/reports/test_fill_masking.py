"""The attack on the daily-report fill form (probe finding F1): a row filed with a person's full ID number, phone
and temperature must not come back in full to whoever opens the form — the reporting contact, the employer's
representative, the chair or the street official — not on the page, not in "copy the last report", not after a
refused submit, not in the "filled" Excel download. The form is pre-filled masked (`core.masking.shown`, through
`reports.forms.shown_data`); a mask sent back unchanged keeps the stored value, a changed value replaces it."""

from __future__ import annotations

import datetime as dt
import io
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from python_calamine import CalamineWorkbook

from gonghui.core.masking import shown
from gonghui.orgs.models import Enterprise
from gonghui.reports import forms
from gonghui.reports.models import Assignment, Report
from tests.registry.sheets import valid_id

ID = "610104199003151230"
PHONE = "13900000001"
ID_MASK = "6101**********1230"
PHONE_MASK = "139****0001"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
READERS = ["tianbao", "hr_meilihao", "meilihao", "beiyuanmen"]
NOT_HEALTH = {"hr_meilihao", "meilihao"}  # an employer's representative, the enterprise union's chair


@pytest.fixture
def assignment(persona, unit) -> Assignment:  # noqa: ANN001
    return Assignment.objects.filter(template__code="medical_observation_daily", unit=unit("610104001")).get()


@pytest.fixture
def hotel() -> Enterprise:
    return Enterprise.objects.get(name="陕西美丽豪酒店管理有限公司")


def _row(day: dt.date, hotel: Enterprise) -> dict[str, str]:
    return {"enterprise": str(hotel.pk), "day": day.isoformat(), "observed_total": "1", "observed__rows": "1",
            "observed-0-name": "张小明", "observed-0-id_number": ID, "observed-0-phone": PHONE,
            "observed-0-kind": "居家隔离", "observed-0-start_on": "2020-02-15", "observed-0-temperature": "36.5",
            "observed-0-symptoms": "无"}


def _file(client_for, assignment: Assignment, hotel: Enterprise, day: dt.date) -> Report:  # noqa: ANN001
    Report.objects.filter(assignment=assignment, enterprise=hotel, period=day).delete()
    answer = client_for("tianbao").post(f"/reports/{assignment.pk}/fill/", _row(day, hotel))
    assert answer.status_code == 302, answer.content.decode()[:2000]
    return Report.objects.get(assignment=assignment, enterprise=hotel, period=day)


@pytest.fixture
def filed(client_for, assignment: Assignment, hotel: Enterprise) -> Report:  # noqa: ANN001
    return _file(client_for, assignment, hotel, timezone.localdate())


class _Form(HTMLParser):
    """The fields the report form would send as the browser shows it (inputs, chosen options, ticked boxes)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._option: str | None = None  # a chosen <option> without a value attribute sends its text
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self._inside = a.get("data-testid") == "report-form"
        if not self._inside:
            return
        if tag == "input" and a.get("name") and a.get("name") != "csrfmiddlewaretoken":
            if a.get("type") == "checkbox" and "checked" not in a:
                return
            self.fields.append((str(a["name"]), a.get("value") or ""))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            if "value" in a:
                self.fields.append((self._select, a.get("value") or ""))
            else:
                self._option = self._select

    def handle_data(self, data: str) -> None:
        if self._option:
            self.fields.append((self._option, data.strip()))
            self._option = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "form":
            self._inside = False


def _sent(page: str) -> dict[str, list[str]]:
    parser = _Form()
    parser.feed(page)
    sent: dict[str, list[str]] = {}
    for name, value in parser.fields:
        sent.setdefault(name, []).append(value)
    return sent


def _sheet_text(content: bytes) -> str:
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    return "\n".join("|".join(str(c) for c in row) for row in rows)


@pytest.mark.parametrize("who", READERS)
def test_the_fill_page_shows_no_full_id_phone_and_health_only_to_its_readers(
        who: str, client_for, assignment: Assignment, hotel: Enterprise, filed: Report) -> None:  # noqa: ANN001
    assert filed.data["observed"][0]["id_number"] == ID  # stored in full (sealed at rest)
    answer = client_for(who).get(f"/reports/{assignment.pk}/fill/",
                                 {"enterprise": hotel.pk, "day": filed.period.isoformat()})
    page = answer.content.decode()
    assert answer.status_code == 200
    assert ID not in page and PHONE not in page
    assert f'value="{ID_MASK}"' in page and f'value="{PHONE_MASK}"' in page
    if who in NOT_HEALTH:
        assert "36.5" not in page and 'value="***"' in page
    else:
        assert 'value="36.5"' in page


@pytest.mark.parametrize("who", READERS)
def test_the_filled_excel_shows_no_full_id_phone_and_health_only_to_its_readers(
        who: str, client_for, assignment: Assignment, hotel: Enterprise, filed: Report) -> None:  # noqa: ANN001
    answer = client_for(who).get(f"/reports/{assignment.pk}/fill/excel/",
                                 {"enterprise": hotel.pk, "day": filed.period.isoformat(), "filled": "1"})
    assert answer.status_code == 200 and answer["Content-Type"] == XLSX
    text = _sheet_text(answer.content)
    assert "张小明" in text and ID_MASK in text and PHONE_MASK in text
    assert ID not in text and PHONE not in text
    if who in NOT_HEALTH:
        assert "36.5" not in text and "***" in text
    else:
        assert "36.5" in text


@pytest.mark.parametrize("who", READERS)
def test_copying_the_last_report_shows_it_masked(who: str, client_for, assignment: Assignment,  # noqa: ANN001
                                                 hotel: Enterprise) -> None:
    today = timezone.localdate()
    yesterday = _file(client_for, assignment, hotel, today - dt.timedelta(days=1))
    Report.objects.filter(assignment=assignment, enterprise=hotel, period=today).delete()
    answer = client_for(who).get(f"/reports/{assignment.pk}/fill/",
                                 {"enterprise": hotel.pk, "day": today.isoformat(), "copy": "1"})
    page = answer.content.decode()
    assert answer.status_code == 200 and "已复制" in page
    assert ID not in page and PHONE not in page and f'value="{ID_MASK}"' in page
    assert f'name="copied_from" value="{yesterday.period.isoformat()}"' in page
    assert ("36.5" not in page) if who in NOT_HEALTH else ('value="36.5"' in page)


@pytest.mark.parametrize("who", ["tianbao", "hr_meilihao"])
def test_the_copied_form_sent_unchanged_files_the_stored_values(who: str, client_for, assignment: Assignment,  # noqa: ANN001
                                                                hotel: Enterprise) -> None:
    today = timezone.localdate()
    _file(client_for, assignment, hotel, today - dt.timedelta(days=1))
    Report.objects.filter(assignment=assignment, enterprise=hotel, period=today).delete()
    client = client_for(who)
    page = client.get(f"/reports/{assignment.pk}/fill/",
                      {"enterprise": hotel.pk, "day": today.isoformat(), "copy": "1"}).content.decode()
    assert client.post(f"/reports/{assignment.pk}/fill/", _sent(page)).status_code == 302
    row = Report.objects.get(assignment=assignment, enterprise=hotel, period=today).data["observed"][0]
    assert (row["id_number"], row["phone"], row["temperature"], row["symptoms"]) == (ID, PHONE, "36.5", ["无"])


@pytest.mark.parametrize("who", READERS)
def test_the_prefilled_form_sent_back_unchanged_keeps_the_stored_values(
        who: str, client_for, assignment: Assignment, hotel: Enterprise, filed: Report) -> None:  # noqa: ANN001
    client = client_for(who)
    query = {"enterprise": hotel.pk, "day": filed.period.isoformat()}
    page = client.get(f"/reports/{assignment.pk}/fill/", query).content.decode()
    sent = _sent(page)
    assert sent["observed-0-id_number"] == [ID_MASK] and sent["observed-0-phone"] == [PHONE_MASK]
    answer = client.post(f"/reports/{assignment.pk}/fill/", sent)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    report = Report.objects.get(pk=filed.pk)
    row = report.data["observed"][0]  # as the code stores it: decrypted from the sealed column
    assert report.revision == filed.revision + 1
    assert (row["name"], row["id_number"], row["phone"], row["temperature"], row["symptoms"]) == \
        ("张小明", ID, PHONE, "36.5", ["无"])


def test_a_changed_value_replaces_the_stored_one_and_a_tampered_mask_is_refused(
        client_for, assignment: Assignment, hotel: Enterprise, filed: Report) -> None:  # noqa: ANN001
    client = client_for("tianbao")
    query = {"enterprise": hotel.pk, "day": filed.period.isoformat()}
    sent = _sent(client.get(f"/reports/{assignment.pk}/fill/", query).content.decode())
    # One character of the mask changed: it is not the mask any more, so it is read as a number — and refused.
    tampered = {**sent, "observed-0-id_number": ID_MASK[:-1] + "1"}
    refused = client.post(f"/reports/{assignment.pk}/fill/", tampered)
    page = refused.content.decode()
    assert refused.status_code == 422 and "身份证号" in page
    assert ID not in page and PHONE not in page  # the refused form comes back as it was sent: masked
    assert Report.objects.get(pk=filed.pk).revision == filed.revision
    # The refused form, re-sent with the mask put back, still keeps the stored values.
    again = _sent(page)
    again["observed-0-id_number"] = [ID_MASK]
    assert client.post(f"/reports/{assignment.pk}/fill/", again).status_code == 302
    assert Report.objects.get(pk=filed.pk).data["observed"][0]["id_number"] == ID
    # A new full phone (one digit changed) replaces the stored one; the ID number sent masked stays.
    changed = {**sent, "observed-0-phone": "13900000002"}
    assert client.post(f"/reports/{assignment.pk}/fill/", changed).status_code == 302
    row = Report.objects.get(pk=filed.pk).data["observed"][0]
    assert (row["id_number"], row["phone"]) == (ID, "13900000002")
    # The employer's representative, who sees the temperature as ***, changes it by typing a new one.
    rep = client_for("hr_meilihao")
    sent = _sent(rep.get(f"/reports/{assignment.pk}/fill/", query).content.decode())
    assert sent["observed-0-temperature"] == ["***"]
    assert rep.post(f"/reports/{assignment.pk}/fill/", {**sent, "observed-0-temperature": "37.1"}).status_code == 302
    row = Report.objects.get(pk=filed.pk).data["observed"][0]
    assert (row["temperature"], row["symptoms"], row["phone"]) == ("37.1", ["无"], "13900000002")


def test_three_more_rows_shows_the_form_as_sent_not_the_stored_values(
        client_for, assignment: Assignment, hotel: Enterprise, filed: Report) -> None:  # noqa: ANN001
    client = client_for("hr_meilihao")
    query = {"enterprise": hotel.pk, "day": filed.period.isoformat()}
    sent = _sent(client.get(f"/reports/{assignment.pk}/fill/", query).content.decode())
    page = client.post(f"/reports/{assignment.pk}/fill/", {**sent, "action": "more"}).content.decode()
    assert ID not in page and PHONE not in page and "36.5" not in page
    assert 'name="observed-3-name"' in page


def test_a_mask_keeps_only_the_value_at_its_own_position() -> None:
    items = forms.parse_schema([{"key": "people", "label": "人员", "type": "table", "columns": [
        {"key": "name", "label": "姓名", "type": "text"}, {"key": "id_number", "label": "身份证号", "type": "id_number"},
        {"key": "temperature", "label": "体温", "type": "number"}]}])
    other = valid_id("61010419900101001")
    stored = {"people": [{"name": "甲", "id_number": ID, "temperature": "36.5"},
                         {"name": "乙", "id_number": other, "temperature": "37.0"}]}
    sent = {"people": [{"name": "乙", "id_number": shown(other, "id_number"), "temperature": "***"},
                       {"name": "甲", "id_number": ID_MASK, "temperature": "***"}]}
    restored = forms.restore_sealed(items, sent, stored)
    # Swapped rows: neither mask matches the value stored at its position, so nothing is pulled across.
    assert [r["id_number"] for r in restored["people"]] == [shown(other, "id_number"), ID_MASK]
    assert [r["temperature"] for r in restored["people"]] == ["36.5", "37.0"]  # *** keeps its own row's value
    assert forms.restore_sealed(items, sent, None) == sent


def test_the_filled_excel_sent_back_unchanged_keeps_the_stored_values(
        client_for, assignment: Assignment, hotel: Enterprise, filed: Report) -> None:  # noqa: ANN001
    for who in ("tianbao", "hr_meilihao"):
        client = client_for(who)
        query = {"enterprise": hotel.pk, "day": filed.period.isoformat()}
        back = client.get(f"/reports/{assignment.pk}/fill/excel/", {**query, "filled": "1"}).content
        answer = client.post(f"/reports/{assignment.pk}/fill/excel/",
                             {**query, "file": SimpleUploadedFile("r.xlsx", back, XLSX)})
        assert answer.status_code == 302, answer.content.decode()[:3000]
        row = Report.objects.get(pk=filed.pk).data["observed"][0]
        assert (row["id_number"], row["phone"], row["temperature"], row["symptoms"]) == (ID, PHONE, "36.5", ["无"])
