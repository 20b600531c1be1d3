"""Demo membership: a membership row for every registry person marked 会员, and applications at each stage."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from gonghui.core.crypto import lookup_hash
from gonghui.core.deadlines import local_date
from gonghui.membership import services
from gonghui.membership.models import CorrectionRequest, JoinApplication, Membership, PhoneRebind
from gonghui.orgs.models import Level, Person, Unit, User


@transaction.atomic
def build() -> dict[str, int]:
    if Membership.objects.exists():
        return {"memberships": 0}
    members = list(Person.objects.filter(membership=Person.Membership.MEMBER, unit__level=Level.GRASSROOTS)
                   .select_related("unit__province").order_by("id"))
    serial: dict[str, int] = {}
    rows = []
    for person in members:
        since = person.member_since or date(2016, 5, 1)
        prefix = f"{(person.unit.province.code if person.unit.province_id else person.unit.code)[:4]}{since.year}"
        serial[prefix] = serial.get(prefix, 0) + 1
        rows.append(Membership(person=person, unit=person.unit, province_id=person.unit.province_id,
                               number=f"{prefix}{serial[prefix]:06d}", since=since, joined_unit_on=since))
    Membership.objects.bulk_create(rows, batch_size=2000)
    _stories()
    return {"memberships": len(rows)}


def _stories() -> None:
    """Under 青年路 and 北院门: an application waiting, one approved; a transfer waiting to be accepted."""
    admin = User.objects.get(username="admin")
    today = local_date(timezone.now())
    for street_code, official in (("610104001", "beiyuanmen"), ("610104002", "qingnianlu")):
        street = Unit.objects.filter(code=street_code).first()
        if street is None:
            continue
        grassroots = list(Unit.objects.filter(parent=street).order_by("code"))
        outsiders = list(Person.objects.filter(unit__parent=street, membership=Person.Membership.NON_MEMBER,
                                               user__isnull=True).order_by("id")[:2])
        for index, person in enumerate(outsiders):
            employer = person.employer
            if employer is None:
                continue
            application = services.apply_to_join(actor=admin, person=person, employer=employer, consent=True,
                                                 job=person.job, note="演示：线下代填")
            if index == 1:
                services.decide(actor=User.objects.get(username=official), application=application, decision="approve",
                                reason="符合入会条件")
        mover = Membership.objects.filter(unit=grassroots[0], ended_on__isnull=True, person__user__isnull=True) \
            .order_by("id").first()
        if mover is not None and len(grassroots) > 1:
            services.request_transfer(actor=admin, membership=mover, to_unit=grassroots[1], reason="到新单位工作")
    JoinApplication.objects.filter(state=JoinApplication.State.SUBMITTED).update(due_on=today + timedelta(days=3))
    for street_code in ("610104001", "610104002"):
        person = Person.objects.filter(unit__parent__code=street_code, user__isnull=True).order_by("-id").first()
        if person is None:
            continue
        worker = User.objects.filter(role_assignments__role="worker", role_assignments__unit=person.unit).first() \
            or admin
        CorrectionRequest.objects.create(person=person, unit=person.unit, field="name", new_value=person.name + "华",
                                         reason="演示：户口簿上的名字多一个字", requested_by=worker)
        PhoneRebind.objects.create(person=person, unit=person.unit, phone="13700009999",
                                   phone_hash=lookup_hash("13700009999", "phone"), state=PhoneRebind.State.HELD)
