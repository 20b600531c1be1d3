"""Demo hardship relief: 低保 standards, budgets, files, applications at every stage, a paid bank batch.

The 低保 figures are synthetic (round numbers near Shaanxi's cities), not published standards.
Built through the services, as officials would, so that the audit trail is real too.
"""

from __future__ import annotations

import io
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from gonghui.core import excel, ledger
from gonghui.core.deadlines import local_date
from gonghui.core.models import PaymentEntry
from gonghui.orgs import services as orgs_services
from gonghui.orgs.models import Level, Person, Unit, User
from gonghui.relief import policies, services
from gonghui.relief.models import Application, HardshipFile, Policy

DIBAO = {"610100": "800", "610400": "720", "611000": "680"}
BUDGET = {"cq-temp-acute": "500000", "cq-temp-outpatient": "200000", "cq-temp-other": "100000",
          "epidemic-grant-1000": "200000"}
FAMILY = (("配偶", "秀兰", 45, "1800", "", False, ""), ("子女", "小雨", 16, "0", "", False, ""),
          ("父母", "建国", 72, "0", "高血压、糖尿病", True, "3"))


def _user(name: str) -> User:
    return User.objects.get(username=name)


@transaction.atomic
def build() -> dict[str, int]:
    policies.install()  # (a flushed test database has lost what the migration wrote)
    if HardshipFile.objects.exists():
        return {"files": 0}
    # In the demo the province union maintains the shipped policies (so that `shaanxi` can edit them).
    Policy.objects.filter(owner__isnull=True).update(owner=Unit.objects.filter(code="610000").first())
    admin = _user("admin")
    today = local_date(timezone.now())
    for code, amount in DIBAO.items():
        city = Unit.objects.filter(code=code).first()
        if city is not None:
            services.set_dibao(actor=admin, city=city, monthly=Decimal(amount) - 40, effective_from=date(today.year - 1, 1, 1))
            services.set_dibao(actor=admin, city=city, monthly=Decimal(amount), effective_from=date(today.year, 1, 1))
    xian, lianhu = _user("xian"), _user("lianhu")
    units = {u.code: u for u in Unit.objects.filter(code__in=["610100", "610104", "610104001", "610104002"])}
    for code, amount in BUDGET.items():
        policy = Policy.objects.get(code=code)
        services.move_budget(actor=xian, unit=units["610100"], policy=policy, year=today.year, amount=amount,
                             kind="allocate", note="西工发〔演示〕1号")
        services.move_budget(actor=xian, unit=units["610100"], policy=policy, year=today.year,
                             amount=Decimal(amount) / 2, kind="transfer_out", to_unit=units["610104"])
        for street in ("610104001", "610104002"):
            services.move_budget(actor=lianhu, unit=units["610104"], policy=policy, year=today.year,
                                 amount=Decimal(amount) / 10, kind="transfer_out", to_unit=units[street])
    files = []
    grassroots = Unit.objects.filter(level=Level.GRASSROOTS, code__startswith="610104").order_by("code")
    for unit in grassroots:
        people = list(Person.objects.filter(unit=unit, user__isnull=True).order_by("id")[:2])
        worker = Person.objects.filter(unit=unit, user__username__in=["worker1", "worker2"]).first()
        if worker is not None:
            people.insert(0, worker)
        for index, person in enumerate(people):
            files.append(_open(admin, person, index))
    _stories(files, today)
    return {"files": len(files)}


def _open(actor: User, person: Person, index: int) -> HardshipFile:
    wage = ("1500", "2400", "900")[index % 3]
    members = [services.MemberData(name=person.name, relation="本人", age=max(18, (local_date(timezone.now()) - person.birth_date).days // 365),
                                   monthly_income=Decimal(wage), employment=person.job)]
    for relation, given, age, income, health, illness, disability in FAMILY[: 2 + index % 2]:
        surname = "王" if relation == "配偶" else person.name[0]
        members.append(services.MemberData(name=f"{surname}{given}", relation=relation, age=age,
                                           monthly_income=Decimal(income), health=health, serious_illness=illness,
                                           disability=disability))
    file = services.open_file(actor=actor, person=person, members=members, causes=[("illness", "unemployment",
                                                                                     "schooling")[index % 3]],
                              essential_spending=Decimal(("600", "300", "200")[index % 3]),
                              hardship_costs_annual=Decimal(("30000", "0", "5000")[index % 3]),
                              incomes=[("dibao", Decimal("400"), "")] if index == 2 else [])
    if file.proposed_category:
        services.confirm_category(actor=actor, file=file, category=file.proposed_category)
    else:
        services.confirm_category(actor=actor, file=file, category="relative", reason="因病支出大，演示认定为相对困难")
    return file


def _stories(files: list[HardshipFile], today: date) -> None:
    """Applications and monitoring at every stage, in both streets under 莲湖区."""
    admin, qingnianlu, beiyuanmen, lianhu = _user("admin"), _user("qingnianlu"), _user("beiyuanmen"), _user("lianhu")
    acute = Policy.objects.get(code="cq-temp-acute")
    other = Policy.objects.get(code="cq-temp-other")
    by_street: dict[str, list[HardshipFile]] = {"610104001": [], "610104002": []}
    for file in files:
        by_street[file.unit.code[:9]].append(file)
    for street, official in (("610104001", beiyuanmen), ("610104002", qingnianlu)):
        street_files = [f for f in by_street[street] if f.person.user_id is None]
        if len(street_files) < 3:
            continue
        first, second, third = street_files[:3]
        services.add_flag(actor=official, file=first, kind="illness", starts_on=today - timedelta(days=90))
        services.add_flag(actor=official, file=second, kind="epidemic_isolated", starts_on=today - timedelta(days=10),
                          ends_on=today + timedelta(days=4))
        services.assign_helper(actor=official, file=first, helper=official)
        services.log_contact(actor=official, file=first, on=today - timedelta(days=40), channel="visit",
                             notes="上门走访，了解住院费用报销进度。", problems=["住院押金不足，需协调医院"])
        # Paid: recorded (by the administrator: a recorder never decides), approved at two levels, paid to the
        # account on file that the district verified, exported to the bank, returned paid and confirmed.
        account = "6222020200112233" + street[-3:]
        person = orgs_services.update_person(actor=official, person=first.person, bank_account=account)
        services.verify_payee_account(actor=lianhu, person=person, how="本人持银行卡到场核对（演示）")
        paid = services.submit_application(actor=admin, file=first, policy=acute, self_paid=Decimal("15000"),
                                           description="父亲住院手术，自付费用较高。", bank_account=account,
                                           channel="official")
        services.decide_application(actor=official, application=paid, decision="approve", reason="情况属实")
        services.decide_application(actor=lianhu, application=paid, decision="approve", reason="同意")
        Application.objects.filter(pk=paid.pk).update(notice_until=today - timedelta(days=1))
        paid.refresh_from_db()
        services.release_payment(actor=lianhu, application=paid)
        # On notice, with an objection raised by a member of the same union.
        notice = services.submit_application(actor=admin, file=second, policy=other, requested=Decimal("1500"),
                                             description="家中房屋漏雨，临时生活困难。",
                                             bank_account="6222020200445566" + street[-3:], channel="official")
        services.decide_application(actor=official, application=notice, decision="approve", reason="情况属实")
        notice = services.decide_application(actor=lianhu, application=notice, decision="approve", reason="同意")
        member = User.objects.filter(role_assignments__role="worker", role_assignments__unit=notice.unit).first()
        if member is not None:
            services.raise_objection(actor=member, application=notice, text="据了解其家庭另有经营收入，请核实。")
        # Waiting for the first decision.
        waiting = services.submit_application(actor=admin, file=third, policy=other, requested=Decimal("800"),
                                              description="子女开学，学杂费困难。",
                                              bank_account="6222020200778899" + street[-3:], channel="official")
        # The applicant changed banks: the new account waits for a second official.
        services.request_application_account_change(actor=official, application=waiting,
                                                    account="6217000077889900" + street[-3:],
                                                    reason="本人更换了银行卡（演示）")
        services.preview_batch(actor=official, unit=official.primary_unit, policy=Policy.objects.get(
            code="epidemic-grant-1000"))
        _bank_round_trip(lianhu, official.primary_unit, confirmer=official)


def _bank_round_trip(actor: User, unit: Unit, confirmer: User) -> None:
    """Export the street's pending payments to a bank file, read the bank's answer (all paid), and have a second
    official confirm it."""
    from gonghui.orgs import scoping

    entries = scoping.payments.filter(actor).filter(unit_path__startswith=unit.path)
    if not entries.filter(state=PaymentEntry.State.PENDING).exists():
        return
    batch, _content = ledger.export_bank_file(actor=actor, entries=entries, unit=unit)
    rows = [{"batch": batch.number, "file_hash": batch.file_hash, "number": e.number, "payee": e.payee_name,
             "amount": e.amount, "result": "paid"} for e in batch.entries.all()]
    buffer = io.BytesIO()
    excel.write_rows(ledger.BANK_RETURN, rows, buffer)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "return.xlsx"
        path.write_bytes(buffer.getvalue())
        ledger.import_bank_return(actor=actor, batch=batch, path=path)
    ledger.confirm_bank_return(actor=confirmer, batch=batch)
