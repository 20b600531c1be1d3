"""Daily reporting and return-to-work services: form templates and their versions, assignments to enterprises,
reports and their revisions, the per-unit rollup figures that completeness pages read (cost ∝ units, not reports);
the health follow-up of the people the reports name; supplies; service visits; notices."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.core.fields import EncryptedJSONField
from gonghui.orgs.models import Enterprise, EnterpriseTag, Person, Unit


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
    tag = models.ForeignKey(EnterpriseTag, verbose_name=_("限于带此标签的企业"), null=True, blank=True,
                            on_delete=models.PROTECT, related_name="+")
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
    """A stretch of days an enterprise owes reports under an assignment: from `since` (the first period owed —
    the assignment's start, or the day the enterprise resumed work, was registered or entered the assignment's
    scope) to `until` (the last period owed before it was suspended, closed or left the scope; open while it
    owes). An assignment is a rule (subtree, industry, tag), so `services.sync_targets` opens and closes these
    when the scope or the enterprise's state changes, and every day; an enterprise suspended twice has two."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="targets")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    since = models.DateField(_("应报起始日"))
    until = models.DateField(_("应报截止日"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "enterprise", "since"], name="target_window_once"),
            models.UniqueConstraint(fields=["assignment", "enterprise"], condition=Q(until__isnull=True),
                                    name="target_one_open_window"),
            models.CheckConstraint(condition=Q(until__isnull=True) | Q(until__gte=models.F("since")),
                                   name="target_window_forward"),
        ]
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
    data = EncryptedJSONField()  # rows may name people: ID numbers, temperatures
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
    data = EncryptedJSONField()
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


# --- one file per worker: health follow-up ---

class Isolation(models.Model):
    """A period of medical observation or isolation of one person, opened from a report row that names them."""

    class Kind(models.TextChoices):
        HOME = "home", _("居家隔离")
        CENTRAL = "central", _("集中隔离")
        MONITOR = "monitor", _("健康监测")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="isolations")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", null=True, editable=False)
    kind = models.CharField(_("观察方式"), max_length=8, choices=Kind.choices)
    start_on = models.DateField(_("开始日期"))
    end_on = models.DateField(_("结束日期"), null=True, blank=True)
    follow_up_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("跟进人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    follow_up_named = models.CharField(_("报表所填跟进人"), max_length=50, blank=True)
    source_report = models.ForeignKey(Report, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("隔离观察")
        verbose_name_plural = _("隔离观察")
        ordering = ["-start_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "start_on"], name="isolation_once_per_start"),
            models.CheckConstraint(condition=Q(end_on__isnull=True) | Q(end_on__gte=models.F("start_on")),
                                   name="isolation_period_forward"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start_on}"


class HealthReading(models.Model):
    """The temperature and symptoms a report gave for one person on one day (health data: sealed at rest)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="health_readings")
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="health_readings")
    isolation = models.ForeignKey(Isolation, null=True, blank=True, on_delete=models.SET_NULL, related_name="readings")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("日期"))
    reading = EncryptedJSONField()  # {"temperature": "36.5", "symptoms": ["无"]}

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [models.UniqueConstraint(fields=["report", "person"], name="reading_once_per_report")]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.day}"


class FollowUpCheck(models.Model):
    """The follow-up person's daily check of someone in home isolation."""

    isolation = models.ForeignKey(Isolation, on_delete=models.CASCADE, related_name="checks")
    day = models.DateField(_("日期"))
    reading = EncryptedJSONField()  # {"temperature": "36.6", "well": true, "note": "…"}
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["isolation", "day"], name="check_once_a_day")]

    def __str__(self) -> str:
        return f"{self.isolation_id}@{self.day}"


# --- supplies (防疫物资) ---

class SupplyItem(models.Model):
    name = models.CharField(_("物资名称"), max_length=50, unique=True)
    measure = models.CharField(_("计量单位"), max_length=10)
    added_by_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("物资品类")
        verbose_name_plural = _("物资品类")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.measure}）"


class Supplier(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("供应商"), max_length=100)
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_phone = models.CharField(_("联系电话"), max_length=30)
    items = models.ManyToManyField(SupplyItem, verbose_name=_("供应品类"), blank=True, related_name="suppliers")

    class Meta:
        verbose_name = _("供应商")
        verbose_name_plural = _("供应商")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SupplyOrder(models.Model):
    """The street's consolidated order of one item: the pending requests of its enterprises, summed."""

    class State(models.TextChoices):
        PLACED = "placed", _("已下单")
        RECEIVED = "received", _("已到货")

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", null=True, editable=False)
    item = models.ForeignKey(SupplyItem, on_delete=models.PROTECT, related_name="+")
    supplier = models.ForeignKey(Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    quantity = models.PositiveIntegerField(_("数量"))
    received_quantity = models.PositiveIntegerField(_("到货数量"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PLACED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("汇总订单")
        verbose_name_plural = _("汇总订单")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.item.name} × {self.quantity}"


class SupplyRequest(models.Model):
    """An enterprise asks for a quantity of one item; the street orders, allocates and delivers."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", null=True, editable=False)
    item = models.ForeignKey(SupplyItem, verbose_name=_("物资"), on_delete=models.PROTECT, related_name="requests")
    quantity = models.PositiveIntegerField(_("申请数量"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    order = models.ForeignKey(SupplyOrder, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests")
    allocated = models.PositiveIntegerField(_("分配数量"), default=0)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    delivered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    class Meta:
        verbose_name = _("物资申请")
        verbose_name_plural = _("物资申请")
        ordering = ["-requested_at"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="supply_request_positive")]

    def __str__(self) -> str:
        return f"{self.enterprise_id}: {self.item_id} × {self.quantity}"


# --- service visits (望闻问切) ---

class ServiceTeam(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("服务队"), max_length=50)
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("队长"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("队员"), blank=True, related_name="+")

    class Meta:
        verbose_name = _("服务队")
        verbose_name_plural = _("服务队")
        ordering = ["unit", "name"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="team_name_once")]

    def __str__(self) -> str:
        return self.name


class VisitPlan(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("走访计划"), max_length=100)
    start_on = models.DateField(_("开始日期"))
    end_on = models.DateField(_("完成日期"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("走访计划")
        verbose_name_plural = _("走访计划")
        ordering = ["-start_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(end_on__gte=models.F("start_on")),
                                              name="visit_plan_forward")]

    def __str__(self) -> str:
        return self.name


class Visit(models.Model):
    """One service visit to an enterprise, in the four parts of 望闻问切."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", null=True, editable=False)
    team = models.ForeignKey(ServiceTeam, verbose_name=_("服务队"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="visits")
    visited_on = models.DateField(_("走访日期"))
    looked = models.TextField(_("望：核实基本情况"))
    heard = models.TextField(_("闻：听取意见建议"))
    asked = models.TextField(_("问：查找困难问题"))
    agreed = models.TextField(_("切：商定解决办法"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-visited_on", "-id"]

    def __str__(self) -> str:
        return f"{self.enterprise_id}@{self.visited_on}"


class PlannedVisit(models.Model):
    """An enterprise a team must visit under a plan; done when a visit is recorded."""

    plan = models.ForeignKey(VisitPlan, on_delete=models.CASCADE, related_name="planned")
    team = models.ForeignKey(ServiceTeam, on_delete=models.PROTECT, related_name="planned")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    visit = models.ForeignKey(Visit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["plan", "team", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "enterprise"], name="planned_visit_once")]

    def __str__(self) -> str:
        return f"{self.plan_id}:{self.enterprise_id}"


class VisitIssue(models.Model):
    """A difficulty found on a visit (问), tracked to its resolution by a named owner."""

    class Category(models.TextChoices):
        SUPPLIES = "supplies", _("防疫物资")
        STAFF = "staff", _("用工")
        FUNDS = "funds", _("资金")
        POLICY = "policy", _("政策")
        EPIDEMIC = "epidemic", _("疫情防控")
        LOGISTICS = "logistics", _("物流运输")
        OTHER = "other", _("其他")

    class State(models.TextChoices):
        OPEN = "open", _("待解决")
        RESOLVED = "resolved", _("已解决")

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="issues")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("类别"), max_length=10, choices=Category.choices)
    description = models.TextField(_("问题"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("责任人"), on_delete=models.PROTECT,
                              related_name="+")
    due_on = models.DateField(_("解决时限"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.OPEN)
    resolution = models.TextField(_("解决情况"), blank=True)
    resolved_on = models.DateField(_("解决日期"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        verbose_name = _("走访问题")
        verbose_name_plural = _("走访问题")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["unit", "state"], name="visit_issue_unit_state_idx")]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.description[:20]}"


# --- notices ---

class Notice(models.Model):
    """A notice or policy pack published to the enterprises of a subtree, with read receipts."""

    class Kind(models.TextChoices):
        NOTICE = "notice", _("通知")
        POLICY = "policy", _("政策包")

    unit = models.ForeignKey(Unit, verbose_name=_("发布到（工会及其下级）"), on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", null=True, editable=False)
    kind = models.CharField(_("类别"), max_length=8, choices=Kind.choices, default=Kind.NOTICE)
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("正文"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title


class NoticeReceipt(models.Model):
    """One enterprise a notice went to; read when one of its contacts first opened it."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="receipts")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    read_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")

    class Meta:
        ordering = ["notice", "enterprise_id"]
        constraints = [models.UniqueConstraint(fields=["notice", "enterprise"], name="receipt_once")]

    def __str__(self) -> str:
        return f"{self.notice_id}:{self.enterprise_id}"
