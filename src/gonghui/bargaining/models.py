"""Collective bargaining (集体协商) and the collective-contract registry (集体合同).

Rules: 集体合同规定 (2004, cited "规定"), 工资集体协商试行办法 (2000, "工资办法"), 劳动合同法 第五十一至五十四条.
Each clock and condition names its article where it is enforced (`rules.py`, `services.py`).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.orgs.models import Enterprise, Person, Unit


class Kind(models.TextChoices):
    """规定 第三条, 劳动合同法 第五十二条: a comprehensive contract, or a special one on one subject."""

    COMPREHENSIVE = "comprehensive", _("综合性集体合同")
    WAGES = "wages", _("工资专项集体合同")
    WOMEN = "women", _("女职工权益保护专项集体合同")
    SAFETY = "safety", _("劳动安全卫生专项集体合同")
    OTHER = "other", _("其他专项集体合同")


class Reach(models.TextChoices):
    """劳动合同法 第五十三条: one enterprise, or a region's / an industry's enterprises at once."""

    ENTERPRISE = "enterprise", _("企业集体合同")
    REGIONAL = "regional", _("区域性集体合同")
    INDUSTRY = "industry", _("行业性集体合同")


class Side(models.TextChoices):
    WORKER = "worker", _("职工一方")
    EMPLOYER = "employer", _("用人单位一方")


class Area(models.TextChoices):
    """规定 第八条: what a collective contract may agree on, one content area per clause."""

    PAY = "pay", _("劳动报酬")
    HOURS = "hours", _("工作时间")
    REST = "rest", _("休息休假")
    SAFETY = "safety", _("劳动安全与卫生")
    WELFARE = "welfare", _("补充保险和福利")
    PROTECTION = "protection", _("女职工和未成年工特殊保护")
    TRAINING = "training", _("职业技能培训")
    CONTRACTS = "contracts", _("劳动合同管理")
    DISCIPLINE = "discipline", _("奖惩")
    REDUNDANCY = "redundancy", _("裁员")
    TERM = "term", _("集体合同期限")
    PROCEDURE = "procedure", _("变更、解除集体合同的程序")
    DISPUTES = "disputes", _("履行集体合同发生争议时的协商处理办法")
    LIABILITY = "liability", _("违反集体合同的责任")
    OTHER = "other", _("双方认为应当协商的其他内容")


class SeatRule(models.Model):
    """Per-region bounds on the seats (the national ones are the defaults when a region sets none)."""

    unit = models.OneToOneField(Unit, verbose_name=_("适用地区（工会）"), on_delete=models.CASCADE, related_name="+")
    min_per_side = models.PositiveSmallIntegerField(_("每方最少人数"), default=3)
    max_per_side = models.PositiveSmallIntegerField(_("每方最多人数"), null=True, blank=True)
    worker_side_not_smaller = models.BooleanField(_("职工一方人数不少于用人单位一方（代替人数对等）"), default=False)
    source = models.CharField(_("依据"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("协商代表人数的地方规定")
        verbose_name_plural = _("协商代表人数的地方规定")
        constraints = [models.CheckConstraint(condition=Q(min_per_side__gte=3), name="seat_rule_at_least_three"),
                       models.CheckConstraint(condition=Q(max_per_side__isnull=True) | Q(max_per_side__gte=3),
                                              name="seat_rule_max_at_least_three")]

    def __str__(self) -> str:
        return f"{self.unit.name}: {self.min_per_side}–{self.max_per_side or '∞'}"


class WageGuideline(models.Model):
    """Local wage parameters for the wage talks: the minimum wage and the government's wage guideline."""

    unit = models.ForeignKey(Unit, verbose_name=_("地区（市级工会）"), on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    minimum_wage = models.DecimalField(_("月最低工资标准（元）"), max_digits=9, decimal_places=2)
    baseline_pct = models.DecimalField(_("工资指导线基准线（%）"), max_digits=5, decimal_places=2)
    upper_pct = models.DecimalField(_("上线（%）"), max_digits=5, decimal_places=2, null=True, blank=True)
    lower_pct = models.DecimalField(_("下线（%）"), max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("工资指导线")
        verbose_name_plural = _("工资指导线")
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="wage_guideline_once_per_year")]

    def __str__(self) -> str:
        return f"{self.unit.name} {self.year}"


class ClauseTemplate(models.Model):
    """Model wording for a content area. Shipped ones have no unit; a union may keep its own wording."""

    area = models.CharField(_("条款内容"), max_length=12, choices=Area.choices)
    unit = models.ForeignKey(Unit, verbose_name=_("工会"), null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+")
    title = models.CharField(_("标题"), max_length=100)
    text = models.TextField(_("条款范本"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("条款范本")
        verbose_name_plural = _("条款范本")
        ordering = ["area"]
        constraints = [models.UniqueConstraint(fields=["area", "unit"], name="clause_template_once_per_unit"),
                       models.UniqueConstraint(fields=["area"], condition=Q(unit__isnull=True),
                                               name="clause_template_one_shipped")]

    def __str__(self) -> str:
        return self.title


class Bargaining(models.Model):
    """One collective bargaining, from the written request to the signed contract."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("等待对方书面回应")
        NO_ANSWER = "no_answer", _("20日内未回应")
        REFUSED = "refused", _("对方拒绝协商")
        TALKING = "talking", _("协商中")
        VOTING = "voting", _("职代会审议表决中")
        ADOPTED = "adopted", _("已通过，待首席代表签字")
        SIGNED = "signed", _("已签字")
        ABANDONED = "abandoned", _("已终止")

    OPEN = (State.REQUESTED, State.TALKING, State.VOTING, State.ADOPTED)

    number = models.CharField(_("编号"), max_length=24, unique=True)
    kind = models.CharField(_("合同种类"), max_length=16, choices=Kind.choices)
    reach = models.CharField(_("范围"), max_length=12, choices=Reach.choices, default=Reach.ENTERPRISE)
    title = models.CharField(_("名称"), max_length=200)
    unit = models.ForeignKey(Unit, verbose_name=_("职工方工会"), on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", null=True, editable=False)
    enterprises = models.ManyToManyField(Enterprise, verbose_name=_("涉及企业"), related_name="+")
    employer_party = models.CharField(_("用人单位一方"), max_length=200,
                                      help_text=_("区域性、行业性协商时为企业方面代表，如企业联合会、行业协会"))
    renews = models.ForeignKey("Contract", verbose_name=_("续订的合同"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="renewals")
    requested_by_side = models.CharField(_("提出方"), max_length=10, choices=Side.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    request_text = models.TextField(_("协商要求"))
    requested_at = models.DateTimeField(default=timezone.now)
    received_on = models.DateField(_("对方收到要求日期"))
    answer_due_on = models.DateField(_("书面回应期限"))
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(_("书面回应"), blank=True)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.REQUESTED)
    started_on = models.DateField(_("开始协商日期"), null=True, blank=True)
    # Data for the wage talks (工资办法 第十九条 lists what the sides consider).
    headcount = models.PositiveIntegerField(_("职工人数"), null=True, blank=True)
    average_wage = models.DecimalField(_("上年职工月平均工资（元）"), max_digits=10, decimal_places=2, null=True,
                                       blank=True)
    last_rise_pct = models.DecimalField(_("上年工资增长（%）"), max_digits=5, decimal_places=2, null=True, blank=True)
    # 规定 第二十条: without a union, worker representatives are elected with the consent of half or more of all
    # workers; the figures of that consent are kept here.
    election_consenting = models.PositiveIntegerField(_("同意推举的职工人数"), null=True, blank=True)
    election_workforce = models.PositiveIntegerField(_("本单位职工总数"), null=True, blank=True)
    draft_version = models.PositiveIntegerField(default=0)
    worker_signed_at = models.DateTimeField(_("职工方首席代表签字时间"), null=True, blank=True)
    employer_signed_at = models.DateTimeField(_("用人单位方首席代表签字时间"), null=True, blank=True)
    term_months = models.PositiveSmallIntegerField(_("合同期限（月）"), default=36)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("集体协商")
        verbose_name_plural = _("集体协商")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_wage(self) -> bool:
        return self.kind == Kind.WAGES


class Step(models.Model):
    """The timeline: every move of a bargaining, stamped."""

    bargaining = models.ForeignKey(Bargaining, on_delete=models.CASCADE, related_name="steps")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=40)
    text = models.CharField(max_length=300)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12, blank=True)
    reason = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.text


class Representative(models.Model):
    """A seat at the table (规定 第十九至二十四条)."""

    bargaining = models.ForeignKey(Bargaining, on_delete=models.CASCADE, related_name="representatives")
    side = models.CharField(_("一方"), max_length=10, choices=Side.choices)
    person = models.ForeignKey(Person, verbose_name=_("职工档案"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    name = models.CharField(_("姓名"), max_length=50)
    title = models.CharField(_("职务"), max_length=100, blank=True)
    chief = models.BooleanField(_("首席代表"), default=False)
    outside_expert = models.BooleanField(_("本单位以外的专业人员"), default=False)
    delegation = models.CharField(_("书面委托"), max_length=200, blank=True,
                                  help_text=_("工会主席书面委托他人担任首席代表时，填写委托书编号或说明"))
    contract_ends_on = models.DateField(_("劳动合同到期日"), null=True, blank=True)
    appointed_on = models.DateField(_("产生日期"), default=timezone.localdate)
    vacated_on = models.DateField(_("空缺日期"), null=True, blank=True)
    vacancy_reason = models.CharField(_("空缺原因"), max_length=200, blank=True)
    replaced_by = models.OneToOneField("self", verbose_name=_("新产生的代表"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="replaces")

    class Meta:
        ordering = ["side", "-chief", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def seat_key(self) -> str:
        return f"p{self.person_id}" if self.person_id else f"n{self.name.strip()}"


class Round(models.Model):
    """One meeting of the sides, often by video conference."""

    bargaining = models.ForeignKey(Bargaining, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField(_("轮次"))
    starts_at = models.DateTimeField(_("开始时间"))
    minutes_long = models.PositiveSmallIntegerField(_("时长（分钟）"), default=120)
    meeting_url = models.CharField(_("线上会议链接"), max_length=300, blank=True)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    agenda = models.TextField(_("议程"))
    minutes = models.TextField(_("会议纪要"), blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["bargaining", "number"], name="round_number_once")]

    def __str__(self) -> str:
        return f"{self.bargaining.number} 第{self.number}轮"


class Clause(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("未达成一致")
        AGREED = "agreed", _("已达成一致")
        WITHDRAWN = "withdrawn", _("已撤回")

    bargaining = models.ForeignKey(Bargaining, on_delete=models.CASCADE, related_name="clauses")
    area = models.CharField(_("条款内容"), max_length=12, choices=Area.choices)
    title = models.CharField(_("条款标题"), max_length=100)
    worker_proposal = models.TextField(_("职工方意见"), blank=True)
    employer_proposal = models.TextField(_("用人单位方意见"), blank=True)
    text = models.TextField(_("条款文本"), blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.OPEN)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class ClauseRevision(models.Model):
    """What a clause said and where it stood after each round: the draft's diff between rounds reads these."""

    clause = models.ForeignKey(Clause, on_delete=models.CASCADE, related_name="revisions")
    round = models.ForeignKey(Round, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=Clause.State.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.clause_id}@{self.at:%Y-%m-%d}"


class Vote(models.Model):
    """The workers' congress (or all staff) deciding on the draft (规定 第三十六条), online and secret."""

    class Body(models.TextChoices):
        CONGRESS = "congress", _("职工代表大会")
        ALL_STAFF = "all_staff", _("全体职工大会")

    class State(models.TextChoices):
        OPEN = "open", _("投票中")
        PASSED = "passed", _("通过")
        FAILED = "failed", _("未通过")

    bargaining = models.ForeignKey(Bargaining, on_delete=models.CASCADE, related_name="votes")
    body = models.CharField(_("审议机构"), max_length=10, choices=Body.choices)
    draft_version = models.PositiveIntegerField()
    draft_text = models.TextField()
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("截止时间"))
    # 规定 第三十六条: the base is the congress's registered size, or the enterprise's headcount for all staff —
    # never the length of a smaller list. `electorate` is that base: the online roll plus `paper_voters`.
    electorate = models.PositiveIntegerField(_("应到人数"))
    congress = models.ForeignKey("Congress", verbose_name=_("职工代表大会"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="votes")
    paper_voters = models.PositiveIntegerField(_("在会场书面表决的人数"), default=0)
    paper_yes = models.PositiveIntegerField(_("书面同意票"), null=True, blank=True)
    paper_no = models.PositiveIntegerField(_("书面不同意票"), null=True, blank=True)
    paper_abstain = models.PositiveIntegerField(_("书面弃权票"), null=True, blank=True)
    paper_record = models.CharField(_("书面表决记录（签字）"), max_length=300, blank=True)
    paper_entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="+")
    paper_entered_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    present = models.PositiveIntegerField(null=True, blank=True)
    yes = models.PositiveIntegerField(null=True, blank=True)
    no = models.PositiveIntegerField(null=True, blank=True)
    abstain = models.PositiveIntegerField(null=True, blank=True)
    tally_digest = models.CharField(max_length=64, blank=True)
    tallied_at = models.DateTimeField(null=True, blank=True)
    tallied_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-opens_at"]
        constraints = [models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")),
                                              name="vote_window_forward"),
                       models.CheckConstraint(condition=Q(paper_voters__lte=models.F("electorate")),
                                              name="vote_paper_within_base")]

    def __str__(self) -> str:
        return f"{self.get_body_display()} {self.opens_at:%Y-%m-%d}"


class Voter(models.Model):
    """The roll: who may vote, and whether they have. Nothing here says how."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="roll")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=50)
    voted = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["vote", "user"], name="voter_once_per_vote")]

    def __str__(self) -> str:
        return self.name


class Ballot(models.Model):
    """A cast ballot. No voter, no time, a random key: it cannot be traced back to whoever cast it.
    The voter keeps a receipt whose hash is stored here, to check later that their ballot was counted."""

    class Choice(models.TextChoices):
        YES = "yes", _("同意")
        NO = "no", _("不同意")
        ABSTAIN = "abstain", _("弃权")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="ballots")
    choice = models.CharField(max_length=8, choices=Choice.choices)
    receipt_hash = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return str(self.id)[:8]  # never the voter: there is none


class Contract(models.Model):
    """A collective contract in the registry — made here, or entered from paper."""

    class State(models.TextChoices):
        SIGNED = "signed", _("已签字，待报送")
        SUBMITTED = "submitted", _("已报送审查")
        OBJECTED = "objected", _("审查有异议")
        IN_FORCE = "in_force", _("已生效")
        EXPIRED = "expired", _("已期满")

    number = models.CharField(_("编号"), max_length=24, unique=True)
    bargaining = models.OneToOneField(Bargaining, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="contract")
    renews = models.ForeignKey("self", verbose_name=_("续订自"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="renewed_by")
    kind = models.CharField(_("合同种类"), max_length=16, choices=Kind.choices)
    reach = models.CharField(_("范围"), max_length=12, choices=Reach.choices, default=Reach.ENTERPRISE)
    title = models.CharField(_("名称"), max_length=200)
    unit = models.ForeignKey(Unit, verbose_name=_("职工方工会"), on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", null=True, editable=False)
    employer_party = models.CharField(_("用人单位一方"), max_length=200)
    text = models.TextField(_("合同文本"))
    worker_chief = models.CharField(_("职工方首席代表"), max_length=50)
    employer_chief = models.CharField(_("用人单位方首席代表"), max_length=50)
    signed_on = models.DateField(_("签字日期"))
    submit_due_on = models.DateField(_("报送期限"))
    submitted_on = models.DateField(_("报送日期"), null=True, blank=True)
    received_on = models.DateField(_("劳动保障行政部门收到日期"), null=True, blank=True)
    # 劳动合同法 第五十四条: the 15 days of review from receipt, their last day rolled (rules.review_ends);
    # stored so an objection recorded after it is refused and a loaded calendar year can move it.
    review_ends_on = models.DateField(_("审查期限届满日"), null=True, blank=True)
    review_authority = models.CharField(_("审查机关"), max_length=100, blank=True)
    objection = models.TextField(_("审查意见（异议）"), blank=True)
    effective_from = models.DateField(_("生效日期"), null=True, blank=True)
    term_months = models.PositiveSmallIntegerField(_("期限（月）"))
    expires_on = models.DateField(_("期满日期"), null=True, blank=True)
    published_at = models.DateTimeField(_("向职工公布时间"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.SIGNED)
    vote_summary = models.CharField(_("表决情况"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("集体合同")
        verbose_name_plural = _("集体合同")
        ordering = ["-signed_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(term_months__gte=12) & Q(term_months__lte=36),
                                   name="contract_term_one_to_three_years"),
            models.CheckConstraint(condition=~Q(state="in_force") | Q(effective_from__isnull=False),
                                   name="contract_in_force_has_date"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Coverage(models.Model):
    """An enterprise a contract binds, with the workers it covers there (a regional contract has many)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="coverage")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    workers = models.PositiveIntegerField(_("覆盖职工人数"), default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contract", "enterprise"], name="coverage_once")]

    def __str__(self) -> str:
        return f"{self.contract_id}:{self.enterprise_id}"


class Congress(models.Model):
    """An enterprise's workers' congress for one term, with the size it was registered with (规定 第三十六条:
    the vote's base is this number). Its election is evidenced by a note and an attachment and audited by the
    union before a vote may rely on it."""

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="+")
    term = models.PositiveSmallIntegerField(_("届次"))
    registered_size = models.PositiveIntegerField(_("职工代表人数（登记）"))
    elected_on = models.DateField(_("选举日期"))
    evidence_note = models.TextField(_("选举情况说明"), blank=True)
    audited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    audited_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("职工代表大会")
        verbose_name_plural = _("职工代表大会")
        ordering = ["enterprise", "-term"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "term"], name="congress_term_once"),
                       models.CheckConstraint(condition=Q(registered_size__gte=1), name="congress_not_empty")]

    def __str__(self) -> str:
        return f"{self.enterprise.name} 第{self.term}届职工代表大会"

    @property
    def audited(self) -> bool:
        return self.audited_at is not None


class Delegate(models.Model):
    """A representative elected to a congress (with their file when they have one: then they may vote online)."""

    congress = models.ForeignKey(Congress, on_delete=models.CASCADE, related_name="delegates")
    person = models.ForeignKey(Person, verbose_name=_("职工档案"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    name = models.CharField(_("姓名"), max_length=50)
    elected = models.BooleanField(_("当选"), default=True)
    front_line = models.BooleanField(_("一线职工"), default=False)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["congress", "person"], condition=Q(person__isnull=False),
                                               name="delegate_once_per_congress")]

    def __str__(self) -> str:
        return self.name
