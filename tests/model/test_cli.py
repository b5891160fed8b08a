"""The model commands end to end through the ``hedgerow`` command group."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from service.cli.main import main
from tests.model.conftest import tiny_rows, write_csv


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HEDGEROW_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke


def _listed(run) -> list[str]:
    """The version rows of `models list` (after its benchmark line and header)."""
    lines = run("models", "list").output.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("  version"))
    return lines[header + 1:]


def _versions(run) -> list[str]:
    return [line[2:].split()[0] for line in _listed(run)]


def _active(run) -> str:
    return next(line[2:].split()[0] for line in _listed(run) if line.startswith("*"))


@pytest.mark.slow
def test_train_registers_without_activating_then_promote_and_rollback(
        run, tiny_csv: Path, tmp_path: Path) -> None:
    result = run("train", "--data", str(tiny_csv), "--no-base")
    assert result.exit_code == 0, result.output
    version = result.output.split("Trained model ")[1].split()[0]
    directory = tmp_path / "data" / "models" / version
    for name in ("model.skops", "manifest.json", "MODEL_CARD.md", "roc.png",
                 "precision_recall.png", "calibration.png", "confusion.png"):
        assert (directory / name).is_file(), name
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["version"] == version
    assert manifest["data"][0]["name"] == "tiny.csv"
    assert len(manifest["data"][0]["sha256"]) == 64 and manifest["data"][0]["rows"] == 60
    assert set(manifest["thresholds"]) == {"hold", "discard"}
    assert {"scikit-learn", "skops", "numpy"} <= set(manifest["libraries"])
    assert "f1" in manifest["metrics"]
    assert _active(run) == "default"  # training never replaces the active model

    second = run("train", "--data", str(tiny_csv), "--no-base").output.split(
        "Trained model ")[1].split()[0]
    # No benchmark: nothing can judge the new model, so only --force promotes it.
    refused = run("models", "promote", version)
    assert refused.exit_code != 0 and "Gate: no benchmark" in refused.output
    assert "was not promoted" in refused.output and _active(run) == "default"
    promoted = run("models", "promote", version, "--force")
    assert promoted.exit_code == 0 and "Gate: skipped by --force." in promoted.output
    assert _active(run) == version
    assert run("models", "promote", second, "--force").exit_code == 0
    assert _active(run) == second
    again = run("models", "promote", second)
    assert again.exit_code == 0 and f"Gate: {second} is already the active model" in again.output
    assert set(_versions(run)) == {version, second, "default"}

    assert run("models", "rollback").output.strip() == f"Active model: {version}"
    assert run("models", "rollback").output.strip() == "Active model: default"
    result = run("models", "rollback")
    assert result.exit_code != 0 and "Error: nothing to roll back to" in result.output


@pytest.mark.slow
def test_train_with_out_writes_there(run, tiny_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "artifact"
    assert run("train", "--data", str(tiny_csv), "--out", str(out), "--no-base").exit_code == 0
    assert (out / "model.skops").is_file()
    assert not (tmp_path / "data" / "models").exists()


def test_evaluate_json(run, tiny_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "artifact"
    run("train", "--data", str(tiny_csv), "--out", str(out), "--no-base")
    held_out = write_csv(tmp_path / "other.csv", tiny_rows(12), text="content", label="label")
    result = run("evaluate", "--data", str(held_out), "--model", str(out / "model.skops"),
                 "--json")
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output)
    assert set(metrics) == {"n", "accuracy", "precision", "recall", "f1", "roc_auc", "mcc"}
    assert metrics["n"] == 24
    assert metrics["accuracy"] > 0.9 and metrics["roc_auc"] > 0.95
    assert -1 <= metrics["mcc"] <= 1

    table = run("evaluate", "--data", str(held_out), "--model", str(out))
    assert "accuracy" in table.output and "roc_auc" in table.output


def test_evaluate_defaults_to_the_shipped_model(run, tiny_csv: Path) -> None:
    result = run("evaluate", "--data", str(tiny_csv), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["n"] == 60


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "Error: no such data file"),
        ("", "is empty"),
        ("text,CLASS\nhello,0\nbye,0\n", "all 2 rows are ham"),
        ("text,CLASS\nhello,perhaps\n", "row 1: 'perhaps' is not a label"),
        ("words,CLASS\nhello,1\n", "no text column"),
    ],
)
def test_bad_data_exits_with_a_message_not_a_traceback(
        run, tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "bad.csv"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    for command in (["train", "--data", str(path), "--no-base"],
                    ["evaluate", "--data", str(path), "--json"]):
        result = run(*command)
        assert result.exit_code != 0
        # The progress bar may have started on stderr; the last thing written is the error.
        last = result.stderr.replace("\r", "\n").strip().splitlines()[-1]
        assert last.startswith("Error: ") and message in last
        assert "Traceback" not in result.output


def test_promote_unknown_version(run) -> None:
    result = run("models", "promote", "20990101-000000-abcd")
    assert result.exit_code != 0
    assert "Error: no model version '20990101-000000-abcd'" in result.output
