"""Demo bargaining: 西安's wage guideline; 北院门 — the 2020 wage talks at 陕西美丽豪酒店 with the representatives'
vote open, a comprehensive contract in force and the street's regional catering contract; 青年路 — talks under way
at 西安青年路商贸 with a round and clauses, and a contract in force.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from gonghui.bargaining import congress, services
from gonghui.bargaining.models import Bargaining, Clause, Reach, Vote, WageGuideline
from gonghui.orgs import services as orgs_services
from gonghui.orgs.models import Enterprise, Person, Role, Unit, User


def _voters(admin: User, enterprise: Enterprise, worker1: User, count: int) -> list[User]:
    """worker1 and a few colleagues with accounts: the hotel's workers' congress representatives."""
    voters = [worker1]
    encoded = make_password(settings.GONGHUI_DEMO_PASSWORD)
    # Files of people elsewhere in the tree, moved to the hotel: its own workers without accounts stay as they
    # are (the mediation demo and its tests record oral applications for them).
    people = Person.objects.filter(user__isnull=True, unit__province_id=enterprise.unit.province_id) \
        .exclude(employer=enterprise).order_by("-id")[:count - 1]
    for index, person in enumerate(people, start=1):
        user = orgs_services.create_account(actor=admin, username=f"daibiao{index}", display_name=person.name,
                                            role=Role.WORKER, unit=enterprise.unit, phone=f"1390000010{index}")
        User.objects.filter(pk=user.pk).update(password=encoded)
        Person.objects.filter(pk=person.pk).update(user=user, employer=enterprise, unit=enterprise.unit)
        voters.append(user)
    return voters


def _seat_both_sides(admin: User, bargaining: Bargaining, workers: list[tuple[str, str]],
                     employers: list[tuple[str, str]], employer_rep: User | None) -> None:
    for index, (name, title) in enumerate(workers):
        services.seat_representative(actor=admin, bargaining=bargaining, seating=services.Seating(
            side="worker", name=name, title=title, chief=index == 0))
    for index, (name, title) in enumerate(employers):
        services.seat_representative(actor=employer_rep or admin, bargaining=bargaining, seating=services.Seating(
            side="employer", name=name, title=title, chief=index == 0))


def _agree(admin: User, bargaining: Bargaining, areas: list[str]) -> None:
    for area in areas:
        clause = services.save_clause(actor=admin, bargaining=bargaining, area=area)
        services.save_clause(actor=admin, bargaining=bargaining, clause=clause, state=Clause.State.AGREED)


@transaction.atomic
def build() -> dict[str, int]:
    if Bargaining.objects.exists():
        return {"bargainings": 0}
    admin = User.objects.get(username="admin")
    worker1, worker2 = User.objects.filter(username="worker1").first(), User.objects.filter(username="worker2").first()
    xian = Unit.objects.filter(code="610100").first()
    if worker1 is None or worker2 is None or xian is None:
        return {"bargainings": 0}
    WageGuideline.objects.get_or_create(unit=xian, year=2020, defaults={
        "minimum_wage": Decimal("1800.00"), "baseline_pct": Decimal("7.50"), "upper_pct": Decimal("11.00"),
        "lower_pct": Decimal("3.00")})
    today = timezone.localdate()
    hotel = Person.objects.get(user=worker1).employer
    shop = Person.objects.get(user=worker2).employer
    hr1 = User.objects.filter(username="hr_meilihao").first()
    hr2 = User.objects.filter(username="hr_qingnian").first()
    chair = User.objects.get(username="meilihao")

    # 北院门 — the hotel's wage talks: answered, seated, agreed, and now before the workers' congress.
    wages = services.request_bargaining(
        actor=chair, kind="wages", title="2020年度工资集体协商", enterprises=[hotel],
        request_text="受疫情影响，酒店停业期间工资支付、复工后工资调整及轮岗安排，需与企业协商确定。",
        received_on=today - timedelta(days=12))
    services.answer_request(actor=hr1 or chair, bargaining=wages, agree=True, answer="同意协商，请工会提出方案。")
    _seat_both_sides(chair, wages, [(chair.display_name, "工会主席"), ("王秀兰", "客房部职工代表"),
                                    ("刘建国", "餐饮部职工代表")],
                     [("高总", "总经理"), ("何人事", "人力资源部经理"), ("陈会计", "财务部经理")], hr1)
    services.record_wage_data(actor=chair, bargaining=wages, headcount=hotel.employees or 86,
                              average_wage="4200", last_rise_pct="5")
    services.schedule_round(actor=chair, bargaining=wages, starts_at=timezone.now() - timedelta(days=3),
                            agenda="一、停业期间工资支付标准；二、复工后工资调整幅度。",
                            meeting_url="https://meeting.example.cn/j/610104001001")
    _agree(chair, wages, ["pay", "hours", "rest"])
    representatives = _voters(admin, hotel, worker1, 5)
    # The hotel's congress: 5 representatives, elected and audited, all with accounts (规定 第三十六条's base).
    hall = congress.register_congress(actor=chair, enterprise=hotel, term=3, registered_size=len(representatives),
                                      elected_on=today - timedelta(days=300),
                                      evidence_note="第三届职工代表大会代表选举结果报告（各部门差额选举，2019年）。")
    for person in Person.objects.filter(user__in=representatives).order_by("id"):
        congress.add_delegate(actor=chair, congress=hall, person=person, front_line=True)
    congress.audit_congress(actor=admin, congress=hall)
    services.open_vote(actor=chair, bargaining=wages, body=Vote.Body.CONGRESS,
                       voters=representatives, opens_at=timezone.now() - timedelta(hours=1),
                       closes_at=timezone.now() + timedelta(days=2))

    # 北院门 — a comprehensive contract in force at the hotel, and the street's regional catering contract.
    services.register_contract(
        actor=admin, unit=hotel.unit, kind="comprehensive", reach=Reach.ENTERPRISE, title="陕西美丽豪酒店集体合同",
        employer_party=hotel.name, covered=[services.Covered(enterprise=hotel, workers=hotel.employees or 86)],
        signed_on=today - timedelta(days=400), submitted_on=today - timedelta(days=395),
        effective_from=today - timedelta(days=379), term_months=36, worker_chief=chair.display_name,
        employer_chief="高总", text="第一条 劳动报酬\n企业按月足额支付工资。\n第二条 工作时间\n实行标准工时制度。")
    street = Unit.objects.get(code="610104001")
    catering = list(Enterprise.objects.filter(unit__code="610104001005").order_by("id")[:6]) \
        or list(Enterprise.objects.filter(unit__path__startswith=street.path).exclude(pk=hotel.pk).order_by("id")[:6])
    if len(catering) >= 2:
        services.register_contract(
            actor=admin, unit=street, kind="wages", reach=Reach.INDUSTRY, title="北院门街道餐饮行业工资专项集体合同",
            employer_party="北院门街道餐饮行业协会",
            covered=[services.Covered(enterprise=e, workers=e.employees or 10) for e in catering],
            signed_on=today - timedelta(days=200), submitted_on=today - timedelta(days=198),
            effective_from=today - timedelta(days=180), term_months=12, worker_chief="北院门街道餐饮行业工会主席",
            employer_chief="行业协会会长", text="第一条 劳动报酬\n本行业职工月工资不低于当地最低工资标准的120%。")

    # 青年路 — talks under way at the shop: a round, clauses open and agreed; a contract in force.
    chief = User.objects.get(username="qingnianlu")
    talks = services.request_bargaining(
        actor=chief, kind="comprehensive", title="西安青年路商贸有限公司集体合同（2021—2023）", enterprises=[shop],
        request_text="现行集体合同即将期满，提出重新协商签订。", received_on=today - timedelta(days=5))
    services.answer_request(actor=hr2 or chief, bargaining=talks, agree=True, answer="同意。")
    _seat_both_sides(chief, talks, [("卿年路", "工会主席"), ("李秀英", "职工代表"), ("赵强", "职工代表")],
                     [("秦总", "总经理"), ("秦人事", "人事主管"), ("孙会计", "财务主管")], hr2)
    services.schedule_round(actor=chief, bargaining=talks, starts_at=timezone.now() + timedelta(days=1),
                            agenda="工作时间与休息休假。", meeting_url="https://meeting.example.cn/j/610104002001")
    _agree(chief, talks, ["hours"])
    services.save_clause(actor=chief, bargaining=talks, area="pay")
    services.register_contract(
        actor=admin, unit=shop.unit, kind="comprehensive", reach=Reach.ENTERPRISE, title="西安青年路商贸有限公司集体合同",
        employer_party=shop.name, covered=[services.Covered(enterprise=shop, workers=shop.employees or 40)],
        signed_on=today - timedelta(days=1000), submitted_on=today - timedelta(days=995),
        effective_from=today - timedelta(days=980), term_months=36, worker_chief="卿年路", employer_chief="秦总",
        text="第一条 劳动报酬\n企业按月足额支付工资。")
    return {"bargainings": 2, "contracts": 3}
