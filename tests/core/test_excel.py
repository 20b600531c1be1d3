from __future__ import annotations

import io
from decimal import Decimal

import pytest
from python_calamine import CalamineWorkbook

from gonghui.core import excel


def test_amounts_reach_the_sheet_exactly_and_text_never_becomes_a_formula() -> None:
    sheet = excel.Sheet(title="t", columns=(excel.Column("amount", "金额", kind="decimal"),
                                            excel.Column("note", "备注"), excel.Column("n", "人数", kind="int")))
    buffer = io.BytesIO()
    excel.write_rows(sheet, [{"amount": Decimal("0.10") + Decimal("0.20"), "note": "=1+1", "n": 3}], buffer)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(buffer.getvalue())).get_sheet_by_index(0).to_python()
    assert rows[1][0] == "0.30"  # not 0.30000000000000004
    assert rows[1][1] == "=1+1"
    assert rows[1][2] == 3


def _sheet_file(path, headers: list[str], rows: list[list[str]]):  # noqa: ANN001, ANN202
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    data = book.add_worksheet(excel.DATA_SHEET)
    for c, header in enumerate(headers):
        data.write_string(0, c, header)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            data.write_string(r, c, value)
    book.close()
    return path


CHOICE_SHEET = excel.Sheet(title="t", columns=(
    excel.Column("name", "姓名", required=True),
    excel.Column("kind", "类别", kind="choice", choices=(("a", "甲"), ("b", "乙"))),
    excel.Column("note", "备注"),
    excel.Column("since", "日期", kind="date"),
    excel.Column("absent", "不在表头的列"),
))


def test_each_cell_means_what_parse_cell_says_it_means(tmp_path) -> None:  # noqa: ANN001
    """The per-column parsers (chosen once per file) agree with the one definition of a cell, blanks included."""
    path = _sheet_file(tmp_path / "c.xlsx", ["姓名", "类别", "备注", "日期"], [
        ["张三", "乙", "", ""], ["李四", "a", " 备注 ", "2020-03-01"], ["", "丙", "x", "2020-02-30"],
        ["王五", "ｂ", "", ""],
    ])
    rows = list(excel.read(path, CHOICE_SHEET))
    assert rows[0].values == {"name": "张三", "kind": "b", "note": "", "since": None, "absent": ""}
    assert rows[1].values["kind"] == "a" and rows[1].values["note"] == "备注"
    assert str(rows[1].values["since"]) == "2020-03-01"
    assert rows[3].values["kind"] == "b"  # a full-width letter typed for the code
    bad = {p.column: p.reason for p in rows[2].problems}
    assert set(bad) == {"姓名", "类别", "日期"}
    assert "必填" in bad["姓名"] and "甲、乙" in bad["类别"]
    for row in rows:
        for column in CHOICE_SHEET.columns:
            index = ["姓名", "类别", "备注", "日期"].index(column.header) if column.key != "absent" else None
            value = row.raw[index] if index is not None else None
            try:
                expected = excel.parse_cell(value, column)
            except ValueError:
                assert column.header in {p.column for p in row.problems}
            else:
                assert row.values[column.key] == expected


def test_a_decimal_cell_that_is_not_a_finite_number_is_a_bad_cell() -> None:
    """NaN passed quantize unchanged and reached the database; 1e30 raised InvalidOperation mid-import."""
    import pytest

    column = excel.Column("amount", "金额", kind="decimal")
    for text in ("NaN", "sNaN", "Infinity", "-Infinity", "1e30", "很多"):
        with pytest.raises(ValueError, match="数字|之间"):
            excel.parse_cell(text, column)
    assert excel.parse_cell("1e3", column) == Decimal("1000.00")


def test_a_date_column_reads_what_parse_cell_reads_and_refuses_what_it_refuses() -> None:
    column = excel.Column("since", "入会日期", kind="date")
    parse = excel.cell_parser(column)
    for typed in ("2020-03-01", "2020-02-29", "2021-02-29", "2020-13-01", "0000-01-01", "2020-3-01", "2020/03/01",
                  "2020年3月1日", "20200301", "2020-03-1x", "２０２０-03-01", " 2020-03-01", "2020-03-01\n", None, ""):
        try:
            expected = excel.parse_cell(typed, column)
        except ValueError as exc:
            with pytest.raises(ValueError, match=str(exc)):
                parse(typed)
        else:
            assert parse(typed) == expected, typed
