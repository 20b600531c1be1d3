"""Encryption at rest of personal data, and keyed hashes for looking it up.

Values are sealed as `v1:<cipher>:<base64(nonce | ciphertext | tag)>` with AES-256-GCM by
default or SM4-GCM (国密) when GONGHUI_DATA_CIPHER=sm4-gcm. Both keys are derived with HKDF
from GONGHUI_DATA_KEY, so one secret serves encryption and the look-up hash, and a
sealed value names the cipher that sealed it (a deployment can switch ciphers and
re-encrypt later).
"""

from __future__ import annotations

import base64
import hmac
import os
from collections.abc import Callable
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PREFIX = "v1"
CIPHERS = ("aes-256-gcm", "sm4-gcm")


class DecryptionError(Exception):
    pass


@lru_cache(maxsize=8)
def _derive(secret: str, purpose: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=b"gonghui", info=purpose).derive(secret.encode())


def _key(purpose: bytes, length: int) -> bytes:
    return _derive(settings.GONGHUI_DATA_KEY, purpose, length)


class using_key:  # noqa: N801 - used as a context manager, like a function
    """Seal and open values with another key for a while (the key-rotation command)."""

    def __init__(self, secret: str) -> None:
        self.secret = secret

    def __enter__(self) -> None:
        self.saved = settings.GONGHUI_DATA_KEY
        settings.GONGHUI_DATA_KEY = self.secret

    def __exit__(self, *exc: object) -> None:
        settings.GONGHUI_DATA_KEY = self.saved


def encrypt(plaintext: str, cipher: str | None = None) -> str:
    return sealer(cipher)(plaintext)


def sealer(cipher: str | None = None) -> Callable[[str], str]:
    """A function that seals values with the current key: `encrypt` with the key looked up once (bulk work)."""
    cipher = cipher or settings.GONGHUI_DATA_CIPHER
    head, aad = f"{PREFIX}:{cipher}:", PREFIX.encode()
    if cipher == "aes-256-gcm":
        aes = _aesgcm(_key(b"encrypt:aes", 32))

        def seal(plaintext: str) -> str:
            nonce = os.urandom(12)
            return head + base64.b64encode(nonce + aes.encrypt(nonce, plaintext.encode(), aad)).decode()

        return seal
    if cipher == "sm4-gcm":
        key = _key(b"encrypt:sm4", 16)

        def seal_sm4(plaintext: str) -> str:
            nonce = os.urandom(12)
            encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
            encryptor.authenticate_additional_data(aad)
            sealed = encryptor.update(plaintext.encode()) + encryptor.finalize() + encryptor.tag
            return head + base64.b64encode(nonce + sealed).decode()

        return seal_sm4
    raise ValueError(f"unknown cipher {cipher!r}; choose one of {CIPHERS}")


def seal_all(plaintexts: list[str], cipher: str | None = None) -> list[str]:
    """Seal many values at once (bulk work): as `sealer` seals each, with the nonces of all drawn from the
    system's random source in one read rather than one read a value. Empty values stay empty."""
    cipher = cipher or settings.GONGHUI_DATA_CIPHER
    if cipher != "aes-256-gcm":
        seal = sealer(cipher)
        return [seal(p) if p else p for p in plaintexts]
    head, aad = f"{PREFIX}:{cipher}:", PREFIX.encode()
    encrypt, b64 = _aesgcm(_key(b"encrypt:aes", 32)).encrypt, base64.b64encode
    nonces = os.urandom(12 * len(plaintexts))
    sealed: list[str] = []
    for index, plaintext in enumerate(plaintexts):
        if not plaintext:
            sealed.append(plaintext)
            continue
        nonce = nonces[12 * index:12 * index + 12]
        sealed.append(head + b64(nonce + encrypt(nonce, plaintext.encode(), aad)).decode())
    return sealed


def decrypt(token: str) -> str:
    try:
        prefix, cipher, payload = token.split(":", 2)
        raw = base64.b64decode(payload)
    except ValueError as exc:
        raise DecryptionError("not a sealed value") from exc
    if prefix != PREFIX:
        raise DecryptionError(f"unknown format {prefix!r}")
    nonce, sealed = raw[:12], raw[12:]
    try:
        if cipher == "aes-256-gcm":
            return _aesgcm(_key(b"encrypt:aes", 32)).decrypt(nonce, sealed, PREFIX.encode()).decode()
        if cipher == "sm4-gcm":
            decryptor = Cipher(algorithms.SM4(_key(b"encrypt:sm4", 16)), modes.GCM(nonce, sealed[-16:])).decryptor()
            decryptor.authenticate_additional_data(PREFIX.encode())
            return (decryptor.update(sealed[:-16]) + decryptor.finalize()).decode()
    except Exception as exc:  # InvalidTag and friends: wrong key or tampered value
        raise DecryptionError("the value cannot be decrypted with this key") from exc
    raise DecryptionError(f"unknown cipher {cipher!r}")


@lru_cache(maxsize=8)
def _aesgcm(key: bytes) -> AESGCM:
    return AESGCM(key)


def page_cache_cipher() -> AESGCM:
    """AES-256-GCM with a key of its own (HKDF from GONGHUI_DATA_KEY) for the page cache's answers in Redis."""
    return _aesgcm(_key(b"page-cache:aes", 32))


def lookup_hash(value: str, kind: str) -> str:
    """A keyed hash (HMAC-SHA256) of a normalised value, to find and de-duplicate it.

    `kind` separates the hash spaces so that a phone and an ID number never collide.
    """
    return _lookup_hash(settings.GONGHUI_DATA_KEY, value, kind)


@lru_cache(maxsize=16384)
def _lookup_hash(secret: str, value: str, kind: str) -> str:
    key = _derive(secret, b"lookup", 32)
    return hmac.digest(key, f"{kind}:{value}".encode(), "sha256").hex()


def hasher(kind: str) -> Callable[[str], str]:
    """`lookup_hash` for one kind with the current key looked up once (bulk work)."""
    key, prefix = _derive(settings.GONGHUI_DATA_KEY, b"lookup", 32), f"{kind}:".encode()

    def digest(value: str) -> str:
        return hmac.digest(key, prefix + value.encode(), "sha256").hex()

    return digest
