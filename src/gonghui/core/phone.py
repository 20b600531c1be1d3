"""Mainland mobile numbers: normalise what people type, reject what is not a number."""

from __future__ import annotations

import re
import unicodedata

MOBILE = re.compile(r"^1[3-9]\d{9}$")


class InvalidPhone(ValueError):
    pass


def normalise_mobile(raw: str) -> str:
    """'+86 138-1234-5678', '１３８１２３４５６７８' → '13812345678'; raises InvalidPhone."""
    if len(raw or "") == 11 and raw.isascii() and MOBILE.match(raw):  # as typed: nothing to normalise
        return raw
    text = unicodedata.normalize("NFKC", raw or "").strip()
    text = re.sub(r"[\s\-()（）]", "", text)
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    if not MOBILE.match(text):
        raise InvalidPhone(raw)
    return text


def looks_like_mobile(raw: str) -> bool:
    try:
        normalise_mobile(raw)
    except InvalidPhone:
        return False
    return True
