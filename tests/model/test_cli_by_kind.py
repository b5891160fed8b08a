"""``hedgerow evaluate --by-kind`` and ``--blog-news`` through the command group."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from model.registry import default_artifact_dir
from service.cli.main import main
from tests.model.test_kinds import TINY, write_jsonl


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HEDGEROW_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke


def test_by_kind_prints_the_table(run, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "tiny.jsonl", TINY)
    result = run("evaluate", "--data", str(path), "--by-kind", "--model",
                 str(default_artifact_dir()))
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines()]
    assert result.output.startswith("model default: held at probability >= ")
    assert ["cited_link", "1", "1", "0", "0", "0.0%"] in lines
    assert ["link_free", "1", "0", "1", "0", "100.0%"] in lines
    assert ["all", "spam", "4", "0", "1", "3", "100.0%"] in lines
    assert ["author-fields", "1", "0", "0", "1", "100.0%"] in lines


def test_by_kind_json_parses(run, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "tiny.jsonl", TINY)
    result = run("evaluate", "--data", str(path), "--by-kind", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["model"] == "default" and report["n"] == 9
    assert [k["kind"] for k in report["legitimate"]] == ["short_reply", "cited_link",
                                                         "personal_story"]
    assert report["totals"]["spam"] == {"kind": "all spam", "n": 4, "accepted": 0, "held": 1,
                                        "discarded": 3, "caught": 4, "rate": 1.0}


def test_blog_news_shorthand(run) -> None:
    result = run("evaluate", "--blog-news", "--by-kind", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["n"] == report["totals"]["legitimate"]["n"] + report["totals"]["spam"]["n"]
    assert report["totals"]["legitimate"]["n"] >= 150 and report["totals"]["spam"]["n"] >= 150
    assert {o["obfuscation"] for o in report["obfuscation"]} >= {"lookalike", "invisible"}

    metrics = json.loads(run("evaluate", "--blog-news", "--json").output)
    assert metrics["n"] == report["n"]


def test_no_data_is_a_usage_error(run) -> None:
    result = run("evaluate", "--by-kind")
    assert result.exit_code == 2
    assert "give at least one --data FILE, or --blog-news" in result.output


def test_a_file_without_kinds_is_an_error_not_a_traceback(run, tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("text,label\nhello,ham\nbuy,spam\n", encoding="utf-8")
    result = run("evaluate", "--data", str(path), "--by-kind")
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith("Error: plain.csv has no 'kind'")
    assert "Traceback" not in result.output
