"""The page that builds a form: rows become a schema (and back, losslessly for the shipped forms), a bad row is
refused with its reason and nothing is made, and changing a form makes a new version."""

from __future__ import annotations

import pytest

from gonghui.reports import forms
from gonghui.reports.models import FormTemplate
from gonghui.reports.seed_forms import SEED_FORMS


@pytest.mark.parametrize("form", SEED_FORMS, ids=lambda f: f["code"])
def test_a_shipped_form_goes_through_the_builder_unchanged(form: dict) -> None:
    assert forms.parse_schema(forms.schema_from_rows(forms.rows_from_schema(form["schema"]))) == \
        forms.parse_schema(form["schema"])


def test_codes_come_from_the_labels_and_never_repeat() -> None:
    schema = forms.schema_from_rows([{"label": "体温", "type": "number"}, {"label": "姓名", "table": "人员"},
                                     {"label": "体温", "table": "人员", "type": "number"}])
    assert [i["key"] for i in schema] == ["ti_wen", "ren_yuan"]
    assert [c["key"] for c in schema[1]["columns"]] == ["xing_ming", "ti_wen_2"]
    assert forms.parse_schema(schema)


def _post(rows: list[dict], **extra: str) -> dict:
    body = {"rows": str(len(rows)), **extra}
    for i, row in enumerate(rows):
        for key, value in row.items():
            body[f"f-{i}-{key}"] = value
    return body


def test_an_official_builds_a_form_and_assigns_it(client_for) -> None:  # noqa: ANN001
    client = client_for("beiyuanmen")
    assert client.get("/reports/forms/new/").status_code == 200
    refused = client.post("/reports/forms/new/", _post([{"label": "类别", "type": "choice", "choices": "甲"}],
                                                       name="单选题只有一个选项"))
    assert refused.status_code == 422 and "至少要有两个选项" in refused.content.decode()
    assert not FormTemplate.objects.filter(name="单选题只有一个选项").exists()
    made = client.post("/reports/forms/new/", _post([
        {"label": "在岗人数", "type": "integer", "required": "on", "minimum": "0"},
        {"label": "姓名", "table": "返岗人员", "required": "on"},
        {"label": "身份证号", "table": "返岗人员", "type": "id_number"},
        {"label": "返岗方式", "table": "返岗人员", "type": "choice", "choices": "自驾、包车、火车"}],
        name="返岗人员登记表", description="每日报送"))
    template = FormTemplate.objects.get(name="返岗人员登记表")
    assert made.status_code == 302 and made["Location"].endswith(f"?template={template.pk}")
    items = forms.parse_schema(template.current().schema)
    assert [i.label for i in items] == ["在岗人数", "返岗人员"]
    assert [c.type for c in items[1].columns] == ["text", "id_number", "choice"]
    assert template.unit.code == "610104001"
    # Changing it is a new version; the codes stay, so earlier reports keep their meaning.
    rows = forms.rows_from_schema(template.current().schema) + [{"label": "备注"}]
    client.post(f"/reports/forms/{template.pk}/edit/", _post([{k: ("on" if v is True else v) for k, v in r.items()
                                                              if v is not False} for r in rows]))
    assert template.versions.count() == 2
    assert [i.key for i in forms.parse_schema(template.current().schema)][:2] == [i.key for i in items]
    # Another street can neither see nor change it; a shipped form is not an official's to change.
    other = client_for("qingnianlu")
    assert other.get(f"/reports/forms/{template.pk}/edit/").status_code == 404
    assert "返岗人员登记表" not in other.get("/reports/forms/").content.decode()
    shipped = FormTemplate.objects.get(code="medical_observation_daily")
    assert client.get(f"/reports/forms/{shipped.pk}/edit/").status_code == 404
    assert client.get(f"/reports/forms/new/?copy={shipped.pk}").status_code == 200
