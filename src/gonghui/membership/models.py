"""Membership (会籍): joining online, transfer between grassroots unions, the e-membership card.

Who may join: 工会法 第三条 (those whose main income is wages, in any employer in China; the
union adapts to new forms of employment) and 中国工会章程 第一条; a member is approved by the
grassroots committee (章程 第二条); membership follows the work relation (章程 第五条, here a
transfer); retirement and unemployment keep it (章程 第八条); a union dissolved with its employer
may keep its members' membership (工会法 第十三条).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.core.fields import EncryptedTextField
from gonghui.orgs.models import Enterprise, Person, Unit

NEW_FORMS = {"courier": "快递员", "rider": "外卖骑手", "ride_hailing": "网约车司机", "truck": "货车司机",
             "domestic": "家政服务员"}


class Membership(models.Model):
    """One person's membership of one grassroots union, from a date; never two open at once."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("在会")
        RETAINED = "retained", _("保留会籍")  # retired or unemployed (章程 第八条)
        ENDED = "ended", _("已终止")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    unit = models.ForeignKey(Unit, verbose_name=_("所在基层工会"), on_delete=models.PROTECT, related_name="memberships")
    province = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", null=True, editable=False)
    number = models.CharField(_("会员编号"), max_length=24, unique=True)
    since = models.DateField(_("入会日期"))  # 会龄 counts from here, across transfers
    joined_unit_on = models.DateField(_("转入本会日期"))
    status = models.CharField(_("会籍状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    retained_reason = models.CharField(_("保留会籍原因"), max_length=20, blank=True)
    ended_on = models.DateField(_("终止日期"), null=True, blank=True)
    end_reason = models.CharField(_("终止原因"), max_length=200, blank=True)
    photo = models.ForeignKey("core.Attachment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("会籍")
        verbose_name_plural = _("会籍")
        ordering = ["-id"]
        constraints = [
            # One person is never a member of two grassroots unions at once.
            models.UniqueConstraint(fields=["person"], condition=Q(ended_on__isnull=True),
                                    name="membership_one_open_per_person"),
            models.CheckConstraint(condition=Q(status="ended", ended_on__isnull=False)
                                   | (~Q(status="ended") & Q(ended_on__isnull=True)),
                                   name="membership_ended_has_date"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.person.name}"

    @property
    def is_open(self) -> bool:
        return self.ended_on is None


class JoinApplication(models.Model):
    """入会申请: routed to a grassroots union, decided within the clock, else escalated upward."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("审核中")
        RETURNED = "returned", _("退回补充")
        REJECTED = "rejected", _("未通过")
        APPROVED = "approved", _("已入会")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="join_applications")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("受理工会"), on_delete=models.PROTECT, related_name="join_applications")
    current_unit = models.ForeignKey(Unit, verbose_name=_("当前办理单位"), on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", null=True, editable=False)
    employer = models.ForeignKey(Enterprise, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    employer_name = models.CharField(_("工作单位"), max_length=200, blank=True)
    new_form = models.CharField(_("新就业形态"), max_length=20, choices=list(NEW_FORMS.items()), blank=True)
    job = models.CharField(_("岗位"), max_length=100, blank=True)
    route_reason = models.CharField(_("受理依据"), max_length=200)
    # 工会法 第三条: the applicant's own answer to "are wages your main source of living?" (None: not asked).
    wages_main_source = models.BooleanField(_("工资收入是主要生活来源"), null=True, blank=True)
    # At or past the statutory retirement age when applying (membership/rules.py): advice for the deciding
    # union — a retiree keeps membership through 保留会籍, a new pensioner's work is usually 劳务.
    over_retirement_age = models.BooleanField(_("已达法定退休年龄"), default=False)
    age_note = models.CharField(_("年龄提示"), max_length=300, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.SUBMITTED)
    due_on = models.DateField(_("办理期限"))
    escalated = models.BooleanField(default=False)
    note = models.TextField(_("补充说明"), blank=True)
    membership = models.OneToOneField(Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("入会申请")
        verbose_name_plural = _("入会申请")
        ordering = ["-id"]
        indexes = [models.Index(fields=["current_unit", "state"], name="join_queue_idx")]
        constraints = [models.UniqueConstraint(fields=["person"], condition=Q(state__in=["submitted", "returned"]),
                                               name="join_one_open_application")]

    def __str__(self) -> str:
        return f"RH{self.pk:07d} {self.person.name}"

    @property
    def number(self) -> str:
        return f"RH{self.pk:07d}"


class Transfer(models.Model):
    """转会: the new union accepts, the old one releases (or the union above, once the old one is late)."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("待新工会接收")
        ACCEPTED = "accepted", _("待原工会转出")
        DONE = "done", _("已转会")
        REFUSED = "refused", _("未接收")

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="transfers")
    to_unit = models.ForeignKey(Unit, verbose_name=_("转入工会"), on_delete=models.PROTECT, related_name="+")
    from_unit = models.ForeignKey(Unit, verbose_name=_("原工会"), on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("原因"), max_length=200)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.REQUESTED)
    accepted_at = models.DateTimeField(null=True, blank=True)
    release_due_on = models.DateField(_("原工会转出期限"), null=True, blank=True)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    released_by_above = models.BooleanField(default=False)
    new_membership = models.OneToOneField(Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("转会")
        verbose_name_plural = _("转会")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["membership"], condition=Q(state__in=["requested", "accepted"]),
                                               name="transfer_one_open_per_membership")]

    def __str__(self) -> str:
        return f"{self.membership.person.name} → {self.to_unit}"


class Step(models.Model):
    """Each move of a join application or transfer: who, when, from, to, why (shown to the worker)."""

    application = models.ForeignKey(JoinApplication, null=True, blank=True, on_delete=models.CASCADE, related_name="steps")
    transfer = models.ForeignKey(Transfer, null=True, blank=True, on_delete=models.CASCADE, related_name="steps")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=40)
    reason = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.action


class CardKey(models.Model):
    """The Ed25519 key that signs e-card tokens; its public half is published for offline checks."""

    kid = models.CharField(max_length=16, unique=True)
    private_key = EncryptedTextField()  # PEM, sealed with GONGHUI_DATA_KEY
    public_key = models.TextField()  # PEM
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.kid


class PhoneRebind(models.Model):
    """A file's login number moved to a new one. A name and an ID number prove nothing: the owner is
    proved by a real-name service (then the change waits a cooling period, told at once to the old
    number, which can cancel it) or by the union's verification (in person or by video).
    """

    class State(models.TextChoices):
        DONE = "done", _("已换绑")
        PENDING = "pending", _("冷静期中，待生效")
        HELD = "held", _("待工会核实")
        APPROVED = "approved", _("核实后已换绑")
        REJECTED = "rejected", _("核实未通过")
        CANCELLED = "cancelled", _("已取消")

    OPEN = (State.PENDING, State.HELD)

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    phone = EncryptedTextField()
    phone_hash = models.CharField(max_length=64, db_index=True)
    old_user_id = models.BigIntegerField(null=True, blank=True)
    # The number the file trusted when the change was asked: told at once, and able to cancel it.
    old_phone = EncryptedTextField(blank=True, default="")
    old_phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices)
    why_held = models.CharField(_("转工会核实的原因"), max_length=200, blank=True)
    takes_effect_at = models.DateTimeField(_("生效时间"), null=True, blank=True, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    review_note = models.CharField(max_length=200, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.person.name} {self.get_state_display()}"


class CorrectionRequest(models.Model):
    """A worker asks to correct their name or ID number, with evidence; the grassroots union decides."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("待审核")
        APPROVED = "approved", _("已更正")
        REJECTED = "rejected", _("未通过")

    FIELDS = {"name": "姓名", "id_number": "身份证号"}
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    field = models.CharField(_("更正项"), max_length=10, choices=list(FIELDS.items()))
    new_value = EncryptedTextField(_("更正为"))
    reason = models.CharField(_("说明"), max_length=300)
    evidence = models.ForeignKey("core.Attachment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.SUBMITTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decision_note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.person.name} {self.get_field_display()}"
