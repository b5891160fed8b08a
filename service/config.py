"""Configuration: every setting's name, default and parser in one place.

Settings come from ``HEDGEROW_*`` environment variables; the app factory layers a test
mapping on top. Secrets have no default: a missing ``HEDGEROW_SECRET_KEY`` is a
:class:`ConfigError`, never a silent fallback.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENV_PREFIX = "HEDGEROW_"
# Kept in the data directory by `hedgerow serve --demo`.
DEMO_SECRET_FILE = "demo-secret-key"
DEMO_SITE_FILE = "demo-site.json"


class ConfigError(Exception):
    """A setting is missing or invalid; the message says which and how to fix it."""


def _parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{ENV_PREFIX}{name} must be true or false, not {raw!r}")


def _parse_int(name: str, raw: str) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{ENV_PREFIX}{name} must be a whole number, not {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{ENV_PREFIX}{name} must not be negative")
    return value


def parse_secret_keys(name: str, raw: str) -> list[str]:
    keys = [k.strip() for k in raw.split(",") if k.strip()]
    if not keys:
        raise ConfigError(f"{ENV_PREFIX}{name} is empty")
    for key in keys:
        if len(key) < 32:
            raise ConfigError(
                f"{ENV_PREFIX}{name}: every key must be at least 32 characters; "
                "make one with `hedgerow secret generate`"
            )
    return keys


def _parse_positive(name: str, raw: str) -> int:
    value = _parse_int(name, raw)
    if value == 0:
        raise ConfigError(f"{ENV_PREFIX}{name} must be at least 1")
    return value


def _prefix_parser(highest: int) -> Callable[[str, str], int]:
    def parse(name: str, raw: str) -> int:
        value = _parse_int(name, raw)
        if not 1 <= value <= highest:
            raise ConfigError(f"{ENV_PREFIX}{name} is a prefix length, 1–{highest}")
        return value

    return parse


def _parse_policy(name: str, raw: str) -> str:
    value = raw.strip().lower()
    if value not in {"allow", "deny"}:
        raise ConfigError(f"{ENV_PREFIX}{name} must be allow or deny, not {raw!r}")
    return value


def _parse_str(name: str, raw: str) -> str:
    return raw.strip()


@dataclass(frozen=True)
class Setting:
    """One configuration key: its environment name, default and parser."""

    name: str
    default: Any
    parse: Callable[[str, str], Any]
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("SECRET_KEY", None, parse_secret_keys,
            "signing keys, comma-separated, newest first; the newest signs, all verify. "
            "At least 32 characters each. Required."),
    Setting("REDIS_URL", "", _parse_str,
            "`redis://`, `rediss://`, `unix://`, or `redis+cluster://host:port[,host:port…]`; "
            "empty runs an embedded Redis in the data directory"),
    Setting("DATA_DIR", "", _parse_str,
            "embedded Redis, models, demo key; empty: `~/.local/share/hedgerow` "
            "(or under `$XDG_DATA_HOME`)"),
    Setting("KEY_PREFIX", "hedgerow", _parse_str, "prefix of every Redis key"),
    Setting("CHALLENGE_TTL", 120, _parse_int, "seconds a challenge can be answered"),
    Setting("RESPONSE_TTL", 300, _parse_int, "seconds a solved response can be verified"),
    Setting("SITE_CACHE_SECONDS", 2, _parse_int,
            "how long a worker reuses a site it looked up (0: never)"),
    Setting("MAX_BODY_BYTES", 64 * 1024, _parse_int, "largest request body accepted"),
    Setting("POW_ENABLED", True, _parse_bool,
            "attach a proof-of-work puzzle to every challenge (the widget solves it; "
            "see `docs/widget.md`)"),
    Setting("POW_MIN_BITS", 12, _parse_int,
            "puzzle difficulty for a client with a clean record (12 bits: 4 096 hashes on "
            "average)"),
    Setting("POW_MAX_BITS", 22, _parse_int,
            "highest difficulty, for clients that fail, hammer or solve a lot"),
    Setting("POW_FREE_SOLVES", 20, _parse_int,
            "successful solves per client per window before the puzzle grows with volume "
            "(then one bit per two solves)"),
    Setting("POW_SOLVES_WINDOW", 3600, _parse_positive,
            "seconds over which a client's successful solves are counted"),
    Setting("POW_VOLUME_BITS", 20, _parse_int,
            "difficulty steady solving alone reaches: 2²⁰ hashes, about a second of a "
            "browser's CPU per solve"),
    Setting("IPV4_PREFIX", 32, _prefix_parser(32),
            "IPv4 clients within one network of this prefix share rate limits and difficulty"),
    Setting("IPV6_PREFIX", 64, _prefix_parser(128),
            "the same for IPv6: one customer usually holds a whole /64"),
    Setting("RATELIMIT_ENABLED", True, _parse_bool,
            "`false` turns every rate limit off (tests, benchmarks)"),
    Setting("RATELIMIT_CHALLENGE", "30/minute;500/hour", _parse_str,
            "per client network (see `IPV4_PREFIX`, `IPV6_PREFIX`), in the `limits` notation"),
    Setting("RATELIMIT_SOLVE", "30/minute;500/hour", _parse_str,
            "per client network, in the `limits` notation"),
    Setting("RATELIMIT_CHALLENGE_SITE", "6000/minute", _parse_str,
            "per site: all its visitors' challenges together"),
    Setting("RATELIMIT_SOLVE_SITE", "1200/minute", _parse_str,
            "per site: all its visitors' answers together"),
    Setting("RATELIMIT_SITEVERIFY", "600/minute", _parse_str, "per site secret"),
    Setting("RATELIMIT_COMMENT_CHECK", "600/minute", _parse_str,
            "per site secret (also covers the Akismet API)"),
    Setting("RATELIMIT_ON_ERROR", "allow", _parse_policy,
            "when Redis is down: `allow` (log, count in `/metrics`) or `deny` (503). "
            "Captcha checks always fail closed."),
    Setting("TRUSTED_PROXIES", 0, _parse_int,
            "how many `X-Forwarded-For` hops to trust; `0` ignores the header (forwarded "
            "requests from a private or loopback address then log a warning and show it in "
            "`/readyz`)"),
    Setting("FEEDBACK_RETENTION_DAYS", 365, _parse_int,
            "days labelled comments are kept (0: forever)"),
    Setting("FEEDBACK_ENTRIES_PER_DAY", 2000, _parse_int,
            "feedback entries one site may store a day (UTC; 0: no limit); beyond it 429 "
            "`feedback-quota-exceeded`"),
    Setting("FEEDBACK_BYTES_PER_DAY", 8 * 1024 * 1024, _parse_int,
            "bytes of feedback one site may store a day, UTC (0: no limit)"),
    Setting("KEEP_PERSONAL_DATA", False, _parse_bool,
            "keep feedback IPs and e-mails as written instead of keyed hashes"),
    Setting("MODEL_CHECK_INTERVAL", 1, _parse_int,
            "seconds between each worker's checks for a promoted model"),
    Setting("DEMO", False, _parse_bool,
            "serve the demo page (set by `hedgerow serve --demo`)"),
    Setting("ADAPTATION_ENABLED", True, _parse_bool,
            "learn a small layer per site from its moderators' verdicts and apply it to its "
            "checks (see `docs/model.md`); `false` scores every site with the shared model "
            "alone"),
    Setting("METRICS_TOKEN", "", _parse_str,
            "when set, `/metrics` requires `Authorization: Bearer <token>` (401 otherwise); "
            "unset, `/metrics` answers only clients on this machine's loopback (403 otherwise)"),
)


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


def load(
    environ: Mapping[str, str] | None = None, *, require_secret: bool = True
) -> dict[str, Any]:
    """Read every setting from the environment, applying defaults and validation.

    Raises :class:`ConfigError` for an invalid value, or for a missing secret key when
    ``require_secret`` is true.
    """
    env = os.environ if environ is None else environ
    config: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = env.get(ENV_PREFIX + setting.name)
        config[setting.name] = setting.default if raw is None else setting.parse(setting.name, raw)
    config["DATA_DIR"] = str(data_dir_from_env(env))
    if require_secret and not config["SECRET_KEY"]:
        raise ConfigError(missing_secret_message())
    return config


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
