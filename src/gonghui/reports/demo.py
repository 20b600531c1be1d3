"""Demo reporting: the medical-observation form assigned daily to the enterprises of 北院门 and of 青年路 for a
month from last week, with a week of reports from some of them (the hotel files through `hr_meilihao`); in each
street, the people in home isolation those reports name (one check missed), supply requests and a consolidated
order, a service team with its visit plan and a visit whose difficulties are tracked, and a notice with receipts."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from gonghui.orgs.models import Enterprise, EnterpriseTag, Unit, User
from gonghui.reports import seed_forms, services, targets
from gonghui.reports.models import (
    Assignment,
    FormTemplate,
    FormVersion,
    Isolation,
    NoticeReceipt,
    SupplyItem,
    VisitIssue,
)
from gonghui.reports.rules import SHANGHAI

# Two people per street under home isolation (valid 居民身份证 numbers, made up; from outside 西安, so that no
# other demo file shares their masked form).
OBSERVED = {"610104001": (("王芳", "51010719880612101X"), ("刘强", "510107198806122020")),
            "610104002": (("赵敏", "510107198806123031"), ("孙立", "510107198806124042"))}


def _data(rng: random.Random, street_code: str, index: int, today: dt.date) -> dict:
    """The first enterprise of a street reports its two people in home isolation; the others report none."""
    people = OBSERVED[street_code] if index == 0 else ()
    start, end = today - dt.timedelta(days=6), today + dt.timedelta(days=7)
    return {"observed_total": str(len(people)), "observed": [
        {"name": name, "id_number": number, "kind": "居家隔离", "start_on": start.isoformat(),
         "end_on": end.isoformat(), "temperature": f"{rng.choice((36.4, 36.6, 36.8, 37.1))}", "symptoms": ["无"]}
        for name, number in people]}


def _reporter() -> None:
    """`tianbao`: the hotel's reporting contact (企业填报员), who files its daily forms and sees nothing else."""
    from django.conf import settings
    from django.contrib.auth.hashers import make_password

    from gonghui.orgs import services as orgs_services
    from gonghui.orgs.models import Role

    hotel = Enterprise.objects.filter(name="陕西美丽豪酒店管理有限公司").first()
    admin = User.objects.filter(username="admin").first()
    if hotel is None or admin is None or User.objects.filter(username="tianbao").exists():
        return
    user = orgs_services.appoint_employer_representative(actor=admin, enterprise=hotel, username="tianbao",
                                                         display_name="田报", phone="13600000041",
                                                         role=Role.REPORTER)
    User.objects.filter(pk=user.pk).update(password=make_password(settings.GONGHUI_DEMO_PASSWORD))


@transaction.atomic
def build() -> dict[str, int]:
    if Assignment.objects.exists():
        return {"assignments": 0}
    rng = random.Random(2020)
    _reporter()
    seed_forms.install(FormTemplate, FormVersion)  # shipped by a migration; back after a test emptied the database
    seed_forms.install_supply_items(SupplyItem)
    template = FormTemplate.objects.get(code="medical_observation_daily")
    today = timezone.localdate()
    made = filed = 0
    for username, code in (("beiyuanmen", "610104001"), ("qingnianlu", "610104002")):
        official, street = User.objects.filter(username=username).first(), Unit.objects.filter(code=code).first()
        if official is None or street is None:
            continue
        assignment = services.assign(actor=official, template=template, unit=street,
                                     start_on=today - dt.timedelta(days=6), end_on=today + dt.timedelta(days=30))
        services.open_period(assignment=assignment, period=today)
        made += 1
        enterprises = list(Enterprise.objects.filter(unit__path__startswith=street.path).order_by("id"))
        for offset in range(6, -1, -1):
            day = today - dt.timedelta(days=offset)
            owing = set(targets.owing(assignment, day).values_list("enterprise_id", flat=True))
            for index, enterprise in enumerate(e for e in enterprises[: max(1, len(enterprises) * 3 // 4)]
                                               if e.pk in owing):
                if offset == 0 and index and rng.random() < 0.5:
                    continue  # today: half have not filed yet
                moment = dt.datetime.combine(day, dt.time(rng.choice((8, 9, 9, 10, 11)), rng.randrange(60)),
                                             tzinfo=SHANGHAI)
                if moment > timezone.now():
                    continue
                services.submit_report(actor=official, assignment=assignment, enterprise=enterprise, period=day,
                                       data=_data(rng, code, index, today), now=moment)
                filed += 1
        _street_services(official, street, enterprises, today)
    return {"assignments": made, "reports": filed}


def _street_services(official: User, street: Unit, enterprises: list[Enterprise], today: dt.date) -> None:
    """Follow-up, supplies, visits and a notice in one street, as its official would have done this week."""
    name = street.name
    key, _created = EnterpriseTag.objects.get_or_create(name="重点企业")
    for enterprise in enterprises[:3]:
        enterprise.tags.add(key)
    services.create_template(
        actor=official, unit=street, code=f"u{street.pk}-fugong-dengji", name=f"{name}企业复工登记表",
        description="企业复工前一次性报送。", schema=[
            {"key": "resumed_on", "label": "复工日期", "type": "date", "required": True},
            {"key": "staff_back", "label": "返岗职工人数", "type": "integer", "required": True, "minimum": 0},
            {"key": "masks_in_stock", "label": "口罩库存（个）", "type": "integer", "minimum": 0},
            {"key": "plan_ready", "label": "已制定防控方案", "type": "yesno", "required": True}])
    for number, isolation in enumerate(Isolation.objects.filter(unit__path__startswith=street.path)):
        services.assign_follow_up(actor=official, isolation=isolation, follow_up_by=official)
        for offset in range(6, 0, -1):
            if number == 0 and offset == 2:
                continue  # the day before yesterday's check was missed: overdue
            services.record_check(actor=official, isolation=isolation, day=today - dt.timedelta(days=offset),
                                  temperature=Decimal("36.5"), well=True)
    masks, thermometers = SupplyItem.objects.get(name="口罩"), SupplyItem.objects.get(name="测温枪")
    supplier = services.add_supplier(actor=official, unit=street, name=f"{name}医疗器械供应站",
                                     contact_name="马经理", contact_phone="029-87654321", items=[masks, thermometers])
    requests = [services.request_supplies(actor=official, enterprise=e, item=masks, quantity=200 * (i + 1),
                                          note=f"{name}第{i + 1}家企业复工用") for i, e in enumerate(enterprises[:3])]
    services.consolidate_order(actor=official, unit=street, item=masks, supplier=supplier)
    services.allocate_supplies(actor=official, request=requests[0], quantity=requests[0].quantity)
    services.deliver_supplies(actor=official, request=requests[0])
    services.request_supplies(actor=official, enterprise=enterprises[0], item=thermometers, quantity=2)
    team = services.create_team(actor=official, unit=street, name=f"{name}第一服务队", leader=official, members=[])
    services.plan_visits(actor=official, unit=street, name=f"{name}复工企业走访", teams=[team],
                                start_on=today - dt.timedelta(days=3), end_on=today + dt.timedelta(days=11))
    services.record_visit(
        actor=official, enterprise=enterprises[0], visited_on=today - dt.timedelta(days=2), team=team,
        looked=f"{name}：在岗职工与复工登记一致，防控措施到位。", heard="希望简化返岗人员健康证明手续。",
        asked="口罩缺口较大；部分外地员工未能返岗。", agreed="街道统一采购口罩；联系人社部门组织点对点返岗。",
        issues=[{"category": VisitIssue.Category.SUPPLIES, "description": f"{name}：口罩缺口约500个",
                 "owner": official, "due_on": today - dt.timedelta(days=1)},
                {"category": VisitIssue.Category.STAFF, "description": f"{name}：外地员工返岗受阻",
                 "owner": official, "due_on": today + dt.timedelta(days=5)}])
    notice = services.publish_notice(actor=official, unit=street, title=f"{name}关于企业复工复产的政策汇编",
                                     body="一、减免社保费用；二、稳岗返还；三、防疫物资由街道统一采购分配。",
                                     kind="policy")
    NoticeReceipt.objects.filter(notice=notice, enterprise=enterprises[0]).update(read_at=timezone.now())
