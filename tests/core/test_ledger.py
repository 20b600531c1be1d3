"""The payments ledger: idempotent, append-only, reversals, the bank file round trip, reconciliation."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction

from gonghui.core import excel, ledger
from gonghui.core.models import AppendOnlyError, BankBatch, PaymentEntry

D = Decimal
State = PaymentEntry.State


@pytest.fixture
def street(unit):  # noqa: ANN001, ANN201
    return unit("610104002")


ACCOUNT = "6222020200112233445"


def file_id(n: int) -> int:
    """The n-th person's file of the demo registry: the ledger pays a person on file (a real reference)."""
    from gonghui.orgs.models import Person

    return Person.objects.order_by("id").values_list("id", flat=True)[n]


def verified(person: int, account: str = ACCOUNT) -> None:
    """The union confirmed the account is the payee's: without it the ledger pays nothing."""
    from gonghui.orgs.models import User

    ledger.verify_account(actor=User.objects.get(username="lianhu"), person_id=file_id(person), account=account,
                          how="本人持卡到场核对", unit_path="")


def pay(street, key: str, amount: str = "1000", person: int = 1, actor=None):  # noqa: ANN001, ANN201
    verified(person)
    entry, _created = ledger.post_payment(actor=actor, key=key, payee_person_id=file_id(person), payee_name="张三",
                                          bank_account=ACCOUNT, amount=D(amount),
                                          purpose_code="test-grant", unit=street)
    return entry


def return_file(tmp_path: Path, rows: list[dict], batch: BankBatch | None = None, name: str = "return.xlsx") -> Path:
    """The bank's answer; with `batch`, every row quotes that batch's number and export hash (as a bank does)."""
    if batch is not None:
        batch.refresh_from_db()
        rows = [{"batch": batch.number, "file_hash": batch.file_hash, **row} for row in rows]
    buffer = io.BytesIO()
    excel.write_rows(ledger.BANK_RETURN, rows, buffer)
    path = tmp_path / name
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.django_db
def test_the_same_key_pays_once(street) -> None:  # noqa: ANN001
    first = pay(street, "k1")
    again, created = ledger.post_payment(actor=None, key="k1", payee_person_id=file_id(1), payee_name="张三", bank_account=ACCOUNT,
                                         amount=D("1000.00"), purpose_code="test-grant", unit=street)
    assert (again.pk, created) == (first.pk, False)
    with pytest.raises(ledger.LedgerError, match="幂等键"):
        pay(street, "k1", amount="999")
    assert PaymentEntry.objects.filter(idempotency_key="k1").count() == 1


@pytest.mark.django_db
def test_the_bank_account_is_sealed_at_rest(street) -> None:  # noqa: ANN001
    entry = pay(street, "k-sealed")
    with connection.cursor() as cursor:
        cursor.execute("SELECT bank_account FROM core_paymententry WHERE id = %s", [entry.pk])
        stored = cursor.fetchone()[0]
    assert "6222020200112233445" not in stored and stored.startswith("v1:")
    assert ledger.masked_account(entry) == "****3445"


@pytest.mark.django_db
def test_money_fields_cannot_be_edited_or_deleted_even_in_sql(street) -> None:  # noqa: ANN001
    entry = pay(street, "k-fixed")
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        PaymentEntry.objects.filter(pk=entry.pk).delete()
    for statement in ("UPDATE core_paymententry SET amount = 1 WHERE id = %s",
                      "UPDATE core_paymententry SET idempotency_key = 'other' WHERE id = %s",
                      "DELETE FROM core_paymententry WHERE id = %s"):
        with pytest.raises(Exception), transaction.atomic(), connection.cursor() as cursor:  # noqa: B017, PT011
            cursor.execute(statement, [entry.pk])
    PaymentEntry.objects.filter(pk=entry.pk).update(state=State.EXPORTED)  # the state may move
    entry.refresh_from_db()
    assert (entry.amount, entry.state) == (D("1000.00"), State.EXPORTED)


@pytest.mark.django_db
def test_a_zero_or_positive_reversal_is_refused_by_the_database(street) -> None:  # noqa: ANN001
    entry = pay(street, "k-check")
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentEntry.objects.create(idempotency_key="bad", payee_person_id=file_id(1), payee_name="x", amount=D("5"),
                                    purpose_code="x", unit_id_ref=street.pk, unit_path=street.path,
                                    period=entry.period, reverses=entry)


@pytest.mark.django_db
def test_reversal_and_reconciliation(street, persona, tmp_path) -> None:  # noqa: ANN001
    official = persona("qingnianlu")
    entries = [pay(street, f"k{i}", amount=a, person=i, actor=official) for i, a in enumerate(["100", "200", "300"])]
    batch, content = ledger.export_bank_file(actor=official, entries=PaymentEntry.objects.filter(
        pk__in=[e.pk for e in entries]), unit=street)
    assert (batch.entry_count, batch.total) == (3, D("600.00"))
    with pytest.raises(ledger.LedgerError, match="已报送银行"):
        ledger.reverse_entry(actor=official, entry=entries[0], reason="错发")
    path = return_file(tmp_path, [{"number": e.number, "amount": e.amount, "result": "paid"} for e in entries], batch)
    result = ledger.import_bank_return(actor=official, batch=batch, path=path)
    assert (result.paid, result.failed, result.problems) == (3, 0, [])
    ledger.confirm_bank_return(actor=persona("xian"), batch=batch)
    reversal = ledger.reverse_entry(actor=official, entry=entries[1], reason="重复发放，已追回")
    assert reversal.amount == D("-200.00") and reversal.reverses_id == entries[1].pk
    with pytest.raises(ledger.LedgerError, match="已经冲正"):
        ledger.reverse_entry(actor=official, entry=entries[1], reason="again")
    totals = ledger.totals(PaymentEntry.objects.filter(unit_path=street.path), "purpose_code")
    assert totals == [{"purpose_code": "test-grant", "paid": D("400.00"), "in_flight": D("0.00"), "payments": 3}]
    by_month = ledger.totals(PaymentEntry.objects.filter(unit_path=street.path), "month")
    assert sum(row["paid"] for row in by_month) == D("400.00")
    assert PaymentEntry.objects.filter(unit_path=street.path).count() == 4  # nothing edited away


@pytest.mark.django_db
def test_the_bank_return_file_marks_failed_rows_and_they_go_back(street, persona, tmp_path) -> None:  # noqa: ANN001
    official = persona("qingnianlu")
    entries = [pay(street, f"r{i}", amount="500", person=i) for i in range(3)]
    batch, content = ledger.export_bank_file(actor=official, entries=PaymentEntry.objects.filter(
        idempotency_key__startswith="r"), unit=street)
    exported = [row.values for row in excel.read(_save(tmp_path, content), ledger.BANK_FILE)]
    assert [r["number"] for r in exported] == [e.number for e in entries]
    assert exported[0]["account"] == "6222020200112233445"  # the bank needs the full account
    rows = [{"number": entries[0].number, "amount": "500.00", "result": "paid"},
            {"number": entries[1].number, "amount": "500.00", "result": "failed", "reason": "户名与账号不符"},
            {"number": entries[2].number, "amount": "500.00", "result": "paid"}]
    result = ledger.import_bank_return(actor=official, batch=batch, path=return_file(tmp_path, rows, batch))
    assert (result.paid, result.failed, result.problems) == (2, 1, [])
    assert set(PaymentEntry.objects.filter(batch=batch).values_list("state", flat=True)) == {State.EXPORTED}
    ledger.confirm_bank_return(actor=persona("xian"), batch=batch)
    failed = PaymentEntry.objects.get(pk=entries[1].pk)
    assert (failed.state, failed.failure_reason) == (State.FAILED, "户名与账号不符")
    assert BankBatch.objects.get(pk=batch.pk).failed_count == 1
    again = ledger.retry_failed(actor=official, entry=failed, reason="银行系统故障，原账号重发")
    assert again.state == State.PENDING and again.amount == D("500.00") and again.bank_account == ACCOUNT
    failed.refresh_from_db()
    assert failed.state == State.REVERSED
    totals = ledger.totals(PaymentEntry.objects.filter(purpose_code="test-grant"), "purpose_code")[0]
    assert (totals["paid"], totals["in_flight"]) == (D("1000.00"), D("500.00"))  # two paid; the retry pending


@pytest.mark.django_db
def test_a_bad_return_file_changes_nothing(street, persona, tmp_path) -> None:  # noqa: ANN001
    official = persona("qingnianlu")
    entries = [pay(street, f"b{i}", amount="500", person=i) for i in range(2)]
    batch, _ = ledger.export_bank_file(actor=official, entries=PaymentEntry.objects.filter(
        idempotency_key__startswith="b"), unit=street)
    rows = [{"number": entries[0].number, "amount": "500.00", "result": "paid"},
            {"number": entries[1].number, "amount": "499.00", "result": "paid"},
            {"number": "P99999999", "amount": "1.00", "result": "paid"},
            {"number": entries[0].number, "amount": "500.00", "result": "failed"}]
    result = ledger.import_bank_return(actor=official, batch=batch, path=return_file(tmp_path, rows, batch))
    reasons = " ".join(p["reason"] for p in result.problems)
    assert "不符" in reasons and "不是本批次" in reasons and "重复" in reasons
    assert set(PaymentEntry.objects.filter(batch=batch).values_list("state", flat=True)) == {State.EXPORTED}
    assert BankBatch.objects.get(pk=batch.pk).state == BankBatch.State.EXPORTED


def _save(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "bank.xlsx"
    path.write_bytes(content)
    return path


# --- the attacks: money to an account nobody verified; a return file that is not the one exported ---

@pytest.mark.django_db
def test_no_entry_without_an_account(street) -> None:  # noqa: ANN001
    before = PaymentEntry.objects.count()
    with pytest.raises(ledger.LedgerError, match="没有登记收款账号"):
        ledger.post_payment(actor=None, key="no-account", payee_person_id=file_id(1), payee_name="张三", bank_account="",
                            amount=D("100"), purpose_code="test-grant", unit=street)
    assert PaymentEntry.objects.count() == before


@pytest.mark.django_db
def test_an_account_not_verified_as_the_payees_is_refused(street, persona) -> None:  # noqa: ANN001
    verified(1)
    before = PaymentEntry.objects.count()
    with pytest.raises(ledger.LedgerError, match="未经工会核实"):  # someone else's verified card: not this payee's
        ledger.post_payment(actor=None, key="other-payee", payee_person_id=file_id(2), payee_name="李四", bank_account=ACCOUNT,
                            amount=D("100"), purpose_code="test-grant", unit=street)
    with pytest.raises(ledger.LedgerError, match="未经工会核实"):  # the payee, but a card nobody verified
        ledger.post_payment(actor=None, key="other-card", payee_person_id=file_id(1), payee_name="张三",
                            bank_account="6217000011112222333", amount=D("100"), purpose_code="test-grant", unit=street)
    from gonghui.core.models import AccountVerification

    AccountVerification.objects.filter(person_id_ref=file_id(1)).update(revoked_at="2026-01-01T00:00:00Z")
    with pytest.raises(ledger.LedgerError, match="未经工会核实"):  # a revoked verification counts for nothing
        ledger.post_payment(actor=None, key="revoked", payee_person_id=file_id(1), payee_name="张三", bank_account=ACCOUNT,
                            amount=D("100"), purpose_code="test-grant", unit=street)
    assert PaymentEntry.objects.count() == before
    with pytest.raises(ledger.LedgerError, match="核实方式"):
        ledger.verify_account(actor=persona("lianhu"), person_id=file_id(1), account=ACCOUNT, how=" ", unit_path="")


def _two_batches(street, official):  # noqa: ANN001, ANN202
    first = [pay(street, f"a{i}", amount="500", person=i + 1) for i in range(2)]
    batch_a, _ = ledger.export_bank_file(actor=official, entries=PaymentEntry.objects.filter(
        pk__in=[e.pk for e in first]), unit=street)
    second = [pay(street, f"z{i}", amount="700", person=i + 1) for i in range(2)]
    batch_b, _ = ledger.export_bank_file(actor=official, entries=PaymentEntry.objects.filter(
        pk__in=[e.pk for e in second]), unit=street)
    return batch_a, first, batch_b, second


def _states(*batches: BankBatch) -> set[str]:
    return set(PaymentEntry.objects.filter(batch__in=batches).values_list("state", flat=True)) | {
        b.state for b in BankBatch.objects.filter(pk__in=[b.pk for b in batches])}


@pytest.mark.django_db
@pytest.mark.parametrize("attack", ["other_batch_number", "other_batch_file", "wrong_hash", "row_missing",
                                    "row_of_other_batch", "wrong_total"])
def test_a_return_file_that_is_not_the_exported_one_is_refused_and_changes_nothing(
        street, persona, tmp_path, attack) -> None:  # noqa: ANN001
    official = persona("qingnianlu")
    batch_a, first, batch_b, second = _two_batches(street, official)
    batch_a.refresh_from_db()
    batch_b.refresh_from_db()
    assert batch_a.file_hash and batch_a.file_hash != batch_b.file_hash
    rows = [{"batch": batch_a.number, "file_hash": batch_a.file_hash, "number": e.number, "amount": e.amount,
             "result": "paid"} for e in first]
    if attack == "other_batch_number":
        rows = [{**r, "batch": batch_b.number} for r in rows]
    elif attack == "other_batch_file":  # batch B's own, complete, correct answer, uploaded on batch A
        rows = [{"batch": batch_b.number, "file_hash": batch_b.file_hash, "number": e.number, "amount": e.amount,
                 "result": "paid"} for e in second]
    elif attack == "wrong_hash":
        rows = [{**r, "file_hash": "0" * 64} for r in rows]
    elif attack == "row_missing":
        rows = rows[:1]
    elif attack == "row_of_other_batch":
        rows.append({**rows[0], "number": second[0].number, "amount": second[0].amount})
    elif attack == "wrong_total":
        rows[1]["amount"] = D("499.99")
    result = ledger.import_bank_return(actor=official, batch=batch_a, path=return_file(tmp_path, rows))
    assert result.problems
    assert _states(batch_a, batch_b) == {State.EXPORTED}
    assert BankBatch.objects.get(pk=batch_a.pk).staged_outcomes == []
    with pytest.raises(ledger.LedgerError, match="没有待确认"):
        ledger.confirm_bank_return(actor=persona("xian"), batch=batch_a)


@pytest.mark.django_db
def test_a_matched_return_file_changes_nothing_until_a_second_official_confirms(street, persona, tmp_path) -> None:  # noqa: ANN001
    official = persona("qingnianlu")
    batch_a, first, batch_b, _second = _two_batches(street, official)
    rows = [{"number": first[0].number, "amount": "500.00", "result": "paid"},
            {"number": first[1].number, "amount": "500.00", "result": "failed", "reason": "账户已销户"}]
    result = ledger.import_bank_return(actor=official, batch=batch_a, path=return_file(tmp_path, rows, batch_a))
    assert (result.paid, result.failed, result.problems) == (1, 1, [])
    assert BankBatch.objects.get(pk=batch_a.pk).state == BankBatch.State.STAGED
    assert set(PaymentEntry.objects.filter(batch=batch_a).values_list("state", flat=True)) == {State.EXPORTED}
    with pytest.raises(ledger.LedgerError, match="已经导入过"):  # a second upload cannot replace the staged one
        ledger.import_bank_return(actor=persona("xian"), batch=batch_a, path=return_file(tmp_path, rows, batch_a))
    with pytest.raises(ledger.LedgerError, match="另一位工作人员"):
        ledger.confirm_bank_return(actor=official, batch=batch_a)
    assert set(PaymentEntry.objects.filter(batch=batch_a).values_list("state", flat=True)) == {State.EXPORTED}
    ledger.confirm_bank_return(actor=persona("xian"), batch=batch_a)
    assert {e.number: e.state for e in PaymentEntry.objects.filter(batch=batch_a)} == {
        first[0].number: State.PAID, first[1].number: State.FAILED}
    confirmed = BankBatch.objects.get(pk=batch_a.pk)
    assert (confirmed.state, confirmed.paid_count, confirmed.failed_count) == (BankBatch.State.RETURNED, 1, 1)
    assert confirmed.confirmed_by_id == persona("xian").pk
    assert _states(batch_b) == {State.EXPORTED}  # only that batch's entries moved
    with pytest.raises(ledger.LedgerError, match="没有待确认"):
        ledger.confirm_bank_return(actor=persona("xian"), batch=batch_a)
