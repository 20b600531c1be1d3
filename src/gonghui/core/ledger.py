"""The payments ledger: the one way money leaves the union (every service pays through it).

- `post_payment` writes one entry under an idempotency key: posting the same key again
  returns the entry already there, so a retried request or task never pays twice.
- `reverse_entry` corrects a mistake with an entry of the opposite amount; nothing is edited.
- `export_bank_file` puts pending entries into a bank bulk-payment file (XLSX) and marks
  them exported; `import_bank_return` reads the bank's return file and marks each row paid
  or failed; `retry_failed` re-issues a failed payment to a corrected account.
- `totals` reconciles by purpose (policy), unit and month.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core import audit, crypto, excel
from gonghui.core.deadlines import local_date
from gonghui.core.masking import mask_bank_account
from gonghui.core.models import BankBatch, PaymentEntry
from gonghui.core.money import yuan

State = PaymentEntry.State


class LedgerError(Exception):
    """A ledger operation refused (the message is for the user)."""


BANK_FILE = excel.Sheet(
    title="银行批量代发",
    columns=(
        excel.Column("number", "分录编号", required=True, width=14),
        excel.Column("payee", "收款人姓名", required=True, width=12),
        excel.Column("account", "收款账号", required=True, width=24),
        excel.Column("amount", "金额（元）", kind="decimal", required=True, width=12),
        excel.Column("memo", "用途摘要", width=30),
    ),
    unique_key="number",
)

BANK_RETURN = excel.Sheet(
    title="银行回盘",
    columns=(
        excel.Column("number", "分录编号", required=True, width=14),
        excel.Column("payee", "收款人姓名", width=12),
        excel.Column("amount", "金额（元）", kind="decimal", required=True, width=12),
        excel.Column("result", "处理结果", kind="choice", required=True,
                     choices=(("paid", "成功"), ("failed", "失败")), width=10),
        excel.Column("reason", "失败原因", width=30),
    ),
    unique_key="number",
    notes=("银行回盘文件：每笔一行，“处理结果”填“成功”或“失败”，失败的写明原因。",),
)


def post_payment(*, actor: Any, key: str, payee_person_id: int, payee_name: str, bank_account: str,
                 amount: Decimal, purpose_code: str, unit: Any, purpose_ref: str = "", memo: str = "",
                 period: date | None = None) -> tuple[PaymentEntry, bool]:
    """One payment, once: (entry, created). The same key with other facts is refused."""
    amount = yuan(amount)
    if amount <= 0:
        raise LedgerError(_("支付金额必须大于零。"))
    with transaction.atomic():
        existing = PaymentEntry.objects.select_for_update().filter(idempotency_key=key).first()
        if existing is not None:
            if existing.amount != amount or existing.payee_person_id != payee_person_id:
                raise LedgerError(_("幂等键 %(key)s 已用于另一笔支付（%(amount)s 元），不能重复使用。")
                                  % {"key": key, "amount": existing.amount})
            return existing, False
        entry = PaymentEntry.objects.create(
            idempotency_key=key, payee_person_id=payee_person_id, payee_name=payee_name, bank_account=bank_account,
            amount=amount, purpose_code=purpose_code, purpose_ref=purpose_ref, memo=memo[:200],
            unit_id_ref=unit.pk, unit_path=unit.path, province_id_ref=unit.province_id,
            period=period or local_date(timezone.now()), created_by=actor if _is_user(actor) else None)
        audit.record(actor=actor, action=audit.Action.CREATE, obj=entry, unit_path=unit.path,
                     changes={"amount": str(amount), "purpose": purpose_code, "key": key})
        return entry, True


def reverse_entry(*, actor: Any, entry: PaymentEntry, reason: str) -> PaymentEntry:
    """Cancel (pending/failed) or recover (paid) a payment with an opposite entry."""
    if not reason.strip():
        raise LedgerError(_("冲正必须说明原因。"))
    with transaction.atomic():
        entry = PaymentEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.reverses_id is not None:
            raise LedgerError(_("冲正分录本身不能再冲正。"))
        if entry.state == State.REVERSED:
            raise LedgerError(_("这笔支付已经冲正过了。"))
        if entry.state == State.EXPORTED:
            raise LedgerError(_("这笔支付已报送银行，请等银行回盘后再冲正。"))
        previous = entry.state
        reversal = PaymentEntry.objects.create(
            idempotency_key=f"reversal:{entry.pk}", payee_person_id=entry.payee_person_id,
            payee_name=entry.payee_name, bank_account=entry.bank_account, amount=-entry.amount,
            purpose_code=entry.purpose_code, purpose_ref=entry.purpose_ref, memo=_("冲正 %(n)s：%(reason)s")
            % {"n": entry.number, "reason": reason[:150]}, unit_id_ref=entry.unit_id_ref, unit_path=entry.unit_path,
            province_id_ref=entry.province_id_ref, period=local_date(timezone.now()), reverses=entry,
            # Reversing a paid entry books money recovered; reversing one never paid moves nothing.
            state=State.PAID if previous == State.PAID else State.REVERSED,
            created_by=actor if _is_user(actor) else None, settled_at=timezone.now())
        PaymentEntry.objects.filter(pk=entry.pk).update(state=State.REVERSED, reversed_from_state=previous)
        audit.record(actor=actor, action=audit.Action.TRANSITION, obj=entry, unit_path=entry.unit_path,
                     changes={"state": [previous, State.REVERSED], "reversal": reversal.number}, reason=reason)
        return reversal


def retry_failed(*, actor: Any, entry: PaymentEntry, bank_account: str, reason: str) -> PaymentEntry:
    """A failed payment, cancelled and issued again to a corrected account."""
    if entry.state != State.FAILED:
        raise LedgerError(_("只有支付失败的分录可以重新支付。"))
    with transaction.atomic():
        reverse_entry(actor=actor, entry=entry, reason=reason)
        attempt = PaymentEntry.objects.filter(idempotency_key__startswith=f"{entry.idempotency_key}#retry").count() + 1
        unit = _UnitRef(entry.unit_id_ref, entry.unit_path, entry.province_id_ref)
        new, _created = post_payment(
            actor=actor, key=f"{entry.idempotency_key}#retry{attempt}", payee_person_id=entry.payee_person_id,
            payee_name=entry.payee_name, bank_account=bank_account, amount=entry.amount,
            purpose_code=entry.purpose_code, purpose_ref=entry.purpose_ref, memo=entry.memo, unit=unit)
        return new


@dataclass(frozen=True)
class _UnitRef:
    pk: int
    path: str
    province_id: int | None


def export_bank_file(*, actor: Any, entries: QuerySet[PaymentEntry], unit: Any) -> tuple[BankBatch, bytes]:
    """Pending entries (already scoped by the caller) into one bank file; they become exported."""
    with transaction.atomic():
        chosen = list(entries.select_for_update().filter(state=State.PENDING, amount__gt=0).order_by("id"))
        if not chosen:
            raise LedgerError(_("没有待支付的分录。"))
        batch = BankBatch.objects.create(unit_id_ref=unit.pk, unit_path=unit.path, entry_count=len(chosen),
                                         total=sum((e.amount for e in chosen), Decimal("0.00")),
                                         created_by=actor if _is_user(actor) else None)
        PaymentEntry.objects.filter(pk__in=[e.pk for e in chosen]).update(state=State.EXPORTED, batch=batch)
        audit.record(actor=actor, action=audit.Action.EXPORT, obj=batch, unit_path=unit.path,
                     changes={"entries": len(chosen), "total": str(batch.total)})
    rows = ({"number": e.number, "payee": e.payee_name, "account": e.bank_account, "amount": e.amount,
             "memo": e.memo or e.purpose_code} for e in chosen)
    buffer = io.BytesIO()
    excel.write_rows(BANK_FILE, rows, buffer)
    return batch, buffer.getvalue()


@dataclass
class ReturnResult:
    paid: int = 0
    failed: int = 0
    missing: list[str] = field(default_factory=list)  # entries of the batch the file did not mention
    problems: list[dict[str, Any]] = field(default_factory=list)


def import_bank_return(*, actor: Any, batch: BankBatch, path: Path) -> ReturnResult:
    """The bank's return file: every row checked first; one bad row and nothing changes."""
    entries = {e.number: e for e in batch.entries.all()}
    result = ReturnResult()
    outcomes: list[tuple[PaymentEntry, str, str]] = []
    for row in excel.read(path, BANK_RETURN):
        result.problems.extend(p.as_dict() for p in row.problems)
        if not row.ok:
            continue
        entry = entries.get(str(row.values["number"]).strip().upper())
        if entry is None:
            result.problems.append({"row": row.number, "column": "分录编号", "value": row.values["number"],
                                    "reason": _("不是本批次的分录。")})
            continue
        if yuan(row.values["amount"]) != entry.amount:
            result.problems.append({"row": row.number, "column": "金额（元）", "value": str(row.values["amount"]),
                                    "reason": _("与报送金额 %(amount)s 不符。") % {"amount": entry.amount}})
            continue
        if row.values["result"] == "failed" and not row.values.get("reason"):
            result.problems.append({"row": row.number, "column": "失败原因", "value": "",
                                    "reason": _("失败的行须写明原因。")})
            continue
        outcomes.append((entry, row.values["result"], row.values.get("reason") or ""))
    if result.problems:
        return result
    now = timezone.now()
    with transaction.atomic():
        BankBatch.objects.select_for_update().get(pk=batch.pk)
        seen = set()
        for entry, outcome, reason in outcomes:
            seen.add(entry.pk)
            moved = PaymentEntry.objects.filter(pk=entry.pk, state=State.EXPORTED).update(
                state=outcome, failure_reason=reason[:200], settled_at=now)
            if moved:
                result.paid += outcome == "paid"
                result.failed += outcome == "failed"
        result.missing = sorted(n for n, e in entries.items() if e.pk not in seen and e.state == State.EXPORTED)
        counts = batch.entries.aggregate(paid=Count("id", filter=Q(state=State.PAID)),
                                         failed=Count("id", filter=Q(state=State.FAILED)))
        BankBatch.objects.filter(pk=batch.pk).update(state=BankBatch.State.RETURNED, returned_at=now,
                                                     paid_count=counts["paid"], failed_count=counts["failed"])
        audit.record(actor=actor, action=audit.Action.UPDATE, obj=batch, unit_path=batch.unit_path,
                     changes={"paid": result.paid, "failed": result.failed, "missing": len(result.missing)})
    return result


def paid_q() -> Q:
    """Entries whose amount counts as money that left (net of recoveries)."""
    return Q(state=State.PAID) | Q(state=State.REVERSED, reversed_from_state=State.PAID)


def committed_q() -> Q:
    """Entries still on their way to the bank: pending or exported."""
    return Q(state__in=(State.PENDING, State.EXPORTED))


def totals(entries: QuerySet[PaymentEntry], by: str = "purpose_code") -> list[dict[str, Any]]:
    """Net paid and in-flight amounts grouped by purpose_code, unit_path or month."""
    zero = Decimal("0.00")
    queryset = entries
    key = by
    if by == "month":
        queryset = queryset.annotate(month=TruncMonth("period"))
    rows = (queryset.values(key).order_by(key)
            .annotate(paid=Sum("amount", filter=paid_q()), in_flight=Sum("amount", filter=committed_q()),
                      payments=Count("id", filter=Q(reverses__isnull=True))))
    return [{key: row[key], "paid": row["paid"] or zero, "in_flight": row["in_flight"] or zero,
             "payments": row["payments"]} for row in rows]


def masked_account(entry: PaymentEntry) -> str:
    return mask_bank_account(entry.bank_account)


def bank_hash(account: str) -> str:
    return crypto.lookup_hash(account, "bank") if account else ""


def _is_user(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)
