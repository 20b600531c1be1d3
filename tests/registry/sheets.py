"""Spreadsheets for the tests, written with XlsxWriter like a union official's Excel would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xlsxwriter
from stdnum.cn import ric

from gonghui.orgs.imports import PEOPLE


def valid_id(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


def people_file(path: Path, rows: list[dict[str, Any]], *, headers: list[str] | None = None,
                raw: bool = False) -> Path:
    """Rows by header (Chinese) or by key; values written as given (numbers stay numbers)."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    sheet = book.add_worksheet("数据")
    columns = headers or [c.header for c in PEOPLE.columns]
    keys = {c.header: c.key for c in PEOPLE.columns}
    for index, header in enumerate(columns):
        sheet.write_string(0, index, header)
    for number, row in enumerate(rows, start=1):
        for index, header in enumerate(columns):
            value = row.get(header, row.get(keys.get(header, ""), None))
            if value is None:
                continue
            if isinstance(value, int | float):
                sheet.write_number(number, index, value)
            else:
                sheet.write_string(number, index, str(value))
    book.close()
    return path
