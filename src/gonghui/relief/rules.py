"""Pure calculation for hardship relief: no ORM, no I/O. Property-tested.

- The relief policy engine: a policy version is data (`spec`), compiled once and priced
  against facts: eligibility, amount (fixed, requested, or tiers chosen by a measured ratio),
  caps (per application, per household per calendar year across a cap group, formulas of
  parameters such as 18 × 低保, once per campaign), with a trace that explains every step.
- The union's hardship criteria: category (深度困难 / 相对困难 / 意外致困), exit (脱困, 解困),
  the edge band, and the annual spot-check draw.
"""

from __future__ import annotations

import ast
import math
import operator
import random
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

FEN = Decimal("0.01")
ZERO = Decimal("0.00")

FILE_STATUS = {"active": "在档", "exited": "已脱困", "resolved": "已解困", "returned": "返困"}
CATEGORY = {"deep": "深度困难", "relative": "相对困难", "accident": "意外致困"}
FLAGS = {
    "epidemic_confirmed": "疫情确诊", "epidemic_suspected": "疫情疑似", "epidemic_isolated": "隔离观察",
    "illness": "因病致困", "disability": "因残致困", "unstable_exit": "脱困不稳定", "edge": "困难边缘户",
}
MEMBERSHIP = {"member": "会员", "non_member": "非会员", "transferred_out": "已转出"}
NUMBER_FACTS = {
    "household_annual_income": "家庭年收入", "self_paid": "个人自付费用", "paid_this_year": "本年度同组已领金额",
    "dibao_monthly": "城市低保标准（元/月）", "paid_in_campaign": "本次活动已领金额", "requested": "申请金额",
    "household_size": "家庭人口",
}
CHOICE_FACTS = {"file_status": FILE_STATUS, "category": CATEGORY, "membership": MEMBERSHIP}
KNOWN_FACTS = set(NUMBER_FACTS) | set(CHOICE_FACTS) | {"flags"}
DEFAULTS_TO_ZERO = ("paid_this_year", "paid_in_campaign")


_NUMBER, _CHOICE, _FLAGS = "number", "choice", "flags"
_NO_NOTES: Any = ()  # the shared empty list of words: a tuple, so nothing can append to it
_FACT_KIND = {**dict.fromkeys(NUMBER_FACTS, _NUMBER), **dict.fromkeys(CHOICE_FACTS, _CHOICE), "flags": _FLAGS}
_CHOICE_LABELS = {"file_status": "档案状态", "category": "困难类别", "membership": "会籍"}


class PolicyError(ValueError):
    """A policy spec that cannot be priced (the message says what is wrong)."""


class FactsError(ValueError):
    """Facts that cannot be priced: every problem, each a sentence for the user."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


@dataclass(slots=True)
class Quote:
    eligible: bool
    amount: Decimal
    reasons: list[str] = field(default_factory=list)
    trace: list[str] = field(default_factory=list)
    tier: int | None = None  # 1-based, for tier policies
    capped_by: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"eligible": self.eligible, "amount": f"{self.amount:.2f}", "reasons": list(self.reasons),
                "trace": list(self.trace)}


def money(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def fmt(value: Decimal) -> str:
    return f"{money(value):,.2f}"


def to_decimal(value: Any) -> Decimal:
    """A fact's number: int, Decimal or a decimal string (a JSON float is read by its text)."""
    if type(value) is str:  # the common case (facts as stored): straight to Decimal
        try:
            number = Decimal(value)
        except InvalidOperation as exc:
            raise ValueError from exc
        if not number.is_finite():
            raise ValueError
        return number
    if isinstance(value, bool) or value is None:
        raise ValueError
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError
        value = repr(value)
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError from exc
    if not number.is_finite():
        raise ValueError
    return number


# --- formulas: "18 * dibao_monthly", "self_paid * 0.5" ---

_OPS: dict[type[ast.operator], Callable[[Decimal, Decimal], Decimal]] = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}


def compile_formula(text: str) -> tuple[Callable[[Mapping[str, Decimal]], Decimal], set[str]]:
    """A formula of numbers and fact names with + - * / and brackets; anything else is refused."""
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise PolicyError(f"公式“{text}”写法有误。") from exc
    names: set[str] = set()

    def build(node: ast.AST) -> Callable[[Mapping[str, Decimal]], Decimal]:
        if isinstance(node, ast.Expression):
            if isinstance(node.body, ast.Name):  # a bare parameter ("self_paid"): a plain look-up
                build(node.body)
                return operator.itemgetter(node.body.id)
            return build(node.body)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            op, left, right = _OPS[type(node.op)], build(node.left), build(node.right)
            return lambda facts: op(left(facts), right(facts))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            inner = build(node.operand)
            return lambda facts: -inner(facts)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
            constant = Decimal(str(node.value))
            return lambda facts: constant
        if isinstance(node, ast.Name):
            if node.id not in NUMBER_FACTS:
                raise PolicyError(f"公式“{text}”中的“{node.id}”不是可用的参数（可用：{'、'.join(NUMBER_FACTS)}）。")
            name = node.id
            names.add(name)
            return lambda facts: facts[name]
        raise PolicyError(f"公式“{text}”只能使用数字、参数和 + - * / 与括号。")

    return build(tree), names


# --- the policy engine ---

@dataclass(frozen=True)
class _Cap:
    kind: str  # per_application, per_household_year, once_per_campaign
    label: str
    value: Decimal | None = None
    formula: Callable[[Mapping[str, Decimal]], Decimal] | None = None
    formula_text: str = ""
    group: str = ""
    campaign: str = ""


class CompiledPolicy:
    """A policy version's spec, checked and compiled once; `price` is then cheap."""

    def __init__(self, spec: Mapping[str, Any], code: str = "") -> None:
        if not isinstance(spec, Mapping):
            raise PolicyError("政策内容必须是一个对象。")
        self.code = code
        self.needs: set[str] = set()
        self.choice_needs: set[str] = set()
        eligibility = spec.get("eligibility") or {}
        self.allowed: dict[str, frozenset[str]] = {}
        for key, labels in CHOICE_FACTS.items():
            if key in eligibility:
                values = frozenset(eligibility[key])
                unknown = values - set(labels)
                if unknown or not values:
                    raise PolicyError(f"资格条件 {key} 的取值有误：{sorted(unknown) or '为空'}。")
                self.allowed[key] = values
                self.choice_needs.add(key)
        self.flags_any = frozenset(eligibility.get("flags_any") or ())
        if self.flags_any - set(FLAGS):
            raise PolicyError(f"资格条件 flags_any 含未知标记：{sorted(self.flags_any - set(FLAGS))}。")
        if self.flags_any:
            self.choice_needs.add("flags")
        self._compile_amount(spec.get("amount") or {})
        self.caps = [self._compile_cap(cap) for cap in spec.get("caps") or ()]
        self._required = tuple(sorted(self.needs | self.choice_needs))
        self._allowed_items = tuple(self.allowed.items())
        # The words of each refusal, written once: "档案状态为“已脱困”，本政策只适用于在档、返困。"
        self._refusals = {
            key: {value: f"{_CHOICE_LABELS[key]}为“{label}”，本政策只适用于"
                         f"{'、'.join(CHOICE_FACTS[key][v] for v in sorted(allowed))}。"
                  for value, label in CHOICE_FACTS[key].items()}
            for key, allowed in self.allowed.items()}

    def _compile_amount(self, amount: Mapping[str, Any]) -> None:
        kind = amount.get("kind")
        self.amount_kind = kind
        self.numerator = self.denominator = ""
        self.fixed = ZERO
        self.bounds: list[Decimal] = []
        self.tier_amounts: list[Decimal] = []
        if kind == "fixed":
            self.fixed = self._positive(amount.get("value"), "固定金额")
        elif kind == "requested":
            self.needs.add("requested")
        elif kind == "tiers":
            ratio = amount.get("ratio") or {}
            self.numerator, self.denominator = str(ratio.get("numerator")), str(ratio.get("denominator"))
            for name in (self.numerator, self.denominator):
                if name not in NUMBER_FACTS:
                    raise PolicyError(f"分档比例的参数“{name}”不可用。")
                self.needs.add(name)
            tiers = amount.get("tiers") or []
            if not tiers:
                raise PolicyError("分档政策至少要有一档。")
            bounds, amounts = [], []
            for tier in tiers:
                try:
                    bound = to_decimal(tier["from"])
                except (KeyError, ValueError) as exc:
                    raise PolicyError("每一档都要写起点比例 from（如 0.30）。") from exc
                bounds.append(bound)
                amounts.append(self._positive(tier.get("amount"), "档位金额"))
            if any(later <= earlier for earlier, later in zip(bounds, bounds[1:], strict=False)):
                raise PolicyError("分档起点必须从小到大且不重复。")
            if bounds[0] < 0:
                raise PolicyError("分档起点不能为负。")
            self.bounds, self.tier_amounts = bounds, amounts
        else:
            raise PolicyError("金额方式 amount.kind 只能是 fixed（固定）、requested（按申请）或 tiers（分档）。")

    def _compile_cap(self, cap: Mapping[str, Any]) -> _Cap:
        kind = cap.get("kind")
        if kind == "once_per_campaign":
            campaign = cap.get("campaign") or self.code
            self.needs.add("paid_in_campaign")
            return _Cap(kind, "每户限领一次", campaign=campaign)
        if kind not in ("per_application", "per_household_year"):
            raise PolicyError(f"未知的封顶方式“{kind}”。")
        value = formula = None
        text = ""
        if "formula" in cap:
            text = str(cap["formula"])
            formula, names = compile_formula(text)
            self.needs |= names
        else:
            value = self._positive(cap.get("value"), "封顶金额")
        group = cap.get("group") or self.code
        if kind == "per_household_year":
            self.needs.add("paid_this_year")
        label = "单次封顶" if kind == "per_application" else f"每户每年封顶（{cap.get('label') or group}）"
        return _Cap(kind, label, value, formula, text, group)

    @staticmethod
    def _positive(value: Any, what: str) -> Decimal:
        try:
            number = to_decimal(value)
        except ValueError as exc:
            raise PolicyError(f"{what}必须是数字。") from exc
        if number <= 0:
            raise PolicyError(f"{what}必须大于零。")
        return money(number)

    # -- facts --

    def read_facts(self, raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """Facts checked and typed; raises FactsError listing every problem."""
        if type(raw) is not dict and not isinstance(raw, Mapping):
            raise FactsError(["facts 必须是一个对象（JSON）。"])
        problems: list[str] = []
        facts: dict[str, Any] = {}
        notes: list[str] = _NO_NOTES  # replaced by a list only when a default is applied
        kinds = _FACT_KIND
        for key, value in raw.items():
            kind = kinds.get(key)
            if value is None:
                continue
            if kind is _NUMBER:
                if type(value) is str:  # the common case, inlined: facts are stored as decimal strings
                    try:
                        number = Decimal(value)
                    except InvalidOperation:
                        number = None
                    if number is None or not number.is_finite():
                        problems.append(f"{key}（{NUMBER_FACTS[key]}）必须是数字，收到的是“{value}”。")
                    elif number < 0:
                        problems.append(f"{key}（{NUMBER_FACTS[key]}）不能为负数。")
                    else:
                        facts[key] = number
                    continue
                if key in DEFAULTS_TO_ZERO and (type(value) is dict or isinstance(value, Mapping)):
                    grouped: dict[str, Decimal] = {}
                    try:
                        for group, amount in value.items():
                            grouped[group if type(group) is str else str(group)] = (
                                Decimal(amount) if type(amount) is str else to_decimal(amount))
                    except (ValueError, InvalidOperation):
                        problems.append(f"{key}（{NUMBER_FACTS[key]}）必须是数字，或“组名: 数字”的对象。")
                        continue
                    for amount in grouped.values():
                        if amount < 0 or not amount.is_finite():
                            problems.append(f"{key}（{NUMBER_FACTS[key]}）不能为负数。")
                            break
                    facts[key] = grouped
                    continue
                try:
                    number = to_decimal(value)
                except ValueError:
                    problems.append(f"{key}（{NUMBER_FACTS[key]}）必须是数字，收到的是“{value}”。")
                    continue
                if number < 0:
                    problems.append(f"{key}（{NUMBER_FACTS[key]}）不能为负数。")
                facts[key] = number
            elif kind is _CHOICE:
                labels = CHOICE_FACTS[key]
                if value not in labels:
                    problems.append(f"{key} 只能是 {', '.join(f'{c}（{v}）' for c, v in labels.items())}。")
                else:
                    facts[key] = value
            elif kind is _FLAGS:
                if not isinstance(value, list | tuple) or any(f not in FLAGS for f in value):
                    problems.append(f"flags 必须是标记的列表，可用：{', '.join(FLAGS)}。")
                else:
                    facts[key] = frozenset(value)
            else:
                problems.append(f"不认识的事实：{key}（可用：{', '.join(sorted(KNOWN_FACTS))}）。")
        for key in self._required:
            if key in facts:
                continue
            if key in DEFAULTS_TO_ZERO:
                facts[key] = ZERO
                notes = [*notes, f"未提供{NUMBER_FACTS[key]}，按 0 元计。"]
            elif key == "flags":
                facts[key] = frozenset()
            else:
                label = NUMBER_FACTS.get(key) or _CHOICE_LABELS.get(key, key)
                problems.append(f"缺少 {key}（{label}）。")
        if problems:
            raise FactsError(problems)
        return facts, notes

    # -- pricing --

    def price(self, raw_facts: Mapping[str, Any], explain: bool = True) -> Quote:
        facts, notes = self.read_facts(raw_facts)
        return self.price_facts(facts, notes, explain)

    def price_facts(self, facts: Mapping[str, Any], notes: list[str], explain: bool = True) -> Quote:
        # Without the explanation (simulations, batches) no list is made that is not needed.
        trace = list(notes) if explain else _NO_NOTES
        reasons: list[str] = _NO_NOTES
        for key, allowed in self._allowed_items:
            if facts[key] not in allowed:
                reasons = [*reasons, self._refusals[key][facts[key]]]
        if self.flags_any and not (facts["flags"] & self.flags_any):
            reasons = list(reasons)
            reasons.append(f"本政策只适用于有以下标记的家庭：{'、'.join(FLAGS[f] for f in sorted(self.flags_any))}。")
        if reasons:
            return Quote(False, ZERO, reasons, trace + reasons if explain else _NO_NOTES)
        tier = None
        if self.amount_kind == "fixed":
            amount = self.fixed
            if explain:
                trace.append(f"固定金额：{fmt(amount)} 元。")
        elif self.amount_kind == "requested":
            amount = money(facts["requested"])
            if explain:
                trace.append(f"按申请金额：{fmt(amount)} 元。")
        else:
            numerator, denominator = facts[self.numerator], facts[self.denominator]
            if denominator == 0:
                ratio = None
                index = len(self.bounds) if numerator > 0 else 0
            else:
                ratio = numerator / denominator
                index = bisect_right(self.bounds, ratio)
            if explain:
                shown = "∞（分母为 0）" if ratio is None else _ratio_text(ratio)
                trace.append(f"比例 = {NUMBER_FACTS[self.numerator]} {fmt(numerator)} ÷ "
                             f"{NUMBER_FACTS[self.denominator]} {fmt(denominator)} = {shown}。")
            if index == 0:
                reason = f"比例未达到最低档起点 {self.bounds[0]}，不予救助。"
                return Quote(False, ZERO, [reason], trace + [reason] if explain else [])
            tier = index
            amount = self.tier_amounts[index - 1]
            if explain:
                upper = f"，< {self.bounds[index]}" if index < len(self.bounds) else ""
                trace.append(f"落入第 {index} 档（≥ {self.bounds[index - 1]}{upper}）：{fmt(amount)} 元。")
        capped_by: list[str] = _NO_NOTES
        for cap in self.caps:
            if cap.kind == "once_per_campaign":
                received = _grouped(facts["paid_in_campaign"], cap.campaign)
                if received > 0:
                    reason = f"本户已领取过本项救助（{fmt(received)} 元），每户限领一次。"
                    return Quote(False, ZERO, [reason], trace + [reason] if explain else [], tier, [cap.label])
                continue
            if cap.formula is not None:
                limit = cap.formula(facts).quantize(FEN, ROUND_HALF_UP)
            else:
                assert cap.value is not None  # a cap has a value or a formula (checked when compiled)
                limit = cap.value
            if explain and cap.formula is not None:
                trace.append(f"{cap.label}按公式 {_formula_text(cap.formula_text)} = {fmt(limit)} 元。")
            if cap.kind == "per_household_year":
                paid = facts["paid_this_year"]
                if type(paid) is not Decimal:
                    paid = paid.get(cap.group, ZERO)
                room = limit - paid
                if explain:
                    trace.append(f"{cap.label} {fmt(limit)} 元，本年已领 {fmt(paid)} 元，尚可领 {fmt(max(room, ZERO))} 元。")
                limit = room
            if amount > limit:
                capped_by = [*capped_by, cap.label]
                amount = max(limit, ZERO)
                if explain:
                    trace.append(f"受“{cap.label}”限制，金额降为 {fmt(amount)} 元。")
        amount = amount.quantize(FEN, ROUND_HALF_UP)
        if amount <= 0:
            reason = "本户本年度已达封顶金额，不能再领取。"
            return Quote(False, ZERO, [reason], trace + [reason] if explain else [], tier, capped_by)
        if explain:
            trace.append(f"核定金额：{fmt(amount)} 元。")
        return Quote(True, amount, _NO_NOTES, trace, tier, capped_by)


def _ratio_text(ratio: Decimal) -> str:
    """Four places, cut (not rounded) so that 0.29997 never reads as 0.3000 beside a 0.30 boundary."""
    shown = ratio.quantize(Decimal("0.0001"), rounding="ROUND_DOWN")
    return f"{shown}" if shown == ratio else f"{shown}…"


def _formula_text(text: str) -> str:
    for name, label in NUMBER_FACTS.items():
        text = text.replace(name, label)
    return text


def _grouped(value: Decimal | Mapping[str, Decimal], group: str) -> Decimal:
    if type(value) is Decimal:
        return value
    return value.get(group, ZERO)  # type: ignore[union-attr]


# --- the union's hardship criteria (defaults; a unit may set its own) ---

@dataclass(frozen=True)
class Criteria:
    deep_multiple: Decimal = Decimal("1")  # 深度困难: net income per head below 1 × 低保
    relative_multiple: Decimal = Decimal("2")  # 相对困难: below 2 × 低保
    accident_cost_share: Decimal = Decimal("0.80")  # 意外致困: hardship costs above 80% of annual income
    edge_multiple: Decimal = Decimal("2.5")  # 困难边缘户: above the 相对困难 line, up to 2.5 × 低保
    exit_months: int = 6  # 脱困: per-head income above 低保 for 6 consecutive months
    unstable_months: int = 12  # 脱困不稳定 flag after an exit
    contact_days: int = 30  # a flagged household is contacted at least this often
    spot_check_share: Decimal = Decimal("0.30")  # 年审 spot check: at least 30%


def net_income_per_head(*, monthly_income: Decimal, essential_spending: Decimal, members: int) -> Decimal:
    """(household income − essential spending) per head per month, to the fen."""
    if members <= 0:
        raise ValueError("a household has at least one member")
    return money((monthly_income - essential_spending) / members)


def propose_category(*, monthly_income: Decimal, essential_spending: Decimal, members: int, dibao: Decimal,
                     accident: bool, hardship_costs_annual: Decimal, criteria: Criteria = Criteria()
                     ) -> tuple[str | None, str]:
    """The category the criteria give, with the reason in words; None when none applies."""
    per_head = net_income_per_head(monthly_income=monthly_income, essential_spending=essential_spending,
                                   members=members)
    annual_income = monthly_income * 12
    deep_line = money(dibao * criteria.deep_multiple)
    relative_line = money(dibao * criteria.relative_multiple)
    if per_head < deep_line:
        return "deep", (f"（家庭月收入 {fmt(monthly_income)} − 必要支出 {fmt(essential_spending)}）÷ {members} 人 = "
                        f"{fmt(per_head)} 元，低于低保标准 {fmt(deep_line)} 元。")
    cost_share = None if annual_income <= 0 else hardship_costs_annual / annual_income
    if accident or (hardship_costs_annual > 0 and (cost_share is None or cost_share > criteria.accident_cost_share)):
        if accident:
            return "accident", "因突发灾害或意外事故致困。"
        shown = "∞" if cost_share is None else f"{(cost_share * 100).quantize(Decimal('0.1'))}%"
        return "accident", (f"致困支出 {fmt(hardship_costs_annual)} 元占家庭年收入 {fmt(annual_income)} 元的 {shown}，"
                            f"超过 {(criteria.accident_cost_share * 100).normalize()}%。")
    if per_head < relative_line:
        return "relative", (f"人均 {fmt(per_head)} 元，高于低保标准 {fmt(deep_line)} 元、"
                            f"低于 {criteria.relative_multiple.normalize()} 倍低保 {fmt(relative_line)} 元。")
    return None, f"人均 {fmt(per_head)} 元，不低于 {criteria.relative_multiple.normalize()} 倍低保 {fmt(relative_line)} 元。"


def is_edge(*, per_head: Decimal, dibao: Decimal, criteria: Criteria = Criteria()) -> bool:
    """困难边缘户: above the 相对困难 line but within the edge band."""
    return money(dibao * criteria.relative_multiple) <= per_head <= money(dibao * criteria.edge_multiple)


def months_above(records: Sequence[tuple[date, Decimal, Decimal]]) -> int:
    """How many consecutive calendar months, up to the latest record, per-head income stayed above 低保.

    records: (first day of month, per-head income, 低保 of that month), any order.
    """
    streak = 0
    expected: date | None = None
    for month, per_head, dibao in sorted(records, reverse=True):
        if expected is not None and month != expected:
            break
        if per_head <= dibao:
            break
        streak += 1
        expected = date(month.year - (month.month == 1), 12 if month.month == 1 else month.month - 1, 1)
    return streak


def propose_exit(records: Sequence[tuple[date, Decimal, Decimal]], criteria: Criteria = Criteria()) -> bool:
    """脱困 is proposed once per-head income has stayed above 低保 for `exit_months` consecutive months."""
    return months_above(records) >= criteria.exit_months


def propose_resolution(*, per_head: Decimal, state_support_per_head: Decimal, union_help_per_head: Decimal,
                       dibao: Decimal, cannot_leave: bool) -> bool:
    """解困: a household that cannot leave hardship on its own income (below 低保) is brought up to 低保
    by state support and regular union help."""
    return cannot_leave and per_head < dibao <= per_head + state_support_per_head + union_help_per_head


def spot_check_size(total: int, share: Decimal) -> int:
    """At least `share` of the files, rounded up (30% of 7 files is 3)."""
    if total <= 0:
        return 0
    return min(total, math.ceil(Decimal(total) * share))


def draw_spot_check(ids: Iterable[int], share: Decimal, seed: int) -> list[int]:
    """A reproducible random draw: the same ids and seed give the same sample (recorded with the seed)."""
    pool = sorted(set(ids))
    size = spot_check_size(len(pool), share)
    return sorted(random.Random(seed).sample(pool, size))  # noqa: S311 - a recorded draw, not a secret
