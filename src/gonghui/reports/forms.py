"""The report form engine (三表一单 and the next emergency's forms): a form is data, not code.

A form version's schema is a list of items; each item is a field or a repeating table whose columns are
fields. This module is pure (no ORM, no I/O): it checks a schema an official builds, and checks and cleans
what an enterprise submits against it, returning every problem with its path ("temperature",
"people[3].id_number") and a reason in Chinese.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from gonghui.core.numbers import BadNumber, bounded_decimal, finite_decimal
from gonghui.core.phone import InvalidPhone, normalise_mobile
from gonghui.orgs.rules import InvalidNumber, parse_id_number

TYPES = {
    "text": "文本", "number": "数值", "integer": "整数", "date": "日期", "time": "时间", "choice": "单选",
    "multi": "多选", "yesno": "是/否", "phone": "手机号", "id_number": "身份证号", "attachment": "附件",
}
NUMERIC = frozenset({"number", "integer"})
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_TEXT = 2000
MAX_ROWS = 5000
VALUE_CAP = Decimal(10**12)  # a numeric field without bounds of its own: |value| at most a trillion


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    type: str
    required: bool = False
    help: str = ""
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    pattern: str = ""
    choices: tuple[str, ...] = ()
    max_length: int = 200


@dataclass(frozen=True)
class Table:
    key: str
    label: str
    columns: tuple[Field, ...]
    help: str = ""
    min_rows: int = 0
    max_rows: int = MAX_ROWS


Item = Field | Table


@dataclass(frozen=True)
class Problem:
    path: str
    label: str
    reason: str

    def __str__(self) -> str:
        return f"{self.label}：{self.reason}"


class SchemaError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


@dataclass
class Checked:
    data: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# --- schemas ---

def _decimal_or_none(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    return finite_decimal(value if isinstance(value, int | Decimal) else str(value))  # NaN, 1e999: ValueError


def _field_from(raw: dict[str, Any], where: str, problems: list[str]) -> Field | None:
    key, kind = str(raw.get("key", "")), str(raw.get("type", ""))
    label = str(raw.get("label", "")).strip()
    if not KEY.match(key):
        problems.append(f"{where}的代码“{key}”应以小写字母开头，只含小写字母、数字和下划线（至多40个）。")
    if kind not in TYPES:
        problems.append(f"{where}“{label or key}”的类型“{kind}”不存在。")
        return None
    if not label:
        problems.append(f"{where}“{key}”没有名称。")
    try:
        minimum, maximum = _decimal_or_none(raw.get("minimum")), _decimal_or_none(raw.get("maximum"))
    except ValueError:
        problems.append(f"{where}“{label}”的取值范围不是数字。")
        return None
    if minimum is not None and maximum is not None and minimum > maximum:
        problems.append(f"{where}“{label}”的最小值大于最大值。")
    choices = tuple(str(c).strip() for c in raw.get("choices", ()) if str(c).strip())
    if kind in ("choice", "multi") and len(choices) < 2:
        problems.append(f"{where}“{label}”是选择题，至少要有两个选项。")
    if len(set(choices)) != len(choices):
        problems.append(f"{where}“{label}”的选项有重复。")
    pattern = str(raw.get("pattern", ""))
    if pattern:
        try:
            re.compile(pattern)
        except re.error:
            problems.append(f"{where}“{label}”的格式规则（正则表达式）写错了。")
    try:
        max_length = int(raw.get("max_length", 200))
    except (TypeError, ValueError):
        max_length = -1
    if not 1 <= max_length <= MAX_TEXT:
        problems.append(f"{where}“{label}”的长度上限应在 1 到 {MAX_TEXT} 之间。")
    return Field(key=key, label=label, type=kind, required=bool(raw.get("required", False)),
                 help=str(raw.get("help", "")), minimum=minimum, maximum=maximum, pattern=pattern, choices=choices,
                 max_length=max_length if max_length > 0 else 200)


def parse_schema(raw: list[dict[str, Any]]) -> tuple[Item, ...]:
    """A schema as stored (JSON) → items; raises SchemaError listing every problem."""
    problems: list[str] = []
    items: list[Item] = []
    if not isinstance(raw, list) or not raw:
        raise SchemaError(["表单至少要有一个栏目。"])
    seen: set[str] = set()
    for index, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict):
            problems.append(f"第{index}项不是栏目定义。")
            continue
        key = str(entry.get("key", ""))
        if key in seen:
            problems.append(f"代码“{key}”重复了。")
        seen.add(key)
        if entry.get("type") == "table":
            columns_raw = entry.get("columns") or []
            if not isinstance(columns_raw, list) or not columns_raw:
                problems.append(f"表格“{entry.get('label', key)}”没有列。")
                continue
            columns = [_field_from(c, f"表格“{entry.get('label', key)}”的列", problems) if isinstance(c, dict)
                       else None for c in columns_raw]
            if any(c is None for c in columns):
                continue
            keys = [c.key for c in columns if c is not None]
            if len(set(keys)) != len(keys):
                problems.append(f"表格“{entry.get('label', key)}”的列代码重复了。")
            if not KEY.match(key):
                problems.append(f"表格代码“{key}”应以小写字母开头，只含小写字母、数字和下划线。")
            min_rows, max_rows = int(entry.get("min_rows", 0) or 0), int(entry.get("max_rows", MAX_ROWS) or MAX_ROWS)
            if not 0 <= min_rows <= max_rows <= MAX_ROWS:
                problems.append(f"表格“{entry.get('label', key)}”的行数范围不对。")
            items.append(Table(key=key, label=str(entry.get("label", "")).strip() or key,
                               columns=tuple(c for c in columns if c is not None), help=str(entry.get("help", "")),
                               min_rows=min_rows, max_rows=max_rows))
        else:
            parsed = _field_from(entry, "栏目", problems)
            if parsed is not None:
                items.append(parsed)
    if problems:
        raise SchemaError(problems)
    return tuple(items)


# --- submissions ---

def _text(value: Any) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip() if value is not None else ""


def clean_value(spec: Field, value: Any) -> Any:
    """One value, cleaned to its stored form; raises ValueError(reason in Chinese). Empty → None."""
    if value is None or (isinstance(value, str) and not value.strip()) or value == []:
        if spec.required:
            raise ValueError("必填。")
        return None
    kind = spec.type
    if kind in ("number", "integer"):
        # core.numbers reads the value as typed (NFKC would make "²" a 2): NaN, infinities, 1e999 refused; a
        # field without its own bounds is capped at ±VALUE_CAP so that the period's totals stay in their column.
        try:
            number = bounded_decimal(value if isinstance(value, int | Decimal) else str(value),
                                     -VALUE_CAP if spec.minimum is None else None,
                                     VALUE_CAP if spec.maximum is None else None, label="数值")
        except BadNumber as exc:
            raise ValueError(f"应为数字：{exc}") from exc
        if kind == "integer":
            if number != number.to_integral_value():
                raise ValueError("应为整数。")
            number = Decimal(int(number))
        if spec.minimum is not None and number < spec.minimum:
            raise ValueError(f"不能小于 {spec.minimum}。")
        if spec.maximum is not None and number > spec.maximum:
            raise ValueError(f"不能大于 {spec.maximum}。")
        return int(number) if kind == "integer" else str(number.normalize() if number == number.to_integral_value()
                                                         else number)
    if kind == "date":
        try:
            day = value if isinstance(value, dt.date) else dt.date.fromisoformat(_text(value)[:10])
        except ValueError as exc:
            raise ValueError("不是有效日期（例如 2020-02-10）。") from exc
        return day.isoformat()
    if kind == "time":
        try:
            moment = value if isinstance(value, dt.time) else dt.time.fromisoformat(_text(value))
        except ValueError as exc:
            raise ValueError("不是有效时间（例如 08:30）。") from exc
        return moment.strftime("%H:%M")
    if kind == "choice":
        text = _text(value)
        if text not in spec.choices:
            raise ValueError("不在可选项中。")
        return text
    if kind == "multi":
        values = value if isinstance(value, (list, tuple)) else re.split(r"[,，、;；]", _text(value))
        picked = [_text(v) for v in values if _text(v)]
        wrong = [v for v in picked if v not in spec.choices]
        if wrong:
            raise ValueError(f"“{wrong[0]}”不在可选项中。")
        return [c for c in spec.choices if c in picked]
    if kind == "yesno":
        text = _text(value).lower()
        if value is True or text in ("是", "yes", "true", "1", "y", "有"):
            return True
        if value is False or text in ("否", "no", "false", "0", "n", "无"):
            return False
        raise ValueError("请填“是”或“否”。")
    if kind == "phone":
        try:
            return normalise_mobile(_text(value))
        except InvalidPhone as exc:
            raise ValueError("不是有效的手机号。") from exc
    if kind == "id_number":
        try:
            return parse_id_number(_text(value)).number
        except InvalidNumber as exc:
            raise ValueError(str(exc)) from exc
    if kind == "attachment":
        text = _text(value)
        if not text.isdigit() or len(text) > 18:
            raise ValueError("附件无效。")
        return int(text)
    text = _text(value)
    if len(text) > spec.max_length:
        raise ValueError(f"不能超过 {spec.max_length} 个字。")
    if spec.pattern and not re.fullmatch(spec.pattern, text):
        raise ValueError("格式不对。" + (f"（{spec.help}）" if spec.help else ""))
    return text


def check(items: tuple[Item, ...], raw: dict[str, Any]) -> Checked:
    """A submission against its form version: every problem, and the cleaned data when there are none."""
    result = Checked()
    raw = raw if isinstance(raw, dict) else {}
    for item in items:
        if isinstance(item, Table):
            rows = raw.get(item.key) or []
            if not isinstance(rows, list):
                result.problems.append(Problem(item.key, item.label, "应为若干行。"))
                continue
            rows = [r for r in rows if isinstance(r, dict) and any(
                bool(v) if isinstance(v, (list, tuple)) else bool(_text(v)) for v in r.values())]  # blank rows dropped
            if not item.min_rows <= len(rows) <= item.max_rows:
                result.problems.append(Problem(item.key, item.label,
                                               f"应有 {item.min_rows} 到 {item.max_rows} 行，现有 {len(rows)} 行。"))
            cleaned_rows = []
            for number, row in enumerate(rows, start=1):
                cleaned = {}
                for column in item.columns:
                    try:
                        cleaned[column.key] = clean_value(column, row.get(column.key))
                    except ValueError as reason:
                        result.problems.append(Problem(f"{item.key}[{number}].{column.key}",
                                                       f"{item.label}第{number}行“{column.label}”", str(reason)))
                cleaned_rows.append(cleaned)
            result.data[item.key] = cleaned_rows
        else:
            try:
                result.data[item.key] = clean_value(item, raw.get(item.key))
            except ValueError as reason:
                result.problems.append(Problem(item.key, item.label, str(reason)))
    return result


def figure_keys(items: tuple[Item, ...]) -> list[str]:
    """The keys `figures` can produce for this form."""
    keys: list[str] = []
    for item in items:
        if isinstance(item, Table):
            keys.append(f"{item.key}.rows")
        elif item.type in NUMERIC:
            keys.append(item.key)
    return keys


def figures(items: tuple[Item, ...], data: dict[str, Any]) -> dict[str, Decimal]:
    """What rolls up the tree: each numeric field and each table's row count ("people under observation"). A
    column's values are not summed: a sum of temperatures means nothing; the rows are in each report."""
    totals: dict[str, Decimal] = {}
    for item in items:
        if isinstance(item, Table):
            totals[f"{item.key}.rows"] = Decimal(len(data.get(item.key) or []))
        elif item.type in NUMERIC and data.get(item.key) is not None:
            totals[item.key] = Decimal(str(data[item.key]))
    return totals


# --- the builder's flat rows ---

SPLIT = re.compile(r"[,，、;；\n]+")


def key_for(label: str, taken: set[str]) -> str:
    """A field code from its Chinese label (pinyin, lower case: 体温 → ti_wen), unique among `taken`."""
    from pypinyin import lazy_pinyin

    words = [re.sub(r"[^a-z0-9]", "", w.lower()) for w in lazy_pinyin(label)]
    base = "_".join(w for w in words if w)[:36].strip("_") or "field"
    if not base[0].isalpha():
        base = f"f_{base}"[:36]
    key, number = base, 2
    while key in taken:
        key, number = f"{base}_{number}", number + 1
    taken.add(key)
    return key


def schema_from_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The builder's rows — one per field, with the name of its table for a table's columns — as a schema.

    A row: label, type, required, choices (separated by 、 or commas), minimum, maximum, help, table (blank: a
    single field), and the codes it had (`key`, `table_key`) when a form is edited, so that earlier reports keep
    their meaning. A table stands where its first column is."""
    taken: set[str] = {str(r.get("key")) for r in rows if r.get("key")} | \
        {str(r.get("table_key")) for r in rows if r.get("table_key")}
    schema: list[dict[str, Any]] = []
    tables: dict[str, dict[str, Any]] = {}
    for row in rows:
        label = str(row.get("label") or "").strip()
        if not label:
            continue
        field: dict[str, Any] = {"key": str(row.get("key") or "") or key_for(label, taken), "label": label,
                                 "type": str(row.get("type") or "text"), "required": bool(row.get("required"))}
        if field["type"] in ("choice", "multi"):
            field["choices"] = [c.strip() for c in SPLIT.split(str(row.get("choices") or "")) if c.strip()]
        for bound in ("minimum", "maximum"):
            if row.get(bound) is not None and str(row[bound]).strip():
                field[bound] = str(row[bound]).strip()
        if str(row.get("pattern") or ""):
            field["pattern"] = str(row["pattern"])
        if str(row.get("help") or "").strip():
            field["help"] = str(row["help"]).strip()[:200]
        if field["type"] == "text" and str(row.get("max_length") or "").isdigit():
            field["max_length"] = int(row["max_length"])
        table = str(row.get("table") or "").strip()
        if not table:
            schema.append(field)
            continue
        if table not in tables:
            tables[table] = {"key": str(row.get("table_key") or "") or key_for(table, taken), "label": table,
                             "type": "table", "columns": []}
            if str(row.get("table_min_rows") or "").isdigit() and int(row["table_min_rows"]) > 0:
                tables[table]["min_rows"] = int(row["table_min_rows"])
            schema.append(tables[table])
        tables[table]["columns"].append(field)
    return schema


def rows_from_schema(schema: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The inverse of `schema_from_rows`, to edit a form in the builder."""
    rows: list[dict[str, Any]] = []

    def row(field: dict[str, Any], table: dict[str, Any] | None) -> dict[str, Any]:
        return {"key": field.get("key", ""), "label": field.get("label", ""), "type": field.get("type", "text"),
                "required": bool(field.get("required")), "choices": "、".join(field.get("choices", [])),
                "minimum": field.get("minimum", ""), "maximum": field.get("maximum", ""), "help": field.get("help", ""),
                "max_length": field.get("max_length", ""), "pattern": field.get("pattern", ""),
                "table": table["label"] if table else "", "table_key": table["key"] if table else "",
                "table_min_rows": table.get("min_rows", "") if table else ""}

    for entry in schema:
        if entry.get("type") == "table":
            rows += [row(column, entry) for column in entry.get("columns", [])]
        else:
            rows.append(row(entry, None))
    return rows


# --- what a reader of a filed report may see (personal data through `core.masking.shown`) ---

HEALTH_KEYS = frozenset({"temperature", "symptoms", "health_code"})
HEALTH_WORDS = ("体温", "症状", "健康", "病")


def personal_kind(spec: Field) -> str | None:
    """The kind of personal data a form field holds (for `core.masking.shown`), or None for ordinary data."""
    if spec.type in ("id_number", "phone"):
        return spec.type
    if spec.key in HEALTH_KEYS or any(word in spec.label for word in HEALTH_WORDS):
        return "health"
    return None


def shown_data(items: tuple[Item, ...], data: dict[str, Any], *, health: bool) -> dict[str, Any]:
    """A filed report as its reader may see it: ID numbers and phones masked, health data masked unless `health`.

    Only the keys the form names are given (a key the form does not know cannot be judged, so it is left out)."""
    from gonghui.core.masking import shown

    def one(spec: Field, value: Any) -> Any:
        kind = personal_kind(spec)
        if kind is None or value is None or value == "" or (kind == "health" and health):
            return value
        return shown(value, kind)

    result: dict[str, Any] = {}
    for item in items:
        if isinstance(item, Table):
            result[item.key] = [{c.key: one(c, row.get(c.key)) for c in item.columns if c.key in row}
                                for row in (data.get(item.key) or []) if isinstance(row, dict)]
        elif item.key in data:
            result[item.key] = one(item, data[item.key])
    return result


def _mask_returned(submitted: Any, stored: Any, kind: str) -> bool:
    """Whether a value came back as the mask it was pre-filled with (`core.masking.shown` of the stored value)."""
    from gonghui.core.masking import shown

    if stored is None or stored == "" or stored == []:
        return False
    if isinstance(submitted, (list, tuple)):  # a masked multi-choice health value comes back as ["***"]
        if len(submitted) != 1:
            return False
        submitted = submitted[0]
    return isinstance(submitted, str) and submitted.strip() == shown(stored, kind)


def restore_sealed(items: tuple[Item, ...], submitted: dict[str, Any], stored: dict[str, Any] | None) -> dict[str, Any]:
    """A submission of a form that was pre-filled masked (`shown_data`), with every personal value that came back
    as its mask replaced by the stored value it masks: a table's rows are matched by position (the form and the
    filled workbook list the stored rows in order). A value typed anew replaces the stored one; the stored value is
    never put in a place where it was not (a mask sent at another row's position does not match)."""
    if not stored:
        return submitted
    result = dict(submitted)
    for item in items:
        if isinstance(item, Table):
            rows = submitted.get(item.key)
            old_rows = stored.get(item.key) or []
            if not isinstance(rows, list) or not isinstance(old_rows, list):
                continue
            restored = []
            for index, row in enumerate(rows):
                old = old_rows[index] if index < len(old_rows) and isinstance(old_rows[index], dict) else {}
                if isinstance(row, dict) and old:
                    row = dict(row)
                    for column in item.columns:
                        kind = personal_kind(column)
                        if kind is not None and _mask_returned(row.get(column.key), old.get(column.key), kind):
                            row[column.key] = old[column.key]
                restored.append(row)
            result[item.key] = restored
        else:
            kind = personal_kind(item)
            if kind is not None and _mask_returned(submitted.get(item.key), stored.get(item.key), kind):
                result[item.key] = stored[item.key]
    return result
