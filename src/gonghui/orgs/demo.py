"""The demo tree: Shaanxi from the seed newspaper, with the accounts the README lists.

Unit names of union federations and of the enterprises named in the seed are real; the
other enterprises, all people, phone numbers and codes are synthetic.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from stdnum.cn import ric, uscc

from gonghui.core.crypto import lookup_hash
from gonghui.orgs import rules, services
from gonghui.orgs.auth import phone_hash
from gonghui.orgs.models import BUILTIN_TAGS, Enterprise, Level, Person, Role, RoleAssignment, Tag, Unit, User

K = Unit.Kind

# (code, name, level, kind, children)
TREE = (
    "100000", "中华全国总工会", Level.NATIONAL, K.FEDERATION, [
        ("610000", "陕西省总工会", Level.PROVINCE, K.FEDERATION, [
            ("610100", "西安市总工会", Level.CITY, K.FEDERATION, [
                ("610104", "莲湖区总工会", Level.COUNTY, K.FEDERATION, [
                    ("610104001", "北院门街道总工会", Level.STREET, K.FEDERATION, [
                        ("610104001001", "陕西美丽豪酒店管理有限公司工会", Level.GRASSROOTS, K.ENTERPRISE, []),
                        ("610104001002", "北院门街道联合工会", Level.GRASSROOTS, K.JOINT, []),
                        ("610104001003", "西安鼓楼餐饮管理有限公司工会", Level.GRASSROOTS, K.ENTERPRISE, []),
                        ("610104001004", "西安化觉巷文化旅游有限公司工会", Level.GRASSROOTS, K.ENTERPRISE, []),
                        ("610104001005", "北院门街道餐饮行业工会", Level.GRASSROOTS, K.INDUSTRY, []),
                    ]),
                    ("610104002", "青年路街道总工会", Level.STREET, K.FEDERATION, [
                        ("610104002001", "西安青年路商贸有限公司工会", Level.GRASSROOTS, K.ENTERPRISE, []),
                        ("610104002002", "青年路街道联合工会", Level.GRASSROOTS, K.JOINT, []),
                        ("610104002003", "西安莲湖物业服务有限公司工会", Level.GRASSROOTS, K.ENTERPRISE, []),
                    ]),
                ]),
                ("610114", "阎良区总工会", Level.COUNTY, K.FEDERATION, [
                    ("610114001", "凤凰路街道总工会", Level.STREET, K.FEDERATION, [
                        ("610114001001", "西安阎良航空零部件有限公司工会", Level.GRASSROOTS, K.ENTERPRISE, []),
                        ("610114001002", "凤凰路街道联合工会", Level.GRASSROOTS, K.JOINT, []),
                    ]),
                ]),
            ]),
            ("610400", "咸阳市总工会", Level.CITY, K.FEDERATION, [
                ("610402", "秦都区总工会", Level.COUNTY, K.FEDERATION, [
                    ("610402001", "人民路街道总工会", Level.STREET, K.FEDERATION, [
                        ("610402001001", "陕西朱雀物流公司工会", Level.GRASSROOTS, K.ENTERPRISE, []),
                        ("610402001002", "人民路街道联合工会", Level.GRASSROOTS, K.JOINT, []),
                    ]),
                ]),
            ]),
            ("611000", "商洛市总工会", Level.CITY, K.FEDERATION, [
                ("611002", "商州区总工会", Level.COUNTY, K.FEDERATION, [
                    ("611002101", "北宽坪镇总工会", Level.STREET, K.FEDERATION, [
                        ("611002101001", "陕西富卓电子有限公司工会", Level.GRASSROOTS, K.ENTERPRISE, []),
                        ("611002101002", "北宽坪镇社区工厂联合工会", Level.GRASSROOTS, K.JOINT, []),
                    ]),
                ]),
                ("611024", "山阳县总工会", Level.COUNTY, K.FEDERATION, [
                    ("611024102", "南宽坪镇总工会", Level.STREET, K.FEDERATION, [
                        ("611024102001", "南宽坪镇社区工厂联合工会", Level.GRASSROOTS, K.JOINT, []),
                    ]),
                ]),
            ]),
        ]),
    ],
)

ADDRESSES = {
    "610104001": "西安市莲湖区北院门144号",
    "610104001001": "西安市莲湖区北院门大街",
    "610104002": "西安市莲湖区青年路",
}


@dataclass(frozen=True)
class DemoAccount:
    username: str
    name: str
    role: str
    unit_code: str
    phone: str


ACCOUNTS = (
    DemoAccount("admin", "系统管理员", Role.ADMIN, "100000", ""),
    DemoAccount("shaanxi", "秦省工", Role.OFFICIAL, "610000", "13800000010"),
    DemoAccount("xian", "高西安", Role.OFFICIAL, "610100", "13800000011"),
    DemoAccount("lianhu", "莲湖工", Role.OFFICIAL, "610104", "13800000012"),
    DemoAccount("beiyuanmen", "白院门", Role.OFFICIAL, "610104001", "13800000013"),
    DemoAccount("qingnianlu", "卿年路", Role.OFFICIAL, "610104002", "13800000014"),
    DemoAccount("yanliang", "阎良工", Role.OFFICIAL, "610114", "13800000015"),
    DemoAccount("qindu", "秦都工", Role.OFFICIAL, "610402", "13800000016"),
    DemoAccount("shangluo", "商洛工", Role.OFFICIAL, "611000", "13800000017"),
    DemoAccount("meilihao", "梅丽华", Role.CHAIR, "610104001001", "13800000018"),
    DemoAccount("shegong", "史社工", Role.SOCIAL_WORKER, "610104001", "13800000019"),
    DemoAccount("tiaojie", "陶调解", Role.MEDIATOR, "610104001", "13800000020"),
    DemoAccount("xinli", "辛心理", Role.COUNSELLOR, "610104", "13800000021"),
    DemoAccount("worker1", "张小明", Role.WORKER, "610104001001", "13900000001"),
    DemoAccount("worker2", "李秀英", Role.WORKER, "610104002001", "13900000002"),
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志强海燕红梅文军小红玉兰晓东"


REGIONS = {"610": "610104", "6101040": "610104", "6101140": "610114", "6104": "610402", "6110": "612501"}
HUKOU = ("陕西省商洛市商州区", "陕西省西安市莲湖区", "陕西省咸阳市秦都区", "陕西省渭南市临渭区", "河南省洛阳市",
         "陕西省商洛市山阳县", "甘肃省天水市")
JOBS = ("客房服务员", "厨师", "保安", "收银员", "快递员", "装配工", "电工", "会计", "司机", "保洁员", "店长")
INDUSTRIES = ("H", "F", "C", "G", "O", "L", "E")
ORG_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
NAMED_ENTERPRISES = {
    "610104001001": "陕西美丽豪酒店管理有限公司",
    "610402001001": "陕西朱雀农副产品物流有限公司",
    "611002101001": "陕西富卓电子有限公司",
}


def synthetic_id(rng: random.Random, region: str) -> str:
    """A valid but synthetic 居民身份证 number (checksum per GB 11643)."""
    birth = date(1962, 1, 1) + timedelta(days=rng.randrange(0, 40 * 365))
    body = f"{region}{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return body + ric.calc_check_digit(body + "0")


def synthetic_credit_code(rng: random.Random, region: str) -> str:
    body = "91" + region + "".join(rng.choice(ORG_CHARS) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def _region(unit: Unit) -> str:
    for prefix, region in sorted(REGIONS.items(), key=lambda kv: -len(kv[0])):
        if unit.code.startswith(prefix):
            return region
    return "610104"


def build_registry(*, people: int, enterprises: int, seed: int = 2020, street_enterprises: int = 0) -> dict[str, int]:
    """Enterprises under each grassroots union and people employed there, written in bulk.

    `street_enterprises` puts that many more enterprises under 北院门 (the seed's 1,329 back at work).
    """
    from gonghui.orgs.imports import _seal_hashes

    rng = random.Random(seed)
    grassroots = list(Unit.objects.filter(level=Level.GRASSROOTS).order_by("code"))
    beiyuanmen_units = [u for u in grassroots if u.code.startswith("610104001")]
    made: list[Enterprise] = []
    codes: set[str] = set(Enterprise.objects.values_list("credit_code", flat=True))
    plan = [grassroots[i % len(grassroots)] for i in range(enterprises)]
    plan += [beiyuanmen_units[i % len(beiyuanmen_units)] for i in range(street_enterprises)]
    for index, unit in enumerate(plan):
        code = synthetic_credit_code(rng, _region(unit))
        while code in codes:
            code = synthetic_credit_code(rng, _region(unit))
        codes.add(code)
        name = NAMED_ENTERPRISES.get(unit.code) if index < len(grassroots) else None
        resumed = index >= enterprises or rng.random() < 0.85  # the street's 1,329 are all back at work
        made.append(Enterprise(
            name=name or f"{unit.name.removesuffix('工会')[:8]}第{index + 1}商户有限公司",
            credit_code=code, industry=rng.choice(INDUSTRIES), size=rng.choice(("micro", "small", "small", "medium")),
            employees=rng.randrange(5, 300), unit=unit, province_id=unit.province_id,
            address=ADDRESSES.get(unit.code, unit.address), status="resumed" if resumed else "suspended",
            resumed_on=date(2020, 2, 10) + timedelta(days=rng.randrange(0, 40)) if resumed else None))
    Enterprise.objects.bulk_create(made, batch_size=1000)
    by_unit: dict[int, list[Enterprise]] = {}
    for enterprise in Enterprise.objects.all():
        by_unit.setdefault(enterprise.unit_id, []).append(enterprise)
    for builtin in BUILTIN_TAGS:
        Tag.objects.get_or_create(name=builtin, defaults={"builtin": True})
    tags = list(Tag.objects.all())
    seen: set[str] = set(Person.objects.values_list("id_hash", flat=True))
    batch: list[Person] = []
    links: list[tuple[Person, list[Tag]]] = []
    created = 0
    for n in range(people):
        unit = grassroots[n % len(grassroots)]
        identity = rules.parse_id_number(synthetic_id(rng, _region(unit)))
        digest = lookup_hash(identity.number, "id")
        if digest in seen:
            continue
        seen.add(digest)
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        member = rng.random() < 0.8
        person = Person(
            name=name, name_initials=rules.initials(name), id_number=identity.number, id_hash=digest,
            id_masked=identity.masked, gender=identity.gender, birth_date=identity.birth_date,
            phone=f"15{rng.randrange(0, 10**9):09d}", unit=unit, province_id=unit.province_id,
            employer=rng.choice(by_unit[unit.pk]) if by_unit.get(unit.pk) else None,
            membership="member" if member else "non_member",
            member_since=date(2005, 1, 1) + timedelta(days=rng.randrange(0, 5000)) if member else None,
            job=rng.choice(JOBS), hukou=rng.choice(HUKOU), residence=unit.address or "西安市莲湖区",
        )
        _seal_hashes(person)
        batch.append(person)
        links.append((person, rng.sample(tags, k=rng.choice((0, 0, 1, 1, 2)))))
        if len(batch) >= 2000:
            created += _flush(batch, links)
            batch, links = [], []
    created += _flush(batch, links)
    return {"people": created, "enterprises": len(made)}


def _flush(batch: list[Person], links: list[tuple[Person, list[Tag]]]) -> int:
    Person.objects.bulk_create(batch, batch_size=1000)
    Person.tags.through.objects.bulk_create(
        [Person.tags.through(person_id=p.pk, tag_id=t.pk) for p, tags in links for t in tags], batch_size=2000)
    return len(batch)


def link_demo_workers() -> None:
    """worker1 and worker2 get their own files, so that their phone pages show them."""
    from gonghui.orgs.imports import _seal_hashes

    for username, number, code in (("worker1", "61010419900315123", "610104001001"),
                                   ("worker2", "61010419920808234", "610104002001")):
        user = User.objects.filter(username=username).first()
        if user is None or Person.objects.filter(user=user).exists():
            continue
        identity = rules.parse_id_number(number + ric.calc_check_digit(number + "0"))
        unit = Unit.objects.get(code=code)
        person = Person(name=user.display_name, name_initials=rules.initials(user.display_name),
                        id_number=identity.number, id_hash=lookup_hash(identity.number, "id"),
                        id_masked=identity.masked, gender=identity.gender, birth_date=identity.birth_date,
                        phone=user.phone, unit=unit, province_id=unit.province_id, membership="member",
                        member_since=date(2016, 5, 1), job="客房服务员", user=user,
                        employer=Enterprise.objects.filter(unit=unit).order_by("id").first())
        _seal_hashes(person)
        person.save()


def pending_demo_links() -> None:
    """Each demo street's worker was named by the other street's service: a link waits for their own union."""
    from gonghui.orgs.models import PersonLink

    for username, other in (("worker1", "610104002001"), ("worker2", "610104001001")):
        person = Person.objects.filter(user__username=username).select_related("unit").first()
        if person is None or PersonLink.objects.filter(person=person).exists():
            continue
        PersonLink.objects.create(person=person, unit=person.unit, requested_unit=Unit.objects.get(code=other),
                                  claimed_name=person.name, purpose="演示：其他街道的报表填报了此人")


def build_services() -> dict[str, dict[str, int]]:
    """Each service app may ship `<app>/demo.py` with a build() that fills its part (found, not imported here)."""
    from importlib import import_module

    from django.apps import apps

    built = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("gonghui.") or config.name == "gonghui.orgs":
            continue
        try:
            module = import_module(f"{config.name}.demo")
        except ModuleNotFoundError:
            continue
        built[config.label] = module.build()
    return built


def already_loaded() -> bool:
    return Unit.objects.filter(code="610000").exists()


@transaction.atomic
def build(*, workers_per_unit: int = 3, seed: int = 2020, people: int = 3000, enterprises: int = 200,
          street_enterprises: int = 0) -> dict[str, int]:
    """Create the tree, the listed accounts and a few member accounts per grassroots union."""
    rng = random.Random(seed)
    root_admin = User.objects.filter(username="admin").first()
    if root_admin is None:
        root_admin = User.objects.create_superuser(username="admin", password=settings.GONGHUI_DEMO_PASSWORD,
                                                   display_name="系统管理员", email="")
        root_admin.is_staff = True
        root_admin.save()
    units: dict[str, Unit] = {}

    def plant(node: tuple, parent: Unit | None) -> None:
        code, name, level, kind, children = node
        unit = Unit.objects.filter(code=code).first() or services.create_unit(
            actor=root_admin, parent=parent, code=code, name=name, level=level, kind=kind,
            address=ADDRESSES.get(code, ""), contact_name="工会办公室" if level < Level.GRASSROOTS else "",
            contact_phone=f"029-8{rng.randrange(1000000, 9999999)}" if level < Level.GRASSROOTS else "",
        )
        units[code] = unit
        for child in children:
            plant(child, unit)

    plant(TREE, None)
    # One hash for every demo account (they share the password anyway): hashing it 50 times
    # would make `make demo` wait half a minute.
    encoded = make_password(settings.GONGHUI_DEMO_PASSWORD)
    for account in ACCOUNTS:
        user = User.objects.filter(username=account.username).first()
        unit = units[account.unit_code]
        if user is None:
            user = services.create_account(actor=root_admin, username=account.username, display_name=account.name,
                                           role=account.role, unit=unit, phone=account.phone)
            User.objects.filter(pk=user.pk).update(password=encoded)
        elif not RoleAssignment.objects.filter(user=user, role=account.role, unit=unit).exists():
            RoleAssignment.objects.create(user=user, role=account.role, unit=unit, granted_by=root_admin)
    created = 0
    serial = 0
    for unit in Unit.objects.filter(level=Level.GRASSROOTS).order_by("code"):
        for n in range(1, workers_per_unit + 1):
            serial += 1
            username = f"m{unit.code[-6:]}{n:02d}"
            if User.objects.filter(username=username).exists():
                continue
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
            phone = f"137{serial:08d}"
            if User.objects.filter(phone_hash=phone_hash(phone)).exists():
                phone = ""
            member = services.create_account(actor=root_admin, username=username, display_name=name,
                                             role=Role.WORKER, unit=unit, phone=phone)
            User.objects.filter(pk=member.pk).update(password=encoded)
            created += 1
    registry = build_registry(people=people, enterprises=enterprises, seed=seed, street_enterprises=street_enterprises)
    link_demo_workers()
    pending_demo_links()
    return {"units": len(units), "accounts": len(ACCOUNTS), "members": created, **registry}
