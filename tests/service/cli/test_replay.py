"""``hedgerow replay``: a labelled stream against a site, with and without its adaptation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import redis

from service.cli.replay import Scores, windows
from service.sites.registry import Site
from tests.support import blog_stream
from tests.support.processes import clean_env, run_cli


def test_scores_count_the_spam_class() -> None:
    labels = [1, 1, 0, 0, 1, 0]
    predicted = [True, False, True, False, True, False]
    assert Scores.of(labels, predicted) == Scores(6, 0.6667, 0.6667, 0.6667)
    assert Scores.of([0, 0], [False, False]) == Scores(2, 0.0, 0.0, 0.0)
    assert [(a, b, s.n) for a, b, s in windows(labels, predicted, 4)] == [(1, 4, 4), (5, 6, 2)]
    assert windows(labels, predicted, 4)[1][2] == Scores(2, 1.0, 1.0, 1.0)


@pytest.mark.slow
def test_replay_prints_the_table_writes_the_plot_and_leaves_the_site_alone(
    site: tuple[Site, str], redis_url: str, tmp_path: Path
) -> None:
    stream = blog_stream.write(tmp_path / "blog.jsonl", rows=160, seed=11)
    env = clean_env(HEDGEROW_REDIS_URL=redis_url, HEDGEROW_DATA_DIR=str(tmp_path / "data"))
    plot = tmp_path / "replay.png"
    client = redis.Redis.from_url(redis_url)
    keys_before = set(client.scan_iter())

    shown = run_cli("replay", "--data", str(stream), "--site", "Blog", "--window", "40",
                    "--plot", str(plot), env=env, timeout=120)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert "160 comments" in lines[0]
    assert "with site adaptation P / R / F1" in lines[1] and "shared model alone" in lines[1]
    assert [line.split()[0] for line in lines[2:6]] == ["1-40", "41-80", "81-120", "121-160"]
    assert lines[6].startswith("second half") and lines[7].startswith("all")
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and plot.stat().st_size > 5000
    assert "comment/s" in shown.stderr  # the progress bar

    as_json = run_cli("replay", "--data", str(stream), "--site", site[0].sitekey,
                      "--window", "40", "--json", env=env, timeout=120)
    assert as_json.returncode == 0, as_json.stderr
    report = json.loads(as_json.stdout)
    assert report["comments"] == 160 and report["model"] == "default"
    half = report["second_half"]
    assert half["adapted"]["n"] == half["shared"]["n"] == 80
    assert half["adapted"]["f1"] >= half["shared"]["f1"]
    # Each replay starts from nothing: the same stream gives the same numbers again.
    assert [round(w["adapted"]["f1"], 2) for w in report["windows"]] == [
        float(line.split()[3]) for line in lines[2:6]]
    # Nothing of the runs is left in Redis, and the site's own state is as it was.
    assert set(client.scan_iter()) == keys_before
    client.close()


@pytest.mark.slow
def test_replay_without_adaptation_runs_the_shared_model_alone(
    site: tuple[Site, str], redis_url: str, tmp_path: Path
) -> None:
    stream = blog_stream.write(tmp_path / "blog.jsonl", rows=60, seed=5)
    env = clean_env(HEDGEROW_REDIS_URL=redis_url, HEDGEROW_DATA_DIR=str(tmp_path / "data"))
    result = run_cli("replay", "--data", str(stream), "--site", "Blog", "--no-adaptation",
                     "--json", env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report["all"]) == {"shared"} and report["all"]["shared"]["n"] == 60


@pytest.mark.parametrize("content,message", [
    (None, "no such data file"),
    ('{"text": "only spam here", "label": "spam"}\n', "needs both spam and ham"),
    ('{"text": "no label"}\n', "no label column"),
])
def test_bad_streams_are_clear_errors(
    site: tuple[Site, str], redis_url: str, tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "stream.jsonl"
    if content is not None:
        path.write_text(content)
    result = run_cli("replay", "--data", str(path), "--site", "Blog",
                     env=clean_env(HEDGEROW_REDIS_URL=redis_url))
    assert result.returncode != 0 and message in result.stderr
    assert "Traceback" not in result.stderr
