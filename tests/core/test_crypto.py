from __future__ import annotations

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from gonghui.core import crypto
from gonghui.core.masking import mask_id_number, mask_name, mask_phone
from gonghui.core.phone import InvalidPhone, normalise_mobile


@given(st.text(max_size=200), st.sampled_from(crypto.CIPHERS))
def test_sealed_values_open_to_the_same_text(text: str, cipher: str) -> None:
    sealed = crypto.encrypt(text, cipher)
    assert sealed.startswith(f"v1:{cipher}:")
    assert crypto.decrypt(sealed) == text


def test_the_same_value_seals_differently_each_time() -> None:
    assert crypto.encrypt("13812345678") != crypto.encrypt("13812345678")


@pytest.mark.parametrize("cipher", crypto.CIPHERS)
def test_a_tampered_value_is_refused(cipher: str) -> None:
    sealed = crypto.encrypt("610102199001011234", cipher)
    prefix, name, payload = sealed.split(":", 2)
    flipped = payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(f"{prefix}:{name}:{flipped}")


def test_another_key_cannot_open_a_value(settings) -> None:  # noqa: ANN001
    sealed = crypto.encrypt("13812345678")
    settings.GONGHUI_DATA_KEY = "another-key-entirely"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(sealed)


def test_lookup_hash_is_keyed_and_separates_kinds(settings) -> None:  # noqa: ANN001
    first = crypto.lookup_hash("13812345678", "phone")
    assert first == crypto.lookup_hash("13812345678", "phone")
    assert first != crypto.lookup_hash("13812345678", "id")
    settings.GONGHUI_DATA_KEY = "another-key-entirely"
    assert crypto.lookup_hash("13812345678", "phone") != first


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_a_masked_phone_keeps_only_its_ends(phone: str) -> None:
    masked = mask_phone(phone)
    assert masked == phone[:3] + "****" + phone[-4:]
    assert len(masked) == len(phone)


def test_masks_follow_the_published_shapes() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("61010219900101123X") == "6101**********123X"
    assert mask_name("张小明") == "张*明"
    assert mask_name("李四") == "李*"


@pytest.mark.parametrize("typed", ["13812345678", "+86 138-1234-5678", "１３８１２３４５６７８", "0086 13812345678",
                                   " 138 1234 5678 "])
def test_mobile_numbers_are_normalised(typed: str) -> None:
    assert normalise_mobile(typed) == "13812345678"


@pytest.mark.parametrize("typed", ["", "12812345678", "1381234567", "138123456789", "029-88888888", "abc"])
def test_non_mobile_numbers_are_refused(typed: str) -> None:
    with pytest.raises(InvalidPhone):
        normalise_mobile(typed)


@pytest.mark.django_db
def test_phone_numbers_are_encrypted_at_rest(persona) -> None:  # noqa: ANN001
    worker = persona("worker1")
    assert worker.phone == "13900000001"
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, phone_hash FROM orgs_user WHERE id = %s", [worker.pk])
        stored, digest = cursor.fetchone()
    assert "13900000001" not in stored
    assert stored.startswith("v1:aes-256-gcm:")
    assert "13900000001" not in digest


@given(st.text(max_size=40), st.sampled_from(["id", "phone", "bank"]))
def test_the_bulk_hasher_gives_the_lookup_hash(value: str, kind: str) -> None:
    assert crypto.hasher(kind)(value) == crypto.lookup_hash(value, kind)


@pytest.mark.parametrize("cipher", crypto.CIPHERS)
def test_the_bulk_sealer_seals_as_encrypt_does(cipher: str) -> None:
    seal = crypto.sealer(cipher)
    first, second = seal("13812345678"), seal("13812345678")
    assert first != second and first.startswith(f"v1:{cipher}:")
    assert crypto.decrypt(first) == crypto.decrypt(second) == "13812345678"


@given(st.lists(st.text(max_size=40), max_size=20), st.sampled_from(crypto.CIPHERS))
def test_sealing_in_bulk_opens_to_each_value_and_keeps_empties_empty(texts: list[str], cipher: str) -> None:
    sealed = crypto.seal_all(texts, cipher)
    assert len(sealed) == len(texts)
    for text, value in zip(texts, sealed, strict=True):
        assert value == "" if text == "" else (value.startswith(f"v1:{cipher}:") and crypto.decrypt(value) == text)


def test_sealing_in_bulk_gives_each_value_its_own_nonce() -> None:
    sealed = crypto.seal_all(["13812345678"] * 50)
    assert len(set(sealed)) == 50
    assert len({crypto.decrypt(v) for v in sealed}) == 1


@given(st.text(alphabet="0123456789１３８ +-()x\n", min_size=9, max_size=13))
def test_an_ascii_number_read_as_typed_is_what_the_full_normalisation_gives(typed: str) -> None:
    import re
    import unicodedata

    text = re.sub(r"[\s\-()（）]", "", unicodedata.normalize("NFKC", typed).strip())
    text = text[3:] if text.startswith("+86") else text[4:] if text.startswith("0086") else text
    if re.fullmatch(r"1[3-9][0-9]{9}", text):
        assert normalise_mobile(typed) == text
    else:
        with pytest.raises(InvalidPhone):
            normalise_mobile(typed)
