"""The system administrator's calendar page: one year's holidays and adjusted working days with their basis, and
the form that loads the year's arrangement (the same text as `gonghui calendar load`, pasted or uploaded)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.core.arrangements import ArrangementError, load_arrangement, parse_arrangement, year_days
from gonghui.core.forms import StyledForm

_MAX_UPLOAD = 64 * 1024


class ArrangementForm(StyledForm, forms.Form):
    text = forms.CharField(label=_("放假安排（文本）"), required=False, max_length=_MAX_UPLOAD,
                           widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
                           help_text=_("每行一项：年份,2027 / 通知,文号 / 日期或日期~日期,休或班,名称"))
    upload = forms.FileField(label=_("或上传文本文件"), required=False)
    replace = forms.BooleanField(label=_("替换已导入的本年安排"), required=False)

    def __init__(self, *args, year: int, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.year = year

    def clean(self) -> dict:
        cleaned = super().clean()
        upload = cleaned.get("upload")
        text = cleaned.get("text") or ""
        if upload is not None:
            if upload.size > _MAX_UPLOAD:
                raise forms.ValidationError(_("文件太大（最多 64 KB）。"))
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise forms.ValidationError(_("文件应是 UTF-8 编码的文本。")) from exc
        if not text.strip():
            raise forms.ValidationError(_("请粘贴或上传放假安排。"))
        try:
            arrangement = parse_arrangement(text)
        except ArrangementError as exc:
            raise forms.ValidationError(exc.problems) from exc
        if arrangement.year != self.year:
            raise forms.ValidationError(_("文本写的是%(found)d年，本页是%(year)d年。")
                                        % {"found": arrangement.year, "year": self.year})
        cleaned["arrangement_text"] = text
        return cleaned


def _superuser(request: HttpRequest) -> None:
    # As the console answers a page that is not the viewer's: 404, not a hint that it exists.
    if not request.user.is_superuser:
        raise Http404


@login_required
def calendar_year(request: HttpRequest) -> HttpResponse:
    """`/console/calendar/?year=2027` (this year without it)."""
    _superuser(request)
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError as exc:
        raise Http404 from exc
    if not 1950 <= year <= 2199:
        raise Http404
    result = None
    form = ArrangementForm(year=year)
    if request.method == "POST":
        form = ArrangementForm(request.POST, request.FILES, year=year)
        if form.is_valid():
            try:
                result = load_arrangement(actor=request.user, text=form.cleaned_data["arrangement_text"],
                                          replace=form.cleaned_data["replace"])
            except ArrangementError as exc:
                for problem in exc.problems:
                    form.add_error(None, problem)
            except PermissionDenied as exc:
                raise Http404 from exc
            else:
                form = ArrangementForm(year=year)
    return render(request, "core/calendar_year.html", {
        "year": year, "days": year_days(year), "form": form, "result": result,
        "previous": year - 1, "next": year + 1,
    })
