"""Daily reporting (三表一单): form templates and their versions, assignments to enterprises, reports and their
revisions, and the per-unit rollup figures that completeness pages read (cost ∝ units, not reports)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.orgs.models import Enterprise, Unit


class FormTemplate(models.Model):
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("表单名称"), max_length=100)
    description = models.TextField(_("填报说明"), blank=True)
    unit = models.ForeignKey(Unit, verbose_name=_("建表工会"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", help_text=_("为空的是系统提供的表单"))
    approval_step = models.BooleanField(_("须经街道审批"), default=False)
    active = models.BooleanField(_("在用"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("报表模板")
        verbose_name_plural = _("报表模板")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def current(self) -> FormVersion:
        return self.versions.order_by("-number").first()  # type: ignore[return-value]


class FormVersion(models.Model):
    """A template as it stood: a submitted report keeps the version it was filled on."""

    template = models.ForeignKey(FormTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    schema = models.JSONField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["template", "number"]
        constraints = [models.UniqueConstraint(fields=["template", "number"], name="form_version_once")]

    def __str__(self) -> str:
        return f"{self.template.name} v{self.number}"


class Assignment(models.Model):
    """Who must file a form, how often, by when: the enterprises of a subtree (optionally of one industry)."""

    class Frequency(models.TextChoices):
        DAILY = "daily", _("每日")
        WEEKLY = "weekly", _("每周")
        ONCE = "once", _("一次")

    template = models.ForeignKey(FormTemplate, on_delete=models.PROTECT, related_name="assignments")
    unit = models.ForeignKey(Unit, verbose_name=_("下发到（工会及其下级）"), on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", null=True, editable=False)
    industry = models.CharField(_("限于行业门类"), max_length=1, blank=True)
    frequency = models.CharField(_("频次"), max_length=8, choices=Frequency.choices, default=Frequency.DAILY)
    weekday = models.PositiveSmallIntegerField(_("每周报送日（周一为0）"), null=True, blank=True)
    deadline = models.TimeField(_("截止时间"), default="10:00")
    start_on = models.DateField(_("开始日期"))
    end_on = models.DateField(_("结束日期"))
    lock_after_days = models.PositiveSmallIntegerField(_("报告期后几日锁定"), default=3)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("填报任务")
        verbose_name_plural = _("填报任务")
        ordering = ["-start_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(end_on__gte=models.F("start_on")), name="assignment_period_forward"),
            models.CheckConstraint(condition=~Q(frequency="weekly") | Q(weekday__gte=0, weekday__lte=6),
                                   name="assignment_weekly_has_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.template.name} · {self.unit.name}"


class Target(models.Model):
    """An enterprise that must file under an assignment (fixed when the assignment is made)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="targets")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assignment", "enterprise"], name="target_once")]
        indexes = [models.Index(fields=["assignment", "unit"], name="target_assignment_unit_idx")]

    def __str__(self) -> str:
        return f"{self.assignment_id}:{self.enterprise_id}"


class Expected(models.Model):
    """How many enterprises at and below a unit must file under an assignment, each period."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="expected")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assignment", "unit"], name="expected_once")]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.count}"


class Report(models.Model):
    class State(models.TextChoices):
        SUBMITTED = "submitted", _("已报送")
        ACCEPTED = "accepted", _("已审核")
        HAS_ISSUES = "has_issues", _("有问题，已退回")
        REJECTED = "rejected", _("不予通过")

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="reports")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", null=True, editable=False)
    period = models.DateField(_("报告期"))
    version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="+")
    data = models.JSONField()
    revision = models.PositiveIntegerField(default=1)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.SUBMITTED)
    late = models.BooleanField(_("迟报"), default=False)
    channel = models.CharField(max_length=8, default="form")  # form, excel, api
    submitted_at = models.DateTimeField(_("首次报送时间"), default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    review_comment = models.TextField(_("审核意见"), blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        verbose_name = _("报表")
        verbose_name_plural = _("报表")
        ordering = ["-period", "enterprise_id"]
        constraints = [models.UniqueConstraint(fields=["assignment", "enterprise", "period"], name="report_once")]
        indexes = [models.Index(fields=["assignment", "period", "unit"], name="report_assignment_period_idx")]

    def __str__(self) -> str:
        return f"{self.assignment_id}:{self.enterprise_id}@{self.period}"


class Revision(models.Model):
    """Every version of a report's content: a correction is a revision, with its history."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="+")
    data = models.JSONField()
    late = models.BooleanField(default=False)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["report", "number"]
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="revision_once")]

    def __str__(self) -> str:
        return f"{self.report_id} r{self.number}"


class RollupFigure(models.Model):
    """One rolled-up number of a unit's period under an assignment, for that unit and everything below it: how
    many reported (`#reported`) and how many on time (`#on_time`), each numeric field and each table's row count. Kept up to date by each submission with atomic increments (no lock to wait for)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    period = models.DateField()
    key = models.CharField(max_length=100)
    value = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    touch = models.CharField(max_length=32, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assignment", "unit", "period", "key"], name="figure_once")]

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class Reopening(models.Model):
    """A street official reopens one enterprise's locked period (audited): it may file or correct until `until`."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="reopenings")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    period = models.DateField()
    until = models.DateField(_("开放至"))
    reason = models.CharField(_("原因"), max_length=200)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.assignment_id}:{self.enterprise_id}@{self.period} → {self.until}"
