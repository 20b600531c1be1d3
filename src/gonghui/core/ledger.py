"""The payments ledger: the one way money leaves the union (every service pays through it).

- `post_payment` writes one entry under an idempotency key: posting the same key again
  returns the entry already there, so a retried request or task never pays twice.
- `reverse_entry` corrects a mistake with an entry of the opposite amount; nothing is edited.
- Money goes only to an account the union verified as the payee's (`verify_account`): `post_payment`
  refuses an entry without an account or to an account not verified for that payee.
- `export_bank_file` puts pending entries into a bank bulk-payment file (XLSX), records the
  file's SHA-256 and marks them exported; `import_bank_return` checks the bank's return file
  against that exact export (batch number, row count, total, hash) and stages its outcomes;
  `confirm_bank_return`, by a second official, turns the entries paid or failed.
- `retry_failed` re-issues a failed payment to the same account; paying to another account
  (`request_account_change`) waits until a second official approves (`approve_account_change`).
- `totals` reconciles by purpose (policy), unit and month.
"""

from __future__ import annotations

import hashlib
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
from gonghui.core.models import AccountChange, AccountVerification, BankBatch, PaymentEntry
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
        excel.Column("batch", "批次号", required=True, width=10),
        excel.Column("file_hash", "报送文件校验码", required=True, width=66),
        excel.Column("number", "分录编号", required=True, width=14),
        excel.Column("payee", "收款人姓名", width=12),
        excel.Column("amount", "金额（元）", kind="decimal", required=True, width=12),
        excel.Column("result", "处理结果", kind="choice", required=True,
                     choices=(("paid", "成功"), ("failed", "失败")), width=10),
        excel.Column("reason", "失败原因", width=30),
    ),
    unique_key="number",
    notes=("银行回盘文件：每笔一行，“处理结果”填“成功”或“失败”，失败的写明原因；"
           "每行写明批次号和报送文件校验码（SHA-256），行数与合计金额须与报送文件一致。",),
)


def post_payment(*, actor: Any, key: str, payee_person_id: int, payee_name: str, bank_account: str,
                 amount: Decimal, purpose_code: str, unit: Any, purpose_ref: str = "", memo: str = "",
                 period: date | None = None) -> tuple[PaymentEntry, bool]:
    """One payment, once: (entry, created). The same key with other facts is refused."""
    amount = yuan(amount)
    if amount <= 0:
        raise LedgerError(_("支付金额必须大于零。"))
    if not bank_account:
        raise LedgerError(_("%(name)s 没有登记收款账号，不能生成支付分录。") % {"name": payee_name})
    if not is_verified(payee_person_id, bank_account):
        raise LedgerError(_("收款账号未经工会核实属于 %(name)s 本人，不能支付。") % {"name": payee_name})
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


def retry_failed(*, actor: Any, entry: PaymentEntry, reason: str) -> PaymentEntry:
    """A failed payment, cancelled and issued again to the same account (paying elsewhere: an account change)."""
    if entry.state != State.FAILED:
        raise LedgerError(_("只有支付失败的分录可以重新支付。"))
    if AccountChange.objects.filter(entry=entry, state=AccountChange.State.PENDING).exists():
        raise LedgerError(_("这笔支付有一项收款账号变更在等待复核，复核后再处理。"))
    return _reissue(actor=actor, entry=entry, bank_account=entry.bank_account, reason=reason, suffix="retry")


def _reissue(*, actor: Any, entry: PaymentEntry, bank_account: str, reason: str, suffix: str) -> PaymentEntry:
    with transaction.atomic():
        reverse_entry(actor=actor, entry=entry, reason=reason)
        attempt = PaymentEntry.objects.filter(idempotency_key__startswith=f"{entry.idempotency_key}#{suffix}").count() + 1
        unit = _UnitRef(entry.unit_id_ref, entry.unit_path, entry.province_id_ref)
        new, _created = post_payment(
            actor=actor, key=f"{entry.idempotency_key}#{suffix}{attempt}", payee_person_id=entry.payee_person_id,
            payee_name=entry.payee_name, bank_account=bank_account, amount=entry.amount,
            purpose_code=entry.purpose_code, purpose_ref=entry.purpose_ref, memo=entry.memo, unit=unit)
        return new


# --- payee accounts: verified by the union, re-routed only by two officials ---

def is_verified(person_id: int, account: str) -> bool:
    return bool(account) and AccountVerification.objects.filter(
        person_id_ref=person_id, account_hash=bank_hash(account), revoked_at__isnull=True).exists()


def carry_verified_accounts(*, keep: Any, duplicate: Any, actor: Any) -> dict[str, int]:
    """A person merge: the accounts the union verified on the duplicate file are verified on the kept file too.

    Copied, not moved: the duplicate's own entries (a failed one re-issued) still go to an account verified on
    the file they name."""
    held = set(AccountVerification.objects.filter(person_id_ref=keep.pk, revoked_at__isnull=True)
               .values_list("account_hash", flat=True))
    copied = [AccountVerification(person_id_ref=keep.pk, account_hash=v.account_hash, how=v.how,
                                  verified_by_id=v.verified_by_id, verified_at=v.verified_at)
              for v in AccountVerification.objects.filter(person_id_ref=duplicate.pk, revoked_at__isnull=True)
              if v.account_hash not in held]
    AccountVerification.objects.bulk_create(copied)
    return {"core.AccountVerification.person_id_ref": len(copied)} if copied else {}


def verify_account(*, actor: Any, person_id: int, account: str, how: str, unit_path: str) -> AccountVerification:
    """The union records that it confirmed `account` belongs to the person (how: the evidence seen)."""
    if not account:
        raise LedgerError(_("档案中没有登记收款账号。"))
    if not how.strip():
        raise LedgerError(_("请写明核实方式（如：本人持银行卡到场核对、银行出具的账户证明）。"))
    with transaction.atomic():
        found = AccountVerification.objects.select_for_update().filter(
            person_id_ref=person_id, account_hash=bank_hash(account), revoked_at__isnull=True).first()
        if found is not None:
            return found
        verification = AccountVerification.objects.create(person_id_ref=person_id, account_hash=bank_hash(account),
                                                          how=how.strip()[:200], verified_by=actor)
        audit.record(actor=actor, action=audit.Action.CREATE, obj=verification, unit_path=unit_path,
                     object_repr=_("收款账号核实 %(a)s") % {"a": mask_bank_account(account)}, reason=how.strip())
        return verification


def request_account_change(*, actor: Any, person_id: int, target: str, account: str, reason: str, unit_path: str,
                           entry: PaymentEntry | None = None) -> AccountChange:
    """Ask to pay `target` (a pending or failed entry, an application) to another account; nothing moves yet."""
    account = (account or "").replace(" ", "")
    if not account.isdigit() or not 12 <= len(account) <= 30:
        raise LedgerError(_("银行账号应为 12 到 30 位数字。"))
    if not reason.strip():
        raise LedgerError(_("请写明变更收款账号的原因。"))
    if entry is not None and entry.state not in (State.PENDING, State.FAILED):
        raise LedgerError(_("只有待支付或支付失败的分录可以变更收款账号。"))
    if AccountChange.objects.filter(target=target, state=AccountChange.State.PENDING).exists():
        raise LedgerError(_("已有一项收款账号变更在等待复核。"))
    with transaction.atomic():
        change = AccountChange.objects.create(person_id_ref=person_id, target=target, entry=entry,
                                              unit_path=unit_path, bank_account=account,
                                              bank_hash=bank_hash(account), reason=reason.strip()[:200],
                                              requested_by=actor)
        audit.record(actor=actor, action=audit.Action.CREATE, obj=change, unit_path=unit_path,
                     object_repr=_("收款账号变更 %(t)s") % {"t": target},
                     changes={"account": mask_bank_account(account)}, reason=reason.strip())
    return change


def decide_account_change(*, actor: Any, change: AccountChange, approve: bool, note: str = "") -> PaymentEntry | None:
    """A second official approves or refuses; approving re-issues the entry (if any) to the new account.

    Answers the new entry when a payment was re-routed. The caller applies the change to its own object.
    """
    with transaction.atomic():
        change = AccountChange.objects.select_for_update().get(pk=change.pk)
        if change.state != AccountChange.State.PENDING:
            raise LedgerError(_("这项收款账号变更已经处理过了。"))
        if change.requested_by_id == getattr(actor, "pk", None):
            raise LedgerError(_("收款账号变更须由另一位工作人员复核（不能复核自己提出的变更）。"))
        if not approve and not note.strip():
            raise LedgerError(_("驳回须写明原因。"))
        new_entry = None
        if approve:
            if not is_verified(change.person_id_ref, change.bank_account):
                raise LedgerError(_("新账号尚未登记在收款人档案中并经工会核实，不能批准。"))
            if change.entry_id is not None:
                entry = PaymentEntry.objects.select_for_update().get(pk=change.entry_id)
                if entry.state not in (State.PENDING, State.FAILED):
                    raise LedgerError(_("这笔支付已不是待支付或支付失败状态，不能变更收款账号。"))
                new_entry = _reissue(actor=actor, entry=entry, bank_account=change.bank_account,
                                     reason=_("变更收款账号：%(r)s") % {"r": change.reason}, suffix="reroute")
        change.state = AccountChange.State.APPROVED if approve else AccountChange.State.REFUSED
        change.decided_by, change.decided_at, change.decision_note = actor, timezone.now(), note.strip()[:200]
        change.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        audit.record(actor=actor, action=audit.Action.TRANSITION, obj=change, unit_path=change.unit_path,
                     object_repr=_("收款账号变更 %(t)s") % {"t": change.target},
                     changes={"state": ["pending", change.state]}, reason=note.strip())
        return new_entry


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
        content = buffer.getvalue()
        batch.file_hash = hashlib.sha256(content).hexdigest()
        BankBatch.objects.filter(pk=batch.pk).update(file_hash=batch.file_hash)
    return batch, content


@dataclass
class ReturnResult:
    paid: int = 0
    failed: int = 0
    missing: list[str] = field(default_factory=list)  # entries of the batch the file did not mention
    problems: list[dict[str, Any]] = field(default_factory=list)


def import_bank_return(*, actor: Any, batch: BankBatch, path: Path) -> ReturnResult:
    """The bank's return file, checked against the exact export it answers; a matched file is staged.

    Every row must name this batch and quote the export's SHA-256; the file must hold one row for each
    entry of the batch and add up to the batch's total. One problem and nothing is staged. A staged file
    changes no entry until a second official confirms it (`confirm_bank_return`).
    """
    entries = {e.number: e for e in batch.entries.all()}
    result = ReturnResult()
    outcomes: list[tuple[PaymentEntry, str, str]] = []
    rows = 0
    total = Decimal("0.00")
    for row in excel.read(path, BANK_RETURN):
        rows += 1
        result.problems.extend(p.as_dict() for p in row.problems)
        if not row.ok:
            continue
        if str(row.values["batch"]).strip().upper() != batch.number:
            result.problems.append({"row": row.number, "column": "批次号", "value": str(row.values["batch"]),
                                    "reason": _("不是本批次（%(b)s）的回盘。") % {"b": batch.number}})
            continue
        if not batch.file_hash or str(row.values["file_hash"]).strip().lower() != batch.file_hash:
            result.problems.append({"row": row.number, "column": "报送文件校验码",
                                    "value": str(row.values["file_hash"])[:16],
                                    "reason": _("与本批次报送文件的校验码不符。")})
            continue
        entry = entries.get(str(row.values["number"]).strip().upper())
        if entry is None:
            result.problems.append({"row": row.number, "column": "分录编号", "value": row.values["number"],
                                    "reason": _("不是本批次的分录。")})
            continue
        total += yuan(row.values["amount"])
        if yuan(row.values["amount"]) != entry.amount:
            result.problems.append({"row": row.number, "column": "金额（元）", "value": str(row.values["amount"]),
                                    "reason": _("与报送金额 %(amount)s 不符。") % {"amount": entry.amount}})
            continue
        if row.values["result"] == "failed" and not row.values.get("reason"):
            result.problems.append({"row": row.number, "column": "失败原因", "value": "",
                                    "reason": _("失败的行须写明原因。")})
            continue
        outcomes.append((entry, row.values["result"], row.values.get("reason") or ""))
    if rows != batch.entry_count:
        result.problems.append({"row": 0, "column": "", "value": str(rows),
                                "reason": _("回盘有 %(n)d 行，报送文件有 %(m)d 笔。") % {"n": rows, "m": batch.entry_count}})
    elif not result.problems and total != batch.total:
        result.problems.append({"row": 0, "column": "金额（元）", "value": str(total),
                                "reason": _("回盘合计 %(t)s 元，与报送合计 %(m)s 元不符。") % {"t": total, "m": batch.total}})
    result.missing = sorted(set(entries) - {e.number for e, _o, _r in outcomes})
    if result.problems:
        return result
    with transaction.atomic():
        locked = BankBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.state != BankBatch.State.EXPORTED:
            raise LedgerError(_("这个批次的回盘已经导入过了。"))
        locked.staged_outcomes = [[e.pk, outcome, reason[:200]] for e, outcome, reason in outcomes]
        locked.staged_hash = hashlib.sha256(path.read_bytes()).hexdigest()
        locked.staged_by = actor if _is_user(actor) else None
        locked.staged_at, locked.state = timezone.now(), BankBatch.State.STAGED
        locked.save(update_fields=["staged_outcomes", "staged_hash", "staged_by", "staged_at", "state"])
        result.paid = sum(1 for _e, outcome, _r in outcomes if outcome == "paid")
        result.failed = sum(1 for _e, outcome, _r in outcomes if outcome == "failed")
        audit.record(actor=actor, action=audit.Action.UPDATE, obj=batch, unit_path=batch.unit_path,
                     changes={"staged": True, "paid": result.paid, "failed": result.failed,
                              "hash": locked.staged_hash})
    return result


def confirm_bank_return(*, actor: Any, batch: BankBatch) -> ReturnResult:
    """A second official confirms the staged return file: only now do this batch's entries turn paid or failed."""
    result = ReturnResult()
    now = timezone.now()
    with transaction.atomic():
        batch = BankBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.state != BankBatch.State.STAGED:
            raise LedgerError(_("这个批次没有待确认的回盘。"))
        if not _is_user(actor) or batch.staged_by_id == actor.pk:
            raise LedgerError(_("回盘须由另一位工作人员确认（不能确认自己导入的回盘）。"))
        for entry_id, outcome, reason in batch.staged_outcomes:
            moved = PaymentEntry.objects.filter(pk=entry_id, batch=batch, state=State.EXPORTED).update(
                state=outcome, failure_reason=reason[:200], settled_at=now)
            if moved:
                result.paid += outcome == "paid"
                result.failed += outcome == "failed"
        counts = batch.entries.aggregate(paid=Count("id", filter=Q(state=State.PAID)),
                                         failed=Count("id", filter=Q(state=State.FAILED)))
        BankBatch.objects.filter(pk=batch.pk).update(state=BankBatch.State.RETURNED, returned_at=now,
                                                     paid_count=counts["paid"], failed_count=counts["failed"],
                                                     confirmed_by=actor)
        audit.record(actor=actor, action=audit.Action.UPDATE, obj=batch, unit_path=batch.unit_path,
                     changes={"paid": result.paid, "failed": result.failed, "confirmed": True})
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
