"""The captcha flow: issue a challenge, solve it, verify the response.

Each step returns a result with a reason code rather than raising, and checks in a
fixed order: form, signature, age, site, single use, answer. A token is spent whatever
its answer, so a wrong answer burns the challenge and two racing requests cannot both
pass.

The time a form took to fill in counts from when the widget first showed a challenge,
not from the latest one: each challenge token carries, signed, the issue time of the
first challenge of its chain (``f``), which a fresh challenge after a wrong answer, an
expiry or a reset inherits, and the response token carries on to the comment check.

A person who cannot do the arithmetic may ask for the other way (``mode="work"``,
WCAG 2.2 SC 3.3.8): no question, only a longer proof of work of a few seconds, signed,
single-use and rate-limited like the rest. Its response says so, and siteverify tells
the site (``"method": "proof-of-work"``).

Clients are known only by their identity (:mod:`service.captcha.clients`): a keyed
pseudonym of their network, which the puzzle's difficulty is counted under and which a
response token carries, so that siteverify can compare it with ``remoteip``.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

from service.captcha import arithmetic, proof_of_work
from service.captcha.clients import ClientIdentifier
from service.signing import Purpose, TokenResult, TokenSigner, Verdict, new_nonce
from service.sites.registry import Site, SiteRegistry
from service.store.budgets import NO_BUDGETS, Budgets
from service.store.redis_store import Store

# A chain of challenges keeps its first time only while each link follows the last one
# within a challenge's and a response's lifetime, and never for longer than this.
FIRST_SHOWN_MAX_AGE = 86400
# How long a response a site's backend verified may still pass one comment check.
VERIFIED_GRACE_SECONDS = 300
# The other way: the puzzle the client would get, this many bits harder (2**10 times the
# work: about four seconds in a browser for a clean visitor), up to WORK_MAX_BITS.
WORK_EXTRA_BITS = 10
WORK_MAX_BITS = 28
MODES = ("arithmetic", "work")
_Result = TypeVar("_Result")


@dataclass(frozen=True)
class IssuedChallenge:
    """A challenge as sent to the widget."""

    token: str
    prompt: str
    expires_in: int
    pow_salt: str = ""
    pow_difficulty: int = 0
    mode: str = "arithmetic"

    def to_json(self) -> dict[str, Any]:
        """The JSON body of ``GET /v1/challenge``."""
        body: dict[str, Any] = {
            "token": self.token, "prompt": self.prompt, "expires_in": self.expires_in
        }
        if self.mode != "arithmetic":
            body["mode"] = self.mode
        if self.pow_difficulty:
            body["pow"] = {
                "algorithm": proof_of_work.ALGORITHM,
                "salt": self.pow_salt,
                "difficulty": self.pow_difficulty,
            }
        return body


@dataclass(frozen=True)
class ChallengeRead:
    """A challenge token as :meth:`Captcha.read_challenge` found it."""

    checked: TokenResult
    site: Site | None


@dataclass(frozen=True)
class SolveResult:
    """The outcome of ``POST /v1/solve``."""

    success: bool
    error_codes: list[str] = field(default_factory=list)
    response: str | None = None
    expires_in: int = 0
    site: Site | None = None
    first_shown: float | None = None
    mode: str = "arithmetic"


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of siteverify, in the reCAPTCHA/Turnstile vocabulary."""

    success: bool
    error_codes: list[str] = field(default_factory=list)
    challenge_ts: float | None = None
    hostname: str = ""
    first_shown: float | None = None
    mode: str = "arithmetic"

    def to_json(self) -> dict[str, Any]:
        """The JSON body of ``POST /v1/siteverify`` (reCAPTCHA's shape; a response solved
        the other way adds ``"method": "proof-of-work"``)."""
        body: dict[str, Any] = {"success": self.success, "error-codes": self.error_codes}
        if self.success and self.challenge_ts is not None:
            body["challenge_ts"] = time.strftime(
                "%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.challenge_ts)
            )
            body["hostname"] = self.hostname
            if self.mode == "work":
                body["method"] = "proof-of-work"
        return body


class Captcha:
    """Issues and checks challenges for registered sites."""

    def __init__(
        self,
        store: Store,
        sites: SiteRegistry,
        signer: TokenSigner,
        challenge_ttl: int,
        response_ttl: int,
        pow_policy: proof_of_work.Policy | None = None,
        clients: ClientIdentifier | None = None,
    ) -> None:
        self.store = store
        self.sites = sites
        self.signer = signer
        self.challenge_ttl = challenge_ttl
        self.response_ttl = response_ttl
        self.pow_policy = pow_policy
        self.clients = clients or ClientIdentifier(signer)
        # Successes are counted even with the puzzle off, so turning it on finds history.
        self.solves_window = (pow_policy or proof_of_work.Policy()).solves_window

    def issue(self, site: Site, client: str = "", first_shown: float | None = None,
              mode: str = "arithmetic", budgets: Budgets = NO_BUDGETS) -> IssuedChallenge:
        """A fresh challenge for ``site``; nothing is stored until it is answered.

        ``first_shown`` is when the chain this challenge continues began (from
        :meth:`first_shown_of` or a failed :meth:`solve`); None starts a new one now.
        With proof of work on, the puzzle gets harder with the recent failures, request
        rate and successful solves of ``client`` (an identity from
        :class:`ClientIdentifier`, never an address). ``mode="work"`` is the other way:
        no question, a puzzle :data:`WORK_EXTRA_BITS` harder (even with the puzzle off).
        ``budgets`` are spent first, in the same round trip (raising
        :class:`~service.store.budgets.OverBudget` when one has no room, and then nothing
        is counted).
        """
        nonce = new_nonce()
        payload: dict[str, Any] = {
            "n": nonce, "k": site.sitekey,
            "f": round(time.time() if first_shown is None else first_shown, 3),
        }
        prompt = ""
        if mode == "work":
            payload["m"] = "w"
        else:
            question = arithmetic.generate()
            payload["a"] = self.signer.answer_mac(nonce, question.answer)
            prompt = question.prompt
        difficulty = 0
        if self.pow_policy is not None or mode == "work":
            policy = self.pow_policy or proof_of_work.Policy()
            activity = self.store.note_request(
                client or "unknown", solves_window=policy.solves_window, budgets=budgets
            )
            difficulty = policy.difficulty(
                activity.failures, activity.requests, activity.solves
            )
            if mode == "work":
                difficulty = min(WORK_MAX_BITS, difficulty + WORK_EXTRA_BITS)
            payload["d"] = difficulty
        else:
            self.store.spend_budgets(budgets)
        token = self.signer.sign(Purpose.CHALLENGE, payload)
        return IssuedChallenge(token, prompt, self.challenge_ttl, nonce, difficulty, mode)

    def first_shown_of(self, site: Site, previous: object) -> float | None:
        """When the chain of ``previous`` (a challenge token of ``site``) began, if it
        may be continued; None for anything else, which then starts a new chain."""
        if not previous:  # a widget's first challenge: nothing to read
            return None
        checked = self.signer.verify(
            Purpose.CHALLENGE, previous, self.challenge_ttl + self.response_ttl + 60
        )
        payload = checked.payload
        if checked.verdict is not Verdict.OK or payload is None:
            return None
        if payload.get("k") != site.sitekey:
            return None
        return _first_shown(payload, checked.issued_at)

    def solve(
        self,
        token: object | ChallengeRead,
        raw_answer: object,
        origin: str = "",
        pow_counter: object = None,
        client: str = "",
        budgets: Budgets = NO_BUDGETS,
    ) -> SolveResult:
        """Check an answer; on success, a single-use response token for siteverify.

        ``token`` is the challenge token, or what :meth:`read_challenge` read of it.
        ``client`` is the solver's identity; the response token carries it. ``budgets``
        are spent in the round trip that spends the challenge, or alone when the answer
        is refused before it (raising :class:`~service.store.budgets.OverBudget` when one
        has no room).
        """
        read = token if isinstance(token, ChallengeRead) else self.read_challenge(token)
        checked, site = read.checked, read.site
        if checked.verdict in (Verdict.MALFORMED, Verdict.BAD_SIGNATURE):
            return self._unspent(budgets, SolveResult(False, ["invalid-input-token"]))
        payload = checked.payload or {}
        if site is None:
            return self._unspent(budgets, SolveResult(False, ["invalid-input-token"]))
        if origin and not site.allows_origin(origin):
            return self._unspent(budgets, SolveResult(False, ["origin-not-allowed"]))
        first = _first_shown(payload, checked.issued_at)
        mode = _mode_of(payload)
        if checked.verdict is Verdict.EXPIRED:
            return self._unspent(budgets, SolveResult(
                False, ["timeout-or-duplicate"], site=site, first_shown=first, mode=mode))
        nonce = payload.get("n")
        if not isinstance(nonce, str):
            return self._unspent(budgets, SolveResult(False, ["invalid-input-token"], site=site,
                                                      mode=mode))
        code = self._check_work_and_answer(nonce, payload, raw_answer, pow_counter)
        # The challenge is spent whatever the answer (a wrong guess burns it), and its
        # outcome counted only the first time, in one round trip.
        if not self.store.spend_challenge(nonce, self.challenge_ttl + 60, client or "unknown",
                                          not code, solves_window=self.solves_window,
                                          budgets=budgets):
            return SolveResult(False, ["timeout-or-duplicate"], site=site, first_shown=first,
                               mode=mode)
        if code:
            return SolveResult(False, [code], site=site, first_shown=first, mode=mode)
        signed: dict[str, Any] = {
            "n": new_nonce(),
            "k": site.sitekey,
            "c": checked.issued_at,
            "f": first,
            "h": _hostname(origin),
            "i": client,
        }
        if mode == "work":
            signed["m"] = "w"
        response = self.signer.sign(Purpose.RESPONSE, signed)
        return SolveResult(True, response=response, expires_in=self.response_ttl, site=site,
                           mode=mode)

    def _unspent(self, budgets: Budgets, result: _Result) -> _Result:
        """``result``, for a request refused before its round trip: its budgets are spent
        alone (a flood of bad tokens pays like good ones)."""
        self.store.spend_budgets(budgets)
        return result

    def _check_work_and_answer(
        self, nonce: str, payload: dict[str, Any], raw_answer: object, pow_counter: object
    ) -> str:
        """'' when both pass, else the error code of the first that fails."""
        difficulty = payload.get("d")
        work_only = _mode_of(payload) == "work"
        if work_only and not (isinstance(difficulty, int) and difficulty > 0):
            return "invalid-input-token"
        if isinstance(difficulty, int) and difficulty > 0:
            if pow_counter in (None, ""):
                return "missing-input-pow"
            if not proof_of_work.verify(nonce, difficulty, pow_counter):
                return "invalid-input-pow"
        if work_only:
            return ""
        answer = arithmetic.parse_answer(raw_answer)
        if answer is None:
            return "missing-input-answer" if raw_answer in (None, "") else "invalid-input-answer"
        if not self.signer.check_answer(nonce, answer, payload.get("a")):
            return "wrong-answer"
        return ""

    def read_challenge(self, token: object) -> ChallengeRead:
        """A challenge token's signature and age checked once, and the site it names if it
        is authentic (expired or not), for :meth:`solve` to go on from."""
        checked = self.signer.verify(Purpose.CHALLENGE, token, self.challenge_ttl)
        site = self.sites.get(checked.payload.get("k")) if checked.payload is not None else None
        return ChallengeRead(checked, site)

    def verify(
        self, site: Site, response: object, idempotency_key: str = "", remoteip: str = "",
        *, comment_check: bool = False, secret_hash: str = "", budgets: Budgets = NO_BUDGETS,
    ) -> VerifyResult:
        """siteverify: is ``response`` a fresh, unused solve for ``site``?

        A response siteverify passed also passes the one comment check that follows
        (``comment_check``) for the same site within :data:`VERIFIED_GRACE_SECONDS`: a
        backend naturally verifies, then checks the comment with the same response.

        When the site requires it (``require_remoteip_match``) and ``remoteip`` is
        given, the response must also have been solved from ``remoteip``'s network;
        otherwise it fails with ``invalid-input-remoteip`` and is not spent.

        With ``secret_hash`` (the caller's secret, which named ``site`` through the
        worker's caches), the round trip that spends the token first confirms that the
        secret is still the site's; when it is not, the result is
        ``invalid-input-secret`` and nothing is spent.

        ``budgets`` are spent in the round trip that spends the token, or alone when the
        response is refused before it (raising :class:`~service.store.budgets.OverBudget`
        when one has no room).
        """
        checked = self.signer.verify(Purpose.RESPONSE, response, self.response_ttl)
        if checked.verdict in (Verdict.MALFORMED, Verdict.BAD_SIGNATURE):
            return self._unspent(budgets, VerifyResult(False, ["invalid-input-response"]))
        payload = checked.payload or {}
        if payload.get("k") != site.sitekey:
            return self._unspent(budgets, VerifyResult(False, ["invalid-input-response"]))
        if checked.verdict is Verdict.EXPIRED:
            return self._unspent(budgets, VerifyResult(False, ["timeout-or-duplicate"]))
        nonce = payload.get("n")
        if not isinstance(nonce, str):
            return self._unspent(budgets, VerifyResult(False, ["invalid-input-response"]))
        if (
            remoteip
            and site.settings.get("require_remoteip_match")
            and not self.clients.same_client(remoteip, payload.get("i"))
        ):
            return self._unspent(budgets, VerifyResult(False, ["invalid-input-remoteip"]))
        # One round trip: spend the token; the first siteverify marks it verified, and a
        # comment check after it takes that mark.
        spent = self.store.spend_response(
            site.sitekey, nonce, self.response_ttl + 60, idempotency_key,
            verified_ttl=0 if comment_check else VERIFIED_GRACE_SECONDS,
            take_verified=comment_check, secret_hash=secret_hash, budgets=budgets,
        )
        if not spent.secret_current:
            return VerifyResult(False, ["invalid-input-secret"])
        # A retry that carries the idempotency key of the first verification sees the
        # same success; any other second use is a duplicate.
        retry = (
            not spent.first_use
            and bool(idempotency_key)
            and _same(spent.idempotency_key, idempotency_key)
        )
        verified_before = comment_check and not spent.first_use and spent.verified_taken
        if not (spent.first_use or retry or verified_before):
            return VerifyResult(False, ["timeout-or-duplicate"])
        challenge_ts = float(payload.get("c") or checked.issued_at or 0)
        first = payload.get("f")
        return VerifyResult(
            True,
            challenge_ts=challenge_ts,
            hostname=str(payload.get("h") or ""),
            first_shown=float(first) if isinstance(first, int | float) else challenge_ts,
            mode=_mode_of(payload),
        )


def _mode_of(payload: dict[str, Any]) -> str:
    """The way a signed challenge or response was meant to be solved (see :data:`MODES`)."""
    return "work" if payload.get("m") == "w" else "arithmetic"


def _first_shown(payload: dict[str, Any], issued_at: float | None) -> float | None:
    """The signed start of a challenge's chain, else its own issue time; None when the
    chain is older than :data:`FIRST_SHOWN_MAX_AGE` or starts in the future."""
    first = payload.get("f")
    start = float(first) if isinstance(first, int | float) else issued_at
    if start is None or issued_at is None:
        return None
    if not issued_at - FIRST_SHOWN_MAX_AGE <= start <= issued_at + 1:
        return issued_at
    return start


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _hostname(origin: str) -> str:
    try:
        return (urlsplit(origin).hostname or "") if origin else ""
    except ValueError:
        return ""
