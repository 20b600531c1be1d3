"""Relief money by budget: which budget a unit draws on, what it has committed and paid, moving it, and batch
grants (preview, four-eyes approval with fund rights, the entries written as a task)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Max, Min, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core import audit, jobs, ledger
from gonghui.core.models import Job, PaymentEntry
from gonghui.core.money import yuan
from gonghui.orgs.models import Unit, User
from gonghui.relief import rules
from gonghui.relief.models import (
    Application,
    Budget,
    BudgetMovement,
    GrantBatch,
    HardshipFile,
    Policy,
    PolicyVersion,
)
from gonghui.relief.services import ZERO, S, _money, _today, campaigns, version_on
from gonghui.relief.services.caps import household_repeats, paid_person


def budget_for(unit: Unit, policy: Policy, year: int, lock: bool = False) -> Budget | None:
    """The budget of the nearest unit at or above `unit` that holds one for this policy and year."""
    budgets = Budget.objects.filter(unit_id__in=unit.ancestor_ids, policy=policy, year=year)
    if lock:
        budgets = budgets.select_for_update()
    by_unit = {b.unit_id: b for b in budgets}
    for unit_id in reversed(unit.ancestor_ids):
        if unit_id in by_unit:
            return by_unit[unit_id]
    return None


@dataclass(frozen=True)
class BudgetPosition:
    allocated: Decimal
    committed: Decimal
    released: Decimal
    paid: Decimal

    @property
    def left(self) -> Decimal:
        return self.allocated - self.committed - self.released


def budget_position(budget: Budget) -> BudgetPosition:
    apps = budget.applications.all()
    committed = apps.filter(state__in=Application.COMMITTED).aggregate(t=Sum("amount"))["t"] or ZERO
    released_apps = apps.filter(state=S.RELEASED).aggregate(t=Sum("amount"))["t"] or ZERO
    # Every batch drawing on this budget counts, whatever unit created it (`budget_for` set it at preview and
    # approval): an approved batch still writing its entries commits its whole preview total.
    batches = GrantBatch.objects.filter(budget=budget)
    committed += (batches.filter(state=GrantBatch.State.RUNNING).aggregate(t=Sum("preview_total"))["t"] or ZERO)
    batch_refs = [f"relief.batch:{b}" for b in batches.filter(state=GrantBatch.State.DONE).values_list("pk", flat=True)]
    batch_total = (PaymentEntry.objects.filter(purpose_ref__in=batch_refs, reverses__isnull=True)
                   .aggregate(t=Sum("amount"))["t"] or ZERO)
    refs = [f"relief.application:{pk}" for pk in apps.filter(state=S.RELEASED).values_list("pk", flat=True)]
    paid = (PaymentEntry.objects.filter(Q(purpose_ref__in=refs) | Q(purpose_ref__in=batch_refs))
            .filter(ledger.paid_q()).aggregate(t=Sum("amount"))["t"] or ZERO)
    return BudgetPosition(budget.allocated, committed, released_apps + batch_total, paid)


@transaction.atomic
def move_budget(*, actor: User, unit: Unit, policy: Policy, year: int, amount: Any, kind: str,
                to_unit: Unit | None = None, note: str = "") -> Budget:
    """下达/追加 to a unit's budget, or 下拨 part of it to a unit below."""
    amount = _money(amount, "amount")
    if amount <= 0:
        raise ValidationError({"amount": _("金额必须大于零。")})
    budget, _created = Budget.objects.select_for_update().get_or_create(unit=unit, policy=policy, year=year)
    if kind in ("allocate", "top_up"):
        Budget.objects.filter(pk=budget.pk).update(allocated=budget.allocated + amount)
        BudgetMovement.objects.create(budget=budget, kind=kind, amount=amount, note=note, by=actor)
    elif kind == "transfer_out":
        if to_unit is None or not to_unit.is_in_subtree_of(unit) or to_unit.pk == unit.pk:
            raise ValidationError({"to_unit": _("只能下拨给下级工会。")})
        if budget_position(budget).left < amount:
            raise ValidationError({"amount": _("可用余额不足，不能下拨。")})
        child, _c = Budget.objects.select_for_update().get_or_create(unit=to_unit, policy=policy, year=year)
        Budget.objects.filter(pk=budget.pk).update(allocated=budget.allocated - amount)
        Budget.objects.filter(pk=child.pk).update(allocated=child.allocated + amount)
        BudgetMovement.objects.create(budget=budget, kind="transfer_out", amount=-amount, counterpart=child,
                                      note=note, by=actor)
        BudgetMovement.objects.create(budget=child, kind="transfer_in", amount=amount, counterpart=budget,
                                      note=note, by=actor)
    else:
        raise ValidationError({"kind": _("未知的资金操作。")})
    budget.refresh_from_db()
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=budget, unit_path=unit.path,
                 changes={"kind": kind, "amount": str(amount), "to": to_unit.pk if to_unit else None})
    return budget


# --- batch grants ---

def batch_files(batch_unit: Unit, version: PolicyVersion) -> QuerySet[HardshipFile]:
    """Households of the subtree the policy's eligibility admits (fixed-amount grants only)."""
    from django.db.models import Exists, OuterRef

    from gonghui.core.models import AccountVerification
    from gonghui.orgs.models import subtree_q

    spec = version.spec.get("eligibility") or {}
    verified = AccountVerification.objects.filter(person_id_ref=OuterRef("person_id"),
                                                  account_hash=OuterRef("person__bank_hash"), revoked_at__isnull=True)
    # No entry without an account: a household whose account is not on file and verified is left out.
    files = HardshipFile.objects.filter(subtree_q(batch_unit.path, "unit__path")).exclude(person__bank_hash="").filter(
        Exists(verified))
    files = files.filter(status__in=spec.get("file_status") or list(rules.FILE_STATUS))
    if spec.get("category"):
        files = files.filter(category__in=spec["category"])
    if spec.get("membership"):
        files = files.filter(person__membership__in=spec["membership"])
    return files


def _batch_amount(version: PolicyVersion) -> Decimal:
    amount = version.spec.get("amount") or {}
    if amount.get("kind") != "fixed" or (version.spec.get("eligibility") or {}).get("flags_any"):
        raise ValidationError(_("批量发放只适用于固定金额、按档案状态和类别认定的政策。"))
    return yuan(amount["value"])


def may_manage_funds(user: User, unit: Unit) -> bool:
    """Fund rights: officials (工会干部) of the unit or above, and administrators."""
    from gonghui.relief import scoping

    return scoping.funds.filter(user).filter(pk=unit.pk).exists()


@transaction.atomic
def preview_batch(*, actor: User, unit: Unit, policy: Policy) -> GrantBatch:
    if not may_manage_funds(actor, unit):
        raise PermissionDenied(_("只有有资金权限的工会干部可以发起批量发放。"))
    version = version_on(policy, _today())
    if version is None:
        raise ValidationError(_("“%(policy)s”今天没有生效的版本。") % {"policy": policy.name})
    amount = _batch_amount(version)
    campaign = (campaigns(version) or [policy.code])[0]
    already = PaymentEntry.objects.filter(purpose_code=campaign).filter(ledger.paid_q() | ledger.committed_q())
    files = batch_files(unit, version)
    repeats = household_repeats(files, campaign=campaign)  # one grant per household, not per file
    paid = already.annotate(paid_person=paid_person()).values("paid_person")  # merged files count as the kept one
    count = files.exclude(person_id__in=paid).exclude(id__in=repeats).count()
    batch = GrantBatch.objects.create(unit=unit, version=version, criteria=version.spec.get("eligibility") or {},
                                      preview_count=count, preview_total=amount * count, created_by=actor,
                                      budget=budget_for(unit, policy, _today().year))
    audit.record(actor=actor, action=audit.Action.CREATE, obj=batch, unit_path=unit.path,
                 changes={"count": count, "total": str(batch.preview_total)})
    return batch


@transaction.atomic
def approve_batch(*, actor: User, batch: GrantBatch) -> GrantBatch:
    batch = GrantBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.state != GrantBatch.State.DRAFT:
        raise ValidationError(_("这个批次%(reason)s，不能再审批。") % {"reason": batch.locked_reason or _("已处理")})
    if batch.created_by_id == actor.pk and not actor.is_superuser:
        raise ValidationError(_("批量发放须由另一位工作人员审批（不能自己审批自己提交的批次）。"))
    if not may_manage_funds(actor, batch.unit):
        raise PermissionDenied(_("只有有资金权限的工会干部可以审批批量发放。"))
    budget = budget_for(batch.unit, batch.version.policy, _today().year, lock=True)
    if budget is not None and batch.budget_id != budget.pk:
        GrantBatch.objects.filter(pk=batch.pk).update(budget=budget)
        batch.budget = budget
    if budget is None or budget_position(budget).left < batch.preview_total:
        raise ValidationError(_("救助资金余额不足以支付本批次 %(total)s 元。") % {"total": batch.preview_total})
    job = Job.objects.create(kind="relief.batch_grant", created_by=actor, unit_path=batch.unit.path,
                             params={"batch": batch.pk}, source_name=str(batch))
    batch.state, batch.job, batch.approved_by, batch.approved_at = GrantBatch.State.RUNNING, job, actor, timezone.now()
    batch.locked_reason = _("正在生成支付分录（%(who)s 于 %(at)s 批准），完成前不能修改或重复审批")% {
        "who": actor, "at": timezone.localtime(batch.approved_at).strftime("%Y-%m-%d %H:%M")}
    batch.save()
    audit.record(actor=actor, action=audit.Action.TRANSITION, obj=batch, unit_path=batch.unit.path,
                 changes={"state": ["draft", "running"]})
    jobs.start(job)
    return batch


def run_batch_grant(job: Job) -> None:
    """The batch's entries, written by the database in chunks (INSERT … SELECT), idempotent by key."""
    batch = GrantBatch.objects.select_related("version__policy", "unit").get(pk=job.params["batch"])
    created = write_grant_entries(batch, progress=lambda done, total: jobs.progress(job, done, total))
    GrantBatch.objects.filter(pk=batch.pk).update(state=GrantBatch.State.DONE, locked_reason="")
    Job.objects.filter(pk=job.pk).update(counts={"created": created}, message=_("已生成 %(n)d 笔支付分录。") % {"n": created})
    audit.record(actor=None, actor_label="system", action=audit.Action.CREATE, obj=batch, unit_path=batch.unit.path,
                 changes={"entries": created})


def write_grant_entries(batch: GrantBatch, progress: Any = None, chunk: int | None = None) -> int:
    """The batch's payment entries, one INSERT … SELECT per chunk of household files, written by the database.

    Nothing is paid twice: a household that already had an entry of the campaign before this run is
    skipped, so is every file of a household but its first (spouses with files of their own: `household_repeats`), the key `grant:<campaign>:<person>` is unique (ON CONFLICT DO NOTHING), and a re-run of the
    batch resumes after the last chunk it committed (`done_through`).
    """
    chunk = chunk or settings.GONGHUI_GRANT_CHUNK  # household files a transaction
    version = batch.version
    amount = _batch_amount(version)
    campaign = (campaigns(version) or [version.policy.code])[0]
    files = batch_files(batch.unit, version)
    bounds = files.aggregate(low=Min("id"), high=Max("id"))
    if bounds["low"] is None:
        return 0
    low, high = bounds["low"], bounds["high"]
    total_chunks = (high - low) // chunk + 1
    done_through = GrantBatch.objects.filter(pk=batch.pk).values_list("done_through", flat=True).first() or 0
    live = [PaymentEntry.State.PENDING, PaymentEntry.State.EXPORTED, PaymentEntry.State.PAID]
    # Entries written before this run are the only ones a chunk's households can already have (an open
    # file per person: chunks never share a household). When the campaign has none, no look-up is needed.
    watermark = PaymentEntry.objects.aggregate(top=Max("id"))["top"] or 0
    prior = PaymentEntry.objects.filter(purpose_code=campaign, id__lte=watermark, state__in=live).exists()
    skip_paid = """
        AND NOT EXISTS (SELECT 1 FROM core_paymententry e WHERE e.purpose_code = %s AND e.payee_person_id = p.id
                        AND e.state IN (%s, %s, %s) AND e.id <= %s)
        AND NOT EXISTS (SELECT 1 FROM orgs_person q JOIN core_paymententry e ON e.payee_person_id = q.id
                        WHERE q.merged_into_id = p.id AND e.purpose_code = %s
                        AND e.state IN (%s, %s, %s) AND e.id <= %s)""" if prior else ""
    # (the second: paid to a file since merged into this person's; ledger entries keep their payee)
    skip_params = [campaign, *live, watermark] * 2 if prior else []
    repeats = sorted(household_repeats(files, campaign=campaign, paid_through=watermark))
    created = 0
    now = timezone.now()
    today = _today()
    memo = f"{version.policy.name}"[:200]
    for index, start in enumerate(range(low, high + 1, chunk)):
        last = start + chunk - 1
        if last <= done_through:
            continue
        chunk_files = files.filter(id__gte=start, id__lte=last).exclude(id__in=[r for r in repeats if start <= r <= last])
        sql, params = chunk_files.values_list("id", flat=True).query.sql_with_params()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO core_paymententry (idempotency_key, payee_person_id, payee_name, bank_account, amount,
                    purpose_code, purpose_ref, memo, unit_id_ref, unit_path, province_id_ref, period, state,
                    failure_reason, reversed_from_state, created_by_id, created_at)
                SELECT CAST(%s AS TEXT) || CAST(p.id AS TEXT), p.id, p.name, p.bank_account, %s, %s, %s, %s, u.id,
                    u.path, f.province_id, %s, 'pending', '', '', %s, %s
                FROM relief_hardshipfile f
                JOIN orgs_person p ON p.id = f.person_id
                JOIN orgs_unit u ON u.id = f.unit_id
                WHERE f.id IN ({sql}) AND p.bank_account <> '' AND EXISTS (
                    SELECT 1 FROM core_accountverification v WHERE v.person_id_ref = p.id
                    AND v.account_hash = p.bank_hash AND v.revoked_at IS NULL){skip_paid}
                ON CONFLICT (idempotency_key) DO NOTHING
                """,  # noqa: S608 - the inner query is Django's own, with its parameters bound
                [f"grant:{campaign}:", amount, campaign, f"relief.batch:{batch.pk}", memo, today,
                 batch.approved_by_id, now, *params, *skip_params])
            written = max(cursor.rowcount, 0)
            created += written
            GrantBatch.objects.filter(pk=batch.pk).update(done_through=last,
                                                          created_count=F("created_count") + written)
        if progress is not None:
            progress(index + 1, total_chunks)
    if connection.vendor == "postgresql" and created > chunk:
        with connection.cursor() as cursor:  # a bulk load: fresh statistics for the next plans
            cursor.execute("ANALYZE core_paymententry")
    return created
