"""困难职工帮扶: hardship files, monitoring, relief policies as data, applications, budgets, batch grants."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.core.fields import EncryptedTextField
from gonghui.orgs.models import Person, Unit
from gonghui.relief import rules

MONEY = {"max_digits": 12, "decimal_places": 2}


def _choices(mapping: dict[str, str]) -> list[tuple[str, str]]:
    return list(mapping.items())


class DibaoStandard(models.Model):
    """A city's urban minimum-living standard (城市低保, yuan per person per month) from a date."""

    city = models.ForeignKey(Unit, verbose_name=_("城市"), on_delete=models.PROTECT, related_name="+")
    monthly = models.DecimalField(_("低保标准（元/人·月）"), **MONEY)
    effective_from = models.DateField(_("起始日期"))
    effective_to = models.DateField(_("截止日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("城市低保标准")
        verbose_name_plural = _("城市低保标准")
        ordering = ["city", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["city", "effective_from"], name="dibao_one_per_city_and_start"),
            models.CheckConstraint(condition=Q(monthly__gt=0), name="dibao_positive"),
            models.CheckConstraint(condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                                   name="dibao_dates_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.city} {self.monthly} ({self.effective_from})"


class CriteriaSetting(models.Model):
    """A unit's own hardship criteria (for its subtree); without one, the defaults of `rules.Criteria`."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="+")
    deep_multiple = models.DecimalField(_("深度困难：低于几倍低保"), max_digits=5, decimal_places=2, default=Decimal("1"))
    relative_multiple = models.DecimalField(_("相对困难：低于几倍低保"), max_digits=5, decimal_places=2,
                                            default=Decimal("2"))
    accident_cost_share = models.DecimalField(_("意外致困：致困支出占年收入比例"), max_digits=4, decimal_places=2,
                                              default=Decimal("0.80"))
    edge_multiple = models.DecimalField(_("边缘户上限：几倍低保"), max_digits=5, decimal_places=2, default=Decimal("2.5"))
    exit_months = models.PositiveSmallIntegerField(_("脱困：连续高于低保的月数"), default=6)
    unstable_months = models.PositiveSmallIntegerField(_("脱困不稳定监测月数"), default=12)
    contact_days = models.PositiveSmallIntegerField(_("联系间隔（天）"), default=30)
    spot_check_share = models.DecimalField(_("年审抽查比例"), max_digits=3, decimal_places=2, default=Decimal("0.30"))

    class Meta:
        verbose_name = _("困难认定标准")
        verbose_name_plural = _("困难认定标准")
        constraints = [models.CheckConstraint(condition=Q(spot_check_share__gte=Decimal("0.30")),
                                              name="criteria_spot_check_at_least_30pct")]

    def __str__(self) -> str:
        return f"{self.unit} 困难认定标准"

    def as_rules(self) -> rules.Criteria:
        return rules.Criteria(self.deep_multiple, self.relative_multiple, self.accident_cost_share, self.edge_multiple,
                              self.exit_months, self.unstable_months, self.contact_days, self.spot_check_share)


class HardshipFile(models.Model):
    """困难职工档案: one household's file on a person of the registry."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("在档")
        EXITED = "exited", _("已脱困")
        RESOLVED = "resolved", _("已解困")
        RETURNED = "returned", _("返困")

    CAUSES = {"illness": "因病", "disability": "因残", "disaster": "因灾", "schooling": "子女就学",
              "unemployment": "失业", "accident": "意外", "epidemic": "疫情", "other": "其他"}
    OPEN = (Status.ACTIVE, Status.RETURNED)

    person = models.ForeignKey(Person, verbose_name=_("职工"), on_delete=models.PROTECT, related_name="hardship_files")
    unit = models.ForeignKey(Unit, verbose_name=_("建档工会"), on_delete=models.PROTECT, related_name="hardship_files")
    province = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", null=True, editable=False)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    category = models.CharField(_("困难类别"), max_length=10, choices=_choices(rules.CATEGORY), blank=True)
    category_reason = models.CharField(_("认定理由"), max_length=300, blank=True)
    proposed_category = models.CharField(_("系统建议类别"), max_length=10, choices=_choices(rules.CATEGORY), blank=True)
    proposal_reason = models.CharField(_("建议理由"), max_length=300, blank=True)
    category_confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                              on_delete=models.SET_NULL, related_name="+")
    category_confirmed_at = models.DateTimeField(null=True, blank=True)
    causes = models.JSONField(_("致困原因"), default=list, blank=True)
    essential_spending = models.DecimalField(_("必要支出（元/月）"), default=Decimal("0"), **MONEY)
    hardship_costs_annual = models.DecimalField(_("致困支出（元/年）"), default=Decimal("0"), **MONEY)
    accident_on = models.DateField(_("灾害或事故日期"), null=True, blank=True)
    monthly_income = models.DecimalField(_("家庭月收入"), default=Decimal("0"), editable=False, **MONEY)
    state_support_monthly = models.DecimalField(_("国家救助（元/月）"), default=Decimal("0"), editable=False, **MONEY)
    union_help_monthly = models.DecimalField(_("工会常态帮扶（元/月）"), default=Decimal("0"), **MONEY)
    members_count = models.PositiveSmallIntegerField(_("家庭人口"), default=1, editable=False)
    per_head = models.DecimalField(_("人均月收入"), default=Decimal("0"), editable=False, **MONEY)
    entered_on = models.DateField(_("建档日期"), default=timezone.localdate)
    last_review_on = models.DateField(_("最近年审"), null=True, blank=True)
    exited_on = models.DateField(_("退出日期"), null=True, blank=True)
    exit_reason = models.CharField(_("退出原因"), max_length=200, blank=True)
    previous_file = models.OneToOneField("self", verbose_name=_("原档案"), null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="next_file")
    helper = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("帮扶责任人"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="helped_files")
    last_contact_on = models.DateField(_("最近联系"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("困难职工档案")
        verbose_name_plural = _("困难职工档案")
        ordering = ["-id"]
        indexes = [models.Index(fields=["unit", "status"], name="hardship_unit_status_idx"),
                   models.Index(fields=["province", "status"], name="hardship_province_status_idx")]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(status__in=["active", "returned"]),
                                    name="hardship_one_open_file_per_person"),
            models.CheckConstraint(condition=Q(status__in=["active", "returned"]) | Q(exited_on__isnull=False),
                                   name="hardship_closed_file_has_exit_date"),
        ]

    def __str__(self) -> str:
        return f"{self.person.name}（{self.get_status_display()}）"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    def cause_labels(self) -> list[str]:
        return [self.CAUSES.get(c, c) for c in self.causes]


class HouseholdMember(models.Model):
    RELATIONS = ("本人", "配偶", "子女", "父母", "兄弟姐妹", "祖父母", "孙子女", "其他")
    SEALED_HASHES = {"id_hash": ("id_number", "id")}  # re-computed by `gonghui rotate-key`
    DISABILITY = {"": "无", "1": "一级", "2": "二级", "3": "三级", "4": "四级"}

    file = models.ForeignKey(HardshipFile, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, verbose_name=_("在册职工"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")  # when the member is in the registry: finds double counting
    name = models.CharField(_("姓名"), max_length=50)
    # The member's ID number, sealed, and its keyed hash computed as a registry person's (`lookup_hash(number,
    # "id")`): two files whose members share a hash are one household — they share its caps and one-off grants
    # (`relief.services.caps`). Re-computed by `gonghui rotate-key` (SEALED_HASHES).
    id_number = EncryptedTextField(_("身份证号"), blank=True, default="")
    id_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    relation = models.CharField(_("关系"), max_length=10, choices=[(r, r) for r in RELATIONS])
    age = models.PositiveSmallIntegerField(_("年龄"))
    health = EncryptedTextField(_("健康状况"), blank=True, default="")  # health data: sealed at rest
    serious_illness = models.BooleanField(_("患重病或慢性病"), default=False)
    disability = models.CharField(_("残疾等级"), max_length=1, choices=list(DISABILITY.items()), blank=True)
    schooling = models.CharField(_("就学"), max_length=30, blank=True)
    employment = models.CharField(_("就业"), max_length=30, blank=True)
    monthly_income = models.DecimalField(_("月收入"), default=Decimal("0"), **MONEY)
    # 个人信息保护法 第三十一条: a member under 14 is recorded only with a parent's or guardian's consent —
    # who consented and their relation to the child (required then; relief/services _write_household).
    GUARDIAN_RELATIONS = ("父亲", "母亲", "祖父母", "外祖父母", "其他监护人")
    guardian_name = models.CharField(_("同意登记的监护人"), max_length=50, blank=True)
    guardian_relation = models.CharField(_("监护人与成员的关系"), max_length=10, blank=True,
                                         choices=[(r, r) for r in GUARDIAN_RELATIONS])

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(monthly_income__gte=0), name="member_income_not_negative")]

    def __str__(self) -> str:
        return f"{self.relation} {self.name}"


class IncomeSource(models.Model):
    KINDS = {"wage": "工资", "pension": "养老金", "business": "经营收入", "dibao": "低保金", "state_aid": "其他国家救助",
             "rent": "财产性收入", "other": "其他"}
    STATE_KINDS = ("dibao", "state_aid")

    file = models.ForeignKey(HardshipFile, on_delete=models.CASCADE, related_name="income_sources")
    kind = models.CharField(_("收入来源"), max_length=12, choices=list(KINDS.items()))
    monthly = models.DecimalField(_("金额（元/月）"), **MONEY)
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("收入来源")
        verbose_name_plural = _("收入来源")
        constraints = [models.CheckConstraint(condition=Q(monthly__gte=0), name="income_not_negative")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.monthly}"


class MonthlyIncome(models.Model):
    """Per-head income recorded month by month: 脱困 needs 6 consecutive months above 低保."""

    file = models.ForeignKey(HardshipFile, on_delete=models.CASCADE, related_name="monthly_incomes")
    month = models.DateField(_("月份"))  # first day of the month
    per_head = models.DecimalField(_("人均月收入"), **MONEY)
    dibao = models.DecimalField(_("当月低保标准"), **MONEY)

    class Meta:
        ordering = ["-month"]
        constraints = [models.UniqueConstraint(fields=["file", "month"], name="one_income_record_per_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.per_head}"


class Flag(models.Model):
    """Dynamic monitoring (动态监测): a flag on a household from a date, until a date."""

    file = models.ForeignKey(HardshipFile, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(_("监测标记"), max_length=20, choices=_choices(rules.FLAGS))
    starts_on = models.DateField(_("开始"))
    ends_on = models.DateField(_("结束"), null=True, blank=True)
    automatic = models.BooleanField(default=False)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("监测标记")
        verbose_name_plural = _("监测标记")
        ordering = ["-starts_on"]
        constraints = [models.CheckConstraint(condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                                              name="flag_dates_in_order")]

    def __str__(self) -> str:
        return self.get_kind_display()

    def active_on(self, day: object) -> bool:
        return self.starts_on <= day and (self.ends_on is None or self.ends_on >= day)  # type: ignore[operator]


class Contact(models.Model):
    """一对一帮扶 contact log."""

    CHANNELS = {"visit": "上门走访", "phone": "电话", "message": "微信/短信"}
    file = models.ForeignKey(HardshipFile, on_delete=models.CASCADE, related_name="contacts")
    helper = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    on = models.DateField(_("日期"))
    channel = models.CharField(_("方式"), max_length=10, choices=list(CHANNELS.items()))
    notes = models.TextField(_("情况记录"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("帮扶联系")
        verbose_name_plural = _("帮扶联系")
        ordering = ["-on", "-id"]

    def __str__(self) -> str:
        return f"{self.on} {self.get_channel_display()}"


class Problem(models.Model):
    """A problem a household raised, tracked to its outcome."""

    file = models.ForeignKey(HardshipFile, on_delete=models.CASCADE, related_name="problems")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="problems")
    description = models.CharField(_("问题"), max_length=300)
    outcome = models.CharField(_("解决结果"), max_length=300, blank=True)
    raised_on = models.DateField(_("提出日期"))
    resolved_on = models.DateField(_("解决日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("诉求问题")
        verbose_name_plural = _("诉求问题")
        ordering = ["resolved_on", "-raised_on"]
        constraints = [models.CheckConstraint(condition=Q(resolved_on__isnull=True) | ~Q(outcome=""),
                                              name="problem_resolved_has_outcome")]

    def __str__(self) -> str:
        return self.description


class SpotCheck(models.Model):
    """The annual review's random draw (年审抽查), recorded with its seed so that it can be re-drawn."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    share = models.DecimalField(max_digits=3, decimal_places=2)
    seed = models.BigIntegerField()
    population = models.PositiveIntegerField()
    drawn_ids = models.JSONField(default=list)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("年审抽查")
        verbose_name_plural = _("年审抽查")
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="one_spot_check_per_unit_year")]

    def __str__(self) -> str:
        return f"{self.unit} {self.year} 年审抽查"


class Review(models.Model):
    """年审: one per file and year."""

    OUTCOMES = {"keep": "继续在档", "exit": "脱困退出", "resolve": "解困", "recategorise": "调整类别"}
    file = models.ForeignKey(HardshipFile, on_delete=models.CASCADE, related_name="reviews")
    year = models.PositiveSmallIntegerField(_("年度"))
    reviewed_on = models.DateField(_("年审日期"))
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("结论"), max_length=12, choices=list(OUTCOMES.items()))
    spot_checked = models.BooleanField(_("抽查核实"), default=False)
    notes = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("年审")
        verbose_name_plural = _("年审")
        constraints = [models.UniqueConstraint(fields=["file", "year"], name="one_review_per_file_year")]

    def __str__(self) -> str:
        return f"{self.year} {self.get_outcome_display()}"


# --- Relief policies as data ---

class Policy(models.Model):
    code = models.SlugField(_("政策代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    # The unit whose officials maintain it; none for the policies shipped with Gonghui (administrators).
    owner = models.ForeignKey(Unit, verbose_name=_("制定单位"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")

    class Meta:
        verbose_name = _("救助政策")
        verbose_name_plural = _("救助政策")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class PolicyVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField(_("版本"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)
    spec = models.JSONField(_("规则"))
    review_levels = models.JSONField(_("审批层级"), default=list)  # unit levels, e.g. [6, 5]
    escalate_above = models.DecimalField(_("超过此金额再报上一级"), null=True, blank=True, **MONEY)
    notice_days = models.PositiveSmallIntegerField(_("公示天数"), default=0)
    note = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("政策版本")
        verbose_name_plural = _("政策版本")
        ordering = ["policy", "-number"]
        constraints = [models.UniqueConstraint(fields=["policy", "number"], name="policy_version_number_unique")]

    def __str__(self) -> str:
        return f"{self.policy.name} v{self.number}"

    def compiled(self) -> rules.CompiledPolicy:
        cached = getattr(self, "_compiled", None)
        if cached is None:
            cached = rules.CompiledPolicy(self.spec, self.policy.code)
            self._compiled = cached
        return cached


class Budget(models.Model):
    """A unit's relief budget for one policy and year."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="relief_budgets")
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="budgets")
    year = models.PositiveSmallIntegerField(_("年度"))
    allocated = models.DecimalField(_("已下达"), default=Decimal("0"), **MONEY)

    class Meta:
        verbose_name = _("救助资金")
        verbose_name_plural = _("救助资金")
        constraints = [models.UniqueConstraint(fields=["unit", "policy", "year"], name="one_budget_per_unit_policy_year"),
                       models.CheckConstraint(condition=Q(allocated__gte=0), name="budget_not_negative")]

    def __str__(self) -> str:
        return f"{self.unit} {self.policy} {self.year}"


class BudgetMovement(models.Model):
    KINDS = {"allocate": "上级下达", "top_up": "追加", "transfer_in": "调入", "transfer_out": "下拨"}
    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=12, choices=list(KINDS.items()))
    amount = models.DecimalField(**MONEY)
    counterpart = models.ForeignKey(Budget, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="movement_not_zero")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


# --- Applications (在线受理) ---

class Application(models.Model):
    class State(models.TextChoices):
        SUBMITTED = "submitted", _("审核中")
        RETURNED = "returned", _("退回补充材料")
        REJECTED = "rejected", _("未通过")
        NOTICE = "notice", _("公示中")
        APPROVED = "approved", _("已批准，待拨付")
        RELEASED = "released", _("已拨付")

    SEALED_HASHES = {"bank_hash": ("bank_account", "bank")}  # re-computed by `gonghui rotate-key`
    COMMITTED = (State.NOTICE, State.APPROVED)
    COUNTED = (State.NOTICE, State.APPROVED, State.RELEASED)  # count against caps and budgets

    file = models.ForeignKey(HardshipFile, on_delete=models.PROTECT, related_name="applications")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="relief_applications")
    province = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", null=True, editable=False)
    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="applications")
    cap_groups = models.JSONField(default=list)  # the yearly cap groups its amount counts in
    facts = models.JSONField(_("申请事实"), default=dict)
    description = models.TextField(_("申请理由"), blank=True)
    amount = models.DecimalField(_("核定金额"), default=Decimal("0"), **MONEY)
    trace = models.JSONField(_("计算过程"), default=list)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.SUBMITTED)
    chain = models.JSONField(default=list)  # unit ids that decide, in order
    step = models.PositiveSmallIntegerField(default=0)
    current_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    bank_account = EncryptedTextField(_("收款账号"), blank=True, default="")
    bank_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    budget = models.ForeignKey(Budget, null=True, blank=True, on_delete=models.PROTECT, related_name="applications")
    year = models.PositiveSmallIntegerField(null=True, blank=True)  # calendar year of approval (caps)
    notice_until = models.DateField(_("公示截止"), null=True, blank=True)
    channel = models.CharField(max_length=10, choices=[("self", "本人网上申请"), ("official", "工作人员代录")])
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    payment_key = models.CharField(max_length=120, blank=True)

    class Meta:
        verbose_name = _("救助申请")
        verbose_name_plural = _("救助申请")
        ordering = ["-id"]
        indexes = [models.Index(fields=["file", "year", "state"], name="application_file_year_idx"),
                   models.Index(fields=["current_unit", "state"], name="application_queue_idx")]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="application_amount_not_negative")]

    def __str__(self) -> str:
        return f"{self.person.name} · {self.version.policy.name}"

    @property
    def number(self) -> str:
        return f"JZ{self.pk:07d}"


class Step(models.Model):
    """Each move of an application: who, when, from, to, why."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="steps")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=20)
    from_state = models.CharField(max_length=10, blank=True)
    to_state = models.CharField(max_length=10)
    reason = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.from_state}→{self.to_state}"


class Objection(models.Model):
    """An objection raised during the public notice (公示), and how it was resolved."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="objections")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("异议内容"))
    raised_at = models.DateTimeField(default=timezone.now)
    upheld = models.BooleanField(null=True)
    resolution = models.TextField(_("处理结果"), blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.text[:50]


class DuplicateFlag(models.Model):
    """A possible duplicate for the reviewer: flagged with its reason, never merged silently."""

    KINDS = {"person_in_two_files": "同一人出现在两户档案中", "shared_bank": "收款账号与其他申请人相同",
             "shared_phone": "手机号与其他申请人相同", "same_attachment": "同一附件已用于另一份申请",
             "same_facts": "同户本年度已有事实相同的申请"}
    # The same expense claimed twice: approval waits until a reviewer records why it may pass.
    DOUBLE_CLAIM = ("same_attachment", "same_facts")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="duplicate_flags")
    kind = models.CharField(max_length=24, choices=list(KINDS.items()))
    detail = models.CharField(max_length=300)
    cleared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    cleared_reason = models.CharField(_("核实说明"), max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "kind", "detail"], name="duplicate_flag_once")]

    def __str__(self) -> str:
        return self.get_kind_display()


# --- Batch grants ---

class GrantBatch(models.Model):
    """A grant to every household matching criteria (e.g. the 1,000-yuan epidemic grant)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("待审批")
        RUNNING = "running", _("发放中")
        DONE = "done", _("已完成")

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="grant_batches")
    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="batches")
    criteria = models.JSONField(default=dict)  # {"statuses": [...], "categories": [...]}
    # The budget it draws on (`services.budget_for` of its unit): counted there whatever unit created it.
    budget = models.ForeignKey(Budget, null=True, blank=True, on_delete=models.PROTECT, related_name="batches")
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    preview_count = models.PositiveIntegerField(default=0)
    preview_total = models.DecimalField(default=Decimal("0"), max_digits=16, decimal_places=2)
    created_count = models.PositiveIntegerField(default=0)
    # The last household file id whose chunk is written: a re-run (a task delivered twice, a crash)
    # resumes after it. Written in the same transaction as the chunk's entries.
    done_through = models.BigIntegerField(default=0)
    locked_reason = models.CharField(max_length=200, blank=True)
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("批量发放")
        verbose_name_plural = _("批量发放")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.version.policy.name} · {self.unit}"
