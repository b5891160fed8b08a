"""Signed, timestamped tokens, with a salt per purpose and a key list for rotation.

Signed is not secret: anyone can read a token's payload, so payloads hold nonces and
MACs, never answers or secrets. Verification returns a :class:`TokenResult` with a
reason rather than raising, because a bad token is an expected outcome.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from itsdangerous import (
    BadData,
    BadSignature,
    SignatureExpired,
    TimestampSigner,
    URLSafeTimedSerializer,
)
from itsdangerous.encoding import (
    base64_decode,
    bytes_to_int,
    int_to_bytes,
    want_bytes,
)
from itsdangerous.signer import HMACAlgorithm, Signer

from service import randomness

MAX_TOKEN_LENGTH = 2048
# itsdangerous's compact JSON, made by one encoder rather than a new one per token.
_PAYLOAD_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_URLSAFE = bytes.maketrans(b"+/", b"-_")


def _urlsafe(data: bytes) -> bytes:
    """``data`` in unpadded URL-safe base64: itsdangerous's ``base64_encode`` of bytes (and
    :func:`base64.urlsafe_b64encode`'s, unpadded), through one layer instead of three."""
    return binascii.b2a_base64(data, newline=False).translate(_URLSAFE).rstrip(b"=")


class Purpose(StrEnum):
    """What a token is for; each purpose signs with its own salt."""

    CHALLENGE = "hedgerow.challenge.v1"
    RESPONSE = "hedgerow.response.v1"


class Verdict(StrEnum):
    """Why a token was or was not accepted."""

    OK = "ok"
    MALFORMED = "malformed"
    BAD_SIGNATURE = "bad-signature"
    EXPIRED = "expired"


@dataclass(frozen=True)
class TokenResult:
    """The outcome of reading a token: a verdict, and the payload when it can be trusted.

    An expired token's payload is authentic (its signature checked out), so it is given
    too: the caller may use it, for example to issue a fresh challenge for the same site.
    """

    verdict: Verdict
    payload: dict[str, Any] | None = None
    issued_at: float | None = None

    @property
    def ok(self) -> bool:
        """True when the token is authentic and within its lifetime."""
        return self.verdict is Verdict.OK


def new_nonce() -> str:
    """A 128-bit random nonce, URL-safe."""
    return randomness.token_urlsafe(16)


class _Signer(TimestampSigner):
    """itsdangerous's timestamp signer, deriving each key once rather than per token.

    The derivation is the library's own (django-concat over SHA-1), remembered per key;
    with the HMAC's digest named (``"sha1"``), :mod:`hmac` makes it with OpenSSL's HMAC
    object instead of building one in Python. Not with :func:`hmac.digest`: that one-shot
    lets go of the GIL on every call, and under load each release hands the GIL to another
    thread and waits to win it back. Signatures are byte for byte the library's.
    """

    def __init__(self, secret_key: Any, salt: Any = None, **kwargs: Any) -> None:
        super().__init__(secret_key, salt=salt, algorithm=HMACAlgorithm("sha1"), **kwargs)
        self._derived: dict[bytes, bytes] = {}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        """The signing key derived from ``secret_key`` (default: the newest key)."""
        key = self.secret_keys[-1] if secret_key is None else want_bytes(secret_key)
        derived = self._derived.get(key)
        if derived is None:
            derived = self._derived[key] = super().derive_key(key)
        return derived


class _Serializer(URLSafeTimedSerializer):
    """itsdangerous's URL-safe timed serializer with one signer made up front, and
    without trying zlib on every payload.

    Payloads here are a few short fields of random nonces and MACs, which never compress,
    so the attempt was pure cost on every token signed. Tokens stay in the same format
    (compressed ones are still read), so tokens made before keep verifying.
    """

    def __init__(self, secret_key: Any, salt: str) -> None:
        super().__init__(secret_key, salt=salt, signer=_Signer)
        self._signer = _Signer(self.secret_keys, salt=salt)
        # The HMAC keyed with the newest derived key, copied for each token: keying one
        # afresh hashes the key twice more.
        self._keyed = hmac.new(self._signer.derive_key(), digestmod="sha1")
        # The timestamp part of the tokens signed within the same second.
        self._stamp: tuple[int, bytes] = (-1, b"")

    def make_signer(self, salt: str | bytes | None = None) -> Signer:
        """The signer made up front (signers hold no per-token state)."""
        if salt is None or want_bytes(salt) == self._signer.salt:
            return self._signer
        return super().make_signer(salt)

    def dump_payload(self, obj: Any) -> bytes:
        """The payload's compact JSON (as the library writes it), base64-encoded."""
        return _urlsafe(_PAYLOAD_ENCODER.encode(obj).encode())

    def write(self, obj: Any) -> str:
        """What :meth:`dumps` makes of ``obj`` (the same token, byte for byte), put
        together directly: the payload's base64, the time's (encoded once a second), and
        their signature's."""
        now = int(time.time())
        second, stamp = self._stamp
        if second != now:
            stamp = _urlsafe(int_to_bytes(now))
            self._stamp = (now, stamp)
        signed = b".".join((self.dump_payload(obj), stamp))
        mac = self._keyed.copy()
        mac.update(signed)
        return b".".join((signed, _urlsafe(mac.digest()))).decode("ascii")

    def read(self, token: str, max_age: int) -> TokenResult:
        """What :meth:`loads` makes of ``token``, as a verdict rather than an exception.

        The library's own steps in its order (signature with every key, then the
        timestamp, then the age, then the payload), without the exceptions, byte
        conversions and dates it goes through for a token that is fine. A token that is
        not ASCII (which the library reads by dropping what is not) takes its way.
        """
        try:
            raw = token.encode("ascii")
        except UnicodeEncodeError:
            return self._read_by_library(token, max_age)
        signed, dot, signature = raw.rpartition(b".")
        if not dot or not self._signer.verify_signature(signed, signature):
            return TokenResult(Verdict.BAD_SIGNATURE)
        body, dot, stamp = signed.rpartition(b".")
        if not dot:  # signed, but with no timestamp: not a token of this kind
            return TokenResult(Verdict.BAD_SIGNATURE)
        try:
            issued = bytes_to_int(base64_decode(stamp))
        except Exception:  # the library's "malformed timestamp", whatever the cause
            return TokenResult(Verdict.BAD_SIGNATURE)
        age = int(time.time()) - issued
        if age > max_age or age < 0:
            return TokenResult(Verdict.EXPIRED, self._trusted_payload(body), float(issued))
        try:
            payload = self.load_payload(body)
        except BadData:
            return TokenResult(Verdict.MALFORMED)
        if not isinstance(payload, dict):
            return TokenResult(Verdict.MALFORMED)
        return TokenResult(Verdict.OK, payload, float(issued))

    def _read_by_library(self, token: str, max_age: int) -> TokenResult:
        try:
            payload, issued = self.loads(token, max_age=max_age, return_timestamp=True)
        except SignatureExpired as expired:
            issued_at = expired.date_signed.timestamp() if expired.date_signed else None
            return TokenResult(Verdict.EXPIRED, self._trusted_payload(expired.payload),
                               issued_at)
        except BadSignature:
            return TokenResult(Verdict.BAD_SIGNATURE)
        except BadData:
            return TokenResult(Verdict.MALFORMED)
        if not isinstance(payload, dict):
            return TokenResult(Verdict.MALFORMED)
        return TokenResult(Verdict.OK, payload, issued.timestamp())

    def _trusted_payload(self, raw: Any) -> dict[str, Any] | None:
        """The payload of a token whose signature checked out, if it reads as one."""
        try:
            payload = self.load_payload(raw)
        except BadData:
            return None
        return payload if isinstance(payload, dict) else None


class TokenSigner:
    """Signs and verifies tokens with a list of keys, newest first."""

    def __init__(self, keys: list[str]) -> None:
        if not keys or any(not k for k in keys):
            raise ValueError("TokenSigner needs at least one non-empty key")
        # itsdangerous signs with the last key of its list and verifies with all of them.
        ordered = list(reversed(keys))
        self._serializers = {
            purpose: _Serializer(ordered, salt=purpose.value) for purpose in Purpose
        }
        self._mac_keys = [
            hmac.new(k.encode(), b"hedgerow.answer-mac.v1", hashlib.sha256).digest() for k in keys
        ]
        # Each MAC key's HMAC, keyed once and copied for every answer.
        self._answer_macs = [hmac.new(k, digestmod="sha256") for k in self._mac_keys]

    def sign(self, purpose: Purpose, payload: dict[str, Any]) -> str:
        """Sign ``payload`` for ``purpose``; the token records when it was made."""
        return self._serializers[purpose].write(payload)

    def verify(self, purpose: Purpose, token: object, max_age: int) -> TokenResult:
        """Check a token's form, signature and age, in that order."""
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
            return TokenResult(Verdict.MALFORMED)
        return self._serializers[purpose].read(token, max_age)

    def pseudonym(self, value: str) -> str:
        """A keyed, irreversible stand-in for a personal value such as an IP address."""
        return _pseudonym(self._mac_keys[0], value)

    def pseudonyms(self, value: str) -> list[str]:
        """``value``'s pseudonym under every configured key, newest first."""
        return [_pseudonym(key, value) for key in self._mac_keys]

    def answer_mac(self, nonce: str, answer: int) -> str:
        """A keyed MAC binding an answer to a nonce, made with the newest key."""
        return _mac(self._answer_macs[0], nonce, answer)

    def check_answer(self, nonce: str, answer: int, mac: object) -> bool:
        """True when ``answer`` matches ``mac`` under any configured key (constant time)."""
        if not isinstance(mac, str):
            return False
        matched = False
        for keyed in self._answer_macs:
            # Check every key, so the time taken does not say which one matched.
            matched |= hmac.compare_digest(_mac(keyed, nonce, answer), mac)
        return matched


def _pseudonym(key: bytes, value: str) -> str:
    digest = hmac.new(key, b"pseudonym:" + value.encode(), "sha256").digest()
    return base64.urlsafe_b64encode(digest[:12]).decode()


def _mac(keyed: hmac.HMAC, nonce: str, answer: int) -> str:
    mac = keyed.copy()
    mac.update(f"{nonce}:{answer}".encode())
    return _urlsafe(mac.digest()[:16]).decode()



MODEL_SIGNING_PURPOSE = b"hedgerow.model-manifest.v1"


def model_signing_keys(keys: list[str]) -> list[bytes]:
    """The keys that sign model manifests, one per configured key, newest first.

    Each is derived from a ``HEDGEROW_SECRET_KEY`` entry for this purpose alone, so a model
    signature can never stand in for a token or an answer MAC (or the other way round).
    """
    return [hmac.new(k.encode(), MODEL_SIGNING_PURPOSE, hashlib.sha256).digest() for k in keys]
