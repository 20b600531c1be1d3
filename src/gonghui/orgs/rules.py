"""Pure rules of the registry: identity numbers, credit codes, name initials. No ORM, no I/O."""

from __future__ import annotations

import datetime as dt
import re
import time
import unicodedata
from functools import lru_cache
from typing import Any, NamedTuple

from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError

from gonghui.core.masking import mask_id_number


class InvalidNumber(ValueError):
    pass


ID_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
# GB/T 2260 province-level codes (and 71/81/82 for Taiwan, Hong Kong, Macao residence permits).
PROVINCE_CODES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43",
    "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82",
})


class Identity(NamedTuple):
    number: str
    gender: str  # "M" / "F"
    birth_date: dt.date
    masked: str


@lru_cache(maxsize=8192)
def parse_id_number(raw: str | None) -> Identity:
    """A 居民身份证 number (GB 11643): 18 characters, checksum and birth date verified.

    Full-width digits and a lower-case x are accepted; gender and birth date come from the
    number (the 17th digit is odd for men), never typed twice.
    """
    raw = raw or ""
    number = raw if raw.isascii() else unicodedata.normalize("NFKC", raw)
    number = number.strip().upper().replace(" ", "")
    if len(number) != 18:
        raise InvalidNumber("身份证号应为18位。")
    if not ID_SHAPE.match(number):
        raise InvalidNumber("身份证号前17位应为数字，末位为数字或X。")
    if number[:2] not in PROVINCE_CODES:
        raise InvalidNumber("身份证号的地区码不存在。")
    # The county table of python-stdnum lacks codes created since (611002 商州区, for one), so
    # only the province is checked against a list; checksum and birth date are checked fully.
    if _check_character(number) != number[-1]:
        raise InvalidNumber("身份证号校验位不正确，请核对是否抄错。")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise InvalidNumber("身份证号中的出生日期无效。") from exc
    if birth.year < 1850:
        raise InvalidNumber("身份证号中的出生日期无效。")
    if birth > _today():
        raise InvalidNumber("身份证号中的出生日期晚于今天。")
    gender = "M" if int(number[16]) % 2 == 1 else "F"
    return Identity(number=number, gender=gender, birth_date=birth, masked=mask_id_number(number))


def _check_character(number: str) -> str:
    """ISO 7064 MOD 11-2, as GB 11643 specifies (the same result as python-stdnum's ric).

    The weight of the k-th of the 17 digits is 2**(17-k) mod 11; read in base 13 (13 ≡ 2 mod 11) the
    digits carry 13**(16-k) ≡ 2**(16-k), so twice that number mod 11 is the weighted sum mod 11.
    """
    return "10X98765432"[2 * int(number[:17], 13) % 11]


_TODAY: list[Any] = [None, None]


def _today() -> dt.date:
    """Today's date, asked of the calendar once a minute (an import checks 200,000 numbers)."""
    minute = int(time.time() // 60)
    if _TODAY[1] != minute:
        _TODAY[:] = [dt.date.today(), minute]  # noqa: DTZ011 - a calendar date, in the process's zone
    return _TODAY[0]


def parse_credit_code(raw: str) -> str:
    """A 统一社会信用代码 (GB 32100): 18 characters with its check character."""
    text = unicodedata.normalize("NFKC", raw or "").strip().upper().replace(" ", "")
    if len(text) != 18:
        raise InvalidNumber("统一社会信用代码应为18位。")
    try:
        return uscc.validate(text)
    except StdnumError as exc:
        raise InvalidNumber("统一社会信用代码校验位不正确，请核对。") from exc


@lru_cache(maxsize=20000)
def _initial(char: str) -> str:
    if char.isascii():
        return char.lower() if char.isalnum() else ""
    letters = lazy_pinyin(char, style=Style.FIRST_LETTER, errors="ignore")
    return letters[0].lower() if letters else ""


@lru_cache(maxsize=65536)
def initials(name: str) -> str:
    """张小明 → zxm: what officials type to find a name quickly."""
    return "".join(_initial(c) for c in name)


class InvalidName(ValueError):
    pass


# Dots people type between the parts of a transliterated name (阿卜杜·热合曼): read as the middle dot U+00B7.
_NAME_DOTS = str.maketrans({"•": "·", "・": "·", "‧": "·", "∙": "·", "⋅": "·", "．": "·", "﹒": "·"})
# Control characters (Cc: NUL, CR, LF, TAB…), format characters (Cf: zero-width spaces and joiners, the
# bidirectional embeddings, overrides and isolates, the byte-order mark, the soft hyphen), line and paragraph
# separators (Zl, Zp) and lone surrogates (Cs). Unassigned and private-use code points stay allowed: a rare
# character of a real name (生僻字) may be newer than this Python's Unicode table, or typed through a
# private-use mapping.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def clean_name(raw: str | None, *, required: bool = True) -> str:
    """A person's name as it may be kept: trimmed, runs of spaces made one, dots made the middle dot.

    Refused: blank or whitespace-only, and any invisible or control character — a name of U+200B only looks
    empty but is not, a U+202E reverses what follows on every page and printout, a CR/LF splits the CSV and
    log lines the name is written into.
    """
    text = unicodedata.normalize("NFC", raw or "")
    for char in text:
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            if char in "\r\n\t\x0b\x0c\x85":
                raise InvalidName(_("姓名中不能有换行或制表符。"))
            raise InvalidName(_("姓名中含有不可见的控制字符（U+%(code)04X），请删除后重新输入。") % {"code": ord(char)})
    text = " ".join(text.split()).translate(_NAME_DOTS)
    if not text:
        if required:
            raise InvalidName(_("请填写姓名。"))
        return ""
    if not any(c.isalpha() for c in text):
        raise InvalidName(_("姓名中应有文字。"))
    return text


# The earliest date a record of a working life may carry (joining the union, learning of a wrong): a year
# before it is a typing slip (0202 for 2020, 1020 for 2020), not a fact.
EARLIEST_DATE = dt.date(1900, 1, 1)
