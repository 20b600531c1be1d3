"""The form engine: every field type, tables, schema checks and the messages an enterprise sees."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gonghui.reports import forms
from tests.registry.sheets import valid_id

SCHEMA = [
    {"key": "company_staff", "label": "在岗职工", "type": "integer", "required": True, "minimum": 0},
    {"key": "temperature", "label": "最高体温", "type": "number", "minimum": 34, "maximum": 43},
    {"key": "reported_on", "label": "填报日期", "type": "date", "required": True},
    {"key": "checked_at", "label": "测温时间", "type": "time"},
    {"key": "status", "label": "经营状态", "type": "choice", "choices": ["正常", "停工", "复工"]},
    {"key": "measures", "label": "防控措施", "type": "multi", "choices": ["测温", "消毒", "戴口罩"]},
    {"key": "canteen_open", "label": "食堂开放", "type": "yesno"},
    {"key": "contact_phone", "label": "联系人手机", "type": "phone"},
    {"key": "note", "label": "备注", "type": "text", "max_length": 10},
    {"key": "permit_no", "label": "复工备案号", "type": "text", "pattern": r"FG\d{4}", "help": "如 FG0001"},
    {"key": "photo", "label": "现场照片", "type": "attachment"},
    {"key": "observed", "label": "医学观察人员", "type": "table", "columns": [
        {"key": "name", "label": "姓名", "type": "text", "required": True},
        {"key": "id_number", "label": "身份证号", "type": "id_number", "required": True},
        {"key": "temperature", "label": "体温", "type": "number", "minimum": 34, "maximum": 43},
    ]},
]
ITEMS = forms.parse_schema(SCHEMA)


def good() -> dict:
    return {"company_staff": "120", "temperature": "36.8", "reported_on": "2020-02-20", "checked_at": "08:30",
            "status": "复工", "measures": ["消毒", "测温"], "canteen_open": "否", "contact_phone": "138 1234 5678",
            "note": "无", "permit_no": "FG0012", "photo": "17",
            "observed": [{"name": "张三", "id_number": valid_id("61010419900101001"), "temperature": "37.1"},
                         {"name": "", "id_number": "", "temperature": ""},
                        {"name": " ", "id_number": "", "temperature": "", "symptoms": []}]}


def test_a_good_submission_is_cleaned_to_its_stored_form() -> None:
    result = forms.check(ITEMS, good())
    assert result.ok, result.problems
    data = result.data
    assert data["company_staff"] == 120 and data["temperature"] == "36.8" and data["reported_on"] == "2020-02-20"
    assert data["measures"] == ["测温", "消毒"]  # in the form's own order
    assert data["canteen_open"] is False and data["contact_phone"] == "13812345678" and data["photo"] == 17
    assert len(data["observed"]) == 1  # the empty row is dropped


@pytest.mark.parametrize(("key", "value", "reason"), [
    ("company_staff", "", "必填"), ("company_staff", "12.5", "整数"), ("company_staff", "-1", "不能小于 0"),
    ("temperature", "43.1", "不能大于 43"), ("temperature", "abc", "数字"), ("temperature", "NaN", "数字"),
    ("reported_on", "2020-02-30", "有效日期"), ("checked_at", "25:00", "有效时间"), ("status", "倒闭", "可选项"),
    ("measures", ["通风"], "不在可选项"), ("canteen_open", "也许", "是"), ("contact_phone", "12345", "手机号"),
    ("note", "一二三四五六七八九十十一", "10 个字"), ("permit_no", "AB12", "格式不对"), ("photo", "x", "附件"),
])
def test_each_field_type_refuses_with_a_reason(key: str, value: object, reason: str) -> None:
    result = forms.check(ITEMS, {**good(), key: value})
    assert [p.path for p in result.problems] == [key]
    assert reason in result.problems[0].reason


def test_a_bad_cell_in_a_table_names_its_row_and_column() -> None:
    data = good()
    data["observed"] = [{"name": "李四", "id_number": "610104199001010011", "temperature": "36.5"},
                        {"name": "王五", "id_number": valid_id("61010419900101002"), "temperature": "45"}]
    problems = forms.check(ITEMS, data).problems
    assert {p.path for p in problems} == {"observed[1].id_number", "observed[2].temperature"}
    assert "医学观察人员第2行“体温”" in str(problems[-1])


def test_schemas_are_checked_before_use() -> None:
    with pytest.raises(forms.SchemaError) as bad:
        forms.parse_schema([{"key": "A", "label": "", "type": "float"},
                            {"key": "x", "label": "选", "type": "choice", "choices": ["一"]},
                            {"key": "x", "label": "重复", "type": "integer", "minimum": 5, "maximum": 1},
                            {"key": "t", "label": "表", "type": "table", "columns": []}])
    joined = " ".join(bad.value.problems)
    for fragment in ("类型“float”", "至少要有两个选项", "重复", "最小值大于最大值", "没有列"):
        assert fragment in joined


def test_figures_roll_up_numbers_and_rows() -> None:
    data = good()
    data["observed"].append({"name": "王五", "id_number": valid_id("61010419900101002"), "temperature": "36.4"})
    figures = forms.figures(ITEMS, forms.check(ITEMS, data).data)
    assert figures["company_staff"] == 120 and figures["observed.rows"] == 2
    assert "observed.temperature" not in figures  # a sum of temperatures means nothing
    assert set(figures) == set(forms.figure_keys(ITEMS))


@given(st.decimals(min_value=-10**6, max_value=10**6, places=2, allow_nan=False, allow_infinity=False))
def test_numbers_within_range_survive_and_outside_are_refused(value: Decimal) -> None:
    spec = forms.Field(key="n", label="数", type="number", minimum=Decimal(0), maximum=Decimal(1000))
    if 0 <= value <= 1000:
        assert Decimal(forms.clean_value(spec, str(value))) == value
    else:
        with pytest.raises(ValueError):
            forms.clean_value(spec, str(value))
