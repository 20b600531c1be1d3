"""The relief policies shipped with Gonghui, from the seed (重庆市总工会, BRIEF §5).

The seed gives the caps; it does not give tier boundaries. The tier tables below are
Gonghui's own defaults, labelled as such on the policy page, for an official to edit there.
Format of a spec: docs/relief-policies.md.
"""

from __future__ import annotations

from typing import Any

ON_FILE = ["active", "returned"]  # 在档 and 返困: households on file

SHIPPED: list[dict[str, Any]] = [
    {
        "code": "cq-temp-acute",
        "name": "临时救助·突发事件/意外伤害/重大疾病住院",
        "notice_days": 5,
        "review_levels": [6, 5],
        "escalate_above": "20000",
        "note": "分档起点为 Gonghui 默认值（种子材料只给出封顶 5 万元/户/年），请按本地办法修改。",
        "spec": {
            "eligibility": {"file_status": ON_FILE},
            "amount": {"kind": "tiers", "ratio": {"numerator": "self_paid", "denominator": "household_annual_income"},
                       "tiers": [{"from": "0.10", "amount": "2000"}, {"from": "0.30", "amount": "5000"},
                                 {"from": "0.50", "amount": "10000"}, {"from": "1.00", "amount": "20000"},
                                 {"from": "2.00", "amount": "30000"}, {"from": "3.00", "amount": "50000"}]},
            "caps": [{"kind": "per_application", "formula": "self_paid"},
                     {"kind": "per_household_year", "value": "50000", "group": "cq-temp",
                      "label": "临时救助各项合计"}],
        },
    },
    {
        "code": "cq-temp-outpatient",
        "name": "临时救助·长期院外治疗",
        "notice_days": 5,
        "review_levels": [6, 5],
        "note": "分档起点为 Gonghui 默认值（种子材料只给出封顶 18 个月城市低保标准），请按本地办法修改。",
        "spec": {
            "eligibility": {"file_status": ON_FILE},
            "amount": {"kind": "tiers", "ratio": {"numerator": "self_paid", "denominator": "household_annual_income"},
                       "tiers": [{"from": "0.10", "amount": "3000"}, {"from": "0.30", "amount": "6000"},
                                 {"from": "0.60", "amount": "12000"}]},
            "caps": [{"kind": "per_application", "formula": "self_paid"},
                     {"kind": "per_household_year", "formula": "18 * dibao_monthly", "group": "cq-temp-outpatient",
                      "label": "院外治疗，18 个月城市低保标准"},
                     {"kind": "per_household_year", "value": "50000", "group": "cq-temp",
                      "label": "临时救助各项合计"}],
        },
    },
    {
        "code": "cq-temp-other",
        "name": "临时救助·其他特殊原因",
        "notice_days": 5,
        "review_levels": [6, 5],
        "note": "一次性救助，每户最多 2000 元（种子材料）。",
        "spec": {
            "eligibility": {"file_status": ON_FILE},
            "amount": {"kind": "requested"},
            "caps": [{"kind": "per_application", "value": "2000"},
                     {"kind": "once_per_campaign", "campaign": "cq-temp-other"},
                     {"kind": "per_household_year", "value": "50000", "group": "cq-temp",
                      "label": "临时救助各项合计"}],
        },
    },
    {
        "code": "epidemic-grant-1000",
        "name": "疫情特殊困难生活救助金",
        "notice_days": 0,
        "review_levels": [5],
        "note": "每户在档困难职工 1000 元，一次性（种子材料）。",
        "spec": {
            "eligibility": {"file_status": ON_FILE},
            "amount": {"kind": "fixed", "value": "1000"},
            "caps": [{"kind": "once_per_campaign", "campaign": "epidemic-grant-1000"}],
        },
    },
]


def install(policy_model: Any = None, version_model: Any = None) -> int:
    """Create the shipped policies that are missing (v1, published from 2020-01-01); returns how many.

    Used by the data migration (with its historical models) and by the demo (a flushed test database).
    """
    import datetime
    from decimal import Decimal

    if policy_model is None or version_model is None:
        from gonghui.relief.models import Policy, PolicyVersion

        policy_model, version_model = Policy, PolicyVersion
    created = 0
    for item in SHIPPED:
        policy, new = policy_model.objects.get_or_create(code=item["code"], defaults={"name": item["name"]})
        if not new:
            continue
        version_model.objects.create(
            policy=policy, number=1, status="published", effective_from=datetime.date(2020, 1, 1), spec=item["spec"],
            review_levels=item["review_levels"], notice_days=item["notice_days"], note=item["note"],
            escalate_above=Decimal(item["escalate_above"]) if item.get("escalate_above") else None)
        created += 1
    return created
