"""Hardship files: the proposed category, 返困, exit and the unstable-exit flag, monitoring gaps, the annual review."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from gonghui.orgs.models import Person
from gonghui.relief import selectors, services
from gonghui.relief.models import Flag, HardshipFile, HouseholdMember, SpotCheck

D = Decimal


def member(name: str, relation: str = "本人", income: str = "0", **extra) -> services.MemberData:  # noqa: ANN003
    return services.MemberData(name=name, relation=relation, age=40, monthly_income=D(income), **extra)


def free_person(code: str = "610104001001") -> Person:
    return Person.objects.filter(unit__code=code, hardship_files__isnull=True, user__isnull=True).order_by("id").first()


@pytest.mark.django_db
def test_the_app_proposes_the_category_with_its_reason(persona) -> None:  # noqa: ANN001
    person = free_person()  # 西安: 低保 800 a month this year (demo)
    file = services.open_file(actor=persona("beiyuanmen"), person=person, members=[
        member(person.name, income="1000"), member("配偶", "配偶", income="598")], essential_spending=D("0"))
    assert (file.per_head, file.proposed_category) == (D("799.00"), "deep")
    assert "低于低保标准 800.00" in file.proposal_reason
    assert file.category == ""  # the official confirms it
    with pytest.raises(ValidationError, match="理由"):
        services.confirm_category(actor=persona("beiyuanmen"), file=file, category="relative")
    services.confirm_category(actor=persona("beiyuanmen"), file=file, category="deep")
    assert HardshipFile.objects.get(pk=file.pk).category == "deep"


@pytest.mark.django_db
def test_health_details_are_sealed_at_rest(persona) -> None:  # noqa: ANN001
    person = free_person()
    file = services.open_file(actor=persona("beiyuanmen"), person=person,
                              members=[member(person.name, health="尿毒症透析")])
    with connection.cursor() as cursor:
        cursor.execute("SELECT health FROM relief_householdmember WHERE file_id = %s", [file.pk])
        stored = cursor.fetchone()[0]
    assert "透析" not in stored
    assert HouseholdMember.objects.get(file=file).health == "尿毒症透析"


@pytest.mark.django_db
def test_one_open_file_per_person_and_a_return_links_the_old_file(persona) -> None:  # noqa: ANN001
    person = free_person()
    official = persona("beiyuanmen")
    first = services.open_file(actor=official, person=person, members=[member(person.name)])
    with pytest.raises(ValidationError, match="不能重复建档"):
        services.open_file(actor=official, person=person, members=[member(person.name)])
    services.exit_file(actor=official, file=first, status="exited", reason="再就业")
    again = services.open_file(actor=official, person=person, members=[member(person.name)])
    assert (again.status, again.previous_file_id) == (HardshipFile.Status.RETURNED, first.pk)


@pytest.mark.django_db
def test_the_open_file_rule_is_a_database_constraint(persona) -> None:  # noqa: ANN001
    from django.db import IntegrityError, transaction

    person = free_person()
    services.open_file(actor=persona("beiyuanmen"), person=person, members=[member(person.name)])
    with pytest.raises(IntegrityError), transaction.atomic():
        HardshipFile.objects.create(person=person, unit=person.unit, status="returned")


@pytest.mark.django_db
def test_an_exit_sets_the_unstable_flag_for_twelve_months(persona) -> None:  # noqa: ANN001
    person = free_person()
    file = services.open_file(actor=persona("beiyuanmen"), person=person, members=[member(person.name)])
    services.exit_file(actor=persona("beiyuanmen"), file=file, status="exited", reason="收入稳定", on=date(2026, 3, 31))
    flag = Flag.objects.get(file=file, kind="unstable_exit")
    assert (flag.starts_on, flag.ends_on, flag.automatic) == (date(2026, 3, 31), date(2027, 3, 30), True)
    assert flag.active_on(date(2027, 3, 30)) and not flag.active_on(date(2027, 3, 31))
    resolved = services.open_file(actor=persona("beiyuanmen"), person=free_person(), members=[member("某")])
    services.exit_file(actor=persona("beiyuanmen"), file=resolved, status="resolved", reason="低保兜底")
    assert not Flag.objects.filter(file=resolved, kind="unstable_exit").exists()


@pytest.mark.django_db
def test_six_months_above_dibao_proposes_the_exit(persona) -> None:  # noqa: ANN001
    person = free_person()
    official = persona("beiyuanmen")
    file = services.open_file(actor=official, person=person, members=[member(person.name)])
    proposed = [services.record_monthly_income(actor=official, file=file, month=date(2026, m, 1), per_head=D("900"))
                for m in range(4, 10)]
    assert proposed == [False] * 5 + [True]


@pytest.mark.django_db
def test_monitoring_shows_the_gaps(persona) -> None:  # noqa: ANN001
    official = persona("beiyuanmen")
    with time_machine.travel("2026-06-30 10:00 +0800", tick=False):
        today = date(2026, 6, 30)
        people = [free_person(), free_person("610104001002")]
        files = [services.open_file(actor=official, person=p, members=[member(p.name)]) for p in people]
        for file in files:
            services.add_flag(actor=official, file=file, kind="illness", starts_on=today - timedelta(days=60))
        helped, unhelped = files
        services.assign_helper(actor=official, file=helped, helper=official)
        services.log_contact(actor=official, file=helped, on=today - timedelta(days=30), channel="phone",
                             notes="电话回访", problems=["孩子上学交通不便"])
        gaps = selectors.monitoring(official)
        assert unhelped in list(gaps["without_helper"]) and helped not in list(gaps["without_helper"])
        assert helped not in list(gaps["overdue"])  # contacted exactly 30 days ago: still in time
        assert "孩子上学交通不便" in [p.description for p in gaps["open_problems"]]
    with time_machine.travel("2026-07-01 10:00 +0800", tick=False):
        assert helped in list(selectors.monitoring(official)["overdue"])  # 31 days: overdue
        problem = helped.problems.get()
        services.resolve_problem(actor=official, problem=problem, outcome="已协调校车")
        assert problem not in list(selectors.monitoring(official)["open_problems"])


@pytest.mark.django_db
def test_the_annual_spot_check_is_drawn_once_and_recorded(persona, unit) -> None:  # noqa: ANN001
    street = unit("610104001")
    files = HardshipFile.objects.filter(unit__path__startswith=street.path, status__in=HardshipFile.OPEN)
    check = services.draw_spot_check(actor=persona("beiyuanmen"), unit=street, year=2026, files=files)
    assert len(check.drawn_ids) * 10 >= files.count() * 3
    assert set(check.drawn_ids) <= set(files.values_list("id", flat=True))
    with pytest.raises(ValidationError, match="不能重抽"):
        services.draw_spot_check(actor=persona("beiyuanmen"), unit=street, year=2026, files=files)
    assert SpotCheck.objects.filter(unit=street, year=2026).count() == 1


@pytest.mark.django_db
def test_a_new_dibao_standard_closes_the_previous_one(persona, unit) -> None:  # noqa: ANN001
    city = unit("610100")
    services.set_dibao(actor=persona("admin"), city=city, monthly=D("850"), effective_from=date(2027, 7, 1))
    lianhu = unit("610104001001")
    assert services.dibao_on(lianhu, date(2027, 6, 30)) == D("800.00")
    assert services.dibao_on(lianhu, date(2027, 7, 1)) == D("850.00")
    with pytest.raises(ValidationError):
        services.set_dibao(actor=persona("admin"), city=unit("610104"), monthly=D("1"), effective_from=date(2027, 1, 1))


@pytest.mark.django_db
def test_files_are_kept_ten_years_after_exit_then_anonymised(persona) -> None:  # noqa: ANN001
    from django.core.management import call_command

    official = persona("beiyuanmen")
    today = timezone.localdate()
    old, recent = free_person(), free_person("610104001002")
    files = {}
    for person, years in ((old, 11), (recent, 9)):
        file = services.open_file(actor=official, person=person, members=[member(person.name, health="慢性肾病")])
        services.exit_file(actor=official, file=file, status="exited", reason="再就业",
                           on=today - timedelta(days=365 * years))
        files[years] = file
    # The registry would anonymise a transferred-out person after 3 years, but not while a file holds them.
    Person.objects.filter(pk__in=[old.pk, recent.pk]).update(membership="transferred_out")
    Person.objects.filter(pk__in=[old.pk, recent.pk]).update(updated_at=timezone_days_ago(365 * 5))
    call_command("purge")
    assert HouseholdMember.objects.get(file=files[11]).name == "（已匿名）"
    assert HouseholdMember.objects.get(file=files[11]).health == ""
    assert HouseholdMember.objects.get(file=files[9]).health == "慢性肾病"
    assert Person.objects.get(pk=recent.pk).name == recent.name  # held by its file (9 years after exit)
    assert Person.objects.get(pk=old.pk).name == "（已匿名）"


def timezone_days_ago(days: int):  # noqa: ANN201
    from django.utils import timezone

    return timezone.now() - timedelta(days=days)


@pytest.mark.django_db
def test_an_edge_household_is_flagged_automatically_and_unflagged(persona) -> None:  # noqa: ANN001
    person = free_person()
    official = persona("beiyuanmen")
    file = services.open_file(actor=official, person=person, members=[member(person.name, income="1600")])
    assert file.flags.filter(kind="edge", automatic=True, ends_on__isnull=True).exists()  # 1,600 = 2 × 800
    services.update_household(actor=official, file=file, members=[member(person.name, income="1599.99")],
                              incomes=[], essential_spending=D("0"), hardship_costs_annual=D("0"),
                              union_help_monthly=D("0"), causes=[], accident_on=None)
    assert not file.flags.filter(kind="edge", ends_on__isnull=True).exists()  # 相对困难 now, not edge
    assert file.flags.filter(kind="edge").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("utc_hour", [3, 17], ids=["same-day-in-beijing", "already-tomorrow-in-beijing"])
def test_the_ten_years_end_on_their_exact_day(persona, utc_hour: int) -> None:  # noqa: ANN001
    from datetime import datetime

    from django.conf import settings
    from django.core.management import call_command

    # At 17:00 UTC it is already the next day in Beijing: the ten years count from Beijing's date.
    moment = datetime.combine(timezone.localdate(), datetime.min.time(), tzinfo=UTC).replace(hour=utc_hour)
    traveller = time_machine.travel(moment, tick=False)
    traveller.start()
    official = persona("beiyuanmen")
    cutoff = timezone.localdate() - timedelta(days=settings.GONGHUI_RETENTION_DAYS["hardship_files"])
    files = {}
    for person, exited in ((free_person(), cutoff), (free_person("610104001002"), cutoff - timedelta(days=1))):
        file = services.open_file(actor=official, person=person, members=[member(person.name, health="哮喘")])
        services.exit_file(actor=official, file=file, status="exited", reason="再就业", on=exited)
        files[exited] = file
    call_command("purge")
    try:
        assert HouseholdMember.objects.get(file=files[cutoff]).health == "哮喘"  # the last day of the 10 years
        assert HouseholdMember.objects.get(file=files[cutoff - timedelta(days=1)]).health == ""
    finally:
        traveller.stop()
