"""The union tree, accounts and the roles that bind accounts to units."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.core.fields import EncryptedTextField
from gonghui.core.masking import mask_phone


class Level(models.IntegerChoices):
    NATIONAL = 1, _("全国总工会")
    PROVINCE = 2, _("省总工会")
    CITY = 3, _("市总工会")
    COUNTY = 4, _("区县总工会")
    STREET = 5, _("街道/乡镇总工会")
    GRASSROOTS = 6, _("基层工会")


class UnitQuerySet(models.QuerySet["Unit"]):
    def subtree_of(self, unit: Unit) -> UnitQuerySet:
        return self.filter(subtree_q(unit.path))


def subtree_q(path: str, field: str = "path") -> Q:
    """All rows whose materialized path starts with `path`, as one indexed range scan.

    Paths are "/<id>/<id>/…/" of digits and slashes. Every descendant's path is `path`
    followed by digits, so it sorts in [path, path[:-1] + "0"): "0" is the character
    right after "/". A range works on a plain B-tree index in every database and
    collation, where LIKE 'prefix%' would need special operator classes.
    """
    upper = path[:-1] + "0"
    return Q(**{f"{field}__gte": path, f"{field}__lt": upper})


class Unit(models.Model):
    """A union unit (工会组织) at one of six levels, placed in the tree by its path."""

    class Kind(models.TextChoices):
        FEDERATION = "federation", _("总工会")
        ENTERPRISE = "enterprise", _("企业工会")
        JOINT = "joint", _("联合工会")
        INDUSTRY = "industry", _("行业工会")

    class Status(models.TextChoices):
        ACTIVE = "active", _("正常")
        SUSPENDED = "suspended", _("暂停")
        DISSOLVED = "dissolved", _("已撤销")

    code = models.CharField(_("单位编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.FEDERATION)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级工会"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(_("路径"), max_length=255, unique=True, editable=False)
    # The province-level ancestor (itself for a province): the distribution key of every
    # large table, so that a province's rows can live on one shard.
    province = models.ForeignKey(
        "self", verbose_name=_("所属省级工会"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", editable=False,
    )
    address = models.CharField(_("地址"), max_length=255, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("工会组织")
        verbose_name_plural = _("工会组织")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=6), name="unit_level_range"),
            models.CheckConstraint(
                condition=Q(parent__isnull=True, level=1) | Q(parent__isnull=False, level__gt=1),
                name="unit_only_national_is_root",
            ),
            models.CheckConstraint(condition=~Q(code=""), name="unit_code_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def is_in_subtree_of(self, other: Unit) -> bool:
        return self.path.startswith(other.path)


class GonghuiUserManager(UserManager["User"]):
    pass


class User(AbstractUser):
    """An account. Its roles (RoleAssignment) say at which units it acts and how."""

    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = EncryptedTextField(_("手机号"), blank=True, default="")
    phone_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    otp_required = models.BooleanField(
        _("必须使用动态口令"), default=False, help_text=_("登录时除密码外还须输入身份验证器中的动态口令。")
    )

    objects = GonghuiUserManager()

    class Meta:
        verbose_name = _("账号")
        verbose_name_plural = _("账号")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    def active_roles(self) -> list[RoleAssignment]:
        cached = getattr(self, "_active_roles", None)
        if cached is None:
            cached = list(
                RoleAssignment.objects.filter(user=self, revoked_at__isnull=True).select_related("unit", "enterprise").order_by("id")
            )
            self._active_roles = cached
        return cached

    def forget_roles(self) -> None:
        self.__dict__.pop("_active_roles", None)
        self.__dict__.pop("_scope", None)

    @property
    def is_official(self) -> bool:
        """Whether the account acts for a union (any role but worker or employer representative)."""
        return self.is_superuser or any(r.role not in OUTSIDE_ROLES for r in self.active_roles())

    def represented_enterprise_ids(self) -> list[int]:
        """The enterprises this account represents (用人单位代表)."""
        return [r.enterprise_id for r in self.active_roles() if r.role == Role.EMPLOYER_REP and r.enterprise_id]

    def reporting_enterprise_ids(self) -> list[int]:
        """The enterprises whose daily reports this account files (企业填报员, or the employer's representative)."""
        return [r.enterprise_id for r in self.active_roles()
                if r.role in (Role.EMPLOYER_REP, Role.REPORTER) and r.enterprise_id]

    @property
    def primary_unit(self) -> Unit | None:
        roles = self.active_roles()
        return roles[0].unit if roles else None

    def needs_second_factor(self) -> bool:
        if self.otp_required:
            return True
        return bool(settings.GONGHUI_REQUIRE_OTP_FOR_OFFICIALS and self.is_official)


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    OFFICIAL = "official", _("工会干部")
    CHAIR = "chair", _("基层工会主席")
    SOCIAL_WORKER = "social_worker", _("社会化工作者")
    MEDIATOR = "mediator", _("调解员")
    COUNSELLOR = "counsellor", _("心理咨询师")
    WORKER = "worker", _("职工")
    # Acts for one enterprise (its `RoleAssignment.enterprise`) in the cases it is party to; not a union role.
    EMPLOYER_REP = "employer_rep", _("用人单位代表")
    # Files one enterprise's daily reports (三表一单) and sees nothing else.
    REPORTER = "reporter", _("企业填报员")


# Roles bound to one enterprise (RoleAssignment.enterprise).
ENTERPRISE_ROLES = frozenset({Role.EMPLOYER_REP, Role.REPORTER})


# Roles held by people outside the union: they get the phone pages, never the officials' console.
OUTSIDE_ROLES = frozenset({Role.WORKER, Role.EMPLOYER_REP, Role.REPORTER})


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(Unit, verbose_name=_("工会组织"), on_delete=models.PROTECT, related_name="role_assignments")
    enterprise = models.ForeignKey("orgs.Enterprise", verbose_name=_("代表的企业"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="representatives")
    granted_by = models.ForeignKey(
        User, verbose_name=_("授予人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(_("授予时间"), default=timezone.now)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("角色授予")
        verbose_name_plural = _("角色授予")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "unit", "enterprise"], condition=Q(revoked_at__isnull=True),
                name="one_active_role_per_unit"
            ),
            models.CheckConstraint(condition=Q(role__in=("employer_rep", "reporter"), enterprise__isnull=False)
                                   | (~Q(role__in=("employer_rep", "reporter")) & Q(enterprise__isnull=True)),
                                   name="role_enterprise_only_for_enterprise_roles"),
        ]
        indexes = [models.Index(fields=["unit", "role"], name="role_unit_idx")]

    def __str__(self) -> str:
        return f"{self.get_role_display()} · {self.unit}"


class LoginAttempt(models.Model):
    """Every sign-in attempt, kept a short while: lockout and rate limits count these."""

    username = models.CharField(max_length=150, db_index=True)
    # Who tried: "dev:<id>" for a browser the account signed in from before, else "ip:<address>".
    # Locks are per account AND client: a guesser locks themselves out, not the owner.
    client = models.CharField(max_length=60, blank=True, default="")
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    success = models.BooleanField(default=False)
    channel = models.CharField(max_length=10, default="password")  # password, sms, api, otp
    # Set on the failure that reached the threshold: this client may not try this account until then.
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["username", "at"], name="login_user_at_idx"),
                   models.Index(fields=["username", "client", "at"], name="login_user_client_at_idx"),
                   models.Index(fields=["ip", "success", "at"], name="login_ip_success_at_idx")]

    def __str__(self) -> str:
        return f"{self.username} {self.at:%Y-%m-%d %H:%M} {'ok' if self.success else 'failed'}"


class SmsCode(models.Model):
    """A one-time code sent to a phone: only its hash is kept. A code is good for its purpose only:
    a code sent to join the union or to prove a number never signs anyone in."""

    class Purpose(models.TextChoices):
        LOGIN = "login", _("登录")
        JOIN = "join", _("申请入会")
        REBIND = "rebind", _("更换绑定手机号")
        REBIND_CANCEL = "rebind_cancel", _("取消更换手机号")
        PHONE_NEW = "phone_new", _("验证新手机号")
        PHONE_CURRENT = "phone_current", _("验证当前手机号")

    phone_hash = models.CharField(max_length=64, db_index=True)
    purpose = models.CharField(max_length=16, choices=Purpose.choices, default=Purpose.LOGIN)
    code_hash = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True)
    # Who asked for it, as the sign-in lockout names a client (the account's own device, else the address):
    # only that client's wrong guesses spend the code, so a stranger cannot burn the owner's code.
    client = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"SMS code {self.created_at:%Y-%m-%d %H:%M}"


class ApiToken(models.Model):
    """A bearer token for the API; only its SHA-256 is stored, so a leaked table is useless."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.prefix}…"

    def is_valid(self, now: Any = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now


# --- The registry: enterprises and people (一人一档) ---

class Industry(models.TextChoices):
    """Sections of GB/T 4754-2017 (国民经济行业分类)."""

    A = "A", _("农、林、牧、渔业")
    B = "B", _("采矿业")
    C = "C", _("制造业")
    D = "D", _("电力、热力、燃气及水生产和供应业")
    E = "E", _("建筑业")
    F = "F", _("批发和零售业")
    G = "G", _("交通运输、仓储和邮政业")
    H = "H", _("住宿和餐饮业")
    I = "I", _("信息传输、软件和信息技术服务业")  # noqa: E741 - the standard's own letter
    J = "J", _("金融业")
    K = "K", _("房地产业")
    L = "L", _("租赁和商务服务业")
    M = "M", _("科学研究和技术服务业")
    N = "N", _("水利、环境和公共设施管理业")
    O = "O", _("居民服务、修理和其他服务业")  # noqa: E741
    P = "P", _("教育")
    Q = "Q", _("卫生和社会工作")
    R = "R", _("文化、体育和娱乐业")
    S = "S", _("公共管理、社会保障和社会组织")
    T = "T", _("国际组织")


class EnterpriseTag(models.Model):
    """A label on enterprises (重点企业, 规上工业…) that officials add; reports can be assigned by it."""

    name = models.CharField(_("标签"), max_length=30, unique=True)

    class Meta:
        verbose_name = _("企业标签")
        verbose_name_plural = _("企业标签")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Enterprise(models.Model):
    class Size(models.TextChoices):
        MICRO = "micro", _("微型")
        SMALL = "small", _("小型")
        MEDIUM = "medium", _("中型")
        LARGE = "large", _("大型")

    class Status(models.TextChoices):
        OPERATING = "operating", _("正常经营")
        SUSPENDED = "suspended", _("停工停产")
        RESUMED = "resumed", _("已复工")
        CLOSED = "closed", _("已关闭")

    name = models.CharField(_("企业名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    industry = models.CharField(_("行业门类"), max_length=1, choices=Industry.choices, blank=True)
    address = models.CharField(_("地址"), max_length=255, blank=True)
    size = models.CharField(_("规模"), max_length=10, choices=Size.choices, blank=True)
    employees = models.PositiveIntegerField(_("职工人数"), null=True, blank=True)
    unit = models.ForeignKey(Unit, verbose_name=_("所属工会"), on_delete=models.PROTECT, related_name="enterprises")
    province = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", null=True, editable=False)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    status = models.CharField(_("经营状态"), max_length=10, choices=Status.choices, default=Status.OPERATING)
    resumed_on = models.DateField(_("复工日期"), null=True, blank=True)
    tags = models.ManyToManyField(EnterpriseTag, verbose_name=_("标签"), blank=True, related_name="enterprises")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        indexes = [models.Index(fields=["unit", "status"], name="enterprise_unit_status_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(status="resumed") | Q(resumed_on__isnull=False),
                                   name="enterprise_resumed_has_date"),
        ]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    """A label on people (劳模, 一线职工…); officials may add their own."""

    name = models.CharField(_("标签"), max_length=30, unique=True)
    builtin = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("标签")
        verbose_name_plural = _("标签")
        ordering = ["-builtin", "name"]

    def __str__(self) -> str:
        return self.name


BUILTIN_TAGS = ("劳模", "一线职工", "农民工", "灵活就业", "困难职工", "退役军人")


class Person(models.Model):
    """One file per person (一人一档), identified once by their resident ID number."""

    class Gender(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    class Membership(models.TextChoices):
        MEMBER = "member", _("会员")
        NON_MEMBER = "non_member", _("非会员")
        TRANSFERRED = "transferred_out", _("已转出")

    class Basis(models.TextChoices):
        CONSENT = "consent", _("本人单独同意")
        DUTY = "duty", _("履行法定职责或义务所必需")
        CONTRACT = "contract", _("订立、履行合同所必需")

    name = models.CharField(_("姓名"), max_length=50)
    name_initials = models.CharField(max_length=50, db_index=True, editable=False)
    id_number = EncryptedTextField(_("身份证号"))
    id_hash = models.CharField(max_length=64, unique=True, editable=False)
    id_masked = models.CharField(_("身份证号"), max_length=18, db_index=True, editable=False)
    # What the number is (orgs/rules.py id_type_of): resident ID, HK/Macao/Taiwan permit, foreigner's PR card.
    # db_default too: the bulk writers that insert rows in SQL (relief batch benchmarks, imports) get it as well.
    id_type = models.CharField(_("证件类型"), max_length=12, editable=False, default="resident", db_default="resident",
                               choices=[("resident", _("居民身份证")), ("hmt_permit", _("港澳台居民居住证")),
                                        ("foreign_pr", _("外国人永久居留身份证"))])
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, editable=False)
    birth_date = models.DateField(_("出生日期"), editable=False)
    phone = EncryptedTextField(_("手机号"), blank=True, default="")
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField(_("手机号"), max_length=11, blank=True, editable=False)
    bank_account = EncryptedTextField(_("银行账号"), blank=True, default="")
    bank_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    hukou = models.CharField(_("户籍地"), max_length=200, blank=True)
    residence = models.CharField(_("现居住地"), max_length=200, blank=True)
    employer = models.ForeignKey(Enterprise, verbose_name=_("工作单位"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="people")
    unit = models.ForeignKey(Unit, verbose_name=_("所在工会"), on_delete=models.PROTECT, related_name="people")
    province = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", null=True, editable=False)
    membership = models.CharField(_("会籍"), max_length=20, choices=Membership.choices, default=Membership.NON_MEMBER)
    member_since = models.DateField(_("入会日期"), null=True, blank=True)
    job = models.CharField(_("岗位"), max_length=100, blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("标签"), blank=True, related_name="people")
    emergency_name = models.CharField(_("紧急联系人"), max_length=50, blank=True)
    emergency_phone = EncryptedTextField(_("紧急联系人电话"), blank=True, default="")
    user = models.OneToOneField(User, verbose_name=_("账号"), null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="person")
    basis = models.CharField(_("处理个人信息的依据"), max_length=10, choices=Basis.choices, default=Basis.DUTY)
    basis_note = models.CharField(_("依据说明"), max_length=200, blank=True)
    source_job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # A duplicate file merged into another: kept (with its history), pointing at the file that remains.
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_files",
                                    editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("职工档案")
        verbose_name_plural = _("职工档案")
        indexes = [models.Index(fields=["unit", "membership"], name="person_unit_membership_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(membership="member") | Q(member_since__isnull=False),
                                   name="person_member_has_date"),
        ]

    def __str__(self) -> str:
        return self.name


class Consent(models.Model):
    """A person's separate consent (PIPL Art. 14, 29): what, which wording, when, how; withdrawable (Art. 15)."""

    class Channel(models.TextChoices):
        APP = "app", _("网上办理")
        PAPER = "paper", _("纸质签字")
        IMPORT = "import", _("批量导入时登记")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("用途"), max_length=50)
    wording_version = models.CharField(_("告知文本版本"), max_length=20)
    channel = models.CharField(_("方式"), max_length=10, choices=Channel.choices)
    granted_at = models.DateTimeField(_("同意时间"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("个人信息处理同意")
        verbose_name_plural = _("个人信息处理同意")
        constraints = [models.UniqueConstraint(fields=["person", "purpose"], condition=Q(withdrawn_at__isnull=True),
                                               name="one_live_consent_per_purpose")]

    def __str__(self) -> str:
        return f"{self.person} · {self.purpose}"


class GuardianConsent(models.Model):
    """The consent of a parent or other guardian to keep a child's data (个人信息保护法 第三十一条: under 14).

    Recorded with the child's file, in the same transaction: without it the file is never opened.
    """

    class Relation(models.TextChoices):
        FATHER = "father", _("父亲")
        MOTHER = "mother", _("母亲")
        OTHER = "other", _("其他监护人")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="guardian_consents")
    guardian_name = models.CharField(_("监护人姓名"), max_length=50)
    relation = models.CharField(_("与未成年人的关系"), max_length=10, choices=Relation.choices)
    consented_on = models.DateField(_("同意日期"))
    recorded_by = models.ForeignKey(User, verbose_name=_("登记人"), null=True, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("监护人同意")
        verbose_name_plural = _("监护人同意")
        ordering = ["-recorded_at"]
        constraints = [models.CheckConstraint(condition=~Q(guardian_name=""), name="guardian_consent_has_name")]

    def __str__(self) -> str:
        return f"{self.person} · {self.guardian_name}"


# --- Identity proofing: what proves that the person at the keyboard is the person of a file ---

class IdentityVerification(models.Model):
    """A proof that an account is held by the person of a file: how, by whom, on what evidence.

    A name and an ID number are never such a proof (they leak, and every employer holds them).
    """

    class Method(models.TextChoices):
        PHONE_ON_FILE = "phone_on_file", _("档案预留手机号验证码")
        UNION_IN_PERSON = "union_in_person", _("工会当面核验身份证")
        UNION_VIDEO = "union_video", _("工会视频核验")
        REALNAME_SERVICE = "realname_service", _("实名核验服务")

    UNION_METHODS = (Method.UNION_IN_PERSON, Method.UNION_VIDEO)

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="verifications")
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="verifications")
    method = models.CharField(_("核验方式"), max_length=20, choices=Method.choices)
    verified_by = models.ForeignKey(User, verbose_name=_("核验人"), null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    evidence = models.CharField(_("核验情况"), max_length=300, blank=True)
    at = models.DateTimeField(_("核验时间"), default=timezone.now)

    class Meta:
        verbose_name = _("身份核验")
        verbose_name_plural = _("身份核验")
        ordering = ["-at"]
        constraints = [
            models.CheckConstraint(condition=~Q(method__in=("union_in_person", "union_video"))
                                   | Q(verified_by__isnull=False), name="identity_union_method_has_verifier"),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_method_display()}"


class PersonLink(models.Model):
    """A service of another street named a person by ID number: the record waits, unattached, until the
    person's own union confirms that the record is theirs. The caller learns nothing of the file."""

    class State(models.TextChoices):
        PENDING = "pending", _("待所在工会确认")
        CONFIRMED = "confirmed", _("已确认")
        REFUSED = "refused", _("不是本人")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("确认单位"), on_delete=models.PROTECT, related_name="+")
    requested_unit = models.ForeignKey(Unit, verbose_name=_("提出单位"), on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    claimed_name = models.CharField(_("填报姓名"), max_length=50)
    purpose = models.CharField(_("用途"), max_length=100)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("待确认的档案关联")
        verbose_name_plural = _("待确认的档案关联")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.claimed_name} · {self.purpose}"


class IdLookup(models.Model):
    """One look-up of a person by ID number for a service that told the caller nothing: rate limits count these."""

    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    outcome = models.CharField(max_length=12)  # pending_link, mismatch

    class Meta:
        indexes = [models.Index(fields=["actor", "at"], name="idlookup_actor_at_idx")]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.at:%Y-%m-%d %H:%M} {self.outcome}"
