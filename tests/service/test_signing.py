"""Signed tokens: tamper-evident, expiring, rotation-friendly, never carrying the answer."""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any

import pytest
import time_machine
from itsdangerous import BadSignature, SignatureExpired, Signer, URLSafeTimedSerializer

from service.signing import Purpose, TokenSigner, Verdict

OLD = secrets.token_urlsafe(48)
NEW = secrets.token_urlsafe(48)


def _payload_of(token: str) -> dict[str, object]:
    body = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def test_a_token_verifies_and_carries_a_mac_not_the_answer() -> None:
    signer = TokenSigner([NEW])
    mac = signer.answer_mac("nonce1", 57)
    token = signer.sign(Purpose.CHALLENGE, {"n": "nonce1", "a": mac})
    result = signer.verify(Purpose.CHALLENGE, token, 60)
    assert result.ok and result.payload == {"n": "nonce1", "a": mac}
    assert "57" not in json.dumps(_payload_of(token))
    assert signer.check_answer("nonce1", 57, mac)
    assert not signer.check_answer("nonce1", 58, mac)
    assert not signer.check_answer("nonce2", 57, mac)


def test_tampered_and_foreign_tokens_are_refused() -> None:
    signer = TokenSigner([NEW])
    token = signer.sign(Purpose.CHALLENGE, {"n": "x"})
    body, stamp, sig = token.split(".")
    forged_body = base64.urlsafe_b64encode(b'{"n":"y"}').rstrip(b"=").decode()
    assert signer.verify(Purpose.CHALLENGE, f"{forged_body}.{stamp}.{sig}", 60).verdict is (
        Verdict.BAD_SIGNATURE
    )
    assert TokenSigner([OLD]).verify(Purpose.CHALLENGE, token, 60).verdict is Verdict.BAD_SIGNATURE
    # A token made for one purpose is not valid for another (salt per purpose).
    assert signer.verify(Purpose.RESPONSE, token, 60).verdict is Verdict.BAD_SIGNATURE
    for junk in ("", "a.b.c", "x" * 5000, None, 12):
        assert not signer.verify(Purpose.CHALLENGE, junk, 60).ok


def test_expiry_with_a_frozen_clock() -> None:
    signer = TokenSigner([NEW])
    with time_machine.travel(1_900_000_000, tick=False) as clock:
        token = signer.sign(Purpose.RESPONSE, {"n": "x", "k": "site"})
        clock.shift(59)
        assert signer.verify(Purpose.RESPONSE, token, 60).ok
        clock.shift(2)
        expired = signer.verify(Purpose.RESPONSE, token, 60)
    assert expired.verdict is Verdict.EXPIRED
    assert expired.payload == {"n": "x", "k": "site"}


def test_rotation_newest_signs_all_verify_dropped_key_fails() -> None:
    before = TokenSigner([OLD])
    token = before.sign(Purpose.CHALLENGE, {"n": "x"})
    mac = before.answer_mac("x", 33)
    during = TokenSigner([NEW, OLD])
    assert during.verify(Purpose.CHALLENGE, token, 60).ok
    assert during.check_answer("x", 33, mac)
    fresh = during.sign(Purpose.CHALLENGE, {"n": "y"})
    assert TokenSigner([NEW]).verify(Purpose.CHALLENGE, fresh, 60).ok  # signed with NEW
    after = TokenSigner([NEW])
    assert after.verify(Purpose.CHALLENGE, token, 60).verdict is Verdict.BAD_SIGNATURE
    assert not after.check_answer("x", 33, mac)


def test_payloads_are_not_compressed_and_compressed_tokens_still_verify() -> None:
    signer = TokenSigner([NEW])
    repetitive = {"n": "a" * 600}  # compresses well: the library would zlib it
    token = signer.sign(Purpose.CHALLENGE, repetitive)
    assert not token.startswith(".") and _payload_of(token) == repetitive
    # A token as the library makes it by default (zlib-compressed, marked by a leading
    # dot) is still read: tokens signed before keep working.
    made_before = URLSafeTimedSerializer([NEW], salt=Purpose.CHALLENGE.value).dumps(repetitive)
    assert made_before.startswith(".")
    result = signer.verify(Purpose.CHALLENGE, made_before, 60)
    assert result.ok and result.payload == repetitive


def test_tokens_are_the_librarys_own_byte_for_byte_under_rotation() -> None:
    # The signer derives each key once and takes hmac's one-call path; what it makes and
    # accepts must stay exactly what itsdangerous's stock serializer makes and accepts.
    signer = TokenSigner([NEW, OLD])
    payload = {"n": "nonce", "k": "site", "f": 1.5}
    for purpose in Purpose:
        stock_new = URLSafeTimedSerializer([NEW], salt=purpose.value)
        stock_old = URLSafeTimedSerializer([OLD], salt=purpose.value)
        with time_machine.travel(1_900_000_000, tick=False):
            mine = signer.sign(purpose, payload)
            assert mine == stock_new.dumps(payload)
            for token in (stock_new.dumps(payload), stock_old.dumps(payload)):
                assert signer.verify(purpose, token, 60).payload == payload
        assert stock_new.loads(mine) == payload
        assert signer.verify(purpose, mine[:-2] + ("AA" if mine[-2:] != "AA" else "BB"),
                             60).verdict is Verdict.BAD_SIGNATURE


@pytest.mark.parametrize("when", [1, 255, 256, 65_536, 1_900_000_000, 2**32 + 7])
def test_a_token_is_put_together_as_the_library_signs_it(when: int) -> None:
    # The signer writes a token directly; the library's own path through the same
    # serializer (its dumps) must make the same bytes, for any payload and any time.
    signer = TokenSigner([NEW, OLD])
    payloads: list[dict[str, Any]] = [
        {}, {"n": "nonce", "k": "site", "f": 1.5, "d": 3, "m": "w"},
        {"é": "ünïcödé ☃ 𝄞", "quote": '"\\/\n\t', "none": None, "t": True, "f": False},
        {"nested": [1, [2, {"three": 3.25}]], "big": 10**30, "neg": -7, "tiny": 1e-300},
        {"long": "x" * 1500},
    ]
    with time_machine.travel(when, tick=False):
        for purpose in Purpose:
            serializer = signer._serializers[purpose]
            for payload in payloads:
                mine = signer.sign(purpose, payload)
                assert mine == serializer.dumps(payload)
                assert URLSafeTimedSerializer([NEW], salt=purpose.value).loads(mine) == payload


def _library_verdict(token: str, purpose: Purpose, max_age: int) -> tuple[Any, ...]:
    """What itsdangerous's stock serializer (with both keys) makes of ``token``."""
    stock = URLSafeTimedSerializer([OLD, NEW], salt=purpose.value)
    try:
        payload, issued = stock.loads(token, max_age=max_age, return_timestamp=True)
    except SignatureExpired as expired:
        read = stock.load_payload(expired.payload or b"")  # given when a dict
        return (Verdict.EXPIRED, read if isinstance(read, dict) else None,
                expired.date_signed.timestamp() if expired.date_signed else None)
    except BadSignature:
        return (Verdict.BAD_SIGNATURE, None, None)
    if not isinstance(payload, dict):
        return (Verdict.MALFORMED, None, None)
    return (Verdict.OK, payload, issued.timestamp())


def _variants(token: str) -> list[str]:
    """``token``, and what a client could send instead: every character changed, parts
    dropped, cut short, doubled, with characters base64 does not have."""
    made = [token, token[:-1], token + "A", token + token, "." + token, token + ".",
            token.replace(".", "..", 1), token.replace(".", "", 1), "é" + token,
            token[:10] + "\u00ff" + token[10:], token[:20] + "$" + token[20:]]
    for i in range(len(token)):
        for other in ("A", "-", "=", "."):
            if token[i] != other:
                made.append(token[:i] + other + token[i + 1:])
    body, stamp, signature = (["", ""] + token.split("."))[-3:]
    made += [f"{body}.{signature}", f"{stamp}.{signature}", f"{body}..{signature}",
             f"{body}.!!!!.{signature}", f"{body}.{stamp}"]
    return made


def test_what_a_token_is_judged_is_what_the_library_judges() -> None:
    signer = TokenSigner([NEW, OLD])
    with time_machine.travel(1_900_000_000, tick=False) as clock:
        tokens = [
            signer.sign(Purpose.CHALLENGE, {"n": "nonce", "k": "site", "f": 1.5}),
            signer.sign(Purpose.CHALLENGE, {"n": "ünïcode ✓"}),
            URLSafeTimedSerializer([OLD], salt=Purpose.CHALLENGE.value).dumps({"n": "old"}),
            URLSafeTimedSerializer([NEW], salt=Purpose.CHALLENGE.value).dumps({"n": "z" * 300}),
            URLSafeTimedSerializer([NEW], salt=Purpose.CHALLENGE.value).dumps(["not", "a", "dict"]),
            URLSafeTimedSerializer([NEW], salt=Purpose.RESPONSE.value).dumps({"n": "other"}),
            # Signed with the right key, but with no timestamp.
            Signer([NEW], salt=Purpose.CHALLENGE.value).sign("AAAA").decode(),
            Signer([NEW], salt=Purpose.CHALLENGE.value).sign("eyJuIjoieCJ9.").decode(),
        ]
        with time_machine.travel(1_900_000_100, tick=False):
            tokens.append(signer.sign(Purpose.CHALLENGE, {"n": "from the future"}))
        checked = 0
        for shift in (0, 59, 61):
            clock.move_to(1_900_000_000 + shift)
            for token in tokens:
                for variant in _variants(token):
                    result = signer.verify(Purpose.CHALLENGE, variant, 60)
                    assert (result.verdict, result.payload, result.issued_at) == (
                        _library_verdict(variant, Purpose.CHALLENGE, 60)), variant
                    checked += 1
    assert checked > 5000, checked
