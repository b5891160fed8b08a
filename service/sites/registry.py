"""Sites: who may embed the widget (sitekey, origins) and who may verify (secret).

The sitekey is public. The secret is shown once, when made, and stored only as its
SHA-256 hash: it is 256 random bits, so a plain hash is enough and lookups stay O(1).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import idna

from model.reputation import MAX_HOST_CHARS
from service.store.redis_store import Store

SITEKEY_PREFIX = "hk_"
SECRET_PREFIX = "hs_"
_SITEKEY_RE = re.compile(r"^hk_[A-Za-z0-9_-]{22}$")
_SECRET_RE = re.compile(r"^hs_[A-Za-z0-9_-]{43}$")
_HOST_RE = re.compile(r"^[a-z0-9_.-]+$")
MAX_NAME_LENGTH = 100
MAX_ORIGINS = 50
# Per process, the sitekey lookup cache holds at most this many entries and about this
# many bytes; unknown sitekeys are cached too (as misses), so both bounds matter.
SITE_CACHE_ENTRIES = 10_000
SITE_CACHE_BYTES = 8 * 1024 * 1024
# What a cache entry costs beyond its strings: the dictionary slot, the tuple, the Site.
_SITE_ENTRY_OVERHEAD = 400


@dataclass(frozen=True)
class SecretClaim:
    """The site a secret names through a worker's caches, and the secret's hash, which
    the request's round trip to Redis passes along to confirm the claim."""

    site: Site
    digest: str


class SiteError(ValueError):
    """A site operation was given bad input; the message says what to change."""


@dataclass(frozen=True)
class Site:
    """A registered site."""

    sitekey: str
    name: str
    origins: tuple[str, ...]
    created: float
    secret_hash: str
    previous_secret_hashes: tuple[str, ...] = field(default=())
    settings: dict[str, Any] = field(default_factory=dict)

    def to_record(self) -> dict[str, Any]:
        """The stored form."""
        return {
            "name": self.name,
            "origins": list(self.origins),
            "created": self.created,
            "secret_hash": self.secret_hash,
            "previous_secret_hashes": list(self.previous_secret_hashes),
            "settings": self.settings,
        }

    @property
    def hosts(self) -> tuple[str, ...]:
        """The host names of the site's origins (its own domain, as links name it)."""
        return tuple(dict.fromkeys(
            host for host in (urlsplit(o).hostname for o in self.origins) if host))

    @classmethod
    def from_record(cls, sitekey: str, record: dict[str, Any]) -> Site:
        """Rebuild a site from its stored form."""
        return cls(
            sitekey=sitekey,
            name=record["name"],
            origins=tuple(_stored_origin(o) for o in record["origins"]),
            created=float(record["created"]),
            secret_hash=record["secret_hash"],
            previous_secret_hashes=tuple(record.get("previous_secret_hashes", ())),
            settings=dict(record.get("settings", {})),
        )

    def public(self) -> dict[str, Any]:
        """What may be shown: everything but secret hashes."""
        return {
            "sitekey": self.sitekey,
            "name": self.name,
            "origins": list(self.origins),
            "settings": self.settings,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.created)),
        }

    @property
    def trusted_feedback(self) -> bool:
        """True when this site's moderators' feedback may train the model every site shares."""
        return self.settings.get("trusted_feedback") is True

    def allows_origin(self, origin: str) -> bool:
        """True when ``origin`` is one of the site's registered origins."""
        # Browsers send an origin in the normal form the site stores (normalising is
        # idempotent), so an exact match is the answer without parsing it again.
        if origin in self.origins:
            return True
        try:
            normal = normalize_origin(origin)
        except SiteError:
            return False
        return normal in self.origins


def _holds(site: Site, digest: str, *, current_only: bool = False) -> bool:
    """True when ``digest`` is the hash of ``site``'s secret (or of one it rotated out),
    compared in constant time: the index already matched, and a stale index entry must
    never let a secret through."""
    held = hmac.compare_digest(site.secret_hash, digest)
    if not current_only:
        for candidate in site.previous_secret_hashes:
            held |= hmac.compare_digest(candidate, digest)
    return held


def hash_secret(secret: str) -> str:
    """The stored form of a secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def is_sitekey(value: object) -> bool:
    """True when ``value`` has the shape of a sitekey."""
    return isinstance(value, str) and bool(_SITEKEY_RE.match(value))


def is_secret(value: object) -> bool:
    """True when ``value`` has the shape of a site secret."""
    return isinstance(value, str) and bool(_SECRET_RE.match(value))


# The longest a browser's Origin can be: a scheme, a 253-character host and a port.
MAX_ORIGIN_CHARS = 270


def normalize_origin(raw: str) -> str:
    """``scheme://host[:port]`` in lower case, default ports dropped; else :class:`SiteError`.

    An internationalised host is kept in its ASCII (punycode) form, the form browsers
    send in ``Origin``: ``https://bücher.example`` is ``https://xn--bcher-kva.example``.
    """
    if len(raw.strip()) > MAX_ORIGIN_CHARS:
        raise SiteError(f"{raw.strip()[:40]!r}… is not an origin: longer than "
                        f"{MAX_ORIGIN_CHARS} characters")
    try:
        parts = urlsplit(raw.strip())
        port = parts.port
    except ValueError:
        raise SiteError(f"{raw!r} is not a valid origin") from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise SiteError(f"{raw!r} is not an origin: use http(s)://host[:port]")
    if parts.path not in {"", "/"} or parts.query or parts.fragment or parts.username:
        raise SiteError(f"{raw!r} is not an origin: drop the path, query and credentials")
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    elif not host.isascii():
        host = _ascii_host(host, raw)
    elif not _HOST_RE.match(host):
        raise SiteError(f"{raw!r} is not an origin: its host is not a valid domain name")
    if len(host) > MAX_HOST_CHARS:
        raise SiteError(f"{raw!r} is not an origin: its host is longer than a domain name can be")
    default = 443 if parts.scheme == "https" else 80
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def _ascii_host(host: str, raw: str) -> str:
    """``host`` in punycode, as browsers map it (UTS #46, non-transitional: ß stays ß)."""
    try:
        return str(idna.encode(host, uts46=True, transitional=False).decode("ascii"))
    except (idna.IDNAError, UnicodeError):
        raise SiteError(f"{raw!r} is not an origin: its host is not a valid domain name") from None


def _stored_origin(origin: str) -> str:
    """A stored origin in today's normal form (sites saved before punycode kept Unicode)."""
    if origin.isascii():
        return origin
    try:
        return normalize_origin(origin)
    except SiteError:
        return origin


def _validate_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH or not name.isprintable():
        raise SiteError(f"a site name is 1–{MAX_NAME_LENGTH} printable characters")
    return name


def _validate_origins(origins: list[str]) -> tuple[str, ...]:
    if not origins:
        raise SiteError("give at least one --origin, e.g. --origin https://blog.example.com")
    if len(origins) > MAX_ORIGINS:
        raise SiteError(f"at most {MAX_ORIGINS} origins per site")
    return tuple(dict.fromkeys(normalize_origin(o) for o in origins))


def _entry_bytes(sitekey: str, site: Site | None) -> int:
    """About what caching ``site`` under ``sitekey`` costs, in bytes."""
    size = _SITE_ENTRY_OVERHEAD + 2 * len(sitekey)
    if site is not None:
        size += 2 * (len(site.name) + sum(map(len, site.origins)) + len(site.secret_hash)
                     + sum(map(len, site.previous_secret_hashes)))
        size += 100 * len(site.origins) + len(repr(site.settings))
    return size


class SiteRegistry:
    """Create, find, rotate and remove sites.

    Lookups by sitekey are cached in the process for ``cache_seconds``: every challenge
    needs its site, and sites change rarely. A removed site's widget may get challenges
    for up to ``cache_seconds`` more. A secret's site is read afresh on every lookup, so
    a removed site's secret, a rotated-out one, and a change of settings take effect at
    once; only which sitekey a secret hash is indexed under is cached (a secret never
    moves to another site), which saves one Redis round trip per authenticated request.
    """

    def __init__(self, store: Store, cache_seconds: float = 2.0,
                 cache_entries: int = SITE_CACHE_ENTRIES,
                 cache_bytes: int = SITE_CACHE_BYTES) -> None:
        self.store = store
        self.cache_seconds = cache_seconds
        self.cache_entries = cache_entries
        self.cache_bytes = cache_bytes
        # sitekey -> (expiry, site or None, bytes counted for the entry)
        self._cache: dict[str, tuple[float, Site | None, int]] = {}
        self._cached_bytes = 0
        self._cache_lock = threading.Lock()  # a worker's threads share the cache
        # secret hash -> (expiry, sitekey or None); the site record is always read afresh.
        self._secrets: dict[str, tuple[float, str | None]] = {}

    def add(self, name: str, origins: list[str], *, unique_name: bool = False
            ) -> tuple[Site, str]:
        """Register a site; returns it and its secret (shown this once only).

        ``unique_name`` refuses a name another site has (ignoring case), so that every
        command can take the name for the sitekey; ``hedgerow sites add`` asks for it.
        """
        name = _validate_name(name)
        if unique_name:
            self._free_name(name)
        secret = SECRET_PREFIX + secrets.token_urlsafe(32)
        site = Site(
            sitekey=SITEKEY_PREFIX + secrets.token_urlsafe(16),
            name=name,
            origins=_validate_origins(origins),
            created=time.time(),
            secret_hash=hash_secret(secret),
        )
        self.store.save_site(site.sitekey, site.to_record(), site.secret_hash)
        self._forget(site.sitekey)
        return site, secret

    def get(self, sitekey: object) -> Site | None:
        """The site with this sitekey, or None (also for anything not shaped like one)."""
        if not is_sitekey(sitekey):
            return None
        assert isinstance(sitekey, str)
        now = time.monotonic()
        cached = self._cache.get(sitekey)
        if cached and cached[0] > now:
            return cached[1]
        record = self.store.get_site(sitekey)
        site = Site.from_record(sitekey, record) if record else None
        self._remember(sitekey, site, now)
        return site

    @property
    def cached_bytes(self) -> int:
        """The bytes counted for the sitekey lookup cache now."""
        return self._cached_bytes

    def _remember(self, sitekey: str, site: Site | None, now: float) -> None:
        """Cache a lookup, first making room within the cache's bounds."""
        size = _entry_bytes(sitekey, site)
        with self._cache_lock:
            self._drop(sitekey)
            if not self._room_for(size):
                for key in [k for k, (expiry, _, _) in self._cache.items() if expiry <= now]:
                    self._drop(key)
            if not self._room_for(size):
                # Still full of live entries (a flood of lookups): start again empty.
                self._cache = {}
                self._cached_bytes = 0
            if size <= self.cache_bytes:
                self._cache[sitekey] = (now + self.cache_seconds, site, size)
                self._cached_bytes += size

    def _room_for(self, size: int) -> bool:
        return (len(self._cache) < self.cache_entries
                and self._cached_bytes + size <= self.cache_bytes)

    def _forget(self, sitekey: str) -> None:
        with self._cache_lock:
            self._drop(sitekey)
            for digest in [d for d, (_, key) in self._secrets.items() if key == sitekey]:
                del self._secrets[digest]

    def _sitekey_for_secret(self, digest: str) -> str | None:
        """The sitekey a secret hash is indexed under, cached for ``cache_seconds`` (misses
        too, so that a flood of wrong secrets costs Redis nothing more)."""
        now = time.monotonic()
        cached = self._secrets.get(digest)
        if cached and cached[0] > now:
            return cached[1]
        sitekey = self.store.sitekey_for_secret(digest)
        if self.cache_seconds > 0:
            with self._cache_lock:
                if len(self._secrets) >= self.cache_entries:
                    self._secrets = {d: e for d, e in self._secrets.items() if e[0] > now}
                if len(self._secrets) >= self.cache_entries:
                    self._secrets = {}  # still full of live entries (a flood): start again
                self._secrets[digest] = (now + self.cache_seconds, sitekey)
        return sitekey

    def _drop(self, sitekey: str) -> None:
        cached = self._cache.pop(sitekey, None)
        if cached is not None:
            self._cached_bytes -= cached[2]

    def by_secret(self, secret: object) -> Site | None:
        """The site this secret belongs to, or None."""
        digest, sitekey = self._indexed(secret)
        if not sitekey:
            return None
        record = self.store.get_site(sitekey)  # always fresh: settings, rotation, removal
        if record is None:
            self._forget(sitekey)
            return None
        site = Site.from_record(sitekey, record)
        if _holds(site, digest, current_only=True):
            return site
        # A rotated-out secret works only while its index entry lasts (the grace period),
        # which the cached index cannot tell: ask Redis.
        if _holds(site, digest) and self.store.sitekey_for_secret(digest) == sitekey:
            return site
        return None

    def claim(self, secret: object, digest: str = "") -> SecretClaim | None:
        """The site ``secret`` names, from this worker's caches without a round trip to
        Redis when they hold it; None when it names no site. ``digest`` is
        :func:`hash_secret` of ``secret`` when the caller has made it already.

        For the hot paths, whose one round trip then checks that the secret's index entry
        still names the site (``secret_hash`` of :meth:`Store.spend_response` and
        :meth:`Store.comment_state`): that is what makes a rotation or a removal apply at
        once. Changes of settings apply within the cache's seconds, as for sitekeys.
        """
        digest, sitekey = self._indexed(secret, digest)
        if not sitekey:
            return None
        site = self.get(sitekey)
        if site is None or not _holds(site, digest):
            # Cached before a rotation a moment ago, perhaps: read it afresh.
            self._forget(sitekey)
            site = self.get(sitekey)
            if site is None or not _holds(site, digest):
                return None
        return SecretClaim(site, digest)

    def _indexed(self, secret: object, digest: str = "") -> tuple[str, str | None]:
        """A secret's hash (``digest`` when given) and the sitekey the (cached) index has
        for it, if any."""
        if not is_secret(secret):
            return "", None
        assert isinstance(secret, str)
        digest = digest or hash_secret(secret)
        return digest, self._sitekey_for_secret(digest)

    def all(self) -> list[Site]:
        """Every site, by name."""
        sites = [self.get(key) for key in self.store.list_sitekeys()]
        return sorted((s for s in sites if s is not None), key=lambda s: (s.name, s.sitekey))

    def find(self, ref: str) -> Site:
        """A site by sitekey or by unique name; :class:`SiteError` otherwise."""
        site = self.get(ref)
        if site:
            return site
        named = [s for s in self.all() if s.name == ref]
        if len(named) == 1:
            return named[0]
        if named:
            raise SiteError(f"{len(named)} sites are named {ref!r}; use the sitekey")
        raise SiteError(f"no site {ref!r}; `hedgerow sites list` shows them")

    def _free_name(self, name: str, keep: str = "") -> str:
        """``name``, unless another site (not sitekey ``keep``) has it, ignoring case."""
        taken = [s for s in self.all() if s.name.casefold() == name.casefold()
                 and s.sitekey != keep]
        if taken:
            raise SiteError(
                f"a site is already named {taken[0].name!r} ({taken[0].sitekey}); "
                "choose another name, or change that site with `hedgerow sites set`"
            )
        return name

    def update(
        self,
        site: Site,
        *,
        name: str | None = None,
        add_origins: list[str] | tuple[str, ...] = (),
        remove_origins: list[str] | tuple[str, ...] = (),
    ) -> Site:
        """Rename a site or change its origins; its keys and settings stay as they are."""
        new_name = site.name if name is None else self._free_name(
            _validate_name(name), keep=site.sitekey)
        origins = list(site.origins)
        for raw in remove_origins:
            origin = normalize_origin(raw)
            if origin not in origins:
                raise SiteError(f"{origin} is not one of the site's origins: "
                                f"{', '.join(site.origins)}")
            origins.remove(origin)
        origins.extend(normalize_origin(raw) for raw in add_origins)
        if not origins:
            raise SiteError("a site keeps at least one origin; add one before removing the last")
        updated = Site(
            sitekey=site.sitekey,
            name=new_name,
            origins=_validate_origins(origins),
            created=site.created,
            secret_hash=site.secret_hash,
            previous_secret_hashes=site.previous_secret_hashes,
            settings=site.settings,
        )
        self.store.update_site(site.sitekey, updated.to_record())
        self._forget(site.sitekey)
        return updated

    def rotate_secret(self, site: Site, grace_seconds: int = 0) -> tuple[Site, str]:
        """Give a site a new secret; the old one works ``grace_seconds`` more (0: none)."""
        secret = SECRET_PREFIX + secrets.token_urlsafe(32)
        new_hash = hash_secret(secret)
        previous = (site.secret_hash,) if grace_seconds > 0 else ()
        rotated = Site(
            sitekey=site.sitekey,
            name=site.name,
            origins=site.origins,
            created=site.created,
            secret_hash=new_hash,
            previous_secret_hashes=previous,
            settings=site.settings,
        )
        self.store.replace_secret(
            site.sitekey, rotated.to_record(), new_hash, site.secret_hash, grace_seconds
        )
        self._forget(site.sitekey)
        return rotated, secret

    def update_settings(self, site: Site, changes: dict[str, Any]) -> Site:
        """Change a site's settings (thresholds, captcha, remoteip match, feedback, discard)."""
        settings = {**site.settings, **changes}
        if not isinstance(settings.get("trusted_feedback", False), bool):
            raise SiteError("trusted_feedback is true or false")
        hold = settings.get("hold_threshold")
        discard = settings.get("discard_threshold")
        for name, value in (("hold", hold), ("discard", discard)):
            if value is not None and not 0.0 < float(value) <= 1.0:
                raise SiteError(f"the {name} threshold is a probability in (0, 1]")
        if hold is not None and discard is not None and float(hold) > float(discard):
            raise SiteError("the hold threshold must not be above the discard threshold")
        updated = Site(
            sitekey=site.sitekey,
            name=site.name,
            origins=site.origins,
            created=site.created,
            secret_hash=site.secret_hash,
            previous_secret_hashes=site.previous_secret_hashes,
            settings=settings,
        )
        self.store.update_site(site.sitekey, updated.to_record())
        self._forget(site.sitekey)
        return updated

    def remove(self, site: Site) -> bool:
        """Delete a site; its secrets stop working at once."""
        self._forget(site.sitekey)
        return self.store.delete_site(
            site.sitekey, [site.secret_hash, *site.previous_secret_hashes]
        )
