"""The e-membership card's QR token: a signed, expiring statement "this number is a member of this union".

Token: `<payload>.<signature>`, both base64url; the payload is compact JSON
{"n": membership number, "u": union id, "iat", "exp" (Unix seconds), "k": key id}; the signature is
Ed25519 over the payload text. Online verification also checks the membership is still open (a
card is revoked at once when membership ends); offline, anyone with the published public key
checks the signature and the expiry.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gonghui.membership.models import CardKey, Membership

VALID, EXPIRED, TAMPERED, REVOKED, UNKNOWN = "valid", "expired", "tampered", "revoked", "unknown"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@transaction.atomic
def current_key() -> CardKey:
    key = CardKey.objects.select_for_update().filter(retired_at__isnull=True).first()
    if key is not None:
        return key
    private = Ed25519PrivateKey.generate()
    return CardKey.objects.create(
        kid=secrets.token_hex(4),
        private_key=private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()).decode(),
        public_key=private.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo).decode())


def issue(membership: Membership, now: datetime | None = None) -> tuple[str, datetime]:
    """A fresh token for the card's QR code and the moment it expires."""
    now = now or timezone.now()
    key = current_key()
    expires = int(now.timestamp()) + settings.GONGHUI_CARD_TOKEN_SECONDS
    payload = _b64(json.dumps({"n": membership.number, "u": membership.unit_id, "iat": int(now.timestamp()),
                               "exp": expires, "k": key.kid}, separators=(",", ":")).encode())
    private = serialization.load_pem_private_key(key.private_key.encode(), password=None)
    assert isinstance(private, Ed25519PrivateKey)
    return f"{payload}.{_b64(private.sign(payload.encode()))}", datetime.fromtimestamp(expires, tz=now.tzinfo)


@dataclass
class Verdict:
    status: str
    membership: Membership | None = None
    claims: dict[str, Any] | None = None


def _parse(token: str) -> tuple[str, bytes, dict[str, Any]] | None:
    try:
        payload, signature = token.strip().split(".")
        claims = json.loads(_unb64(payload))
        if not isinstance(claims, dict) or not {"n", "u", "exp", "k"} <= claims.keys():
            return None
        return payload, _unb64(signature), claims
    except (ValueError, TypeError):
        return None


def verify_signature(token: str, public_pem: str, now: datetime | None = None) -> str:
    """Offline check with the published public key: valid, expired or tampered."""
    parsed = _parse(token)
    if parsed is None:
        return TAMPERED
    payload, signature, claims = parsed
    public = serialization.load_pem_public_key(public_pem.encode())
    assert isinstance(public, Ed25519PublicKey)
    try:
        public.verify(signature, payload.encode())
    except InvalidSignature:
        return TAMPERED
    now = now or timezone.now()
    return EXPIRED if int(now.timestamp()) > int(claims["exp"]) else VALID


def verify(token: str, now: datetime | None = None) -> Verdict:
    """The scanner page's check: the signature, the expiry, and that the membership is still open."""
    parsed = _parse(token)
    if parsed is None:
        return Verdict(TAMPERED)
    _payload, _signature, claims = parsed
    key = CardKey.objects.filter(kid=str(claims["k"])).first()
    if key is None:
        return Verdict(UNKNOWN)
    status = verify_signature(token, key.public_key, now)
    if status != VALID:
        return Verdict(status, claims=claims)
    membership = Membership.objects.select_related("person", "unit").filter(number=str(claims["n"])).first()
    if membership is None or membership.ended_on is not None or membership.unit_id != claims["u"]:
        return Verdict(REVOKED, membership, claims)
    return Verdict(VALID, membership, claims)


def public_keys() -> list[dict[str, str]]:
    return [{"kid": k.kid, "public_key": k.public_key, "retired": bool(k.retired_at)} for k in CardKey.objects.all()]
