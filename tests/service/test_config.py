"""Configuration: defaults, every check, and the one-line errors a person reads."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from pydantic import ValidationError

from service import config
from service.config import ConfigError

KEY = secrets.token_urlsafe(48)
OTHER_KEY = secrets.token_hex(16)  # 32 hex characters: 128 random bits


def test_defaults_apply_when_nothing_is_set(tmp_path: Path) -> None:
    loaded = config.load({"HEDGEROW_SECRET_KEY": KEY, "HEDGEROW_DATA_DIR": str(tmp_path)})
    assert loaded.CHALLENGE_TTL == 120 and loaded["CHALLENGE_TTL"] == 120
    assert loaded.RATELIMIT_ENABLED is True
    assert loaded.RATELIMIT_ON_ERROR == "allow"
    assert loaded.SECRET_KEY == [KEY]
    assert loaded.DATA_DIR == tmp_path
    assert loaded.WORKERS == 2 and loaded.THREADS == 4


def test_settings_are_frozen_and_replace_validates(tmp_path: Path) -> None:
    loaded = config.load({"HEDGEROW_SECRET_KEY": KEY})
    with pytest.raises(ValidationError):
        loaded.CHALLENGE_TTL = 5
    assert loaded.replace(DEMO=True).DEMO is True and loaded.DEMO is False
    with pytest.raises(ConfigError, match="HEDGEROW_CHALLENGE_TTL"):
        loaded.replace(CHALLENGE_TTL=0)


@pytest.mark.parametrize(("raw", "expected"), [
    ("1", True), ("TRUE", True), (" yes ", True), ("on", True),
    ("0", False), ("false", False), ("No", False), ("off", False),
])
def test_booleans_take_the_usual_spellings(raw: str, expected: bool) -> None:
    assert config.load({"HEDGEROW_POW_ENABLED": raw}, require_secret=False).POW_ENABLED \
        is expected


@pytest.mark.parametrize(("name", "raw", "words"), [
    ("POW_ENABLED", "maybe", "must be true or false, not 'maybe'"),
    ("CHALLENGE_TTL", "two minutes", "must be a whole number from 5 to 3600"),
    ("CHALLENGE_TTL", "-5", "from 5 to 3600, not '-5'"),
    ("CHALLENGE_TTL", "0", "from 5 to 3600, not '0'"),
    ("POW_MIN_BITS", "30", "from 1 to 20, not '30'"),
    ("POW_MAX_BITS", "40", "from 1 to 24"),
    ("IPV4_PREFIX", "33", "from 1 to 32"),
    ("WORKERS", "0", "from 1 to 64"),
    ("THREADS", "65", "from 1 to 64, not '65'"),
    ("RATELIMIT_ON_ERROR", "sometimes", "must be allow or deny, not 'sometimes'"),
    ("RATELIMIT_CHALLENGE", "lots", "`limits` notation"),
    ("RATELIMIT_COMMENT_CHECK", "10 per fortnight", "`limits` notation"),
    ("REDIS_URL", "notaurl", "must start with redis://, rediss://, unix:// or redis+cluster://"),
    ("REDIS_URL", "redis://", "must be redis://host[:port][/db]"),
    ("REDIS_URL", "redis://host:notaport", "must be redis://host[:port][/db]"),
    ("REDIS_URL", "redis+cluster://", "host:port"),
    ("KEY_PREFIX", "has space", "letters, digits"),
    ("METRICS_TOKEN", "short", "at least 16 characters"),
])
def test_a_bad_value_is_one_line_naming_the_variable_and_what_is_allowed(
    name: str, raw: str, words: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        config.load({f"HEDGEROW_{name}": raw}, require_secret=False)
    message = str(caught.value)
    assert message.startswith(f"HEDGEROW_{name} ") and words in message
    assert "\n" not in message and "Traceback" not in message


def test_every_bad_value_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        config.load({"HEDGEROW_CHALLENGE_TTL": "x", "HEDGEROW_POW_ENABLED": "x"},
                    require_secret=False)
    lines = str(caught.value).splitlines()
    assert sorted(line.split()[0] for line in lines) == [
        "HEDGEROW_CHALLENGE_TTL", "HEDGEROW_POW_ENABLED"]


def test_good_redis_urls_pass() -> None:
    for url in ("redis://localhost", "redis://:pw@redis:6379/0", "rediss://r.example:6380",
                "unix:///run/redis.sock", "redis+cluster://a:7000,b:7001", ""):
        assert config.load({"HEDGEROW_REDIS_URL": url}, require_secret=False).REDIS_URL == url


def test_the_highest_difficulty_may_not_be_below_the_lowest() -> None:
    with pytest.raises(ConfigError) as caught:
        config.load({"HEDGEROW_POW_MIN_BITS": "16", "HEDGEROW_POW_MAX_BITS": "14"},
                    require_secret=False)
    assert str(caught.value) == (
        "HEDGEROW_POW_MAX_BITS must be at least HEDGEROW_POW_MIN_BITS (16), not 14")
    same = config.load({"HEDGEROW_POW_MIN_BITS": "16", "HEDGEROW_POW_MAX_BITS": "16"},
                       require_secret=False)
    assert same.POW_MIN_BITS == same.POW_MAX_BITS == 16


def test_typed_overrides_are_checked_like_the_environment() -> None:
    loaded = config.load({}, overrides={"SECRET_KEY": [KEY], "RATELIMIT_ENABLED": False})
    assert loaded.RATELIMIT_ENABLED is False
    with pytest.raises(ConfigError, match="HEDGEROW_POW_MIN_BITS"):
        config.load({}, overrides={"SECRET_KEY": [KEY], "POW_MIN_BITS": 30})
    with pytest.raises(ConfigError, match="HEDGEROW_NOT_A_SETTING is not a Hedgerow setting"):
        config.load({}, overrides={"SECRET_KEY": [KEY], "NOT_A_SETTING": 1})


def test_secret_keys_are_a_list_newest_first_and_each_long_enough() -> None:
    loaded = config.load({"HEDGEROW_SECRET_KEY": f" {KEY}, {OTHER_KEY} ,"})
    assert loaded.SECRET_KEY == [KEY, OTHER_KEY]
    with pytest.raises(ConfigError, match="at least 32 characters"):
        config.load({"HEDGEROW_SECRET_KEY": f"{KEY},short"})
    with pytest.raises(ConfigError, match="empty"):
        config.load({"HEDGEROW_SECRET_KEY": " , "})


@pytest.mark.parametrize("weak", [
    "a" * 40, "ab" * 20, "password" * 5, "0123456789" * 4, "abcdefgh" * 6,
])
def test_a_guessable_key_is_refused_whatever_its_length(weak: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config.load({"HEDGEROW_SECRET_KEY": f"{KEY},{weak}"})
    assert "too easy to guess" in str(caught.value)
    assert weak not in str(caught.value)  # a key never appears in an error


def test_generated_keys_pass_the_strength_check() -> None:
    for _ in range(3000):
        for key in (secrets.token_urlsafe(48), secrets.token_hex(16), secrets.token_urlsafe(24)):
            assert config.key_strength_problem(key) is None, key


def test_a_missing_secret_is_an_error_only_when_required() -> None:
    with pytest.raises(ConfigError, match="hedgerow secret generate"):
        config.load({})
    assert config.load({}, require_secret=False).SECRET_KEY is None
    with pytest.raises(ConfigError, match="HEDGEROW_SECRET_KEY is not set"):
        _ = config.load({}, require_secret=False).signing_keys


def test_unknown_names_are_warned_with_the_nearest_setting() -> None:
    warnings = config.unknown_names({
        "HEDGEROW_SECRT_KEY": "x", "HEDGEROW_RATELIMT_SOLVE": "1/second",
        "HEDGEROW_WHATEVER": "1", "HEDGEROW_CHALLENGE_TTL": "60",
        "HEDGEROW_TEST_REDIS_SERVER": "/usr/bin/redis-server", "HEDGEROW_UPSTREAM": "app:8000",
        "PATH": "/bin",
    })
    assert warnings == [
        "HEDGEROW_RATELIMT_SOLVE is not a Hedgerow setting; did you mean "
        "HEDGEROW_RATELIMIT_SOLVE?",
        "HEDGEROW_SECRT_KEY is not a Hedgerow setting; did you mean HEDGEROW_SECRET_KEY?",
        "HEDGEROW_WHATEVER is not a Hedgerow setting and is ignored",
    ]


def test_masked_settings_hide_every_secret() -> None:
    token = secrets.token_urlsafe(24)
    shown = config.load({"HEDGEROW_SECRET_KEY": f"{KEY},{OTHER_KEY}",
                         "HEDGEROW_METRICS_TOKEN": token}).masked()
    assert shown["HEDGEROW_SECRET_KEY"] == [config.MASK, config.MASK]
    assert shown["HEDGEROW_METRICS_TOKEN"] == config.MASK
    assert KEY not in str(shown) and token not in str(shown)
    assert set(shown) == {f"HEDGEROW_{s.name}" for s in config.SETTINGS}


def test_the_data_dir_setting_wins_else_xdg_data_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert config.data_dir_from_env({}) == tmp_path / "xdg" / "hedgerow"
    assert config.data_dir_from_env({"HEDGEROW_DATA_DIR": str(tmp_path / "d")}) == tmp_path / "d"
    assert config.load({}, require_secret=False).DATA_DIR == tmp_path / "xdg" / "hedgerow"
    assert config.load({"HEDGEROW_DATA_DIR": "."}, require_secret=False).DATA_DIR == Path(".")
