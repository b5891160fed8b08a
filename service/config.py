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
            "Signing keys, comma-separated, newest first. Required."),
    Setting("REDIS_URL", "", _parse_str,
            "redis://, rediss://, unix:// or redis+cluster:// URL; empty runs an embedded Redis."),
    Setting("DATA_DIR", "", _parse_str,
            "Where the embedded Redis, models and demo secret live."),
    Setting("KEY_PREFIX", "hedgerow", _parse_str, "Prefix of every Redis key."),
    Setting("CHALLENGE_TTL", 120, _parse_int, "Seconds a challenge may be answered."),
    Setting("RESPONSE_TTL", 300, _parse_int, "Seconds a solved response may be verified."),
    Setting("SITE_CACHE_SECONDS", 2, _parse_int,
            "How long a worker reuses a site it looked up (0: never)."),
    Setting("MAX_BODY_BYTES", 64 * 1024, _parse_int, "Largest accepted request body."),
    Setting("POW_ENABLED", True, _parse_bool,
            "Attach a proof-of-work puzzle to every challenge."),
    Setting("POW_MIN_BITS", 12, _parse_int, "Puzzle difficulty for a client with a clean record."),
    Setting("POW_MAX_BITS", 20, _parse_int, "Highest difficulty, for clients that fail a lot."),
    Setting("RATELIMIT_ENABLED", True, _parse_bool, "false turns every rate limit off."),
    Setting("RATELIMIT_CHALLENGE", "30/minute;500/hour", _parse_str, "Per client IP."),
    Setting("RATELIMIT_SOLVE", "30/minute;500/hour", _parse_str, "Per client IP."),
    Setting("RATELIMIT_SITEVERIFY", "600/minute", _parse_str, "Per site secret."),
    Setting("RATELIMIT_COMMENT_CHECK", "600/minute", _parse_str, "Per site secret."),
    Setting("DEMO", False, _parse_bool, "Serve the demo page (set by `hedgerow serve --demo`)."),
    Setting("RATELIMIT_ON_ERROR", "allow", _parse_policy,
            "When Redis is down: allow (log and count) or deny (503)."),
    Setting("FEEDBACK_RETENTION_DAYS", 365, _parse_int,
            "Days labelled comments are kept for training (0: forever)."),
    Setting("KEEP_PERSONAL_DATA", False, _parse_bool,
            "Keep IPs and e-mail addresses of feedback as written, not hashed."),
    Setting("MODEL_CHECK_INTERVAL", 1, _parse_int,
            "Seconds between each worker's checks for a newly promoted model."),
    Setting("TRUSTED_PROXIES", 0, _parse_int,
            "How many X-Forwarded-For hops to trust; 0 ignores the header."),
    Setting("METRICS_TOKEN", "", _parse_str,
            "Bearer token /metrics requires; empty serves /metrics to loopback clients only."),
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
