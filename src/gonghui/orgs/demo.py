"""The demo tree: Shaanxi from the seed newspaper, with the accounts the README lists.

Unit names of union federations and of the enterprises named in the seed are real; the
other enterprises, all people, phone numbers and codes are synthetic.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from gonghui.orgs import services
from gonghui.orgs.auth import phone_hash
from gonghui.orgs.models import Level, Role, RoleAssignment, Unit, User

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


def already_loaded() -> bool:
    return Unit.objects.filter(code="610000").exists()


@transaction.atomic
def build(*, workers_per_unit: int = 3, seed: int = 2020) -> dict[str, int]:
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
    password = settings.GONGHUI_DEMO_PASSWORD
    for account in ACCOUNTS:
        user = User.objects.filter(username=account.username).first()
        unit = units[account.unit_code]
        if user is None:
            user = services.create_account(actor=root_admin, username=account.username, display_name=account.name,
                                           role=account.role, unit=unit, phone=account.phone, password=password)
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
            services.create_account(actor=root_admin, username=username, display_name=name, role=Role.WORKER,
                                    unit=unit, phone=phone, password=password)
            created += 1
    return {"units": len(units), "accounts": len(ACCOUNTS), "members": created}
