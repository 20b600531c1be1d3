from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from gonghui.core.forms import StyledForm
from gonghui.orgs.models import Level, Role, Unit


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
    display_name = forms.CharField(label=_("姓名"), max_length=50)
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


class ContactForm(StyledForm, forms.Form):
    display_name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel"}))


class StyledPasswordChangeForm(StyledForm, PasswordChangeForm):
    pass
