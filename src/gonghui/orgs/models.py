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
                RoleAssignment.objects.filter(user=self, revoked_at__isnull=True).select_related("unit").order_by("id")
            )
            self._active_roles = cached
        return cached

    def forget_roles(self) -> None:
        self.__dict__.pop("_active_roles", None)
        self.__dict__.pop("_scope", None)

    @property
    def is_official(self) -> bool:
        """Whether the account acts for a union (any role but worker)."""
        return self.is_superuser or any(r.role != Role.WORKER for r in self.active_roles())

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


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(Unit, verbose_name=_("工会组织"), on_delete=models.PROTECT, related_name="role_assignments")
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
                fields=["user", "role", "unit"], condition=Q(revoked_at__isnull=True), name="one_active_role_per_unit"
            ),
        ]
        indexes = [models.Index(fields=["unit", "role"], name="role_unit_idx")]

    def __str__(self) -> str:
        return f"{self.get_role_display()} · {self.unit}"


class LoginAttempt(models.Model):
    """Every sign-in attempt, kept a short while: lockout and rate limits count these."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    success = models.BooleanField(default=False)
    channel = models.CharField(max_length=10, default="password")  # password, sms, api, otp
    # Set on the failure that reached the threshold: the account is locked until then.
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["username", "at"], name="login_user_at_idx")]

    def __str__(self) -> str:
        return f"{self.username} {self.at:%Y-%m-%d %H:%M} {'ok' if self.success else 'failed'}"


class SmsCode(models.Model):
    """A one-time sign-in code sent to a phone: only its hash is kept."""

    phone_hash = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True)
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
