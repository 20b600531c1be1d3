"""The list of passwords nobody may choose: Django's 20,000 common ones and our own (common-passwords.txt).

Checked by the password validators (AUTH_PASSWORD_VALIDATORS) whenever a user chooses a new password: the
password change page, an account opened with an initial password, the API. The demo and `createsuperuser
--noinput` set their passwords directly (make_password), not through the validators: the demo's published
password `Gonghui@2026` opens the demo's accounts but can be nobody's chosen password.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

OUR_LIST = Path(__file__).resolve().parent / "common-passwords.txt"


@cache
def _ours(path: Path) -> frozenset[str]:
    with path.open(encoding="utf-8") as handle:
        return frozenset(line.strip().lower() for line in handle if line.strip() and not line.startswith("#"))


def normalised(password: str) -> str:
    """What the lists are compared with: lower case, spaces trimmed (as Django's own validator does)."""
    return password.lower().strip()


class PublishedPasswordValidator(CommonPasswordValidator):
    """Refuses a password on Django's list of 20,000 common passwords or on ours (the demo's, the published
    Chinese leaks' most common, the Word@123 and Word@year habit)."""

    def __init__(self, password_list_path: Any = CommonPasswordValidator.DEFAULT_PASSWORD_LIST_PATH,
                 extra_list_path: Any = OUR_LIST) -> None:
        super().__init__(password_list_path)
        self.passwords = set(self.passwords) | _ours(Path(extra_list_path))

    def validate(self, password: str, user: Any = None) -> None:
        if normalised(password) in self.passwords:
            raise ValidationError(self.get_error_message(), code="password_too_common")

    def get_error_message(self) -> str:
        return _("这个密码太常见（或已在公开泄露的密码表中），很容易被猜中，请换一个。")

    def get_help_text(self) -> str:
        return _("不能使用常见的或已公开的密码（如 Password@123、演示系统的密码）。")
