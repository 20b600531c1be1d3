"""The relief policies shipped with Gonghui, from the seed (重庆市总工会, BRIEF §5).

The seed gives the caps; it does not give tier boundaries. The tier tables below are
Gonghui's own defaults, labelled as such on the policy page, for an official to edit there.
Format of a spec: docs/relief-policies.md.
"""

from __future__ import annotations

from typing import Any

ON_FILE = ["active", "returned"]  # 在档 and 返困: households on file

# The seed (重庆市总工会 基层工会临时救助暂行办法, as reported 2020-03) names three categories and one grant, and each
# cap belongs to the category its sentence names:
# - 突发事件、意外伤害、患重大疾病住院: 6 tiers by 自付金额 ÷ 家庭年收入, "最高救助标准为 5万元/户/年" — this category only;
# - 重特大疾病或慢性病长期院外治疗: 3 tiers, "最高救助标准为 18个月城市居民最低生活保障标准" — its own cap, per
#   household per year like the other tiered category (the seed gives no period; a year is Gonghui's reading, said
#   on the policy page);
# - 其他特殊原因: "给予最高 2000元/户的一次性救助" — a lump sum for the event, at most 2,000 per household; 一次性
#   describes the payment (paid at once), not a lifetime limit: a household may be helped again for another event;
# - 特殊困难生活救助金: "向每户困难职工发放 1000 元" — one grant per household (a campaign).
# Cap groups are policy data: a policy's yearly cap counts only the payments of the policies in the same group.
SHIPPED: list[dict[str, Any]] = [
    {
        "code": "cq-temp-acute",
        "name": "临时救助·突发事件/意外伤害/重大疾病住院",
        "notice_days": 5,
        "review_levels": [6, 5],
        "escalate_above": "20000",
        "note": "分档起点为 Gonghui 默认值（种子材料只给出封顶 5 万元/户/年，仅适用于本类），请按本地办法修改。",
        "spec": {
            "eligibility": {"file_status": ON_FILE},
            "amount": {"kind": "tiers", "ratio": {"numerator": "self_paid", "denominator": "household_annual_income"},
                       "tiers": [{"from": "0.10", "amount": "2000"}, {"from": "0.30", "amount": "5000"},
                                 {"from": "0.50", "amount": "10000"}, {"from": "1.00", "amount": "20000"},
                                 {"from": "2.00", "amount": "30000"}, {"from": "3.00", "amount": "50000"}]},
            "caps": [{"kind": "per_application", "formula": "self_paid"},
                     {"kind": "per_household_year", "value": "50000", "group": "cq-temp-acute",
                      "label": "突发事件/意外伤害/重大疾病住院，5 万元/户/年"}],
        },
    },
    {
        "code": "cq-temp-outpatient",
        "name": "临时救助·长期院外治疗",
        "notice_days": 5,
        "review_levels": [6, 5],
        "note": "分档起点为 Gonghui 默认值（种子材料只给出封顶 18 个月城市低保标准，按户按年计），请按本地办法修改。",
        "spec": {
            "eligibility": {"file_status": ON_FILE},
            "amount": {"kind": "tiers", "ratio": {"numerator": "self_paid", "denominator": "household_annual_income"},
                       "tiers": [{"from": "0.10", "amount": "3000"}, {"from": "0.30", "amount": "6000"},
                                 {"from": "0.60", "amount": "12000"}]},
            "caps": [{"kind": "per_application", "formula": "self_paid"},
                     {"kind": "per_household_year", "formula": "18 * dibao_monthly", "group": "cq-temp-outpatient",
                      "label": "院外治疗，18 个月城市低保标准"}],
        },
    },
    {
        "code": "cq-temp-other",
        "name": "临时救助·其他特殊原因",
        "notice_days": 5,
        "review_levels": [6, 5],
        "note": "每次困难事件一次性发放，每户最多 2000 元（种子材料）；“一次性”指一次发放，不是终身只能领一次。",
        "spec": {
            "eligibility": {"file_status": ON_FILE},
            "amount": {"kind": "requested"},
            "caps": [{"kind": "per_application", "value": "2000"}],
        },
    },
    {
        "code": "epidemic-grant-1000",
        "name": "疫情特殊困难生活救助金",
        "notice_days": 0,
        "review_levels": [5],
        "note": "每户在档困难职工 1000 元，一次性（种子材料）；同一家庭的几份档案只领一次。",
        "spec": {
            "eligibility": {"file_status": ON_FILE},
            "amount": {"kind": "fixed", "value": "1000"},
            "caps": [{"kind": "once_per_campaign", "campaign": "epidemic-grant-1000"}],
        },
    },
]

# The caps as shipped before migration 0005 (a cap of one category counted against the others, "other" relief
# once in a lifetime): a published version still holding exactly these is corrected in place by that migration.
SHIPPED_BEFORE_0005: dict[str, list[dict[str, Any]]] = {
    "cq-temp-acute": [{"kind": "per_application", "formula": "self_paid"},
                      {"kind": "per_household_year", "value": "50000", "group": "cq-temp", "label": "临时救助各项合计"}],
    "cq-temp-outpatient": [{"kind": "per_application", "formula": "self_paid"},
                           {"kind": "per_household_year", "formula": "18 * dibao_monthly",
                            "group": "cq-temp-outpatient", "label": "院外治疗，18 个月城市低保标准"},
                           {"kind": "per_household_year", "value": "50000", "group": "cq-temp",
                            "label": "临时救助各项合计"}],
    "cq-temp-other": [{"kind": "per_application", "value": "2000"},
                      {"kind": "once_per_campaign", "campaign": "cq-temp-other"},
                      {"kind": "per_household_year", "value": "50000", "group": "cq-temp", "label": "临时救助各项合计"}],
}


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
