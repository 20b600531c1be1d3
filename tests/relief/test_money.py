"""Money moves only as approved (issue 19), each rule written as the attack it stops.

- Budgets count every batch that draws on them, whatever unit created it; only fund rights create batches.
- A payment goes only to the account on the payee's file that the union verified; re-routing a payment or a
  submitted application needs a second official and tells the payee.
- No one decides on an application they are tied to (applicant, beneficiary, household member, recorder).
- The same expense claimed twice is flagged and passes only with a recorded reason.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from gonghui.core import ledger, sms
from gonghui.core.deadlines import local_date
from gonghui.core.models import AccountChange, PaymentEntry
from gonghui.orgs import services as orgs_services
from gonghui.orgs.models import Person, Role, User
from gonghui.relief import services
from gonghui.relief.models import Application, Budget, DuplicateFlag, GrantBatch, HouseholdMember, Policy
from tests import samples

D = Decimal
S = Application.State
GRANT = "epidemic-grant-1000"
PNG = samples.png()
OTHER_PNG = samples.image(size=(9, 9))


def policy(code: str) -> Policy:
    return Policy.objects.get(code=code)


def submit(file, *, actor=None, channel="official", code="cq-temp-acute", bank="", **facts):  # noqa: ANN001, ANN003, ANN201
    actor = actor or User.objects.get(username="admin")
    return services.submit_application(actor=actor, file=file, policy=policy(code), channel=channel,
                                       bank_account=bank or file.person.bank_account or "6222020200119999000",
                                       **({"self_paid": "9000"} | facts))


def approve_all(application, persona):  # noqa: ANN001, ANN201
    deciders = {"610104001001": "meilihao", "610104001": "beiyuanmen", "610104": "lianhu"}
    while application.state == S.SUBMITTED:
        application = services.decide_application(actor=persona(deciders[application.current_unit.code]),
                                                  application=application, decision="approve", reason="同意")
    return application


def official_at(persona, unit, code: str, username: str, role: str = Role.OFFICIAL) -> User:  # noqa: ANN001
    return orgs_services.create_account(actor=persona("admin"), username=username, display_name=username, role=role,
                                        unit=unit(code))


def on_file(persona, person: Person, account: str, *, verify: bool = True) -> Person:  # noqa: ANN001
    """Record `account` on the person's file (and have the district verify it, as the union does)."""
    person = orgs_services.update_person(actor=persona("admin"), person=person, bank_account=account,
                                         phone="13912340000")
    if verify:
        services.verify_payee_account(actor=persona("lianhu"), person=person, how="本人持卡到场核对")
    return person


def texts_to(phone: str) -> list[str]:
    return [m.text for m in sms.outbox if m.phone == phone]


# --- budgets and fund rights ---

@pytest.mark.django_db
def test_a_batch_created_below_the_budget_holder_counts_against_it(persona, unit, household, run_queue,
                                                                     client_for) -> None:  # noqa: ANN001
    year = local_date(timezone.now()).year
    street_budget = Budget.objects.get(unit=unit("610104001"), policy=policy(GRANT), year=year)
    grassroots = unit("610104001001")
    household(code="610104001001", bank="6222020200113330001")
    left_out = household(code="610104001001")  # no account on file: not in the batch, applies on its own below
    cadre = official_at(persona, unit, "610104001001", "jicengganbu")
    batch = services.preview_batch(actor=cadre, unit=grassroots, policy=policy(GRANT))
    assert batch.budget_id == street_budget.pk  # the one function: the nearest budget at or above the unit
    assert batch.preview_count >= 1
    before = services.budget_position(street_budget)
    run_queue(lambda: services.approve_batch(actor=persona("beiyuanmen"), batch=batch))
    batch.refresh_from_db()
    assert batch.state == GrantBatch.State.DONE
    after = services.budget_position(street_budget)
    assert after.left == before.left - batch.preview_total  # the grassroots batch is the street's money
    # Leave 500 yuan: a 1,000-yuan grant approved at the street must now be refused, and the page shows 500.
    Budget.objects.filter(pk=street_budget.pk).update(allocated=street_budget.allocated - after.left + D("500"))
    page = client_for("beiyuanmen").get(f"/relief/budgets/?year={year}").content.decode()
    row = re.search(rf'id="budget-{street_budget.pk}-".*?</tr>', page, re.S).group(0)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", row)[-1] == "500.00"
    application = submit(left_out, code=GRANT, bank="6222020200113330002")
    with pytest.raises(ValidationError, match="余额 500.00 元，不足以支付 1000.00 元"):
        services.decide_application(actor=persona("beiyuanmen"), application=application, decision="approve")


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["shegong", "meilihao", "tiaojie"])
def test_a_role_without_fund_rights_cannot_create_a_batch(persona, unit, client_for, username) -> None:  # noqa: ANN001
    grant = policy(GRANT)
    before = GrantBatch.objects.count()
    page = client_for(username).post("/relief/batches/new/", {"policy": grant.pk})
    assert page.status_code == 404
    own_unit = persona(username).active_roles()[0].unit
    api = client_for(username).post("/api/v1/relief/batches", {"policy": GRANT, "unit_id": own_unit.pk},
                                    content_type="application/json")
    assert api.status_code == 404
    with pytest.raises(PermissionDenied):
        services.preview_batch(actor=persona(username), unit=own_unit, policy=grant)
    assert GrantBatch.objects.count() == before
    # The official of the same street may, by page and by API; never for a sibling street.
    assert client_for("beiyuanmen").post("/relief/batches/new/", {"policy": grant.pk}).status_code == 302
    ok = client_for("beiyuanmen").post("/api/v1/relief/batches", {"policy": GRANT, "unit_id": unit("610104001").pk},
                                       content_type="application/json")
    assert ok.status_code == 200 and ok.json()["unit_id"] == unit("610104001").pk
    sibling = client_for("beiyuanmen").post("/api/v1/relief/batches", {"policy": GRANT,
                                                                        "unit_id": unit("610104002").pk},
                                            content_type="application/json")
    assert sibling.status_code == 404
    assert GrantBatch.objects.count() == before + 2


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["shegong", "meilihao"])
def test_a_role_without_fund_rights_cannot_move_a_budget(persona, unit, client_for, username) -> None:  # noqa: ANN001
    year = local_date(timezone.now()).year
    budgets = Budget.objects.filter(policy=policy(GRANT), year=year)
    before = dict(budgets.values_list("pk", "allocated"))
    response = client_for(username).post(f"/relief/budgets/?year={year}", {
        "policy": policy(GRANT).pk, "kind": "transfer_out", "amount": "100", "to_unit": unit("610104001001").pk})
    assert response.status_code == 404
    assert dict(budgets.values_list("pk", "allocated")) == before


@pytest.mark.django_db
def test_a_role_without_fund_rights_cannot_approve_a_batch(persona, unit) -> None:  # noqa: ANN001
    batch = services.preview_batch(actor=persona("beiyuanmen"), unit=unit("610104001"), policy=policy(GRANT))
    for username in ("shegong", "meilihao"):
        with pytest.raises(PermissionDenied):
            services.approve_batch(actor=persona(username), batch=batch)
    assert GrantBatch.objects.get(pk=batch.pk).state == GrantBatch.State.DRAFT


# --- payee accounts ---

@pytest.mark.django_db
def test_a_payment_to_an_account_not_on_the_file_is_refused(household, persona) -> None:  # noqa: ANN001
    file = household(bank="6222020200114440001")
    application = approve_all(submit(file, bank="6222020200114449999"), persona)  # the applicant typed their own card
    Application.objects.filter(pk=application.pk).update(notice_until=None, state=S.APPROVED)
    with pytest.raises(ValidationError, match="不是 .* 档案中登记的账号"):
        services.release_payment(actor=persona("beiyuanmen"), application=application)
    assert not PaymentEntry.objects.filter(purpose_ref=f"relief.application:{application.pk}").exists()


@pytest.mark.django_db
def test_a_payment_to_an_account_not_verified_is_refused(household, persona) -> None:  # noqa: ANN001
    file = household(bank="6222020200114440002", verified=False)
    application = approve_all(submit(file), persona)
    Application.objects.filter(pk=application.pk).update(notice_until=None, state=S.APPROVED)
    with pytest.raises(ValidationError, match="尚未经工会核实"):
        services.release_payment(actor=persona("beiyuanmen"), application=application)
    assert not PaymentEntry.objects.filter(purpose_ref=f"relief.application:{application.pk}").exists()
    services.verify_payee_account(actor=persona("lianhu"), person=file.person, how="银行出具账户证明")
    entry = services.release_payment(actor=persona("beiyuanmen"), application=application)
    assert entry.bank_account == "6222020200114440002"


@pytest.mark.django_db
def test_no_one_verifies_their_own_account(household, persona, unit) -> None:  # noqa: ANN001
    insider = official_at(persona, unit, "610104001", "zijiheshi")
    file = household(bank="6222020200114440003", verified=False)
    Person.objects.filter(pk=file.person_id).update(user=insider)
    file.person.refresh_from_db()
    with pytest.raises(ValidationError, match="不能核实自己的"):
        services.verify_payee_account(actor=insider, person=file.person, how="本人")
    assert not ledger.is_verified(file.person_id, file.person.bank_account)


@pytest.mark.django_db
def test_one_official_alone_cannot_reroute_a_submitted_application(household, persona,
                                                                     django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    file = household(bank="6222020200115550001")
    person = on_file(persona, file.person, "6222020200115550001")
    application = approve_all(submit(file), persona)
    Application.objects.filter(pk=application.pk).update(notice_until=None, state=S.APPROVED)
    new = "6217000015555000199"
    with django_capture_on_commit_callbacks(execute=True):
        change = services.request_application_account_change(actor=persona("beiyuanmen"), application=application,
                                                             account=new, reason="本人说换了卡")
    assert any("收款账号改为 ****0199" in t for t in texts_to("13912340000"))  # the payee hears of it at once
    application.refresh_from_db()
    assert application.bank_account == "6222020200115550001"  # nothing moved yet
    with pytest.raises(ValidationError, match="等待复核"):  # and nothing is paid while the change waits
        services.release_payment(actor=persona("lianhu"), application=application)
    with pytest.raises(ValidationError, match="另一位工作人员"):
        services.decide_account_change(actor=persona("beiyuanmen"), change=change, approve=True)
    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds the rule too
        AccountChange.objects.filter(pk=change.pk).update(decided_by=persona("beiyuanmen"))
    with pytest.raises(ValidationError, match="尚未登记在收款人档案中并经工会核实"):
        services.decide_account_change(actor=persona("lianhu"), change=change, approve=True)
    on_file(persona, person, new)
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_account_change(actor=persona("lianhu"), change=change, approve=True)
    application.refresh_from_db()
    assert application.bank_account == new
    assert application.steps.filter(action="account").count() == 2
    assert any("已变更为 ****0199" in t for t in texts_to("13912340000"))
    entry = services.release_payment(actor=persona("lianhu"), application=application)
    assert entry.bank_account == new


@pytest.mark.django_db
@pytest.mark.parametrize("state", [PaymentEntry.State.PENDING, PaymentEntry.State.FAILED])
def test_one_official_alone_cannot_reroute_a_pending_or_failed_payment(household, persona, state,
                                                                         django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    file = household(bank="6222020200116660001")
    person = on_file(persona, file.person, "6222020200116660001")
    application = approve_all(submit(file), persona)
    Application.objects.filter(pk=application.pk).update(notice_until=None, state=S.APPROVED)
    entry = services.release_payment(actor=persona("beiyuanmen"), application=application)
    PaymentEntry.objects.filter(pk=entry.pk).update(state=state)
    entry.refresh_from_db()
    new = "6217000016666000277"
    on_file(persona, person, new)
    with django_capture_on_commit_callbacks(execute=True):
        change = services.request_payment_account_change(actor=persona("beiyuanmen"), entry=entry, account=new,
                                                         reason="原卡已挂失")
    assert any(entry.number in t and "****0277" in t for t in texts_to("13912340000"))
    entry.refresh_from_db()
    assert (entry.state, entry.bank_account) == (state, "6222020200116660001")
    with pytest.raises(ValidationError, match="另一位工作人员"):
        services.decide_account_change(actor=persona("beiyuanmen"), change=change, approve=True)
    with pytest.raises(ValidationError, match="等待复核"):  # one request at a time
        services.request_payment_account_change(actor=persona("lianhu"), entry=entry, account=new, reason="再来")
    assert PaymentEntry.objects.filter(purpose_ref=f"relief.application:{application.pk}").count() == 1
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        rerouted = services.decide_account_change(actor=persona("lianhu"), change=change, approve=True)
    entry.refresh_from_db()
    assert entry.state == PaymentEntry.State.REVERSED
    assert (rerouted.state, rerouted.bank_account, rerouted.amount) == (PaymentEntry.State.PENDING, new, entry.amount)
    application.refresh_from_db()
    assert application.payment_key == rerouted.idempotency_key
    assert any("已变更为 ****0277" in t for t in texts_to("13912340000"))


@pytest.mark.django_db
def test_an_exported_or_paid_payment_cannot_be_rerouted(household, persona) -> None:  # noqa: ANN001
    file = household(bank="6222020200116660002")
    application = approve_all(submit(file), persona)
    Application.objects.filter(pk=application.pk).update(notice_until=None, state=S.APPROVED)
    entry = services.release_payment(actor=persona("beiyuanmen"), application=application)
    for state in (PaymentEntry.State.EXPORTED, PaymentEntry.State.PAID):
        PaymentEntry.objects.filter(pk=entry.pk).update(state=state)
        entry.refresh_from_db()
        with pytest.raises(ValidationError, match="待支付或支付失败"):
            services.request_payment_account_change(actor=persona("beiyuanmen"), entry=entry,
                                                    account="6217000016666000288", reason="换卡")


@pytest.mark.django_db
def test_the_retry_page_pays_only_the_same_account(household, persona, client_for) -> None:  # noqa: ANN001
    file = household(bank="6222020200116660003")
    application = approve_all(submit(file), persona)
    Application.objects.filter(pk=application.pk).update(notice_until=None, state=S.APPROVED)
    entry = services.release_payment(actor=persona("beiyuanmen"), application=application)
    PaymentEntry.objects.filter(pk=entry.pk).update(state=PaymentEntry.State.FAILED)
    client = client_for("beiyuanmen")
    client.post(f"/payments/{entry.pk}/act/", {"action": "reroute", "bank_account": "6217000016666000299",
                                               "reason": "换卡"})
    client.post(f"/payments/{entry.pk}/act/", {"action": "retry", "bank_account": "6217000016666000299"})
    entries = PaymentEntry.objects.filter(payee_person_id=file.person_id)
    # The new card waits for review, and no retry slips past it while it waits.
    assert [(e.state, e.bank_account) for e in entries] == [(PaymentEntry.State.FAILED, "6222020200116660003")]
    change = AccountChange.objects.get(target=f"ledger.entry:{entry.pk}")
    assert change.state == AccountChange.State.PENDING
    page = client_for("lianhu").get("/payments/").content.decode()
    assert f"account-change-{change.pk}-" in page
    client.post(f"/payments/account-changes/{change.pk}/", {"decision": "approve"})
    assert AccountChange.objects.get(pk=change.pk).state == AccountChange.State.PENDING  # its own request
    client_for("lianhu").post(f"/payments/account-changes/{change.pk}/", {"decision": "refuse", "note": "未见本人"})
    assert AccountChange.objects.get(pk=change.pk).state == AccountChange.State.REFUSED
    client.post(f"/payments/{entry.pk}/act/", {"action": "retry"})  # refused: now the same card is retried
    assert set(entries.values_list("bank_account", flat=True)) == {"6222020200116660003"}
    assert entries.filter(state=PaymentEntry.State.PENDING).count() == 1


# --- conflicts of interest ---

@pytest.mark.django_db
@pytest.mark.parametrize("relation", ["applicant", "beneficiary", "household_member", "recorder"])
def test_no_one_approves_an_application_they_are_tied_to(household, persona, unit, relation) -> None:  # noqa: ANN001
    insider = official_at(persona, unit, "610104001", "neibu")
    file = household()
    if relation == "applicant":
        application = submit(file, actor=insider, channel="self")
    elif relation == "beneficiary":
        Person.objects.filter(pk=file.person_id).update(user=insider)
        application = submit(file)
    elif relation == "household_member":
        relative = Person.objects.filter(user__isnull=True, hardship_files__isnull=True).exclude(
            pk=file.person_id).first()
        Person.objects.filter(pk=relative.pk).update(user=insider)
        HouseholdMember.objects.create(file=file, person=relative, name=relative.name, relation="子女", age=25)
        application = submit(file)
    else:
        application = submit(file, actor=insider, channel="official")
    expected = {"applicant": "申请人", "beneficiary": "受益人", "household_member": "家庭的成员", "recorder": "代录人"}
    for decision in ("approve", "return", "reject"):
        with pytest.raises(ValidationError, match=expected[relation]):
            services.decide_application(actor=insider, application=application, decision=decision, reason="同意")
    application.refresh_from_db()
    assert (application.state, application.step) == (S.SUBMITTED, 0)
    # Anyone not tied to it decides as usual; the insider decides others' applications as usual.
    approved = services.decide_application(actor=persona("meilihao"), application=application, decision="approve")
    assert approved.step == 1
    other = submit(household())
    assert services.decide_application(actor=insider, application=other, decision="approve").step == 1


# --- the same expense claimed twice ---

@pytest.mark.django_db
def test_the_same_attachment_in_two_applications_is_flagged_and_needs_a_reason(household, persona) -> None:  # noqa: ANN001
    first = submit(household(), uploads=[SimpleUploadedFile("invoice.png", PNG, "image/png")])
    other = submit(household(), uploads=[SimpleUploadedFile("other.png", OTHER_PNG, "image/png")])
    second = submit(household(), uploads=[SimpleUploadedFile("copy.png", PNG, "image/png")])
    assert not first.duplicate_flags.filter(kind="same_attachment").exists()
    assert not other.duplicate_flags.filter(kind="same_attachment").exists()  # other bytes: no flag
    flag = second.duplicate_flags.get(kind="same_attachment")
    assert first.number in flag.detail
    with pytest.raises(ValidationError, match="疑似重复申领"):
        services.decide_application(actor=persona("meilihao"), application=second, decision="approve")
    with pytest.raises(ValidationError):
        services.clear_duplicate_flag(actor=persona("beiyuanmen"), flag=flag, reason="  ")
    services.clear_duplicate_flag(actor=persona("beiyuanmen"), flag=flag, reason="同一张检查单，费用不重复，已核实")
    flag.refresh_from_db()
    assert flag.cleared_reason.startswith("同一张检查单") and flag.cleared_by == persona("beiyuanmen")
    assert services.decide_application(actor=persona("meilihao"), application=second, decision="approve").step == 1


@pytest.mark.django_db
def test_the_same_facts_in_one_household_within_the_cap_period_are_flagged(household, persona) -> None:  # noqa: ANN001
    with time_machine.travel("2026-03-01 09:00 +0800", tick=False):
        file = household(wage="500", spouse="500")
        first = submit(file, self_paid="9000")
        different = submit(file, self_paid="9100")
        again = submit(file, self_paid="9000")
    assert not first.duplicate_flags.filter(kind="same_facts").exists()
    assert not different.duplicate_flags.filter(kind="same_facts").exists()
    flag = again.duplicate_flags.get(kind="same_facts")
    with pytest.raises(ValidationError, match="疑似重复申领"):
        services.decide_application(actor=persona("meilihao"), application=again, decision="approve")
    services.clear_duplicate_flag(actor=persona("beiyuanmen"), flag=flag, reason="两次住院，发票不同")
    assert services.decide_application(actor=persona("meilihao"), application=again, decision="approve").step == 1
    # Outside the cap period (the next calendar year) the same facts are a new claim.
    services.decide_application(actor=persona("meilihao"), application=first, decision="reject", reason="不符")
    with time_machine.travel("2027-01-02 09:00 +0800", tick=False):
        next_year = submit(file, self_paid="9100")
    assert not next_year.duplicate_flags.filter(kind="same_facts").exists()


@pytest.mark.django_db
def test_no_one_clears_a_double_claim_flag_on_their_own_application(household, persona, unit) -> None:  # noqa: ANN001
    insider = official_at(persona, unit, "610104001", "neibu2")
    file = household()
    submit(file, self_paid="9000")
    again = submit(file, actor=insider, self_paid="9000")
    flag = again.duplicate_flags.get(kind="same_facts")
    with pytest.raises(ValidationError, match="代录人"):
        services.clear_duplicate_flag(actor=insider, flag=flag, reason="没问题")
    assert DuplicateFlag.objects.get(pk=flag.pk).cleared_by_id is None


@pytest.mark.django_db
def test_the_apply_page_tells_the_worker_a_new_card_is_paid_only_once_the_union_verified_it(client_for) -> None:  # noqa: ANN001
    client = client_for("worker1")
    page = client.get("/relief/apply/").content.decode()
    assert "救助金只付到档案中登记、并经工会核实属于本人的卡号" in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/relief/apply/"})
    english = client.get("/relief/apply/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "verified by the union as yours" in english
