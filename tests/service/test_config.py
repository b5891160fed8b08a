"""Configuration parsing: defaults, every parser, and the errors a person reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from service import config
from service.config import ConfigError

KEY = "k" * 40


def test_defaults_apply_when_nothing_is_set(tmp_path: Path) -> None:
    loaded = config.load({"HEDGEROW_SECRET_KEY": KEY, "HEDGEROW_DATA_DIR": str(tmp_path)})
    assert loaded["CHALLENGE_TTL"] == 120
    assert loaded["RATELIMIT_ENABLED"] is True
    assert loaded["RATELIMIT_ON_ERROR"] == "allow"
    assert loaded["SECRET_KEY"] == [KEY]
    assert loaded["DATA_DIR"] == str(tmp_path)


@pytest.mark.parametrize(("raw", "expected"), [
    ("1", True), ("TRUE", True), (" yes ", True), ("on", True),
    ("0", False), ("false", False), ("No", False), ("off", False),
])
def test_booleans_take_the_usual_spellings(raw: str, expected: bool) -> None:
    assert config.load({"HEDGEROW_POW_ENABLED": raw}, require_secret=False)["POW_ENABLED"] \
        is expected


@pytest.mark.parametrize(("name", "raw", "words"), [
    ("POW_ENABLED", "maybe", "true or false"),
    ("CHALLENGE_TTL", "two minutes", "whole number"),
    ("CHALLENGE_TTL", "-5", "negative"),
    ("RATELIMIT_ON_ERROR", "sometimes", "allow or deny"),
])
def test_a_bad_value_names_the_variable_and_what_is_allowed(
    name: str, raw: str, words: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        config.load({f"HEDGEROW_{name}": raw}, require_secret=False)
    assert f"HEDGEROW_{name}" in str(caught.value)
    assert words in str(caught.value)


def test_secret_keys_are_a_list_newest_first_and_each_long_enough() -> None:
    assert config.parse_secret_keys("SECRET_KEY", f" {KEY}, {'o' * 32} ,") == [KEY, "o" * 32]
    with pytest.raises(ConfigError, match="at least 32 characters"):
        config.parse_secret_keys("SECRET_KEY", f"{KEY},short")
    with pytest.raises(ConfigError, match="empty"):
        config.parse_secret_keys("SECRET_KEY", " , ")


def test_a_missing_secret_is_an_error_only_when_required() -> None:
    with pytest.raises(ConfigError, match="hedgerow secret generate"):
        config.load({})
    assert config.load({}, require_secret=False)["SECRET_KEY"] is None


def test_the_data_dir_setting_wins_else_xdg_data_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert config.data_dir_from_env({}) == tmp_path / "xdg" / "hedgerow"
    assert config.data_dir_from_env({"HEDGEROW_DATA_DIR": str(tmp_path / "d")}) == tmp_path / "d"
