"""Form helpers shared by every app."""

from __future__ import annotations

from typing import Any

from django import forms


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
