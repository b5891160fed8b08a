"""Configuration: every ``HEDGEROW_*`` setting as one typed, validated object.

:func:`load` reads the environment (or a mapping standing for it) once and returns a frozen
:class:`Settings`; the app factory and the command line pass that object on, so worker
processes inherit it instead of re-reading the environment. Every bad value is a
:class:`ConfigError` whose lines each name the variable and what it may be. Secrets have
no default: a missing ``HEDGEROW_SECRET_KEY`` is an error, never a silent fallback.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

ENV_PREFIX = "HEDGEROW_"
# Kept in the data directory by `hedgerow serve --demo`.
DEMO_SECRET_FILE = "demo-secret-key"
DEMO_SITE_FILE = "demo-site.json"
# HEDGEROW_* names that belong to something else (the nginx template, the test suite),
# so finding them in the environment is no reason for a warning.
FOREIGN_NAMES = frozenset({"UPSTREAM", "LISTEN"})
FOREIGN_PREFIXES = ("TEST_",)

MIN_KEY_CHARS = 32
# Estimated from the key's own character frequencies: a random 32-character hex key scores
# about 110 bits (none of 200,000 drawn scored under 89; at 96, 1 in 7,000 was refused),
# 40 × "a" scores 0, and a repeated word is caught by its repetition.
MIN_KEY_BITS = 80.0
MASK = "********"

_REDIS_SCHEMES = ("redis", "rediss", "unix", "redis+cluster")
_HOST_PORT = re.compile(r"^[A-Za-z0-9_.\-\[\]:]+:\d{1,5}$|^[A-Za-z0-9_.\-]+$")


class ConfigError(Exception):
    """A setting is missing or invalid; each line says which and how to fix it."""


def key_strength_problem(key: str) -> str | None:
    """Why ``key`` is too weak to sign with, or ``None`` when it is strong enough."""
    if len(key) < MIN_KEY_CHARS:
        return (f"must have keys of at least {MIN_KEY_CHARS} characters each (one has "
                f"{len(key)}); make one with `hedgerow secret generate`")
    counts = Counter(key)
    per_char = -sum(n / len(key) * math.log2(n / len(key)) for n in counts.values())
    unit = _repeating_unit(key)
    if per_char * len(key) < MIN_KEY_BITS or unit < len(key) // 2:
        return ("has a key too easy to guess (repeated or few distinct characters); "
                "make one with `hedgerow secret generate`")
    return None


def _repeating_unit(text: str) -> int:
    """Length of the shortest block that ``text`` repeats (its own length if none)."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return size
    return len(text)


def parse_secret_keys(value: Any) -> list[str]:
    """Signing keys from a comma-separated string (or a list), newest first, each strong."""
    raw = value.split(",") if isinstance(value, str) else list(value)
    keys = [str(k).strip() for k in raw if str(k).strip()]
    if not keys:
        raise ValueError("is empty; make a key with `hedgerow secret generate`")
    for key in keys:
        problem = key_strength_problem(key)
        if problem:
            raise ValueError(problem)
    return keys


def _check_rate_limit(value: str) -> str:
    from limits import parse_many

    try:
        if not parse_many(value):
            raise ValueError
    except ValueError:
        raise ValueError(
            f"must be rate limits in the `limits` notation, e.g. '30/minute;500/hour', "
            f"not {value!r}"
        ) from None
    return value


def _check_redis_url(value: str) -> str:
    if not value:
        return value
    parts = urlsplit(value)
    if parts.scheme not in _REDIS_SCHEMES:
        raise ValueError(
            "must start with redis://, rediss://, unix:// or redis+cluster:// "
            f"(or be empty for the embedded Redis), not {value!r}"
        )
    if parts.scheme == "unix":
        if not parts.path:
            raise ValueError(f"must name a socket path, e.g. unix:///run/redis.sock, not {value!r}")
    elif parts.scheme == "redis+cluster":
        hosts = value.removeprefix("redis+cluster://").split("/", 1)[0]
        if not hosts or not all(_HOST_PORT.match(h) for h in hosts.split(",")):
            raise ValueError(f"must list host:port[,host:port…] after redis+cluster://, "
                             f"not {value!r}")
    else:
        try:
            port = parts.port
        except ValueError:
            port = -1
        if not parts.hostname or port == -1:
            raise ValueError(f"must be redis://host[:port][/db], not {value!r}")
    return value


def _describe(info: FieldInfo) -> str:
    low = high = None
    for item in info.metadata:
        low = getattr(item, "ge", low)
        high = getattr(item, "le", high)
    if low is not None and high is not None:
        return f"a whole number from {low} to {high}"
    if low is not None:
        return f"a whole number, at least {low}"
    return "a whole number"


class Settings(BaseSettings):
    """Every setting, typed and checked. Read it once with :func:`load`; never mutate it.

    Fields are named as their environment variables, without the ``HEDGEROW_`` prefix.
    Item access (``settings["CHALLENGE_TTL"]``) reads a field too.
    """

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, frozen=True, extra="forbid", validate_default=True,
    )

    SECRET_KEY: list[str] | None = Field(
        None, description="signing keys, comma-separated, newest first; the newest signs, "
        f"all verify. At least {MIN_KEY_CHARS} characters each and not guessable (`40 × a` "
        "is refused). Required.", json_schema_extra={"secret": True})
    REDIS_URL: str = Field(
        "", description="`redis://`, `rediss://`, `unix://`, or "
        "`redis+cluster://host:port[,host:port…]`; empty runs an embedded Redis in the data "
        "directory")
    DATA_DIR: Path = Field(
        "",  # type: ignore[assignment]  # the validator turns "" into the default folder
        description="embedded Redis, models, demo key; empty: "
        "`~/.local/share/hedgerow` (or under `$XDG_DATA_HOME`)")
    KEY_PREFIX: str = Field("hedgerow", pattern=r"^[A-Za-z0-9_.\-]{1,64}$",
                            description="prefix of every Redis key")
    CHALLENGE_TTL: int = Field(120, ge=5, le=3600,
                               description="seconds a challenge can be answered")
    RESPONSE_TTL: int = Field(300, ge=1, le=3600,
                              description="seconds a solved response can be verified")
    SITE_CACHE_SECONDS: int = Field(2, ge=0, le=300,
                                    description="how long a worker reuses a site it looked up "
                                    "(0: never); settings changes apply within it, a "
                                    "rotated-out secret or removed site at once")
    MAX_BODY_BYTES: int = Field(64 * 1024, ge=1024, le=16 * 1024 * 1024,
                                description="largest request body accepted")
    POW_ENABLED: bool = Field(True, description="attach a proof-of-work puzzle to every "
                              "challenge (the widget solves it; see `docs/widget.md`)")
    POW_MIN_BITS: int = Field(12, ge=1, le=20, description="puzzle difficulty for a client "
                              "with a clean record (12 bits: 4 096 hashes on average)")
    POW_MAX_BITS: int = Field(22, ge=1, le=24, description="highest difficulty, for clients "
                              "that fail, hammer or solve a lot; at least `POW_MIN_BITS`")
    POW_FREE_SOLVES: int = Field(20, ge=0, le=1_000_000, description="successful solves per "
                                 "client per window before the puzzle grows with volume (then "
                                 "one bit per two solves)")
    POW_SOLVES_WINDOW: int = Field(3600, ge=1, le=7 * 86400, description="seconds over which "
                                   "a client's successful solves are counted")
    POW_VOLUME_BITS: int = Field(20, ge=1, le=24, description="difficulty steady solving alone "
                                 "reaches: 2²⁰ hashes, about a second of a browser's CPU per "
                                 "solve")
    IPV4_PREFIX: int = Field(32, ge=1, le=32, description="IPv4 clients within one network of "
                             "this prefix share rate limits and difficulty")
    IPV6_PREFIX: int = Field(64, ge=1, le=128, description="the same for IPv6: one customer "
                             "usually holds a whole /64")
    RATELIMIT_ENABLED: bool = Field(True, description="`false` turns every rate limit off "
                                    "(tests, benchmarks)")
    RATELIMIT_CHALLENGE: str = Field("30/minute;500/hour", description="per client network "
                                     "(see `IPV4_PREFIX`, `IPV6_PREFIX`), in the `limits` "
                                     "notation")
    RATELIMIT_SOLVE: str = Field("30/minute;500/hour", description="per client network, in "
                                 "the `limits` notation")
    RATELIMIT_CHALLENGE_SITE: str = Field("6000/minute", description="per site: all its "
                                          "visitors' challenges together")
    RATELIMIT_SOLVE_SITE: str = Field("1200/minute", description="per site: all its visitors' "
                                      "answers together")
    RATELIMIT_SITEVERIFY: str = Field("600/minute", description="per site secret")
    RATELIMIT_COMMENT_CHECK: str = Field("600/minute", description="per site secret (also "
                                         "covers the Akismet API)")
    RATELIMIT_ON_ERROR: Literal["allow", "deny"] = Field(
        "allow", description="when Redis is down: `allow` (log, count in `/metrics`) or `deny` "
        "(503). Captcha checks always fail closed.")
    TRUSTED_PROXIES: int = Field(0, ge=0, le=10, description="how many `X-Forwarded-For` hops "
                                 "to trust; `0` ignores the header (forwarded requests from a "
                                 "private or loopback address then log a warning and show it "
                                 "in `/readyz`)")
    FEEDBACK_RETENTION_DAYS: int = Field(365, ge=0, le=36500, description="days labelled "
                                         "comments are kept (0: forever)")
    FEEDBACK_ENTRIES_PER_DAY: int = Field(2000, ge=0, description="feedback entries one site "
                                          "may store a day (UTC; 0: no limit); beyond it 429 "
                                          "`feedback-quota-exceeded`")
    FEEDBACK_BYTES_PER_DAY: int = Field(8 * 1024 * 1024, ge=0, description="bytes of feedback "
                                        "one site may store a day, UTC (0: no limit)")
    KEEP_PERSONAL_DATA: bool = Field(False, description="keep feedback IPs and e-mails as "
                                     "written instead of keyed hashes")
    MODEL_CHECK_INTERVAL: int = Field(1, ge=1, le=3600, description="seconds between each "
                                      "worker's checks for a promoted model")
    DEMO: bool = Field(False, description="serve the demo page (set by `hedgerow serve "
                       "--demo`)")
    ADAPTATION_ENABLED: bool = Field(True, description="learn a small layer per site from its "
                                     "moderators' verdicts and apply it to its checks (see "
                                     "`docs/model.md`); `false` scores every site with the "
                                     "shared model alone")
    METRICS_TOKEN: str = Field("", description="when set, `/metrics` requires `Authorization: "
                               "Bearer <token>` (401 otherwise); unset, `/metrics` answers "
                               "only clients on this machine's loopback (403 otherwise)",
                               json_schema_extra={"secret": True})
    WORKERS: int = Field(2, ge=1, le=64, description="worker processes `hedgerow serve` runs "
                         "behind its one port (`--workers` overrides)")
    THREADS: int = Field(4, ge=1, le=64, description="threads per worker, each answering one "
                         "request at a time (`--threads` overrides; see `docs/scaling.md`)")
    ACCESS_LOG: bool = Field(True, description="one JSON line per request on standard error, "
                             "with its request id (never secrets or comment text)")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only what :func:`load` hands over: it reads the environment mapping itself,
        so tests, the CLI and the server go through one path."""
        return (init_settings,)

    @field_validator("*", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("SECRET_KEY", mode="before")
    @classmethod
    def _keys(cls, value: Any) -> Any:
        if value is None or value == "":
            return None
        return parse_secret_keys(value)

    @field_validator("RATELIMIT_ON_ERROR", mode="before")
    @classmethod
    def _policy(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @field_validator("REDIS_URL")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        return _check_redis_url(value)

    @field_validator("DATA_DIR", mode="before")
    @classmethod
    def _data_dir(cls, value: Any) -> Any:
        if value is None or str(value) == "":
            return default_data_dir()
        return Path(value).expanduser()

    @field_validator("RATELIMIT_CHALLENGE", "RATELIMIT_SOLVE", "RATELIMIT_CHALLENGE_SITE",
                     "RATELIMIT_SOLVE_SITE", "RATELIMIT_SITEVERIFY", "RATELIMIT_COMMENT_CHECK")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        return _check_rate_limit(value)

    @field_validator("METRICS_TOKEN")
    @classmethod
    def _metrics_token(cls, value: str) -> str:
        if value and len(value) < 16:
            raise ValueError("must be at least 16 characters when set (or empty)")
        return value

    @model_validator(mode="after")
    def _cross_checks(self) -> Settings:
        if self.POW_MAX_BITS < self.POW_MIN_BITS:
            raise _CrossFieldError(
                "POW_MAX_BITS", f"must be at least HEDGEROW_POW_MIN_BITS "
                f"({self.POW_MIN_BITS}), not {self.POW_MAX_BITS}")
        return self

    @property
    def signing_keys(self) -> list[str]:
        """The signing keys, newest first; :class:`ConfigError` when none is set."""
        if not self.SECRET_KEY:
            raise ConfigError(missing_secret_message())
        return self.SECRET_KEY

    def __getitem__(self, name: str) -> Any:
        """A setting by its name without the prefix, as a mapping would give it."""
        if name not in type(self).model_fields:
            raise KeyError(name)
        return getattr(self, name)

    def get(self, name: str, default: Any = None) -> Any:
        """A setting by name, or ``default`` for a name that is not a setting."""
        return getattr(self, name) if name in type(self).model_fields else default

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied and validated like everything else."""
        return _validate({**self.model_dump(), **changes})

    def masked(self) -> dict[str, Any]:
        """Every setting by its variable name, secrets replaced by a mask (for display)."""
        shown: dict[str, Any] = {}
        for setting in SETTINGS:
            value = getattr(self, setting.name)
            if setting.secret and value:
                value = [MASK] * len(value) if isinstance(value, list) else MASK
            elif isinstance(value, Path):
                value = str(value)
            shown[ENV_PREFIX + setting.name] = value
        return shown


class _CrossFieldError(ValueError):
    """A check across settings failed; ``name`` is the setting to change."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


@dataclass(frozen=True)
class Setting:
    """One configuration key as the README shows it."""

    name: str
    default: Any
    help: str
    secret: bool = False


def _settings_table() -> tuple[Setting, ...]:
    rows = []
    for name, info in Settings.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        default = None if info.is_required() else info.default
        rows.append(Setting(name, default, info.description or "", bool(extra.get("secret"))))
    return tuple(rows)


SETTINGS: tuple[Setting, ...] = _settings_table()
NAMES = frozenset(s.name for s in SETTINGS)


def default_data_dir() -> Path:
    """The data directory used when ``HEDGEROW_DATA_DIR`` is unset."""
    home_share = os.path.join(os.path.expanduser("~"), ".local", "share")
    base = os.environ.get("XDG_DATA_HOME") or home_share
    return Path(base) / "hedgerow"


def data_dir_from_env(environ: Mapping[str, str] | None = None) -> Path:
    """Resolve the data directory from the environment (without creating it)."""
    env = os.environ if environ is None else environ
    raw = env.get(ENV_PREFIX + "DATA_DIR", "").strip()
    return Path(raw).expanduser() if raw else default_data_dir()


def _error_lines(error: ValidationError, values: Mapping[str, Any]) -> Iterator[str]:
    for item in error.errors(include_url=False):
        context = item.get("ctx") or {}
        cause = context.get("error")
        if isinstance(cause, _CrossFieldError):
            yield f"{ENV_PREFIX}{cause.name} {cause}"
            continue
        name = str(item["loc"][0]) if item["loc"] else "?"
        if name not in NAMES:
            yield f"{ENV_PREFIX}{name} is not a Hedgerow setting"
            continue
        raw = values.get(name)
        kind = item["type"]
        if kind == "value_error":
            message = str(cause) if cause is not None else item["msg"]
        elif kind.startswith("bool"):
            message = f"must be true or false, not {raw!r}"
        elif kind.startswith("int") or kind in ("greater_than_equal", "less_than_equal"):
            message = f"must be {_describe(Settings.model_fields[name])}, not {raw!r}"
        elif kind == "literal_error":
            message = f"must be {context.get('expected', '').replace(chr(39), '')}, not {raw!r}"
        elif kind == "string_pattern_mismatch":
            message = ("must be 1–64 letters, digits, '.', '_' or '-', "
                       f"not {raw!r}")
        else:
            message = f"is invalid ({item['msg']})"
        yield f"{ENV_PREFIX}{name} {message}"


def _validate(values: Mapping[str, Any]) -> Settings:
    try:
        return Settings(**values)
    except ValidationError as error:
        raise ConfigError("\n".join(dict.fromkeys(_error_lines(error, values)))) from None


def load(
    environ: Mapping[str, str] | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    require_secret: bool = True,
) -> Settings:
    """Read every setting from the environment (``os.environ`` unless given), then
    ``overrides`` (already-typed values, by setting name) on top, and validate them all.

    Raises :class:`ConfigError` naming each bad variable, or the missing secret key when
    ``require_secret`` is true.
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {
        name: env[ENV_PREFIX + name] for name in NAMES if ENV_PREFIX + name in env
    }
    values.update(overrides or {})
    settings = _validate(values)
    if require_secret and not settings.SECRET_KEY:
        raise ConfigError(missing_secret_message())
    return settings


def unknown_names(environ: Mapping[str, str] | None = None) -> list[str]:
    """A warning for each ``HEDGEROW_*`` variable that is not a setting, with the nearest
    valid name when one is close."""
    env = os.environ if environ is None else environ
    warnings = []
    for variable in sorted(env):
        if not variable.startswith(ENV_PREFIX):
            continue
        name = variable.removeprefix(ENV_PREFIX)
        if name in NAMES or name in FOREIGN_NAMES or name.startswith(FOREIGN_PREFIXES):
            continue
        close = difflib.get_close_matches(name, sorted(NAMES), n=1, cutoff=0.6)
        hint = f"; did you mean {ENV_PREFIX}{close[0]}?" if close else " and is ignored"
        warnings.append(f"{variable} is not a Hedgerow setting{hint}")
    return warnings


def missing_secret_message() -> str:
    """The message shown when no signing key is configured."""
    return (
        f"{ENV_PREFIX}SECRET_KEY is not set. Hedgerow signs every challenge with it and has no "
        "default. Make one with `hedgerow secret generate` and export it, e.g.\n"
        f"  export {ENV_PREFIX}SECRET_KEY=$(hedgerow secret generate)\n"
        "or try Hedgerow with `hedgerow serve --demo`, which keeps a generated key in the "
        "data directory."
    )


def markdown_table() -> str:
    """The settings as the README's Markdown table (``scripts/settings-table`` writes it)."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for setting in SETTINGS:
        if setting.default is None:
            default = "— (required)"
        elif isinstance(setting.default, bool):
            default = f"`{str(setting.default).lower()}`"
        elif setting.default == "":
            default = "—"
        else:
            default = f"`{setting.default}`"
        rows.append(f"| `{ENV_PREFIX}{setting.name}` | {default} | {setting.help} |")
    return "\n".join(rows)
