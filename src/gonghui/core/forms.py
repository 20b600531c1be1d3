"""Form helpers shared by every app."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from gonghui.core.numbers import COUNT_MAX, BadNumber, count


class StyledForm:
    """Gives every widget its Bootstrap class, and marks fields that failed validation."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self) -> None:
        # Marked after cleaning, never during __init__: a subclass may still be setting
        # its querysets there, and validating early would judge against the empty ones.
        super().full_clean()  # type: ignore[misc]
        for name in self.errors:  # type: ignore[attr-defined]
            if name in self.fields:  # type: ignore[attr-defined]
                widget = self.fields[name].widget  # type: ignore[attr-defined]
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class SealedFieldsForm:
    """An edit form whose personal numbers are pre-filled masked (through `core.masking.shown`), never in full.

    Declare `sealed = {"field": "kind"}` on the form and pass `stored={"field": full value}` (the record being
    edited). The field is shown as 138****5678; when it comes back unchanged the stored value is kept, so editing a
    person's address neither shows nor needs their full phone or bank number. Typing a new number replaces it.
    """

    sealed: dict[str, str] = {}

    def __init__(self, *args: Any, stored: dict[str, Any] | None = None, **kwargs: Any) -> None:
        from gonghui.core.masking import shown, unchanged

        stored = {k: v for k, v in (stored or {}).items() if k in self.sealed}
        data = args[0] if args else kwargs.get("data")
        if data is not None and stored:
            data = data.copy()
            for name, kind in self.sealed.items():
                if name in data and unchanged(data.get(name), stored.get(name), kind):
                    data[name] = stored[name]
            if args:
                args = (data, *args[1:])
            else:
                kwargs["data"] = data
        initial = dict(kwargs.get("initial") or {})
        for name, kind in self.sealed.items():
            value = stored.get(name, initial.get(name))
            if value:
                initial[name] = shown(value, kind)
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]


class YuanField(forms.CharField):
    """An amount of yuan (`core.money`): rounded half-up to the fen; NaN, infinities, 1e999, look-alike digits
    and — unless `allow_zero` — what rounds to 0.00 or below are refused with the reason."""

    def __init__(self, *, allow_zero: bool = False, maximum: Decimal | None = None, **kwargs: Any) -> None:
        self.allow_zero, self.maximum = allow_zero, maximum
        super().__init__(**kwargs)  # no max_length: its validator would run on the number (core.numbers checks length)
        self.widget.attrs.setdefault("maxlength", "40")
        self.widget.attrs.setdefault("inputmode", "decimal")

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        from gonghui.core.money import positive_yuan, yuan

        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            amount = yuan(text) if self.allow_zero else positive_yuan(text, maximum=self.maximum)
        except BadNumber as exc:
            raise ValidationError(str(exc), code="invalid") from exc
        if self.allow_zero and (amount < 0 or self.maximum is not None and amount > self.maximum):
            raise ValidationError(f"“{text}”不在 0.00 到 {self.maximum or '…'} 元之间。", code="invalid")
        return amount


class CountField(forms.CharField):
    """A whole number of people, items or days (`core.numbers.count`): ASCII or full-width digits only."""

    def __init__(self, *, maximum: int = COUNT_MAX, minimum: int = 0, **kwargs: Any) -> None:
        self.maximum, self.minimum = maximum, minimum
        super().__init__(**kwargs)  # no max_length: its validator would run on the number (core.numbers checks length)
        self.widget.attrs.setdefault("maxlength", "40")
        self.widget.attrs.setdefault("inputmode", "numeric")

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            return count(text, label=str(self.label) if self.label else None, maximum=self.maximum,
                         minimum=self.minimum)
        except BadNumber as exc:
            raise ValidationError(str(exc), code="invalid") from exc
