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


# What kind of number it is. All three are 18 characters with the GB 11643 check character.
ID_RESIDENT = "resident"  # 居民身份证 (mainland)
ID_HK_MACAO_TAIWAN = "hmt_permit"  # 港澳台居民居住证: address code 810000 Hong Kong, 820000 Macao, 830000 Taiwan
ID_FOREIGN_PERMANENT = "foreign_pr"  # 外国人永久居留身份证 (2023 version): the first digit is 9
ID_TYPES = {
    ID_RESIDENT: "居民身份证",
    ID_HK_MACAO_TAIWAN: "港澳台居民居住证",
    ID_FOREIGN_PERMANENT: "外国人永久居留身份证",
}
PERMIT_ADDRESS_CODES = frozenset({"810000", "820000", "830000"})
# The oldest age a birth date may give: a number saying more is a typing slip, not a person.
MAX_AGE = 120


class Identity(NamedTuple):
    number: str
    gender: str  # "M" / "F"
    birth_date: dt.date
    masked: str
    id_type: str = ID_RESIDENT


def id_type_of(number: str) -> str:
    """The kind of an 18-character number (its shape already checked)."""
    if number[0] == "9":
        return ID_FOREIGN_PERMANENT
    if number[:6] in PERMIT_ADDRESS_CODES:
        return ID_HK_MACAO_TAIWAN
    return ID_RESIDENT


def parse_id_number(raw: str | None) -> Identity:
    """An identity number of 18 characters: checksum and birth date verified, its kind in `id_type`.

    Accepted: the 居民身份证 (GB 11643); the 港澳台居民居住证, which carries the address code 810000,
    820000 or 830000 and is otherwise built the same way; the 2023 外国人永久居留身份证, whose first
    digit is 9 (then the province of issue and the nationality code) with the birth date in the same
    place (digits 7–14), the same sequence digit for gender and the same check character.
    Full-width digits and a lower-case x are accepted; gender and birth date come from the
    number (the 17th digit is odd for men), never typed twice. A birth date after today, or more than
    120 years ago, is refused.
    """
    identity = _parse_id_shape(raw or "")
    # Checked on every call, outside the cache: a number parsed yesterday is judged against today.
    today = _today()
    if identity.birth_date > today:
        raise InvalidNumber("身份证号中的出生日期晚于今天，请核对。")
    if age_on(identity.birth_date, today) > MAX_AGE:
        raise InvalidNumber(f"身份证号中的出生日期（{identity.birth_date.isoformat()}）意味着年龄超过{MAX_AGE}周岁，"
                            "不合常理，请核对。")
    return identity


@lru_cache(maxsize=8192)
def _parse_id_shape(raw: str) -> Identity:
    """What a number says whatever the day: shape, region, check character, birth date, gender, kind."""
    number = raw if raw.isascii() else unicodedata.normalize("NFKC", raw)
    number = number.strip().upper().replace(" ", "")
    if len(number) != 18:
        raise InvalidNumber("身份证号应为18位。")
    if not ID_SHAPE.match(number):
        raise InvalidNumber("身份证号前17位应为数字，末位为数字或X。")
    id_type = id_type_of(number)
    if id_type == ID_RESIDENT and number[:2] not in PROVINCE_CODES:
        raise InvalidNumber("身份证号的地区码不存在。")
    if id_type == ID_FOREIGN_PERMANENT and number[1:3] not in PROVINCE_CODES:
        raise InvalidNumber("外国人永久居留身份证号的受理地区码不存在。")
    # The county table of python-stdnum lacks codes created since (611002 商州区, for one), so
    # only the province is checked against a list; checksum and birth date are checked fully.
    if _check_character(number) != number[-1]:
        raise InvalidNumber("身份证号校验位不正确，请核对是否抄错。")
    year, month_day = divmod(int(number[6:14]), 10000)
    try:
        birth = dt.date(year, *divmod(month_day, 100))
    except ValueError as exc:
        raise InvalidNumber("身份证号中的出生日期无效。") from exc
    gender = "M" if number[16] in "13579" else "F"
    return Identity(number, gender, birth, mask_id_number(number), id_type)


def age_on(birth: dt.date, day: dt.date) -> int:
    """Full years of age (周岁) on `day`: the age goes up on the birthday itself.

    Someone born on 29 February has their birthday on 1 March in a common year (they are not a year
    older on 28 February). Plain calendar arithmetic: an age is not a statutory period and never rolls.
    """
    years = day.year - birth.year
    if (day.month, day.day) < (birth.month, birth.day):
        years -= 1
    return years


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
    # Every refused character is one str.isprintable() refuses (it refuses more: other spaces, private use,
    # unassigned), so a printable name needs no look at each character.
    for char in "" if text.isprintable() else text:
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
