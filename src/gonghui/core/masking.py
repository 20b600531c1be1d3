"""How personal data is shown when the full value is not needed (almost always)."""

from __future__ import annotations

import re


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


def mask_id_number(number: str | None) -> str:
    if not number:
        return ""
    if len(number) < 8:
        return "*" * len(number)
    return f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}"


def mask_name(name: str | None) -> str:
    """张小明 → 张*明, 李四 → 李*; used on public notices."""
    if not name:
        return ""
    if len(name) == 1:
        return name
    if len(name) == 2:
        return f"{name[0]}*"
    return f"{name[0]}{'*' * (len(name) - 2)}{name[-1]}"


def mask_bank_account(account: str | None) -> str:
    """6222020200112233445 → ****3445 (only the last four digits are shown)."""
    if not account:
        return ""
    return f"****{account[-4:]}" if len(account) > 4 else "*" * len(account)


def mask_health(value: object) -> str:
    """Health data (a temperature, symptoms, a health code, an illness) is not shown in part: only that it exists."""
    if value is None or value == "" or value == []:
        return ""
    return "***"


MASKS = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "bank_account": mask_bank_account,
    "name": mask_name,
}
KINDS = frozenset(MASKS) | {"health"}


def shown(value: object, kind: str, *, revealed: bool = False) -> str:
    """THE way a sealed personal value becomes what a caller sees: pages, API schemas, exports and edit forms.

    Masked unless `revealed` — and a caller passes `revealed=True` only with a value it got from an audited
    reveal service (`orgs.services.reveal_person_field`, `reveal_phone`), which writes the audit row the person
    sees on their own page. `kind` is one of KINDS; an unknown kind is a programming error.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind of personal data {kind!r}")
    if value is None:
        return ""
    if revealed:
        return str(value)
    if kind == "health":
        return mask_health(value)
    return MASKS[kind](str(value).replace(" ", ""))


def unchanged(submitted: str | None, stored: str | None, kind: str) -> bool:
    """Whether an edit form's field came back as the masked value it was pre-filled with (keep the stored one)."""
    if not stored or submitted is None:
        return False
    return submitted.strip() == shown(stored, kind)


# A run of 7 or more digits (an ID number may end in X, a phone or card may be typed with spaces or dashes).
_NUMBER = re.compile(r"\d(?:[\s-]?\d){5,}[\dXx]")


def scrubbed(text: str | None) -> str:
    """Free text as it may be kept (an audit row's search filters, a log line's path): every personal number in it —
    a run of 7 or more digits, as an ID, phone or bank number is — masked through `shown`. Shorter numbers
    (a page number, an object id, a year) stay as typed."""
    if not text:
        return ""

    def mask(match: re.Match[str]) -> str:
        digits = re.sub(r"[\s-]", "", match.group(0))
        if len(digits) in (15, 18):
            return shown(digits, "id_number")
        if len(digits) == 11:
            return shown(digits, "phone")
        return shown(digits, "bank_account")

    return _NUMBER.sub(mask, text)
