"""Labour-dispute mediation (劳动争议调解): bodies, negotiations, cases, sessions, the thread, agreements.

The statute is 劳动争议调解仲裁法 (cited "调解仲裁法"); the enterprise rules are 企业劳动争议协商调解规定
(人社部令第17号, cited "协商调解规定"). Each clock and condition names its article where it is enforced
(`rules.py`, `services.py`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.core.fields import EncryptedTextField
from gonghui.orgs.models import Enterprise, Person, Unit


class Category(models.TextChoices):
    WAGES = "wages", _("拖欠工资")
    SHUTDOWN_WAGES = "shutdown_wages", _("停工停产期间工资")
    OVERTIME_PAY = "overtime_pay", _("加班费")
    SOCIAL_INSURANCE = "social_insurance", _("社会保险")
    TERMINATION = "termination", _("解除终止与经济补偿")
    HOURS = "hours", _("工作时间与休息休假")
    INJURY = "injury", _("工伤")
    FLEXIBLE = "flexible", _("灵活用工与远程办公")
    OTHER = "other", _("其他")


class Side(models.TextChoices):
    WORKER = "worker", _("劳动者一方")
    EMPLOYER = "employer", _("用人单位一方")


class MediationBody(models.Model):
    """A mediation organisation of 调解仲裁法 第十条, with its mediators (roster) and its seal."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("企业劳动争议调解委员会")
        PEOPLE = "people", _("基层人民调解组织")
        STREET = "street", _("乡镇（街道）劳动争议调解组织")

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    unit = models.ForeignKey(Unit, verbose_name=_("所属工会"), on_delete=models.PROTECT, related_name="mediation_bodies")
    province = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", null=True, editable=False)
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("所在企业"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    arbitration_commission = models.CharField(_("管辖的劳动人事争议仲裁委员会"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    seal = models.ForeignKey("core.Attachment", verbose_name=_("印章图片"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("调解组织")
        verbose_name_plural = _("调解组织")
        ordering = ["unit__path", "name"]
        constraints = [models.CheckConstraint(condition=~Q(kind="enterprise") | Q(enterprise__isnull=False),
                                              name="mediation_body_enterprise_committee_has_enterprise")]

    def __str__(self) -> str:
        return self.name


class MediatorSeat(models.Model):
    """A mediator on a body's roster; their employer is kept for the conflict-of-interest check."""

    body = models.ForeignKey(MediationBody, on_delete=models.CASCADE, related_name="seats")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("调解员"), on_delete=models.PROTECT,
                             related_name="mediator_seats")
    employer = models.ForeignKey(Enterprise, verbose_name=_("调解员所在单位"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["body", "user"], name="mediator_once_per_body")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.body}"


class Negotiation(models.Model):
    """协商: a worker asks the employer to talk, alone or with the union's help (调解仲裁法 第四条)."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("等待用人单位回应")
        TALKING = "talking", _("协商中")
        REFUSED = "refused", _("用人单位不愿协商")
        DEEMED_REFUSED = "deemed_refused", _("5日未回应，视为不愿协商")
        FAILED = "failed", _("协商不成")
        SETTLED = "settled", _("已达成和解协议")

    OPEN = (State.REQUESTED, State.TALKING)

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    employer = models.ForeignKey(Enterprise, verbose_name=_("用人单位"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", null=True, editable=False)
    category = models.CharField(_("争议类别"), max_length=20, choices=Category.choices)
    claims = models.TextField(_("协商请求"))
    union_assist = models.BooleanField(_("请工会参与协商"), default=False)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.REQUESTED)
    requested_at = models.DateTimeField(default=timezone.now)
    reply_due_on = models.DateField(_("回应期限"))
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(_("用人单位回应"), blank=True)
    settlement = models.TextField(_("和解协议内容"), blank=True)
    worker_signed_at = models.DateTimeField(null=True, blank=True)
    employer_signed_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("协商")
        verbose_name_plural = _("协商")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.number} {self.employer}"

    @property
    def number(self) -> str:
        return f"XS{self.pk:07d}"


class Case(models.Model):
    """调解案件: from the application to agreement, not mediated, withdrawal or non-acceptance."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("待受理")
        ACCEPTED = "accepted", _("调解中")
        AGREED = "agreed", _("已达成调解协议")
        NOT_MEDIATED = "not_mediated", _("调解不成")
        WITHDRAWN = "withdrawn", _("已撤回")
        NOT_ACCEPTED = "not_accepted", _("不予受理")

    OPEN = (State.SUBMITTED, State.ACCEPTED)

    class Channel(models.TextChoices):
        WRITTEN = "written", _("书面（网上）申请")
        ORAL = "oral", _("口头申请（调解组织记录）")

    number = models.CharField(_("案号"), max_length=20, unique=True)
    body = models.ForeignKey(MediationBody, verbose_name=_("调解组织"), on_delete=models.PROTECT, related_name="cases")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="mediation_cases")
    province = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", null=True, editable=False)
    employer = models.ForeignKey(Enterprise, verbose_name=_("用人单位"), on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("争议类别"), max_length=20, choices=Category.choices)
    channel = models.CharField(_("申请方式"), max_length=8, choices=Channel.choices)
    claims = models.TextField(_("调解请求"))
    facts = models.TextField(_("事实和理由"))
    amount_claimed = models.DecimalField(_("请求金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    knew_on = models.DateField(_("知道权利被侵害之日"))
    employment_ended_on = models.DateField(_("劳动关系终止之日"), null=True, blank=True)
    negotiation = models.ForeignKey(Negotiation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(_("状态"), max_length=14, choices=State.choices, default=State.SUBMITTED)
    received_at = models.DateTimeField(_("收到申请时间"), default=timezone.now)
    accept_due_on = models.DateField(_("受理决定期限"))
    arbitration_open_on = models.DateField(_("可申请仲裁之日"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")  # staff who wrote down an oral application
    applicant_confirmed_at = models.DateTimeField(_("申请人确认记录时间"), null=True, blank=True)
    employer_consented_at = models.DateTimeField(_("用人单位同意调解时间"), null=True, blank=True)
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    mediation_ends_on = models.DateField(_("调解期限"), null=True, blank=True)
    decision_reason = models.TextField(_("受理决定理由"), blank=True)
    # A worker applying online against an employer other than the one on their file says why (left the
    # job, agency work, the user of a dispatched worker); the body checks it before accepting.
    employer_reason = models.TextField(_("针对非登记单位的理由"), blank=True, default="")
    mediator = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("调解员"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    collective = models.BooleanField(_("集体争议"), default=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.TextField(_("结案说明"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("调解案件")
        verbose_name_plural = _("调解案件")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["unit", "state"], name="mediation_case_unit_state_idx"),
                   models.Index(fields=["employer", "state"], name="mediation_case_employer_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(state="accepted") | Q(accepted_on__isnull=False,
                                                                      mediation_ends_on__isnull=False),
                                   name="mediation_case_accepted_has_clock"),
            models.CheckConstraint(condition=~Q(state__in=["agreed", "not_mediated", "withdrawn", "not_accepted"])
                                   | Q(closed_at__isnull=False), name="mediation_case_closed_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_category_display()}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN


class Party(models.Model):
    """Someone on one side of a case: a worker (from the registry), an agent or a witness.

    The employer itself is `Case.employer`, acting through its 用人单位代表 accounts.
    """

    class Kind(models.TextChoices):
        WORKER = "worker", _("申请人（劳动者）")
        AGENT = "agent", _("委托代理人")
        WITNESS = "witness", _("证人")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    side = models.CharField(_("所属一方"), max_length=8, choices=Side.choices)
    kind = models.CharField(_("身份"), max_length=8, choices=Kind.choices)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    name = models.CharField(_("姓名"), max_length=50)
    phone = EncryptedTextField(_("联系电话"), blank=True, default="")
    # 调解仲裁法 第七条: ten or more workers with a common claim may choose representatives.
    representative = models.BooleanField(_("推举的代表"), default=False)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["side", "kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "person"], condition=Q(person__isnull=False),
                                    name="mediation_party_person_once"),
            # A worker is on the worker side. Their file may be missing only while another street's union has
            # still to confirm that the file named by the ID number is theirs (orgs.PersonLink).
            models.CheckConstraint(condition=~Q(kind="worker") | Q(side="worker"),
                                   name="mediation_party_worker_on_worker_side"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"


class Step(models.Model):
    """Each move of a case: who, when, from, to, why (the case's timeline)."""

    class Action(models.TextChoices):
        SUBMIT = "submit", _("提交调解申请")
        RECORD_ORAL = "record_oral", _("记录口头申请")
        WARNING = "warning", _("劳动关系预警")
        ADD_WORKERS = "add_workers", _("添加申请人")
        ADD_PARTICIPANT = "add_participant", _("添加参与人")
        CONFIRM_RECORD = "confirm_record", _("申请人确认口头申请记录")
        EMPLOYER_AGREE = "employer_agree", _("用人单位同意调解")
        EMPLOYER_REFUSE = "employer_refuse", _("用人单位不同意调解")
        ACCEPT = "accept", _("受理")
        NOT_ACCEPT = "not_accept", _("不予受理")
        ASSIGN = "assign", _("指派调解员")
        REASSIGN = "reassign", _("更换调解员")
        SCHEDULE = "schedule", _("安排调解")
        CANCEL_SESSION = "cancel_session", _("取消调解")
        MINUTES = "minutes", _("记录调解笔录")
        PROPOSE_EXTENSION = "propose_extension", _("提议延长调解期限")
        AGREE_EXTENSION = "agree_extension", _("同意延期")
        EXTENDED = "extended", _("双方同意延长调解期限")
        DRAFT = "draft", _("拟定调解协议")
        CONFIRM = "confirm", _("确认调解协议")
        SEAL = "seal", _("调解员签名、加盖印章，协议生效")
        PAID = "paid", _("报告款项已支付")
        UNPAID = "unpaid", _("报告款项逾期未支付")
        WITHDRAW = "withdraw", _("申请人撤回")
        NOT_MEDIATED = "not_mediated", _("调解不成")
        ARBITRATION_NOTICE = "arbitration_notice", _("告知可申请仲裁")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    action = models.CharField(max_length=20, choices=Action.choices)
    from_state = models.CharField(max_length=14, blank=True)
    to_state = models.CharField(max_length=14, blank=True)
    reason = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.action


class Assignment(models.Model):
    """A mediator put on a case, with their declaration that they have no conflict of interest."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    mediator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    declaration = models.TextField(_("回避声明"))
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("更换理由"), max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case} → {self.mediator}"


class Session(models.Model):
    """A mediation session: online (a meeting link), by phone or in person."""

    class Mode(models.TextChoices):
        ONLINE = "online", _("线上视频")
        PHONE = "phone", _("电话")
        IN_PERSON = "in_person", _("当面")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="sessions")
    mode = models.CharField(_("方式"), max_length=10, choices=Mode.choices)
    starts_at = models.DateTimeField(_("开始时间"))
    minutes_long = models.PositiveSmallIntegerField(_("时长（分钟）"), default=60)
    place = models.CharField(_("地点或会议链接"), max_length=300)
    minutes = models.TextField(_("调解笔录"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    cancelled = models.BooleanField(default=False)

    class Meta:
        ordering = ["starts_at", "id"]

    def __str__(self) -> str:
        return f"{self.case.number} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"


class Message(models.Model):
    """One entry of the case thread. Addressed to everyone, or to the mediator and one side only (背对背)."""

    class Audience(models.TextChoices):
        ALL = "all", _("各方可见")
        WORKER = "worker", _("仅调解员与劳动者一方")
        EMPLOYER = "employer", _("仅调解员与用人单位一方")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_side = models.CharField(max_length=8, blank=True)  # "" = the mediator or the body's staff
    audience = models.CharField(_("可见范围"), max_length=8, choices=Audience.choices, default=Audience.ALL)
    text = models.TextField(_("内容"))
    evidence = models.ForeignKey("core.Attachment", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.text[:30]


class Extension(models.Model):
    """Both parties agree to extend the mediation period (协商调解规定)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField(_("延长天数"))
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    worker_agreed_at = models.DateTimeField(null=True, blank=True)
    employer_agreed_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case.number} +{self.days}"


class Agreement(models.Model):
    """调解协议书. It binds once both sides confirmed, the mediator signed and the seal is on (调解仲裁法 第十四条)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="agreement")
    terms = models.TextField(_("协议内容"))
    version = models.PositiveIntegerField(default=1)  # a change of terms voids earlier confirmations
    employer_confirmed_at = models.DateTimeField(null=True, blank=True)
    employer_confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                              on_delete=models.PROTECT, related_name="+")
    mediator_signed_at = models.DateTimeField(null=True, blank=True)
    mediator_signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="+")
    sealed_at = models.DateTimeField(null=True, blank=True)
    effective_at = models.DateTimeField(_("生效时间"), null=True, blank=True)
    drafted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("调解协议")
        verbose_name_plural = _("调解协议")

    def __str__(self) -> str:
        return f"{self.case.number} 调解协议"


class WorkerConfirmation(models.Model):
    """One worker's online confirmation of one version of the agreement's terms."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="worker_confirmations")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agreement", "party", "version"],
                                               name="mediation_confirm_once_per_version")]

    def __str__(self) -> str:
        return f"{self.party} v{self.version}"


class AgreedPayment(models.Model):
    """A sum the agreement says the employer pays, by a date; the worker reports it paid or unpaid."""

    class Kind(models.TextChoices):
        WAGES = "wages", _("拖欠劳动报酬")
        INJURY_MEDICAL = "injury_medical", _("工伤医疗费")
        COMPENSATION = "compensation", _("经济补偿")
        DAMAGES = "damages", _("赔偿金")
        OTHER = "other", _("其他款项")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="payments")
    kind = models.CharField(_("款项"), max_length=16, choices=Kind.choices)
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2)
    due_on = models.DateField(_("约定支付日期"))
    paid_on = models.DateField(_("实际支付日期"), null=True, blank=True)
    reported_unpaid_at = models.DateTimeField(_("报告未支付时间"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="mediation_payment_positive")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class EarlyWarning(models.Model):
    """劳动关系预警: a collective dispute, raised to the district union at once."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="warning")
    unit = models.ForeignKey(Unit, verbose_name=_("预警单位"), on_delete=models.PROTECT, related_name="+")
    workers = models.PositiveIntegerField(_("涉及人数"))
    raised_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")

    class Meta:
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return f"{self.case.number} {self.workers}人"


class LimitationSuspension(models.Model):
    """仲裁时效中止 (调解仲裁法 第二十七条第三款): force majeure or another proper reason kept the worker from applying.

    The period stops on `starts_on` and runs on from `ends_on`, the day the cause was removed (empty while it lasts).
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="suspensions")
    reason = models.CharField(_("中止事由"), max_length=200)
    starts_on = models.DateField(_("中止开始之日"))
    ends_on = models.DateField(_("中止原因消除之日"), null=True, blank=True)
    evidence = models.TextField(_("证据说明"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("仲裁时效中止")
        verbose_name_plural = _("仲裁时效中止")
        ordering = ["starts_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                                              name="mediation_suspension_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.case.number} {self.starts_on}–{self.ends_on or ''}"


class LimitationInterruption(models.Model):
    """仲裁时效中断 (调解仲裁法 第二十七条第二款) other than this case's own application: the year restarts that day."""

    class Kind(models.TextChoices):
        CLAIM = "claim", _("向对方当事人主张权利")
        DEPARTMENT = "department", _("向有关部门请求权利救济")
        AGREED = "agreed", _("对方当事人同意履行义务")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="interruptions")
    kind = models.CharField(_("中断事由"), max_length=12, choices=Kind.choices)
    occurred_on = models.DateField(_("中断之日"))
    evidence = models.TextField(_("证据说明"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("仲裁时效中断")
        verbose_name_plural = _("仲裁时效中断")
        ordering = ["occurred_on", "id"]

    def __str__(self) -> str:
        return f"{self.case.number} {self.occurred_on}"
