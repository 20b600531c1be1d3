"""Batch grants: preview, four-eyes approval, a locked batch, entries written as a task, nothing twice."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from gonghui.core.models import AccountVerification, Job, PaymentEntry
from gonghui.relief import services
from gonghui.relief.models import GrantBatch, HardshipFile, Policy

GRANT = "epidemic-grant-1000"


def grant() -> Policy:
    return Policy.objects.get(code=GRANT)


@pytest.mark.django_db
def test_a_batch_pays_every_household_on_file_once(persona, unit, run_queue, household) -> None:  # noqa: ANN001
    household(bank="6222020200112231001")
    unverified = household(bank="6222020200112231002", verified=False)
    exited = household(bank="6222020200112231003")
    services.exit_file(actor=persona("beiyuanmen"), file=exited, status="exited", reason="已就业")
    street = unit("610104001")
    # Households on file with a verified account on the person's file: no entry is written without one.
    verified = AccountVerification.objects.filter(revoked_at__isnull=True).values_list("person_id_ref", flat=True)
    on_file = HardshipFile.objects.filter(unit__path__startswith=street.path, status__in=HardshipFile.OPEN,
                                          person_id__in=verified)
    batch = services.preview_batch(actor=persona("beiyuanmen"), unit=street, policy=grant())
    assert batch.preview_count == on_file.count() > 0
    assert batch.preview_total == Decimal("1000") * batch.preview_count
    with pytest.raises(ValidationError, match="另一位工作人员"):
        services.approve_batch(actor=persona("beiyuanmen"), batch=batch)
    batch = run_queue(lambda: services.approve_batch(actor=persona("lianhu"), batch=batch))
    assert batch.locked_reason and batch.state == GrantBatch.State.RUNNING  # as returned, before the task ran
    batch.refresh_from_db()
    assert (batch.state, batch.created_count, batch.locked_reason) == (GrantBatch.State.DONE, on_file.count(), "")
    assert Job.objects.get(pk=batch.job_id).state == Job.State.DONE
    entries = PaymentEntry.objects.filter(purpose_code=GRANT)
    assert entries.count() == on_file.count()
    assert set(entries.values_list("payee_person_id", flat=True)) == set(on_file.values_list("person_id", flat=True))
    assert set(entries.values_list("amount", flat=True)) == {Decimal("1000.00")}
    assert not entries.filter(payee_person_id=exited.person_id).exists()
    assert not entries.filter(payee_person_id=unverified.person_id).exists()
    assert "" not in {e.bank_account for e in entries}
    # The same batch run again, and a second batch for the same grant: nothing more.
    assert services.write_grant_entries(batch) == 0  # resumes after its last chunk: nothing left
    GrantBatch.objects.filter(pk=batch.pk).update(done_through=0)  # as if the checkpoint were lost
    assert services.write_grant_entries(batch, chunk=2) == 0  # the rows themselves refuse a second payment
    second = services.preview_batch(actor=persona("beiyuanmen"), unit=street, policy=grant())
    assert second.preview_count == 0
    run_queue(lambda: services.approve_batch(actor=persona("lianhu"), batch=second))
    assert PaymentEntry.objects.filter(purpose_code=GRANT).count() == on_file.count()


@pytest.mark.django_db
def test_a_running_batch_is_locked(persona, unit) -> None:  # noqa: ANN001
    batch = services.preview_batch(actor=persona("beiyuanmen"), unit=unit("610104001"), policy=grant())
    services.approve_batch(actor=persona("lianhu"), batch=batch)  # the task is not run here: still running
    batch.refresh_from_db()
    assert batch.state == GrantBatch.State.RUNNING and "批准" in batch.locked_reason
    with pytest.raises(ValidationError, match="正在生成"):
        services.approve_batch(actor=persona("xian"), batch=batch)


@pytest.mark.django_db
def test_a_household_that_already_got_the_grant_in_an_application_is_not_paid_again(persona, unit, run_queue,
                                                                                  household) -> None:  # noqa: ANN001
    from gonghui.core import ledger

    file = household(bank="6222020200112237777")
    ledger.post_payment(actor=persona("beiyuanmen"), key=f"grant:{GRANT}:{file.person_id}", payee_person_id=file.person_id,
                        payee_name=file.person.name, bank_account=file.person.bank_account, amount=Decimal("1000"),
                        purpose_code=GRANT, unit=file.unit)
    batch = services.preview_batch(actor=persona("beiyuanmen"), unit=unit("610104001"), policy=grant())
    run_queue(lambda: services.approve_batch(actor=persona("lianhu"), batch=batch))
    assert PaymentEntry.objects.filter(purpose_code=GRANT, payee_person_id=file.person_id).count() == 1


@pytest.mark.django_db
def test_only_fixed_amount_policies_can_be_batched(persona, unit) -> None:  # noqa: ANN001
    with pytest.raises(ValidationError, match="固定金额"):
        services.preview_batch(actor=persona("beiyuanmen"), unit=unit("610104001"),
                               policy=Policy.objects.get(code="cq-temp-acute"))


@pytest.mark.django_db
def test_spouses_with_files_of_their_own_get_a_once_per_household_grant_once(persona, unit, run_queue,
                                                                           household) -> None:  # noqa: ANN001
    from gonghui.relief.models import HouseholdMember

    his = household(bank="6222020200112235551")
    hers = household(bank="6222020200112235552")
    # His file lists her (by her ID number) as his spouse: one household, two files.
    HouseholdMember.objects.filter(file=his, relation="配偶").update(id_hash=hers.person.id_hash)
    stranger = household(bank="6222020200112235553")
    street = unit("610104001")
    alone = services.preview_batch(actor=persona("beiyuanmen"), unit=street, policy=grant())
    HouseholdMember.objects.filter(file=his, relation="配偶").update(id_hash="")
    apart = services.preview_batch(actor=persona("beiyuanmen"), unit=street, policy=grant())
    assert alone.preview_count == apart.preview_count - 1  # the household is counted once
    HouseholdMember.objects.filter(file=his, relation="配偶").update(id_hash=hers.person.id_hash)
    run_queue(lambda: services.approve_batch(actor=persona("lianhu"), batch=alone))
    paid = set(PaymentEntry.objects.filter(purpose_code=GRANT).values_list("payee_person_id", flat=True))
    assert his.person_id in paid and hers.person_id not in paid  # the household's first file only
    assert stranger.person_id in paid
    assert len(paid) == alone.preview_count


@pytest.mark.django_db
def test_a_household_paid_through_one_file_is_not_paid_again_through_the_other(persona, unit, run_queue,
                                                                             household) -> None:  # noqa: ANN001
    from gonghui.core import ledger
    from gonghui.relief.models import HouseholdMember

    his = household(bank="6222020200112236661")
    hers = household(bank="6222020200112236662")
    # Her file lists him as her spouse; the grant was paid to him before (an application).
    HouseholdMember.objects.filter(file=hers, relation="配偶").update(id_hash=his.person.id_hash)
    ledger.post_payment(actor=persona("beiyuanmen"), key=f"grant:{GRANT}:{his.person_id}", payee_person_id=his.person_id,
                        payee_name=his.person.name, bank_account=his.person.bank_account, amount=Decimal("1000"),
                        purpose_code=GRANT, unit=his.unit)
    batch = services.preview_batch(actor=persona("beiyuanmen"), unit=unit("610104001"), policy=grant())
    batch = run_queue(lambda: services.approve_batch(actor=persona("lianhu"), batch=batch))
    assert not PaymentEntry.objects.filter(purpose_code=GRANT, payee_person_id=hers.person_id).exists()
    assert PaymentEntry.objects.filter(purpose_code=GRANT).count() == 1 + batch.preview_count
    assert batch.preview_count > 0  # the other households of the street are paid
