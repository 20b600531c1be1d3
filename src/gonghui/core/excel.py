"""The Excel pipeline every import and export uses.

A `Sheet` spec names the columns (Chinese header, machine key, type, choices, example, help).
From it come: the template (XlsxWriter: a data sheet with drop-downs, an instructions sheet with
an example row, a hidden sheet with the machine keys), the reader (python-calamine, streamed,
every cell normalised and checked, hostile files refused before a row is read), the annotated
copy of a file (bad cells highlighted, a reason column), and the export writer (every text cell
written as a string, so that nothing an attacker typed ever runs as a formula).

Row numbers are the spreadsheet's own: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from django.conf import settings
from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

from gonghui.core.masking import shown as shown_personal

DATA_SHEET = "数据"
HELP_SHEET = "填写说明"
KEYS_SHEET = "_keys"
MAX_UNCOMPRESSED = 512 * 1024 * 1024  # bytes a workbook may unpack to
MAX_RATIO = 200  # unpacked / packed: beyond this it is a zip bomb, not a spreadsheet


class FileRefused(Exception):
    """The file as a whole cannot be read: nothing is imported, the message says why."""


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = "text"  # text, int, decimal, date, choice, bool
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()  # (code, label); the sheet shows labels
    example: str = ""
    help: str = ""
    width: int = 16
    max_length: int = 200
    clean: Callable[[str], Any] | None = None  # extra check: returns the value or raises ValueError(reason)
    sensitive: bool = False  # personal data: shown masked in problem reports
    # int and decimal columns: the range a cell must be in (core.numbers); by default ±COUNT_MAX for int,
    # ±YUAN_MAX for decimal (every money column's ceiling). Decimals are rounded half-up to `places`.
    minimum: Decimal | int | None = None
    maximum: Decimal | int | None = None
    places: int = 2


@dataclass(frozen=True)
class Sheet:
    title: str
    columns: tuple[Column, ...]
    unique_key: str | None = None  # a key that must not repeat inside one file
    notes: tuple[str, ...] = ()

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


@dataclass
class Problem:
    row: int
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


@dataclass
class ParsedRow:
    number: int
    values: dict[str, Any]
    raw: list[Any]
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# --- writing ---

def template(sheet: Sheet) -> bytes:
    """An empty workbook to fill in: headers, drop-downs, an instructions sheet with an example."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    data = book.add_worksheet(DATA_SHEET)
    head = book.add_format({"bold": True, "bg_color": "#FBE9E7", "border": 1, "text_wrap": True})
    required = book.add_format({"bold": True, "bg_color": "#FFCDD2", "border": 1, "text_wrap": True})
    text = book.add_format({"num_format": "@"})
    for index, column in enumerate(sheet.columns):
        data.write_string(0, index, column.header + (" *" if column.required else ""), required if column.required else head)
        data.set_column(index, index, column.width, text if column.kind in ("text", "choice") else None)
        if column.kind == "choice":
            data.data_validation(1, index, 1_048_575, index, {
                "validate": "list", "source": [str(label) for _code, label in column.choices][:60],
                "error_title": _("请从下拉列表选择"), "error_message": _("该列只能填写下拉列表中的值。"),
            })
        elif column.kind == "date":
            data.data_validation(1, index, 1_048_575, index, {
                "validate": "date", "criteria": ">=", "value": dt.date(1900, 1, 1),
                "error_message": _("请填写日期，例如 2020-03-01。"),
            })
    data.freeze_panes(1, 0)
    helper = book.add_worksheet(HELP_SHEET)
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    helper.set_column(0, 0, 22)
    helper.set_column(1, 1, 24)
    helper.set_column(2, 2, 70)
    helper.write_string(0, 0, sheet.title, book.add_format({"bold": True, "font_size": 14}))
    notes = [
        _("在“数据”工作表第 2 行起每行填写一条记录，第 1 行是表头，请勿修改或合并表头。"),
        _("带 * 的列必须填写。身份证号、手机号等请设为文本格式，以免 Excel 把它们改成科学计数法。"),
        _("同一文件重复导入不会重复建档；修改后的行会更新原记录，并记入该记录的变更历史。"),
        *sheet.notes,
    ]
    for offset, note in enumerate(notes, start=2):
        helper.write_string(offset, 0, f"{offset - 1}. {note}")
    top = len(notes) + 3
    helper.write_string(top, 0, _("列"), head)
    helper.write_string(top, 1, _("示例"), head)
    helper.write_string(top, 2, _("说明"), head)
    for row, column in enumerate(sheet.columns, start=top + 1):
        helper.write_string(row, 0, column.header + (" *" if column.required else ""))
        helper.write_string(row, 1, column.example)
        explain = column.help
        if column.kind == "choice":
            explain = (explain + " " if explain else "") + _("可选：") + "、".join(str(label) for _c, label in column.choices)
        helper.write_string(row, 2, explain, wrap)
    keys = book.add_worksheet(KEYS_SHEET)
    for index, column in enumerate(sheet.columns):
        keys.write_string(0, index, column.key)
    keys.hide()
    data.activate()
    book.close()
    return buffer.getvalue()


def write_rows(sheet: Sheet, rows: Iterable[dict[str, Any]], target: IO[bytes] | str,
               progress: Callable[[int], None] | None = None) -> int:
    """Write rows (dicts by key) under the sheet's headers; returns how many were written.

    Every text value is written with write_string: Excel stores it as text and never runs
    it, even when it starts with =, +, - or @ (the classic CSV/formula injection).
    """
    book = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    data = book.add_worksheet(DATA_SHEET)
    head = book.add_format({"bold": True, "bg_color": "#FBE9E7", "border": 1})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for index, column in enumerate(sheet.columns):
        data.write_string(0, index, column.header, head)
        data.set_column(index, index, column.width)
    labels = {c.key: dict(c.choices) for c in sheet.columns if c.kind == "choice"}
    count = 0
    for count, row in enumerate(rows, start=1):
        for index, column in enumerate(sheet.columns):
            value = row.get(column.key)
            if value is None or value == "":
                continue
            if column.kind == "choice":
                value = labels[column.key].get(value, value)
            if isinstance(value, dt.date):
                data.write_datetime(count, index, dt.datetime.combine(value, dt.time()), date_format)
            elif isinstance(value, bool):
                data.write_string(count, index, _("是") if value else _("否"))
            elif isinstance(value, int) and column.kind == "int":
                data.write_number(count, index, value)
            elif isinstance(value, Decimal):
                # Written as text: an Excel number is a binary float, and an amount must reach the
                # official's sheet exactly as the ledger holds it.
                data.write_string(count, index, f"{value:.2f}")
            else:
                data.write_string(count, index, str(value))
        if progress is not None and count % 1000 == 0:
            progress(count)
    book.close()
    return count


def annotate(source: Path, problems: list[dict[str, Any]], target: IO[bytes]) -> None:
    """A copy of the uploaded data sheet with every bad cell in red and a reason column."""
    by_row: dict[int, list[dict[str, Any]]] = {}
    for problem in problems:
        by_row.setdefault(problem["row"], []).append(problem)
    book = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    data = book.add_worksheet(DATA_SHEET)
    bad = book.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006", "num_format": "@"})
    reason_format = book.add_format({"font_color": "#9C0006", "text_wrap": True})
    head = book.add_format({"bold": True, "bg_color": "#FBE9E7", "border": 1})
    workbook = CalamineWorkbook.from_path(str(source))
    rows = workbook.get_sheet_by_index(0).iter_rows()
    header = [str(v) for v in next(rows, [])]
    for index, value in enumerate(header):
        data.write_string(0, index, value, head)
    reason_col = len(header)
    data.write_string(0, reason_col, _("错误原因（改正后可删除本列再上传）"), head)
    data.set_column(reason_col, reason_col, 60)
    headers = [h.rstrip(" *") for h in header]
    for number, row in enumerate(rows, start=2):
        issues = by_row.get(number, [])
        bad_columns = {p["column"] for p in issues}
        for index, value in enumerate(row):
            if value is None or value == "":
                if index < len(headers) and headers[index] in bad_columns:
                    data.write_blank(number - 1, index, None, bad)
                continue
            cell_format = bad if index < len(headers) and headers[index] in bad_columns else None
            if isinstance(value, dt.datetime | dt.date):
                data.write_string(number - 1, index, value.isoformat()[:10], cell_format)
            else:
                data.write_string(number - 1, index, _cell_text(value), cell_format)
        if issues:
            data.write_string(number - 1, reason_col, "；".join(f"{p['column']}：{p['reason']}" for p in issues),
                              reason_format)
    workbook.close()
    book.close()


# --- reading ---

def check_file(path: Path) -> None:
    """Refuse what is not a readable, plain .xlsx workbook, before reading any row."""
    with path.open("rb") as handle:
        magic = handle.read(8)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        content = path.read_bytes()[:2_000_000]
        if "EncryptionInfo".encode("utf-16-le") in content:
            raise FileRefused(_("文件设置了打开密码（已加密），请取消密码后重新上传。"))
        raise FileRefused(_("这是旧版 Excel（.xls）文件，请在 Excel 中“另存为” .xlsx 格式后上传。"))
    if not magic.startswith(b"PK"):
        raise FileRefused(_("这不是 Excel 文件，请上传 .xlsx 格式的表格。"))
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            unpacked = sum(e.file_size for e in entries)
            packed = max(1, sum(e.compress_size for e in entries))
            if unpacked > MAX_UNCOMPRESSED or unpacked / packed > MAX_RATIO and unpacked > 10 * 1024 * 1024:
                raise FileRefused(_("文件解压后异常巨大（疑似压缩炸弹），已拒绝。"))
            names = {e.filename for e in entries}
            if "xl/workbook.xml" not in names:
                raise FileRefused(_("这不是 Excel 文件，请上传 .xlsx 格式的表格。"))
            sheet_xml = _first_sheet_xml(archive)
            if sheet_xml and _has_formula(archive, sheet_xml):
                raise FileRefused(_("表格中含有公式。请复制数据后“选择性粘贴 → 数值”，去掉公式再上传。"))
    except zipfile.BadZipFile as exc:
        raise FileRefused(_("文件已损坏，无法读取，请重新保存后上传。")) from exc


def _first_sheet_xml(archive: zipfile.ZipFile) -> str | None:
    workbook = archive.read("xl/workbook.xml").decode("utf-8", errors="replace")
    first = re.search(r"<(?:\w+:)?sheet\b[^>]*?r:id=\"([^\"]+)\"", workbook)
    if not first:
        return None
    try:
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", errors="replace")
    except KeyError:
        return None
    for rel in re.finditer(r"<Relationship\b[^>]*>", rels):
        tag = rel.group(0)
        if f'Id="{first.group(1)}"' in tag:
            target = re.search(r'Target="([^"]+)"', tag)
            if target:
                name = target.group(1).lstrip("/")
                return name if name.startswith("xl/") else f"xl/{name}"
    return None


def _has_formula(archive: zipfile.ZipFile, name: str) -> bool:
    pattern = re.compile(rb"<(?:\w+:)?f[ >/]")
    tail = b""
    with archive.open(name) as stream:
        while chunk := stream.read(1 << 20):
            if pattern.search(tail + chunk):
                return True
            tail = chunk[-16:]
    return False


def read(path: Path, sheet: Sheet, *, on_progress: Callable[[int, int], None] | None = None) -> Iterator[ParsedRow]:
    """Every non-blank data row of the file, parsed and checked against the sheet spec.

    Raises FileRefused for a file that cannot be read at all (see `check_file`), for a
    header that does not match the template, or for more rows than allowed.
    """
    check_file(path)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        data = workbook.get_sheet_by_index(0)
    except CalamineError as exc:
        raise FileRefused(_("文件已损坏，无法读取，请重新保存后上传。")) from exc
    except Exception as exc:  # python-calamine raises its own types for zip/xml/password errors
        raise FileRefused(_("文件已损坏或已加密，无法读取。")) from exc
    limit = settings.GONGHUI_IMPORT_MAX_ROWS
    total = max(0, data.total_height - 1)
    if total > limit:
        raise FileRefused(_("表格有 %(n)d 行，超过了每次最多 %(limit)d 行的限制，请分成几个文件上传。")
                          % {"n": total, "limit": limit})
    merged = data.merged_cell_ranges or []
    if any(start[0] == 0 for start, _end in merged):
        raise FileRefused(_("表头有合并的单元格。请使用下载的模板，表头每列一格，不要合并。"))
    rows = data.iter_rows()
    header = next(rows, None)
    if header is None:
        raise FileRefused(_("表格是空的。"))
    positions = _match_header(header, sheet)
    parse_row = _row_parser(positions, sheet)
    seen: dict[str, int] = {}
    for number, raw in enumerate(rows, start=2):
        if number - 1 > limit:
            raise FileRefused(_("表格超过了每次最多 %(limit)d 行的限制。") % {"limit": limit})
        if _blank(raw[0] if raw else None) and all(_blank(value) for value in raw):
            continue  # blank rows are skipped, not reported
        parsed = parse_row(number, raw)
        if sheet.unique_key and parsed.values.get(sheet.unique_key):
            key = str(parsed.values[sheet.unique_key])
            if key in seen:
                column = sheet.column(sheet.unique_key)
                parsed.problems.append(Problem(number, column.header, shown(raw[positions[column.key]], column),
                                               _("与第 %(row)d 行重复。") % {"row": seen[key]}))
            else:
                seen[key] = number
        if on_progress is not None and number % 500 == 0:
            on_progress(number - 1, total)
        yield parsed
    workbook.close()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _match_header(header: list[Any], sheet: Sheet) -> dict[str, int]:
    names = [normalise_text(_cell_text(value)).rstrip("*").strip() for value in header]
    positions = {}
    missing = []
    for column in sheet.columns:
        wanted = normalise_text(column.header)  # "金额（元）" reads as "金额(元)" once normalised
        if wanted in names:
            positions[column.key] = names.index(wanted)
        elif column.required:
            missing.append(column.header)
    if missing:
        raise FileRefused(_("表头缺少必填列：%(cols)s。请使用下载的模板。") % {"cols": "、".join(missing)})
    return positions


def _row_parser(positions: dict[str, int], sheet: Sheet) -> Callable[[int, list[Any]], ParsedRow]:
    """A parser of one row for this sheet and header: each column's checks are chosen once, not per cell."""
    absent = {key for key in (c.key for c in sheet.columns) if key not in positions}
    # An empty cell of an optional column is its column's blank value without a call: most cells of a
    # wide sheet are empty.
    plan = [(column.key, positions[column.key], cell_parser(column), column,
             _NO_BLANK if column.required else (None if column.kind != "text" else ""))
            for column in sheet.columns if column.key in positions]
    missing = [(column.key, cell_parser(column), column) for column in sheet.columns if column.key in absent]

    def parse_row(number: int, raw: list[Any]) -> ParsedRow:
        values: dict[str, Any] = {}
        problems: list[Problem] = []
        width = len(raw)
        for key, index, parse, column, blank in plan:
            value = raw[index] if index < width else None
            if (value is None or value == "") and blank is not _NO_BLANK:
                values[key] = blank
                continue
            try:
                values[key] = parse(value)
            except ValueError as exc:
                problems.append(Problem(number, column.header, shown(value, column), str(exc)))
        for key, parse, column in missing:
            try:
                values[key] = parse(None)
            except ValueError as exc:
                problems.append(Problem(number, column.header, "", str(exc)))
        return ParsedRow(number, values, raw, problems)

    return parse_row


def shown(value: Any, column: Column) -> str:
    """A cell's text as a problem report may show it: personal data masked.

    Text too short to be a phone, ID or account number is shown as typed, so that the
    official sees what is wrong with it.
    """
    text = _cell_text(value)
    return shown_personal(text, "id_number") if column.sensitive and len(text) >= 11 else text


def normalise_text(text: str) -> str:
    """Full-width letters and digits to half-width, spaces trimmed (NFKC keeps Chinese as it is)."""
    if text.isascii():
        return text.strip()
    return unicodedata.normalize("NFKC", text).strip()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    return str(value)


DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


_NO_BLANK = object()


def cell_parser(column: Column) -> Callable[[Any], Any]:
    """The parser of one column's cells: `parse_cell` with the column's kind chosen once.

    Text cells, most of any sheet, take a short path (blank, plain text within its length, the
    column's own check); everything else goes through `parse_cell`, the one definition of a cell's
    meaning.
    """
    if column.kind == "choice":
        return _choice_parser(column)
    if column.kind == "date":
        return _date_parser(column)
    if column.kind != "text":
        return partial(parse_cell, column=column)
    empty: Any = None if column.required else ""
    clean, limit = column.clean, column.max_length

    def parse_text(value: Any) -> Any:
        if value is None:
            if empty is None:
                raise ValueError(_("必填，不能为空。"))
            return empty
        if type(value) is not str:
            return parse_cell(value, column)
        text = value.strip() if value.isascii() else unicodedata.normalize("NFKC", value).strip()
        if not text:
            if empty is None:
                raise ValueError(_("必填，不能为空。"))
            return empty
        if len(text) > limit:
            raise ValueError(_("不能超过 %(n)d 个字。") % {"n": limit})
        return clean(text) if clean else text

    return parse_text


def _choice_parser(column: Column) -> Callable[[Any], Any]:
    """A choice column's parser: labels (in the language of this read) and codes looked up in one dict."""
    codes: dict[str, str] = {}
    for code, label in reversed(column.choices):  # the first choice wins, as in parse_cell
        codes[code] = code
        codes[str(label)] = code

    def parse_choice(value: Any) -> Any:
        if type(value) is str:
            code = codes.get(value.strip() if value.isascii() else unicodedata.normalize("NFKC", value).strip())
            if code is not None:
                return code
        return parse_cell(value, column)  # blank, not text, or not a choice: parse_cell says what is wrong

    return parse_choice


def _date_parser(column: Column) -> Callable[[Any], Any]:
    """A date column's parser: a date typed as 2020-03-01 (most of them) read at once; anything else, and any
    date that does not exist, through `parse_cell`."""

    def parse_date(value: Any) -> Any:
        if (type(value) is str and len(value) == 10 and value[4] == "-" and value[7] == "-" and value.isascii()
                and value[:4].isdigit() and value[5:7].isdigit() and value[8:].isdigit()):
            try:
                return dt.date(int(value[:4]), int(value[5:7]), int(value[8:]))
            except ValueError:
                pass
        return parse_cell(value, column)

    return parse_date


def _number_cell(value: Any, column: Column) -> Any:
    """An int or decimal cell through `core.numbers`: NaN, infinities, 1e999, "²", out of range refused (the
    problem names the row and column); decimals rounded half-up to the column's places (the fen)."""
    from gonghui.core.money import YUAN_MAX
    from gonghui.core.numbers import COUNT_MAX, BadNumber, bounded_decimal

    if isinstance(value, bool):
        raise ValueError(_("请填写数字。"))
    if isinstance(value, float) and column.kind == "int" and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    elif isinstance(value, float):
        value = _cell_text(value)
    elif isinstance(value, str):
        value = value.strip()
    whole = column.kind == "int"
    ceiling = COUNT_MAX if whole else YUAN_MAX
    lowest = -ceiling if column.minimum is None else column.minimum
    highest = ceiling if column.maximum is None else column.maximum
    try:
        number = bounded_decimal(value, lowest, highest, 0 if whole else column.places, label=_("该格"))
    except BadNumber as exc:
        raise ValueError(str(exc)) from exc
    if whole:
        if isinstance(value, str) and not re.fullmatch(r"[+-]?[0-9０-９]+", value):
            raise ValueError(_("请填写整数。"))
        return int(number)
    return number


def parse_cell(value: Any, column: Column) -> Any:
    """One cell to its Python value, or ValueError with the reason in Chinese."""
    typed = value  # numbers are read from the cell as typed: NFKC would turn "²" into "2"
    if isinstance(value, str):
        value = normalise_text(value)
    if value is None or value == "":
        if column.required:
            raise ValueError(_("必填，不能为空。"))
        return None if column.kind != "text" else ""
    if isinstance(value, float) and column.kind in ("text", "choice") and abs(value) >= 1e15:
        raise ValueError(_("被 Excel 存成了科学计数法数字（如 6.10102E+17），末几位已丢失。请把该列设为文本格式后重新填写。"))
    if column.kind == "text":
        text = _cell_text(value)
        if len(text) > column.max_length:
            raise ValueError(_("不能超过 %(n)d 个字。") % {"n": column.max_length})
        return column.clean(text) if column.clean else text
    if column.kind == "choice":
        text = _cell_text(value)
        for code, label in column.choices:
            if text in (str(label), code):
                return code
        raise ValueError(_("只能填写：%(choices)s。") % {"choices": "、".join(str(label) for _c, label in column.choices)})
    if column.kind == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = _cell_text(value)
        for pattern in DATE_PATTERNS:
            match = pattern.match(text)
            if match:
                try:
                    return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
                except ValueError:
                    break
        raise ValueError(_("不是有效日期，请写成 2020-03-01 这样的格式。"))
    if column.kind in ("int", "decimal"):
        return _number_cell(typed, column)
    if column.kind == "bool":
        text = _cell_text(value)
        if text in ("是", "1", "true", "True", "Y", "y"):
            return True
        if text in ("否", "0", "false", "False", "N", "n"):
            return False
        raise ValueError(_("请填写“是”或“否”。"))
    raise ValueError(f"unknown column kind {column.kind}")
