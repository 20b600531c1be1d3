from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from gonghui.core.forms import CountField, SealedFieldsForm, StyledForm
from gonghui.orgs import rules
from gonghui.orgs.models import Enterprise, GuardianConsent, Industry, Level, Person, Role, Tag, Unit


class NameField(forms.CharField):
    """A person's name: refused when blank, whitespace-only or carrying invisible or control characters."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 50)
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> str:
        # Before the usual trimming: a name of U+200B only, or with a CR/LF inside, is refused, not trimmed.
        text = "" if value in self.empty_values else str(value)
        try:
            return rules.clean_name(text, required=self.required)
        except rules.InvalidName as exc:
            raise forms.ValidationError(str(exc), code="invalid_name") from exc


class WorkingLifeDateField(forms.DateField):
    """A date in a working life (joining the union, learning of a wrong): none before 1900."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None and value < rules.EARLIEST_DATE:
            raise forms.ValidationError(_("日期不能早于 1900-01-01，请核对年份。"), code="too_early")


class LoginForm(StyledForm, forms.Form):
    username = forms.CharField(label=_("账号或手机号"), max_length=150,
                               widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = forms.CharField(label=_("密码"), strip=False, max_length=256,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class SmsLoginForm(StyledForm, forms.Form):
    phone = forms.CharField(label=_("手机号"), max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "autofocus": True}))
    code = forms.CharField(label=_("短信验证码"), max_length=6, min_length=6,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))


class OtpForm(StyledForm, forms.Form):
    token = forms.RegexField(label=_("动态口令"), regex=r"^\d{6}$", max_length=6,
                             error_messages={"invalid": _("请输入身份验证器显示的6位数字。")},
                             widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code",
                                                           "autofocus": True}))


class UnitForm(StyledForm, forms.Form):
    code = forms.CharField(label=_("单位编码"), max_length=32)
    name = forms.CharField(label=_("名称"), max_length=200)
    level = forms.TypedChoiceField(label=_("层级"), choices=Level.choices, coerce=int)
    kind = forms.ChoiceField(label=_("类型"), choices=Unit.Kind.choices)
    address = forms.CharField(label=_("地址"), max_length=255, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)

    def __init__(self, *args: Any, parent: Unit | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if parent is not None:
            self.fields["level"].choices = [(v, label) for v, label in Level.choices if v > parent.level]


class UnitEditForm(UnitForm):
    status = forms.ChoiceField(label=_("状态"), choices=Unit.Status.choices)


class MoveUnitForm(StyledForm, forms.Form):
    new_parent = forms.ModelChoiceField(label=_("新的上级工会"), queryset=Unit.objects.none())
    reason = forms.CharField(label=_("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, targets: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_parent"].queryset = targets


class AccountForm(StyledForm, forms.Form):
    username = forms.RegexField(label=_("账号名"), max_length=150, regex=r"^[\w.@+-]+$",
                                error_messages={"invalid": _("账号名只能包含字母、数字和 @ . + - _。")})
    display_name = NameField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    role = forms.ChoiceField(label=_("角色"))
    unit = forms.ModelChoiceField(label=_("所在工会组织"), queryset=Unit.objects.none())
    password = forms.CharField(label=_("初始密码"), required=False, strip=False,
                               help_text=_("可留空：职工可用手机短信验证码登录。"),
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    otp_required = forms.BooleanField(label=_("必须使用动态口令（双因素认证）"), required=False)

    def __init__(self, *args: Any, roles: list[str], units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r, Role(r).label) for r in roles]
        self.fields["unit"].queryset = units


class GrantForm(StyledForm, forms.Form):
    role = forms.ChoiceField(label=_("角色"))
    unit = forms.ModelChoiceField(label=_("工会组织"), queryset=Unit.objects.none())

    def __init__(self, *args: Any, roles: list[str], units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r, Role(r).label) for r in roles]
        self.fields["unit"].queryset = units


class ContactForm(SealedFieldsForm, StyledForm, forms.Form):
    sealed = {"phone": "phone"}
    display_name = NameField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel"}))
    new_code = forms.CharField(label=_("新手机号收到的验证码"), max_length=10, required=False,
                               help_text=_("更换手机号时填写。"),
                               widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))
    current_code = forms.CharField(label=_("当前手机号收到的验证码"), max_length=10, required=False,
                                   help_text=_("更换手机号时填写，证明当前号码仍由您本人使用。"),
                                   widget=forms.TextInput(attrs={"inputmode": "numeric"}))


class StyledPasswordChangeForm(StyledForm, PasswordChangeForm):
    pass


class PersonForm(SealedFieldsForm, StyledForm, forms.Form):
    sealed = {"phone": "phone", "emergency_phone": "phone", "bank_account": "bank_account"}
    name = NameField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号"), max_length=25, help_text=_("性别和出生日期由身份证号自动得出。"))
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    unit = forms.ModelChoiceField(label=_("所在工会"), queryset=Unit.objects.none())
    employer = forms.ModelChoiceField(label=_("工作单位"), queryset=Enterprise.objects.none(), required=False)
    job = forms.CharField(label=_("岗位"), max_length=100, required=False)
    membership = forms.ChoiceField(label=_("会籍"), choices=Person.Membership.choices)
    member_since = WorkingLifeDateField(label=_("入会日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    tags = forms.ModelMultipleChoiceField(label=_("标签"), queryset=Tag.objects.all(), required=False,
                                          widget=forms.CheckboxSelectMultiple)
    hukou = forms.CharField(label=_("户籍地"), max_length=200, required=False)
    residence = forms.CharField(label=_("现居住地"), max_length=200, required=False)
    emergency_name = NameField(label=_("紧急联系人"), max_length=50, required=False)
    emergency_phone = forms.CharField(label=_("紧急联系人电话"), max_length=20, required=False)
    bank_account = forms.RegexField(label=_("银行账号"), regex=r"^[0-9]{12,30}$", required=False,
                                    error_messages={"invalid": _("银行账号应为12到30位数字。")})
    basis = forms.ChoiceField(label=_("处理个人信息的依据"), choices=Person.Basis.choices)
    basis_note = forms.CharField(label=_("依据说明"), max_length=200, required=False)
    # 个人信息保护法 第三十一条: a child under 14 is filed only with a parent's or guardian's consent.
    guardian_name = NameField(label=_("监护人姓名"), max_length=50, required=False,
                              help_text=_("不满14周岁的未成年人须填写：其父母或者其他监护人同意登记其个人信息（个人信息保护法第三十一条）。"))
    guardian_relation = forms.ChoiceField(label=_("监护人与未成年人的关系"), required=False,
                                          choices=[("", "—"), *GuardianConsent.Relation.choices])
    guardian_consented_on = forms.DateField(label=_("监护人同意日期"), required=False,
                                            widget=forms.DateInput(attrs={"type": "date"}))

    GUARDIAN_FIELDS = ("guardian_name", "guardian_relation", "guardian_consented_on")

    def __init__(self, *args: Any, units: Any, enterprises: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["employer"].queryset = enterprises
        if editing:
            del self.fields["id_number"]
            for name in self.GUARDIAN_FIELDS:
                del self.fields[name]

    def pop_guardian(self, data: dict[str, Any]) -> Any:
        """The guardian's consent typed on the form (or None when left blank), taken out of `data`."""
        from gonghui.orgs.ages import Guardian

        name, relation, day = (data.pop(f, None) for f in self.GUARDIAN_FIELDS)
        if not (name or relation or day):
            return None
        return Guardian(name=name or "", relation=relation or "", consented_on=day)


class EnterpriseForm(StyledForm, forms.Form):
    name = forms.CharField(label=_("企业名称"), max_length=200)
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=25)
    industry = forms.ChoiceField(label=_("行业门类"), choices=[("", "—"), *Industry.choices], required=False)
    size = forms.ChoiceField(label=_("规模"), choices=[("", "—"), *Enterprise.Size.choices], required=False)
    employees = CountField(label=_("职工人数"), required=False)
    unit = forms.ModelChoiceField(label=_("所属工会"), queryset=Unit.objects.none())
    address = forms.CharField(label=_("地址"), max_length=255, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    status = forms.ChoiceField(label=_("经营状态"), choices=Enterprise.Status.choices)
    resumed_on = forms.DateField(label=_("复工日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    tags = forms.CharField(label=_("标签"), max_length=300, required=False,
                           help_text=_("用顿号分隔，如：重点企业、规上工业；下发填报任务时可按标签选择企业。"))

    def __init__(self, *args: Any, units: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        if editing:
            del self.fields["credit_code"]
            del self.fields["unit"]


class ImportForm(StyledForm, forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))
    unit = forms.ModelChoiceField(label=_("导入到工会"), queryset=Unit.objects.none())

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["file"].widget.attrs["accept"] = ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class OwnContactForm(SealedFieldsForm, StyledForm, forms.Form):
    sealed = {"phone": "phone", "emergency_phone": "phone"}
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    phone_code = forms.CharField(label=_("新手机号收到的验证码"), max_length=10, required=False,
                                 help_text=_("更改档案手机号时填写。"), widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    residence = forms.CharField(label=_("现居住地"), max_length=200, required=False)
    emergency_name = NameField(label=_("紧急联系人"), max_length=50, required=False)
    emergency_phone = forms.CharField(label=_("紧急联系人电话"), max_length=20, required=False,
                                      widget=forms.TextInput(attrs={"inputmode": "tel"}))
