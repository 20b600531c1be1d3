"""The four forms of 北院门's 三表一单 (seed §4), shipped as ready templates (a union can copy and change them)."""

from __future__ import annotations

from typing import Any

TRANSPORT = ["自驾", "火车", "飞机", "长途汽车", "其他"]
TEMPERATURE = {"type": "number", "minimum": 34, "maximum": 43}


def _person(required_id: bool = True) -> list[dict[str, Any]]:
    return [
        {"key": "name", "label": "姓名", "type": "text", "required": True, "max_length": 50},
        {"key": "id_number", "label": "身份证号", "type": "id_number", "required": required_id},
        {"key": "phone", "label": "手机号", "type": "phone"},
    ]


SEED_FORMS: list[dict[str, Any]] = [
    {"code": "outsiders_daily", "name": "企业外来人员每日排摸表", "approval_step": False,
     "description": "每日10时前报送：在岗、返岗和外来人员情况；外来人员逐人列明。", "schema": [
         {"key": "staff_total", "label": "在岗职工总数", "type": "integer", "required": True, "minimum": 0},
         {"key": "returned_today", "label": "今日返岗人数", "type": "integer", "minimum": 0},
         {"key": "outsiders_total", "label": "外来人员总数", "type": "integer", "required": True, "minimum": 0},
         {"key": "from_key_areas", "label": "其中来自重点地区人数", "type": "integer", "minimum": 0},
         {"key": "outsiders", "label": "外来人员明细", "type": "table", "columns": [
             *_person(),
             {"key": "origin", "label": "来源地", "type": "text", "required": True, "max_length": 100},
             {"key": "arrived_on", "label": "抵达日期", "type": "date", "required": True},
             {"key": "transport", "label": "交通方式", "type": "choice", "choices": TRANSPORT},
             {"key": "home_isolation", "label": "是否居家隔离", "type": "yesno"},
             {"key": "temperature", "label": "体温（℃）", **TEMPERATURE},
         ]},
     ]},
    {"code": "urgent_hiring", "name": "急需入职人员审批表", "approval_step": True,
     "description": "企业急需人员入职的，逐人填报，经街道审批同意后方可上岗。", "schema": [
         {"key": "reason", "label": "急需入职理由", "type": "text", "required": True, "max_length": 500},
         {"key": "contact", "label": "企业联系人", "type": "text", "required": True, "max_length": 50},
         {"key": "contact_phone", "label": "联系人手机", "type": "phone", "required": True},
         {"key": "applicants", "label": "拟入职人员", "type": "table", "min_rows": 1, "columns": [
             *_person(),
             {"key": "position", "label": "拟任岗位", "type": "text", "required": True, "max_length": 50},
             {"key": "origin", "label": "来源地", "type": "text", "max_length": 100},
             {"key": "arrived_on", "label": "抵达日期", "type": "date"},
             {"key": "health_code", "label": "健康码", "type": "choice", "choices": ["绿码", "黄码", "红码"],
              "required": True},
             {"key": "observed_14_days", "label": "已满14天观察期", "type": "yesno", "required": True},
         ]},
     ]},
    {"code": "medical_observation_daily", "name": "企业员工医学观察每日明细表", "approval_step": False,
     "description": "每日10时前报送正在医学观察的员工及当日体温、症状。", "schema": [
         {"key": "observed_total", "label": "医学观察人数", "type": "integer", "required": True, "minimum": 0},
         {"key": "observed", "label": "医学观察人员", "type": "table", "columns": [
             *_person(),
             {"key": "kind", "label": "观察方式", "type": "choice", "choices": ["居家隔离", "集中隔离", "健康监测"],
              "required": True},
             {"key": "start_on", "label": "观察开始日期", "type": "date", "required": True},
             {"key": "end_on", "label": "观察结束日期", "type": "date"},
             {"key": "temperature", "label": "今日体温（℃）", "required": True, **TEMPERATURE},
             {"key": "symptoms", "label": "症状", "type": "multi", "choices": ["无", "发热", "咳嗽", "乏力", "其他"]},
             {"key": "follow_up", "label": "跟进人", "type": "text", "max_length": 50},
         ]},
         {"key": "note", "label": "备注", "type": "text", "max_length": 500},
     ]},
    {"code": "rental_migrants_daily", "name": "出租房流动人口日报单", "approval_step": False,
     "description": "社区、物业每日报送出租房排查和新到流动人口情况。", "schema": [
         {"key": "houses_checked", "label": "排查出租房户数", "type": "integer", "required": True, "minimum": 0},
         {"key": "tenants_total", "label": "租住流动人口", "type": "integer", "required": True, "minimum": 0},
         {"key": "new_arrivals", "label": "今日新到人数", "type": "integer", "minimum": 0},
         {"key": "new_tenants", "label": "新到人员", "type": "table", "columns": [
             *_person(),
             {"key": "address", "label": "租住地址", "type": "text", "required": True, "max_length": 200},
             {"key": "origin", "label": "来源地", "type": "text", "max_length": 100},
             {"key": "arrived_on", "label": "抵达日期", "type": "date"},
             {"key": "temperature", "label": "体温（℃）", **TEMPERATURE},
         ]},
         {"key": "note", "label": "备注", "type": "text", "max_length": 500},
     ]},
]


def install(form_template: Any, form_version: Any) -> int:
    """Create the shipped forms that are missing (given the model classes: the migration passes its historical
    ones; the demo passes the real ones, after a test database was emptied)."""
    made = 0
    for form in SEED_FORMS:
        template, created = form_template.objects.get_or_create(code=form["code"], defaults={
            "name": form["name"], "description": form["description"], "approval_step": form["approval_step"]})
        if created:
            form_version.objects.create(template=template, number=1, schema=form["schema"])
            made += 1
    return made


SUPPLY_ITEMS = [("口罩", "个"), ("测温枪", "支"), ("酒精", "斤"), ("消毒液", "斤"), ("防护服", "套"), ("一次性手套", "副"),
                ("护目镜", "副")]


def install_supply_items(supply_item: Any) -> None:
    for name, measure in SUPPLY_ITEMS:
        supply_item.objects.get_or_create(name=name, defaults={"measure": measure})
