"""Demo reporting: the medical-observation form assigned daily to the enterprises of 北院门 and of 青年路 for a
month from last week, with a week of reports from some of them (the hotel files through `hr_meilihao`)."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from gonghui.orgs.models import Enterprise, Unit, User
from gonghui.reports import seed_forms, services
from gonghui.reports.models import Assignment, FormTemplate, FormVersion
from gonghui.reports.rules import SHANGHAI

IDS = ("11010519491231002X", "110101199003077774")


def _data(rng: random.Random) -> dict:
    count = rng.choice((0, 0, 1, 2))
    return {"observed_total": str(count), "observed": [
        {"name": ("王芳", "刘强")[i], "id_number": IDS[i], "kind": "居家隔离", "start_on": "2020-02-15",
         "temperature": f"{rng.choice((36.4, 36.6, 36.8, 37.1))}"} for i in range(count)]}


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
            for enterprise in enterprises[: max(1, len(enterprises) * 3 // 4)]:
                if offset == 0 and rng.random() < 0.5:
                    continue  # today: half have not filed yet
                moment = dt.datetime.combine(day, dt.time(rng.choice((8, 9, 9, 10, 11)), rng.randrange(60)),
                                             tzinfo=SHANGHAI)
                if moment > timezone.now():
                    continue
                services.submit_report(actor=official, assignment=assignment, enterprise=enterprise, period=day,
                                       data=_data(rng), now=moment)
                filed += 1
    return {"assignments": made, "reports": filed}
