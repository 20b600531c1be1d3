"""How personal data is shown when the full value is not needed (almost always)."""

from __future__ import annotations


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
