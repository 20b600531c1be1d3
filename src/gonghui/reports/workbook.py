"""A report form as a spreadsheet, through the project's Excel pipeline (`gonghui.core.excel`).

One sheet per form: its single fields first, then the columns of its table (the people under observation today);
each sheet row is one table row, and the single fields are read from the first row. A form with more than one
table cannot be laid out flat and is filed on the phone form or through the API. The same layout is the
consolidated table a street sends upward (one line per table row, the enterprise in front).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from gonghui.core import excel
from gonghui.core.masking import shown
from gonghui.reports import forms
from gonghui.reports.rules import SHANGHAI

PATH = re.compile(r"^(\w+)\[(\d+)\]\.(\w+)$")


class NotFlat(ValueError):
    """The form has more than one table."""


def table_of(items: tuple[forms.Item, ...]) -> forms.Table | None:
    tables = [i for i in items if isinstance(i, forms.Table)]
    if len(tables) > 1:
        raise NotFlat(_("该表有多个明细表，不能用一张 Excel 表填报，请在网页或手机上填写。"))
    return tables[0] if tables else None


def _column(field: forms.Field, key: str, header: str, example: str = "") -> excel.Column:
    kind = {"date": "date", "choice": "choice", "yesno": "choice"}.get(field.type, "text")
    choices: tuple[tuple[str, str], ...] = ()
    if field.type == "choice":
        choices = tuple((c, c) for c in field.choices)
    elif field.type == "yesno":
        choices = (("是", "是"), ("否", "否"))
    help_text = field.help or (_("可多选，用顿号分隔：%(c)s") % {"c": "、".join(field.choices)}
                               if field.type == "multi" else "")
    return excel.Column(key, header, kind=kind, choices=choices, help=help_text, example=example,
                        max_length=max(field.max_length, 200), sensitive=field.type in ("id_number", "phone"),
                        width=20 if field.type in ("id_number", "text") else 14)


def sheet_for(name: str, items: tuple[forms.Item, ...]) -> excel.Sheet:
    table = table_of(items)
    columns = [_column(i, i.key, i.label) for i in items if isinstance(i, forms.Field)]
    if table is not None:
        columns += [_column(c, f"{table.key}.{c.key}", f"{table.label}·{c.label}") for c in table.columns]
    notes = [_("《%(n)s》：单项（如人数）只在第一行填写；明细表每行一人（或一项）。") % {"n": name}]
    return excel.Sheet(title=name[:31], columns=tuple(columns), notes=tuple(notes))


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def data_from_rows(items: tuple[forms.Item, ...], rows: list[excel.ParsedRow]) -> tuple[dict[str, Any], list[int]]:
    """The submission a sheet holds, and the sheet row number of each table row kept (blank rows dropped)."""
    table = table_of(items)
    data: dict[str, Any] = {}
    first = rows[0].values if rows else {}
    for item in items:
        if isinstance(item, forms.Field):
            data[item.key] = _plain(first.get(item.key))
    numbers: list[int] = []
    if table is not None:
        prefix = f"{table.key}."
        table_rows = []
        for row in rows:
            cells = {k[len(prefix):]: _plain(v) for k, v in row.values.items() if k.startswith(prefix)}
            if any(v not in (None, "") for v in cells.values()):
                table_rows.append(cells)
                numbers.append(row.number)
        data[table.key] = table_rows
    return data, numbers


def read_report(path: Path, name: str, items: tuple[forms.Item, ...], *, on_progress: Any = None,
                stored: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[excel.Problem]]:
    """A filled sheet: the data, and every problem by (row, column, value, reason) — the cells the pipeline
    refuses, then what the form itself refuses. Raises `excel.FileRefused` for a file that cannot be read.

    `stored` is the day's report as filed: the "filled" download masks ID numbers, phones (and health data for a
    reader not entitled to it), and a mask left unchanged in the upload keeps the stored value (rows by position,
    `forms.restore_sealed`)."""
    sheet = sheet_for(name, items)
    parsed = list(excel.read(path, sheet, on_progress=on_progress))
    problems = [p for row in parsed for p in row.problems]
    data, numbers = data_from_rows(items, [r for r in parsed if r.ok] if problems else parsed)
    data = forms.restore_sealed(items, data, stored)
    if problems:
        return data, problems
    if not parsed:
        return data, [excel.Problem(2, "", "", _("表格里没有数据。"))]
    headers = {c.key: c.header for c in sheet.columns}
    first_row = parsed[0].number
    for problem in forms.check(items, data).problems:
        match = PATH.match(problem.path)
        key, row, value = problem.path, first_row, data.get(problem.path)
        if match:
            table_key, index, column = match.group(1), int(match.group(2)), match.group(3)
            key, row = f"{table_key}.{column}", numbers[index - 1]
            value = data[table_key][index - 1].get(column)
        column_spec = next((c for c in sheet.columns if c.key == key), None)
        shown = excel.shown(value, column_spec) if column_spec is not None else str(value or "")
        problems.append(excel.Problem(row, headers.get(key, problem.label), shown, problem.reason))
    return data, problems


def rows_of(items: tuple[forms.Item, ...], data: dict[str, Any], *, masked: bool = False,
            front: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    """A report as sheet rows (the inverse of `data_from_rows`): the single fields on the first row."""
    table = table_of(items)
    single = {i.key: cell(i, data.get(i.key), masked) for i in items if isinstance(i, forms.Field)}
    table_rows = (data.get(table.key) or []) if table is not None else []
    for index, row in enumerate(table_rows or [{}]):
        line = dict(front or {})
        if index == 0:
            line.update(single)
        if table is not None:
            for column in table.columns:
                line[f"{table.key}.{column.key}"] = cell(column, row.get(column.key), masked)
        yield line


def cell(field: forms.Field, value: Any, masked: bool) -> Any:
    """One value as a person reads it (是/否, choices joined by 、), ID numbers and phones masked when asked."""
    if value is None or value == "":
        return ""
    if field.type == "yesno":
        return "是" if value else "否"
    if field.type == "multi" and isinstance(value, list):
        return "、".join(value)
    if masked and field.type in ("id_number", "phone"):
        return shown(value, field.type)
    return str(value)


FRONT = (("enterprise", "企业名称"), ("credit_code", "统一社会信用代码"), ("unit", "所属工会"), ("submitted_at", "报送时间"),
         ("late", "迟报"))


def consolidated_sheet(name: str, items: tuple[forms.Item, ...]) -> excel.Sheet:
    form = sheet_for(name, items)
    front = tuple(excel.Column(k, h, width=30 if k == "enterprise" else 16) for k, h in FRONT)
    return excel.Sheet(title=form.title, columns=front + form.columns)


def consolidated_rows(items: tuple[forms.Item, ...], reports: Iterable[Any],
                      health: Callable[[int], bool] = lambda enterprise_id: True) -> Iterator[dict[str, Any]]:
    """Every report of a day in the form's layout, one line per table row, personal data masked; health data too
    for the reports of enterprises whose health data the reader may not read (`health(enterprise_id)` is False)."""
    for report in reports:
        front = {"enterprise": report.enterprise.name, "credit_code": report.enterprise.credit_code,
                 "unit": report.unit.name, "submitted_at": f"{report.updated_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}",
                 "late": "是" if report.late else ""}
        # A report filed on an older version is laid out in today's columns: what it did not ask stays blank.
        data = report.data if health(report.enterprise_id) else forms.shown_data(items, report.data, health=False)
        yield from rows_of(items, data, masked=True, front=front)
