"""Applications: pricing, the review chain, caps across applications and policies, budgets, notice, payment."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from gonghui.core.models import Attachment, AuditEvent, PaymentEntry
from gonghui.relief import services
from gonghui.relief.models import Application, DuplicateFlag, Policy
from tests import samples

D = Decimal
PNG = samples.png()
BANK = "6222020200112233999"
S = Application.State


def policy(code: str) -> Policy:
    return Policy.objects.get(code=code)


def submit(file, code: str = "cq-temp-acute", actor=None, **facts):  # noqa: ANN001, ANN003, ANN201
    return services.submit_application(actor=actor or file.person.unit and _admin(), file=file, policy=policy(code),
                                       bank_account=facts.pop("bank_account", file.person.bank_account or BANK),
                                       channel="official", **facts)


def _admin():  # noqa: ANN202
    from gonghui.orgs.models import User

    return User.objects.get(username="admin")


def approve_all(application, persona):  # noqa: ANN001, ANN201
    """The chair of 美丽豪 decides the grassroots step, 北院门 the street's, 莲湖 the district's."""
    deciders = {"610104001001": "meilihao", "610104001": "beiyuanmen", "610104": "lianhu"}
    while application.state == S.SUBMITTED:
        application = services.decide_application(actor=persona(deciders[application.current_unit.code]),
                                                  application=application, decision="approve", reason="同意")
    return application


@pytest.mark.django_db
def test_the_amount_is_priced_and_explained_at_submission(household, persona) -> None:  # noqa: ANN001
    file = household(wage="1000", spouse="1500")  # 2,500 a month: 30,000 a year
    application = submit(file, self_paid="15000")  # ratio 0.50: tier 3, 10,000
    assert application.amount == D("10000.00")
    assert application.state == S.SUBMITTED
    assert application.chain == [file.unit.pk, file.unit.parent_id]
    assert any("第 3 档" in line for line in application.trace)
    assert application.facts["household_annual_income"] == "30000.00"


@pytest.mark.django_db
def test_an_ineligible_application_is_refused_and_nothing_is_written(household) -> None:  # noqa: ANN001
    file = household(wage="1000", spouse="1500")
    before = (Application.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as error:
        submit(file, self_paid="2999.99")  # ratio 0.0999…
    assert "最低档" in error.value.messages[0]
    assert (Application.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.django_db
def test_large_amounts_go_one_level_higher(household, persona) -> None:  # noqa: ANN001
    file = household(wage="500", spouse="500")  # 12,000 a year
    at_threshold = submit(file, self_paid="12000")  # ratio 1.0 → 20,000 → cut to 12,000 paid: not above 20,000
    assert len(at_threshold.chain) == 2
    other = household(wage="500", spouse="500")
    above = submit(other, self_paid="24000")  # ratio 2.0 → 30,000 → cut to 24,000: above 20,000
    assert above.amount == D("24000.00")
    assert len(above.chain) == 3
    approved = approve_all(above, persona)
    assert approved.state == S.NOTICE
    assert [s.unit.code for s in approved.steps.filter(action="approve")] == ["610104001001", "610104001", "610104"]


@pytest.mark.django_db
def test_one_person_cannot_approve_two_steps(household, persona) -> None:  # noqa: ANN001
    application = submit(household(), self_paid="9000")
    beiyuanmen = persona("beiyuanmen")  # an official above may act for the grassroots step …
    application = services.decide_application(actor=beiyuanmen, application=application, decision="approve")
    with pytest.raises(ValidationError, match="同一人"):  # … but not then for the street's step too
        services.decide_application(actor=beiyuanmen, application=application, decision="approve")


@pytest.mark.django_db
def test_return_and_reject_need_a_reason_and_a_return_comes_back(household, persona) -> None:  # noqa: ANN001
    application = submit(household(), self_paid="9000")
    with pytest.raises(ValidationError):
        services.decide_application(actor=persona("meilihao"), application=application, decision="return")
    application = services.decide_application(actor=persona("meilihao"), application=application, decision="return",
                                              reason="请补充住院发票")
    assert application.state == S.RETURNED
    with pytest.raises(ValidationError):
        services.decide_application(actor=persona("meilihao"), application=application, decision="approve")
    application = services.resubmit_application(actor=_admin(), application=application, description="已补充发票",
                                                uploads=[SimpleUploadedFile("invoice.png", PNG, "image/png")])
    assert application.state == S.SUBMITTED
    assert application.current_unit.code == "610104001001"
    assert Attachment.objects.filter(owner_id=application.pk).count() == 1
    rejected = services.decide_application(actor=persona("meilihao"), application=application, decision="reject",
                                           reason="不属于突发事件")
    assert rejected.state == S.REJECTED
    assert list(rejected.steps.values_list("action", flat=True)) == ["submit", "return", "resubmit", "reject"]


@pytest.mark.django_db
def test_the_yearly_cap_holds_across_applications(household, persona) -> None:  # noqa: ANN001
    file = household(wage="500", spouse="500")  # 12,000 a year
    first = approve_all(submit(file, self_paid="40000"), persona)  # ratio 3.33 → 50,000 → cut to 40,000
    assert first.amount == D("40000.00")
    second = submit(file, self_paid="40000")  # 10,000 left of the 50,000 this year
    assert second.amount == D("10000.00")
    assert any("本年已领 40,000.00" in line for line in second.trace)
    third = submit(file, self_paid="40000")  # also priced at 10,000 while the second is undecided
    # The same facts in one household this year are a possible double claim: each passes only with a reason.
    for flag in DuplicateFlag.objects.filter(application__in=[second, third], kind="same_facts"):
        services.clear_duplicate_flag(actor=persona("beiyuanmen"), flag=flag, reason="另一次住院，发票不同")
    second = approve_all(second, persona)
    assert second.state == S.NOTICE
    with pytest.raises(ValidationError, match="封顶"):  # re-priced at approval: nothing left
        approve_all(third, persona)
    third.refresh_from_db()
    assert third.state == S.SUBMITTED


@pytest.mark.django_db
def test_each_yearly_cap_belongs_to_the_category_its_text_names(household, persona) -> None:  # noqa: ANN001
    """The seed: 5 万元/户/年 for sudden events, accidents and hospitalisation only; 'other' relief is not cut by it."""
    file = household(wage="500", spouse="500")
    approve_all(submit(file, self_paid="49000"), persona)  # acute: 49,000 of its 50,000
    other = submit(file, code="cq-temp-other", requested="2000")
    assert other.amount == D("2000.00")  # not cut by the acute category's cap
    assert other.cap_groups == []
    acute = submit(file, self_paid="300000")
    assert acute.amount == D("1000.00")  # the acute category's own room: 50,000 − 49,000
    assert acute.cap_groups == ["cq-temp-acute"]
    assert submit(household(wage="500", spouse="500"), code="cq-temp-outpatient", self_paid="2000"
                  ).cap_groups == ["cq-temp-outpatient"]  # its own 18 × 低保, not the acute 50,000


@pytest.mark.django_db
def test_other_hardship_is_a_lump_sum_per_event_not_once_in_a_life(household, persona) -> None:  # noqa: ANN001
    file = household()
    first = approve_all(submit(file, code="cq-temp-other", requested="1200"), persona)
    assert first.state == S.NOTICE
    again = submit(file, code="cq-temp-other", requested="500", description="另一次特殊困难")  # another event
    assert again.amount == D("500.00")
    capped = submit(file, code="cq-temp-other", requested="2000.01", description="第三次")
    assert capped.amount == D("2000.00")  # at most 2,000 a household for one event
    assert submit(file, code="cq-temp-other", requested="2000", description="第四次").amount == D("2000.00")


@pytest.mark.django_db
def test_approval_checks_the_budget_in_the_same_transaction(household, persona) -> None:  # noqa: ANN001
    application = submit(household(wage="500", spouse="500"), self_paid="12000")
    budget = services.budget_for(application.unit, application.version.policy, application.submitted_at.year)
    position = services.budget_position(budget)
    from gonghui.relief.models import Budget

    Budget.objects.filter(pk=budget.pk).update(allocated=position.allocated - position.left + D("11999.99"))
    application = services.decide_application(actor=persona("meilihao"), application=application, decision="approve")
    with pytest.raises(ValidationError, match="余额"):
        services.decide_application(actor=persona("beiyuanmen"), application=application, decision="approve")
    Budget.objects.filter(pk=budget.pk).update(allocated=position.allocated - position.left + D("12000"))
    approved = services.decide_application(actor=persona("beiyuanmen"), application=application, decision="approve")
    assert approved.budget_id == budget.pk
    budget.refresh_from_db()
    assert services.budget_position(budget).left == D("0.00")


@pytest.mark.django_db
def test_payment_waits_for_the_whole_notice_period(household, persona) -> None:  # noqa: ANN001
    with time_machine.travel("2026-06-10 09:00 +0800", tick=False):
        application = approve_all(submit(household(bank="6222020200112230001"), self_paid="9000"), persona)
        assert application.state == S.NOTICE
        assert application.notice_until == date(2026, 6, 15)  # 5 days from the day after approval
    with time_machine.travel("2026-06-15 18:00 +0800", tick=False), pytest.raises(ValidationError, match="公示期"):
        services.release_payment(actor=persona("beiyuanmen"), application=application)
    with time_machine.travel("2026-06-16 08:00 +0800", tick=False):
        entry = services.release_payment(actor=persona("beiyuanmen"), application=application)
    assert entry.amount == application.amount
    assert entry.state == PaymentEntry.State.PENDING
    application.refresh_from_db()
    assert application.state == S.RELEASED
    with pytest.raises(ValidationError):  # released once; a second release does not pay again
        services.release_payment(actor=persona("beiyuanmen"), application=application)
    assert PaymentEntry.objects.filter(purpose_ref=f"relief.application:{application.pk}").count() == 1


@pytest.mark.django_db
def test_objections_during_the_notice(household, persona) -> None:  # noqa: ANN001
    with time_machine.travel("2026-06-10 09:00 +0800", tick=False):
        application = approve_all(submit(household(), self_paid="9000"), persona)
    member = persona("worker1")
    with time_machine.travel("2026-06-15 20:00 +0800", tick=False):  # the last day of the notice
        objection = services.raise_objection(actor=member, application=application, text="其家庭另有收入")
    with time_machine.travel("2026-06-16 09:00 +0800", tick=False):
        with pytest.raises(ValidationError, match="公示期已结束"):
            services.raise_objection(actor=member, application=application, text="迟到的异议")
        with pytest.raises(ValidationError, match="未处理的公示异议"):
            services.release_payment(actor=persona("beiyuanmen"), application=application)
        services.resolve_objection(actor=persona("beiyuanmen"), objection=objection, upheld=True,
                                   resolution="经核实，其家庭另有经营收入")
    application.refresh_from_db()
    assert application.state == S.REJECTED


@pytest.mark.django_db
def test_possible_duplicates_are_flagged_not_merged(household) -> None:  # noqa: ANN001
    first = submit(household(), self_paid="9000", bank_account=BANK)
    second_file = household()
    second = submit(second_file, self_paid="9000", bank_account=BANK)
    flag = DuplicateFlag.objects.get(application=second, kind="shared_bank")
    assert first.person.name in flag.detail
    assert Application.objects.filter(pk__in=[first.pk, second.pk]).count() == 2


@pytest.mark.django_db
def test_attachments_are_checked_by_content_and_a_bad_one_writes_nothing(household) -> None:  # noqa: ANN001
    file = household()
    fake = SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    before = Application.objects.count()
    with pytest.raises(ValidationError, match="不是 PDF 或图片"):
        submit(file, self_paid="9000", uploads=[fake])
    assert Application.objects.count() == before
    pdf = SimpleUploadedFile("诊断证明.pdf", samples.pdf(), "application/pdf")
    application = submit(file, self_paid="9000", uploads=[pdf])
    stored = Attachment.objects.get(owner_type="relief.application", owner_id=application.pk)
    assert (stored.content_type, stored.name) == ("application/pdf", "诊断证明.pdf")


@pytest.mark.django_db
def test_an_exited_household_cannot_apply(household, persona) -> None:  # noqa: ANN001
    file = household()
    services.exit_file(actor=persona("beiyuanmen"), file=file, status="exited", reason="连续 6 个月收入高于低保")
    with pytest.raises(ValidationError, match="不在档"):
        submit(file, self_paid="9000")


@pytest.mark.django_db
def test_the_worker_applies_for_themselves_from_their_own_file(persona, client_for) -> None:  # noqa: ANN001
    from gonghui.relief.models import HardshipFile

    file = HardshipFile.objects.get(person__user__username="worker1")
    client = client_for("worker1")
    response = client.post("/relief/apply/", {"policy": policy("cq-temp-acute").pk, "self_paid": "8000",
                                              "bank_account": BANK, "description": "住院",
                                              "attachments": SimpleUploadedFile("a.png", PNG, "image/png")})
    application = Application.objects.get(file=file)
    assert response.status_code == 302 and response["Location"] == f"/relief/applications/{application.pk}/"
    assert application.channel == "self"
    page = client.get(response["Location"]).content.decode()
    assert str(application.amount) in page and "怎么算出来的" in page


@pytest.mark.django_db  # working days read the officials' calendar overrides
def test_deadline_of_the_notice_uses_calendar_days() -> None:
    from gonghui.core.deadlines import add_days

    assert add_days(date(2026, 2, 26), 5) == date(2026, 3, 3)
    # National Day 2026: 1–7 October off, Saturday 10 October an adjusted working day
    assert add_days(date(2026, 9, 30), 3, working=True) == date(2026, 10, 10)
    assert add_days(date(2026, 6, 12), 1, working=True) == date(2026, 6, 15)  # Friday → Monday
    assert add_days(date(2026, 6, 12), 0) == date(2026, 6, 12) + timedelta(days=0)


@pytest.mark.django_db
def test_each_reviewer_sees_what_waits_for_them(household, persona) -> None:  # noqa: ANN001
    from gonghui.relief import selectors

    application = submit(household(), self_paid="9000")
    assert application in selectors.application_list(persona("meilihao"), mine_to_decide=True)
    assert application in selectors.application_list(persona("beiyuanmen"), mine_to_decide=True)  # above it
    assert application not in selectors.application_list(persona("qingnianlu"), mine_to_decide=True)
    assert not selectors.application_list(persona("worker1"), mine_to_decide=True).exists()
    application = services.decide_application(actor=persona("meilihao"), application=application, decision="approve")
    assert application not in selectors.application_list(persona("meilihao"), mine_to_decide=True)
    assert application in selectors.application_list(persona("beiyuanmen"), mine_to_decide=True)


@pytest.mark.django_db
def test_statistics_count_days_from_application_to_the_banks_confirmation(household, persona, tmp_path) -> None:  # noqa: ANN001
    import io

    from gonghui.core import excel, ledger
    from gonghui.relief import selectors

    official = persona("beiyuanmen")
    with time_machine.travel("2026-05-01 09:00 +0800", tick=False):
        application = approve_all(submit(household(bank="6222020200112230002"), self_paid="9000"), persona)
    with time_machine.travel("2026-05-07 09:00 +0800", tick=False):
        entry = services.release_payment(actor=official, application=application)
        batch, _ = ledger.export_bank_file(actor=official, entries=PaymentEntry.objects.filter(pk=entry.pk),
                                           unit=application.unit.parent)
    buffer = io.BytesIO()
    excel.write_rows(ledger.BANK_RETURN, [{"batch": batch.number, "file_hash": batch.file_hash, "number": entry.number,
                                           "amount": entry.amount, "result": "paid"}], buffer)
    (tmp_path / "r.xlsx").write_bytes(buffer.getvalue())
    with time_machine.travel("2026-05-11 09:00 +0800", tick=False):
        ledger.import_bank_return(actor=official, batch=batch, path=tmp_path / "r.xlsx")
        ledger.confirm_bank_return(actor=persona("lianhu"), batch=batch)  # paid only once a second official confirms
    stats = selectors.statistics_for(official, 2026)
    # Ten days here; the demo's own paid application (same day) may share the year: [0, 10].
    assert stats["p90_days"] == 10.0
    assert stats["median_days"] in (5.0, 10.0)
    by_policy = {row["purpose_code"]: row["total"] for row in stats["by_policy"]}
    assert by_policy.get("cq-temp-acute", D("0")) >= application.amount


@pytest.mark.django_db
def test_a_reviewer_records_why_a_possible_duplicate_is_not_one(household, persona, client_for) -> None:  # noqa: ANN001
    submit(household(), self_paid="9000", bank_account=BANK)
    second = submit(household(), self_paid="9000", bank_account=BANK)
    flag = DuplicateFlag.objects.get(application=second)
    client = client_for("meilihao")
    client.post(f"/relief/applications/{second.pk}/duplicates/", {"flag": flag.pk, "reason": ""})
    flag.refresh_from_db()
    assert flag.cleared_by_id is None  # a reason is required
    client.post(f"/relief/applications/{second.pk}/duplicates/", {"flag": flag.pk, "reason": "夫妻共用一张卡，已核实"})
    flag.refresh_from_db()
    assert (flag.cleared_by.username, flag.cleared_reason) == ("meilihao", "夫妻共用一张卡，已核实")


@pytest.mark.django_db
def test_exactly_the_threshold_stays_with_two_levels(household) -> None:  # noqa: ANN001
    # 500 + 333.34 a month = 10,000.08 a year; tiers ≥ 2.00 pay 30,000, cut to the self-paid cost.
    at = submit(household(wage="500", spouse="333.34"), self_paid="20000")  # ratio 1.99998: 20,000
    above = submit(household(wage="500", spouse="333.34"), self_paid="20000.17")  # ratio 2.0000…: 20,000.17
    assert (at.amount, len(at.chain)) == (D("20000.00"), 2)
    assert (above.amount, len(above.chain)) == (D("20000.17"), 3)


@pytest.mark.django_db
def test_working_days_fall_back_to_monday_to_friday_beyond_the_official_calendar() -> None:
    from gonghui.core.deadlines import add_days, is_working_day

    # chinese-calendar knows only the years the State Council has published; 2100 is not one of them, so its
    # working days are weekdays that are not statutory holidays (元旦, Friday 1 January 2100, is one).
    assert not is_working_day(date(2100, 1, 1)) and not is_working_day(date(2100, 1, 2))  # 元旦, Saturday
    assert is_working_day(date(2100, 1, 4)) and is_working_day(date(2100, 1, 8))  # Monday, Friday
    assert add_days(date(2100, 1, 7), 1, working=True) == date(2100, 1, 8)
    assert add_days(date(2100, 1, 8), 1, working=True) == date(2100, 1, 11)  # Friday to the next Monday
