"""The relief policy engine and the hardship criteria: pure rules, boundaries on both sides, properties."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gonghui.relief import rules
from gonghui.relief.policies import SHIPPED

SPECS = {item["code"]: item["spec"] for item in SHIPPED}
D = Decimal


def engine(code: str) -> rules.CompiledPolicy:
    return rules.CompiledPolicy(SPECS[code], code)


def acute(self_paid: str, income: str = "100000", paid: str | dict = "0") -> rules.Quote:
    return engine("cq-temp-acute").price({"household_annual_income": income, "self_paid": self_paid,
                                          "file_status": "active", "paid_this_year": paid})


# --- tiers: the boundary itself belongs to the tier it opens ---

@pytest.mark.parametrize(("self_paid", "tier", "amount"), [
    ("9999.99", None, "0.00"),      # ratio 0.0999… below the first tier (0.10): nothing
    ("10000", 1, "2000.00"),        # exactly 0.10: tier 1
    ("29999.99", 1, "2000.00"),
    ("30000", 2, "5000.00"),        # exactly 0.30
    ("49999.99", 2, "5000.00"),
    ("50000", 3, "10000.00"),
    ("100000", 4, "20000.00"),      # exactly 1.00
    ("199999.99", 4, "20000.00"),
    ("200000", 5, "30000.00"),
    ("300000", 6, "50000.00"),      # exactly 3.00, the top tier
])
def test_acute_tiers_at_and_around_each_boundary(self_paid: str, tier: int | None, amount: str) -> None:
    quote = acute(self_paid)
    assert quote.tier == tier
    assert quote.amount == D(amount)
    assert quote.eligible is (tier is not None)


def test_a_ratio_just_under_a_boundary_is_not_shown_rounded_up_to_it() -> None:
    quote = acute("29999.99")
    assert any("0.2999…" in line for line in quote.trace), quote.trace


def test_amount_never_exceeds_what_the_household_paid() -> None:
    # ratio 0.30 gives the 5,000 tier, but the household paid only 3,000 of its 10,000 income
    quote = acute("3000", income="10000")
    assert quote.amount == D("3000.00")
    assert "单次封顶" in quote.capped_by


def test_zero_income_takes_the_top_tier_and_says_why() -> None:
    quote = acute("60000", income="0")
    assert quote.tier == 6
    assert quote.amount == D("50000.00")
    assert any("分母为 0" in line for line in quote.trace)


# --- caps ---

def test_yearly_cap_counts_what_the_household_already_received_in_the_group() -> None:
    assert acute("300000", paid={"cq-temp-acute": "45000"}).amount == D("5000.00")
    assert acute("300000", paid={"cq-temp-acute": "49999.99"}).amount == D("0.01")
    refused = acute("300000", paid={"cq-temp-acute": "50000"})
    assert not refused.eligible and refused.amount == D("0.00")
    assert "封顶" in refused.reasons[0]


def test_payments_in_another_group_do_not_count() -> None:
    assert acute("300000", paid={"cq-temp-outpatient": "50000"}).amount == D("50000.00")
    assert acute("300000", paid={"cq-temp": "50000"}).amount == D("50000.00")  # the old shared group: gone


def test_the_outpatient_cap_is_its_own_not_the_acute_50000() -> None:
    policy = engine("cq-temp-outpatient")
    facts = {"household_annual_income": "10000", "self_paid": "20000", "file_status": "active",
             "dibao_monthly": "600", "paid_this_year": {"cq-temp-acute": "50000", "cq-temp-outpatient": "0"}}
    assert policy.price(facts).amount == D("10800.00")  # the acute category's full cap does not touch it


def test_outpatient_cap_is_18_months_of_the_citys_dibao() -> None:
    policy = engine("cq-temp-outpatient")
    facts = {"household_annual_income": "10000", "self_paid": "9000", "file_status": "active",
             "dibao_monthly": "600", "paid_this_year": {"cq-temp-outpatient": "0"}}
    assert policy.price(facts).amount == D("9000.00")  # tier 3 (12,000) cut to the 9,000 actually paid
    # 18 × 600 = 10,800: the 12,000 tier is cut to it when the self-paid cost allows
    facts["self_paid"] = "20000"
    quote = policy.price(facts)
    assert quote.tier == 3
    assert quote.amount == D("10800.00")
    assert any("18 * 城市低保标准" in line for line in quote.trace)
    facts["paid_this_year"] = {"cq-temp-outpatient": "10000"}
    assert policy.price(facts).amount == D("800.00")
    facts["dibao_monthly"] = "700"  # 18 × 700 = 12,600, less 10,000 already paid
    assert policy.price(facts).amount == D("2600.00")


def test_outpatient_needs_the_dibao_standard() -> None:
    with pytest.raises(rules.FactsError) as error:
        engine("cq-temp-outpatient").price({"household_annual_income": "1", "self_paid": "1", "file_status": "active"})
    assert any("dibao_monthly" in p for p in error.value.problems)


def test_other_hardship_is_a_lump_sum_of_at_most_2000_per_event() -> None:
    policy = engine("cq-temp-other")
    base = {"file_status": "active", "requested": "2500"}
    assert policy.price(base).amount == D("2000.00")
    assert policy.price({**base, "requested": "2000.01"}).amount == D("2000.00")
    assert policy.price({**base, "requested": "2000"}).amount == D("2000.00")
    assert policy.price({**base, "requested": "1999.99"}).amount == D("1999.99")
    # 一次性 is the payment, not a lifetime limit: what the household got for an earlier event does not count
    again = policy.price({**base, "paid_in_campaign": {"cq-temp-other": "1500"},
                          "paid_this_year": {"cq-temp-acute": "50000"}})
    assert again.eligible and again.amount == D("2000.00")


def test_the_epidemic_grant_goes_once_to_households_on_file() -> None:
    policy = engine("epidemic-grant-1000")
    assert policy.price({"file_status": "active"}).amount == D("1000.00")
    assert policy.price({"file_status": "returned"}).amount == D("1000.00")
    exited = policy.price({"file_status": "exited"})
    assert not exited.eligible and "已脱困" in exited.reasons[0]
    assert not policy.price({"file_status": "active", "paid_in_campaign": "1000"}).eligible


# --- bad facts and bad specs ---

@pytest.mark.parametrize(("facts", "needle"), [
    ({"household_annual_income": "-1", "self_paid": "5", "file_status": "active"}, "不能为负数"),
    ({"household_annual_income": "abc", "self_paid": "5", "file_status": "active"}, "必须是数字"),
    ({"household_annual_income": True, "self_paid": "5", "file_status": "active"}, "必须是数字"),
    ({"self_paid": "5", "file_status": "active"}, "缺少 household_annual_income"),
    ({"household_annual_income": "1", "self_paid": "5", "file_status": "gone"}, "file_status 只能是"),
    ({"household_annual_income": "1", "self_paid": "5", "file_status": "active", "slef_paid": 1}, "不认识的事实"),
    ({"household_annual_income": "NaN", "self_paid": "5", "file_status": "active"}, "必须是数字"),
])
def test_bad_facts_are_refused_with_the_reason(facts: dict, needle: str) -> None:
    with pytest.raises(rules.FactsError) as error:
        engine("cq-temp-acute").price(facts)
    assert any(needle in p for p in error.value.problems), error.value.problems


@pytest.mark.parametrize(("spec", "needle"), [
    ({"amount": {"kind": "tiers", "ratio": {"numerator": "self_paid", "denominator": "household_annual_income"},
                 "tiers": [{"from": "0.5", "amount": "1"}, {"from": "0.3", "amount": "2"}]}}, "从小到大"),
    ({"amount": {"kind": "fixed", "value": "0"}}, "大于零"),
    ({"amount": {"kind": "fixed", "value": "10"}, "caps": [{"kind": "per_application", "formula": "__import__('os')"}]},
     "公式"),
    ({"amount": {"kind": "fixed", "value": "10"}, "caps": [{"kind": "per_application", "formula": "salary * 2"}]},
     "不是可用的参数"),
    ({"amount": {"kind": "magic"}}, "金额方式"),
])
def test_a_bad_policy_spec_is_refused(spec: dict, needle: str) -> None:
    with pytest.raises(rules.PolicyError) as error:
        rules.CompiledPolicy(spec, "x")
    assert needle in str(error.value)


# --- properties ---

money = st.decimals(min_value=0, max_value=1_000_000, places=2, allow_nan=False, allow_infinity=False)


@given(income=money, self_paid=money, paid=money)
def test_acute_amount_respects_every_cap(income: Decimal, self_paid: Decimal, paid: Decimal) -> None:
    quote = acute(str(self_paid), income=str(income), paid={"cq-temp-acute": str(paid)})
    assert quote.amount == quote.amount.quantize(D("0.01"))
    assert D("0") <= quote.amount <= D("50000")
    assert quote.amount <= self_paid
    assert quote.amount + paid <= D("50000") or not quote.eligible
    assert quote.eligible == (quote.amount > 0)


@given(income=st.decimals(min_value=1, max_value=500_000, places=2), low=money, extra=money)
def test_paying_more_never_gives_less(income: Decimal, low: Decimal, extra: Decimal) -> None:
    assert acute(str(low + extra), income=str(income)).amount >= acute(str(low), income=str(income)).amount


@given(income=st.decimals(min_value=1, max_value=500_000, places=2), self_paid=money)
def test_the_engine_matches_a_hand_written_tier_table(income: Decimal, self_paid: Decimal) -> None:
    ratio = self_paid / income
    table = [(D("3.00"), D("50000")), (D("2.00"), D("30000")), (D("1.00"), D("20000")), (D("0.50"), D("10000")),
             (D("0.30"), D("5000")), (D("0.10"), D("2000"))]
    expected = next((amount for bound, amount in table if ratio >= bound), D("0"))
    expected = min(expected, self_paid).quantize(D("0.01"))
    assert acute(str(self_paid), income=str(income)).amount == expected


# --- the hardship criteria ---

def category(income: str, spending: str = "0", members: int = 2, dibao: str = "800", costs: str = "0",
             accident: bool = False) -> str | None:
    return rules.propose_category(monthly_income=D(income), essential_spending=D(spending), members=members,
                                  dibao=D(dibao), accident=accident, hardship_costs_annual=D(costs))[0]


def test_category_boundaries() -> None:
    assert category("1599.98") == "deep"  # 799.99 a head: below 低保
    assert category("1600") == "relative"  # exactly 低保: no longer 深度
    assert category("3199.98") == "relative"  # 1,599.99 < 2 × 低保
    assert category("3200") is None  # exactly 2 × 低保
    assert category("2000", spending="400") == "relative"  # (2,000 − 400) / 2 = 800: not below 低保
    assert category("1999.98", spending="400") == "deep"


def test_accident_category_by_event_or_by_cost_share() -> None:
    assert category("5000", accident=True) == "accident"
    assert category("5000", costs="48000") is None  # exactly 80% of 60,000: not above
    assert category("5000", costs="48000.01") == "accident"


def test_exit_needs_six_consecutive_months_above_dibao() -> None:
    dibao = D("800")
    months = [date(2026, m, 1) for m in range(4, 10)]  # April … September
    above = [(m, D("801"), dibao) for m in months]
    assert rules.propose_exit(above)
    assert not rules.propose_exit(above[1:])  # five months
    equal = above[:-1] + [(months[-1], D("800"), dibao)]  # the latest at exactly 低保: not above
    assert not rules.propose_exit(equal)
    gap = [r for r in above if r[0] != date(2026, 6, 1)] + [(date(2026, 3, 1), D("900"), dibao)]
    assert not rules.propose_exit(gap)  # six records, but June is missing
    across_years = [(date(2025, 10 + i, 1), D("900"), dibao) for i in range(3)] + \
                   [(date(2026, 1 + i, 1), D("900"), dibao) for i in range(3)]
    assert rules.propose_exit(across_years)


def test_resolution_brings_a_household_that_cannot_leave_up_to_dibao() -> None:
    args = {"per_head": D("500"), "state_support_per_head": D("200"), "dibao": D("800")}
    assert rules.propose_resolution(**args, union_help_per_head=D("100"), cannot_leave=True)
    assert not rules.propose_resolution(**args, union_help_per_head=D("99.99"), cannot_leave=True)
    assert not rules.propose_resolution(**args, union_help_per_head=D("100"), cannot_leave=False)
    # Already at 低保 on its own income: not a case for 解困 (but perhaps for 脱困).
    assert not rules.propose_resolution(per_head=D("800"), state_support_per_head=D("0"), union_help_per_head=D("0"),
                                        dibao=D("800"), cannot_leave=True)


def test_edge_band() -> None:
    assert not rules.is_edge(per_head=D("1599.99"), dibao=D("800"))  # still 相对困难
    assert rules.is_edge(per_head=D("1600"), dibao=D("800"))
    assert rules.is_edge(per_head=D("2000"), dibao=D("800"))
    assert not rules.is_edge(per_head=D("2000.01"), dibao=D("800"))


@given(st.integers(min_value=1, max_value=2000), st.integers(min_value=0, max_value=2**40))
def test_spot_check_draws_at_least_thirty_percent(total: int, seed: int) -> None:
    drawn = rules.draw_spot_check(range(total), D("0.30"), seed)
    assert len(drawn) * 10 >= total * 3
    assert len(drawn) < total * 3 / 10 + 1
    assert drawn == rules.draw_spot_check(range(total), D("0.30"), seed)  # recorded seed re-draws the same
