"""Benchmark: the relief policy engine pricing 100,000 applications vs a hand-written function.

    python bench/relief_quote.py [--applications 100000]

Both price the same applications (facts as stored: decimal strings) under the same rules —
`cq-temp-acute`: eligibility on the file status, 6 tiers by self-paid ÷ household income, the
per-application cap (the cost itself) and the 50,000 yearly group cap — and must agree on every
amount. The engine reads and checks every fact (types, signs, unknown keys) as it does for a real
application; the hand-written function trusts its input. Timed twice each, best kept.
Prints last `engine/handwritten = X` (target ≤ 3) without the trace, and the same with the trace
(every step in words, as shown to the worker and printed on the approval form).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from gonghui.relief.policies import SHIPPED  # noqa: E402
from gonghui.relief.rules import CompiledPolicy  # noqa: E402

SPEC = next(item["spec"] for item in SHIPPED if item["code"] == "cq-temp-acute")
TIERS = [(Decimal("3.00"), Decimal("50000")), (Decimal("2.00"), Decimal("30000")), (Decimal("1.00"), Decimal("20000")),
         (Decimal("0.50"), Decimal("10000")), (Decimal("0.30"), Decimal("5000")), (Decimal("0.10"), Decimal("2000"))]
CAP = Decimal("50000")
FEN = Decimal("0.01")


def handwritten(facts: dict) -> Decimal:
    """The same policy, written by hand for this one tier table."""
    if facts["file_status"] not in ("active", "returned"):
        return Decimal("0.00")
    income = Decimal(facts["household_annual_income"])
    self_paid = Decimal(facts["self_paid"])
    paid = Decimal(facts["paid_this_year"]["cq-temp-acute"])
    ratio = self_paid / income if income else None
    amount = Decimal("0")
    for bound, tier_amount in TIERS:
        if ratio is None or ratio >= bound:
            amount = tier_amount
            break
    if amount == 0:
        return Decimal("0.00")
    amount = min(amount, self_paid, CAP - paid)
    return max(amount, Decimal("0")).quantize(FEN, rounding=ROUND_HALF_UP)


def applications(count: int) -> list[dict]:
    rng = random.Random(2020)
    rows = []
    for _ in range(count):
        income = rng.randrange(6_000, 120_000)
        rows.append({
            "household_annual_income": f"{income}.00",
            "self_paid": f"{rng.randrange(0, income * 3)}.{rng.randrange(100):02d}",
            "file_status": rng.choice(("active", "active", "active", "returned", "exited")),
            "paid_this_year": {"cq-temp-acute": rng.choice(("0", "0", "0", "10000.00", "45000.00", "50000.00"))},
        })
    return rows


def best_of(runs: int, action) -> float:  # noqa: ANN001
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=100_000)
    args = parser.parse_args()
    rows = applications(args.applications)
    engine = CompiledPolicy(SPEC, "cq-temp-acute")

    mismatches = sum(1 for facts in rows if engine.price(facts, explain=False).amount != handwritten(facts))
    if mismatches:
        raise SystemExit(f"the engine and the hand-written function disagree on {mismatches} applications")

    hand = best_of(2, lambda: [handwritten(f) for f in rows])
    plain = best_of(2, lambda: [engine.price(f, explain=False) for f in rows])
    traced = best_of(2, lambda: [engine.price(f) for f in rows])
    print(f"applications: {len(rows):,} (all {len(rows):,} amounts agree)")
    print(f"hand-written: {hand:.3f} s")
    print(f"engine:       {plain:.3f} s   with the explanation: {traced:.3f} s")
    print(f"engine(traced)/handwritten = {traced / hand:.2f}")
    print(f"engine/handwritten = {plain / hand:.2f}  (target <= 3)")


if __name__ == "__main__":
    main()
