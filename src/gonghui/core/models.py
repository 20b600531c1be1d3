"""The shared kernel's tables: the append-only audit log, background jobs, the payments ledger, attachments."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.core.fields import EncryptedTextField


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit entry."""


class AuditQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit entries cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit entries cannot be deleted; see `gonghui audit-purge`")


class AuditEvent(models.Model):
    """One thing that happened: who, when, from where, to what, and what changed.

    Append-only: the model refuses updates and deletes, and database triggers (see the
    migration) refuse them too, except the retention purge of entries older than 180 days.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("新建")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")
        TRANSITION = "transition", _("状态变更")
        LOGIN = "login", _("登录")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOGOUT = "logout", _("退出")
        EXPORT = "export", _("导出")
        REVEAL = "reveal", _("查看完整个人信息")
        GRANT = "grant", _("授予角色")
        REVOKE = "revoke", _("撤销角色")
        MOVE = "move", _("移动")
        TOKEN = "token", _("接口令牌")

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", db_constraint=False,
    )
    actor_label = models.CharField(_("操作人账号"), max_length=150, blank=True)
    action = models.CharField(_("动作"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("对象类型"), max_length=60, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    # Materialized path of the union unit the object belongs to: officials read the audit
    # of their own subtree. Empty for events with no unit (an unknown username, say).
    unit_path = models.CharField(_("所属单位路径"), max_length=255, blank=True, db_index=True)
    # The person the event is about, when it is about a person: lets a worker see who
    # displayed their full personal data.
    subject_user_id = models.BigIntegerField(_("涉及账号"), null=True, blank=True, db_index=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    reason = models.TextField(_("原因"), blank=True)
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    user_agent = models.CharField(_("客户端"), max_length=255, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit entries cannot be deleted")


class Job(models.Model):
    """Long work (an import, an export) run as a background task, with its progress.

    The page and the CLI read `progress_done / progress_total`; the row survives a reload.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("处理中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("类型"), max_length=40)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.QUEUED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_constraint=False)
    unit_path = models.CharField(max_length=255, blank=True)
    params = models.JSONField(default=dict, blank=True)
    source_file = models.CharField(max_length=255, blank=True)  # under MEDIA_ROOT
    source_name = models.CharField(max_length=255, blank=True)  # the name the user uploaded
    result_file = models.CharField(max_length=255, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    problems = models.JSONField(default=list, blank=True)  # the first problems, as dicts
    problem_count = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Who runs it ("host:pid") and when it last said so: a job whose worker died is found and run again.
    runner = models.CharField(max_length=100, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(99, int(self.progress_done * 100 / self.progress_total))

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)


# --- The payments ledger: every yuan paid out, append-only ---

class PaymentEntryQuerySet(models.QuerySet["PaymentEntry"]):
    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("ledger entries cannot be deleted; post a reversal")


class PaymentEntry(models.Model):
    """One payment to one payee. Amount, payee and key never change; a mistake is reversed.

    State moves pending → exported (in a bank file) → paid / failed; a paid or failed entry
    may be reversed by a new entry of the opposite amount (`reverses`). Database triggers
    (see the migration) refuse edits of the money fields and deletes.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("待支付")
        EXPORTED = "exported", _("已报银行")
        PAID = "paid", _("已支付")
        FAILED = "failed", _("支付失败")
        REVERSED = "reversed", _("已冲正")

    idempotency_key = models.CharField(_("幂等键"), max_length=120, unique=True)
    # The person's file paid. Never changes (the triggers refuse it), not even when the file is merged into
    # another: what was paid to a person is looked up across the files merged into it (core.merges).
    # (A lazy reference by name, not an import: core still uses nothing of ours.)
    payee_person = models.ForeignKey("orgs.Person", verbose_name=_("收款人档案"),
                                     on_delete=models.PROTECT, related_name="+")
    payee_name = models.CharField(_("收款人"), max_length=50)
    bank_account = EncryptedTextField(_("收款账号"), blank=True, default="")
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    purpose_code = models.CharField(_("用途（政策/活动）"), max_length=60, db_index=True)
    purpose_ref = models.CharField(_("来源"), max_length=80, blank=True)  # "relief.application:12"
    memo = models.CharField(_("摘要"), max_length=200, blank=True)
    unit_id_ref = models.BigIntegerField(_("经办工会"))
    unit_path = models.CharField(max_length=255, db_index=True)
    province_id_ref = models.BigIntegerField(null=True, blank=True)  # distribution key
    period = models.DateField(_("记账日期"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversal", verbose_name=_("冲正的原分录"))
    batch = models.ForeignKey("BankBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="entries")
    failure_reason = models.CharField(_("失败原因"), max_length=200, blank=True)
    # The state a reversed entry had when it was reversed: was money paid, and recovered?
    reversed_from_state = models.CharField(max_length=10, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_constraint=False)
    created_at = models.DateTimeField(default=timezone.now)
    settled_at = models.DateTimeField(null=True, blank=True)

    objects = PaymentEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("支付分录")
        verbose_name_plural = _("支付分录")
        ordering = ["-id"]
        indexes = [models.Index(fields=["purpose_code", "payee_person"], name="ledger_purpose_payee_idx"),
                   models.Index(fields=["state", "unit_path"], name="ledger_state_unit_idx")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="ledger_amount_not_zero"),
            models.CheckConstraint(
                condition=models.Q(reverses__isnull=True, amount__gt=0) | models.Q(reverses__isnull=False, amount__lt=0),
                name="ledger_reversal_is_negative"),
        ]

    def __str__(self) -> str:
        return f"P{self.pk:08d} {self.payee_name} {self.amount}"

    @property
    def number(self) -> str:
        return f"P{self.pk:08d}"

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("ledger entries cannot be deleted; post a reversal")


class BankBatch(models.Model):
    """A payment file sent to the bank's bulk-payment service, and what the bank returned."""

    class State(models.TextChoices):
        EXPORTED = "exported", _("已导出，待银行回盘")
        STAGED = "staged", _("回盘已核对，待另一位工作人员确认")
        RETURNED = "returned", _("银行已回盘")

    unit_id_ref = models.BigIntegerField()
    unit_path = models.CharField(max_length=255, db_index=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.EXPORTED)
    entry_count = models.PositiveIntegerField(default=0)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    paid_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                   db_constraint=False)
    created_at = models.DateTimeField(default=timezone.now)
    returned_at = models.DateTimeField(null=True, blank=True)
    # The exported file's SHA-256: the bank's return file must quote it (with the batch number, row count, total).
    file_hash = models.CharField(max_length=64, blank=True)
    # A matched return file waits here until a second official confirms it: [[entry id, "paid"|"failed", reason]].
    staged_outcomes = models.JSONField(default=list, blank=True)
    staged_hash = models.CharField(max_length=64, blank=True)  # SHA-256 of the return file staged
    staged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", db_constraint=False)
    staged_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", db_constraint=False)

    class Meta:
        verbose_name = _("银行批量代发")
        verbose_name_plural = _("银行批量代发")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"B{self.pk:06d}"

    @property
    def number(self) -> str:
        return f"B{self.pk:06d}"


class AccountVerification(models.Model):
    """The union confirmed that a bank account belongs to a person (一人一档): money goes only to such an account."""

    person_id_ref = models.BigIntegerField(_("收款人档案"), db_index=True)
    account_hash = models.CharField(max_length=64)
    how = models.CharField(_("核实方式"), max_length=200)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    db_constraint=False)
    verified_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("收款账号核实")
        verbose_name_plural = _("收款账号核实")
        constraints = [models.UniqueConstraint(fields=["person_id_ref", "account_hash"],
                                               condition=models.Q(revoked_at__isnull=True),
                                               name="one_live_verification_per_account")]

    def __str__(self) -> str:
        return f"{self.person_id_ref} {self.account_hash[:8]}"


class AccountChange(models.Model):
    """A request to pay a payment or an application to another account: a second official decides it."""

    class State(models.TextChoices):
        PENDING = "pending", _("待复核")
        APPROVED = "approved", _("已批准")
        REFUSED = "refused", _("已驳回")

    person_id_ref = models.BigIntegerField(_("收款人档案"), db_index=True)
    target = models.CharField(max_length=80, db_index=True)  # "ledger.entry:12", "relief.application:5"
    entry = models.ForeignKey(PaymentEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, db_index=True)
    bank_account = EncryptedTextField(_("新收款账号"))
    bank_hash = models.CharField(max_length=64)
    reason = models.CharField(_("变更原因"), max_length=200)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     db_constraint=False)
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", db_constraint=False)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("收款账号变更")
        verbose_name_plural = _("收款账号变更")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["target"], condition=models.Q(state="pending"),
                                    name="one_pending_account_change_per_target"),
            models.CheckConstraint(condition=models.Q(decided_by__isnull=True) | ~models.Q(
                decided_by=models.F("requested_by")), name="account_change_four_eyes"),
        ]

    def __str__(self) -> str:
        return f"{self.target} → {self.bank_hash[:8]}"


# --- File attachments (invoices, diagnoses, photos) ---

class Attachment(models.Model):
    """An uploaded file, checked by its content (not its name), owned by one object of an app."""

    owner_type = models.CharField(max_length=60)  # "relief.application"
    owner_id = models.BigIntegerField()
    unit_path = models.CharField(max_length=255, db_index=True)
    label = models.CharField(_("说明"), max_length=60, blank=True)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    stored_as = models.CharField(max_length=255)  # under MEDIA_ROOT
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                    db_constraint=False)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        indexes = [models.Index(fields=["owner_type", "owner_id"], name="attachment_owner_idx")]

    def __str__(self) -> str:
        return self.name


class CalendarDay(models.Model):
    """A day an official marks as a holiday or a working day where the official calendar does not say so
    (a local holiday, next year's 调休 published after the package's release). It overrides chinese-calendar."""

    day = models.DateField(_("日期"), unique=True)
    working = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=100)
    # The loaded State Council arrangement this day comes from (`gonghui calendar load`); empty for a day an
    # official entered by hand (a local holiday). Loading the year again with --replace replaces these rows.
    arrangement = models.ForeignKey("CalendarYear", verbose_name=_("放假安排"), null=True, blank=True,
                                    on_delete=models.CASCADE, related_name="days")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_constraint=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("节假日调整")
        verbose_name_plural = _("节假日调整")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {'上班' if self.working else '放假'} {self.note}"


class CalendarYear(models.Model):
    """A year whose State Council holiday arrangement the system administrator loaded: its holidays and
    adjusted working days are `CalendarDay` rows; every other day is a working day Monday to Friday.
    A year neither loaded nor known to chinese-calendar is provisional (`core.deadlines`)."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(_("依据"), max_length=200, help_text=_("如：国务院办公厅关于2027年部分节假日安排的通知"))
    loaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", db_constraint=False)
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("年度放假安排")
        verbose_name_plural = _("年度放假安排")
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year} {self.source}"


class Notification(models.Model):
    """A message to one account, shown in its inbox (and sent by SMS when the account has a mobile)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    text = models.CharField(_("内容"), max_length=500)
    url = models.CharField(_("链接"), max_length=255, blank=True)
    # What sent it, so that a clock that runs twice does not say the same thing twice.
    key = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], condition=~Q(key=""),
                                               name="notification_once_per_key")]

    def __str__(self) -> str:
        return self.text[:40]


class RateEvent(models.Model):
    """One counted use of a limited action (a case opened, a join application, an SMS fan-out), kept a
    short while: the abuse limits count these per person and per address (core/ratelimit.py)."""

    kind = models.CharField(max_length=40)
    who = models.CharField(max_length=80)  # "user:<pk>", or the keyed hash of a phone for a visitor
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["kind", "who", "at"], name="rate_kind_who_at_idx"),
                   models.Index(fields=["kind", "ip", "at"], name="rate_kind_ip_at_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.who} {self.at:%Y-%m-%d %H:%M}"


class DocumentCounter(models.Model):
    """The last serial given for one series of document numbers ("mediation.case:TJ2026"): see core.counters."""

    key = models.CharField(max_length=80, primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("文书编号计数器")
        verbose_name_plural = _("文书编号计数器")

    def __str__(self) -> str:
        return f"{self.key} {self.value}"
