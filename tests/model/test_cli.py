"""The model commands end to end through the ``hedgerow`` command group."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from service.cli.main import main
from tests.model.conftest import tiny_rows, write_csv

KEY = secrets.token_urlsafe(48)


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, redis_url: str):
    for name in ("HEDGEROW_KEY_PREFIX", "HEDGEROW_MODEL_CHECK_INTERVAL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HEDGEROW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HEDGEROW_REDIS_URL", redis_url)
    monkeypatch.setenv("HEDGEROW_SECRET_KEY", KEY)
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
    before = (out / "manifest.json").read_bytes()
    again = run("train", "--data", str(tiny_csv), "--out", str(out))
    assert again.exit_code == 1
    assert f"Error: {out} is not empty" in again.output and "Traceback" not in again.output
    assert (out / "manifest.json").read_bytes() == before


def test_out_refuses_a_non_empty_folder_before_training(run, tiny_csv: Path,
                                                       tmp_path: Path) -> None:
    out = tmp_path / "precious"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    result = run("train", "--data", str(tiny_csv), "--out", str(out))
    assert result.exit_code == 1 and "is not empty" in result.output
    assert "Trained model" not in result.output
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


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


def _train(run, tiny_csv: Path) -> str:
    result = run("train", "--data", str(tiny_csv), "--no-base")
    assert result.exit_code == 0, result.output
    return result.output.split("Trained model ")[1].split()[0]


def _manifest(tmp_path: Path, version: str) -> dict:
    return json.loads((tmp_path / "data" / "models" / version / "manifest.json").read_text())


@pytest.mark.slow
def test_train_signs_with_a_key_and_promote_signs_without_one(
        run, tiny_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    signed = _train(run, tiny_csv)
    assert _manifest(tmp_path, signed)["signature"].startswith("hmac-sha256:")

    monkeypatch.delenv("HEDGEROW_SECRET_KEY")
    unsigned = _train(run, tiny_csv)
    assert "signature" not in _manifest(tmp_path, unsigned)
    refused = run("models", "promote", unsigned)
    assert refused.exit_code == 1, refused.output
    assert "HEDGEROW_SECRET_KEY" in refused.output and _active(run) == "default"
    refused = run("train", "--data", str(tiny_csv), "--promote")
    assert refused.exit_code == 1 and "HEDGEROW_SECRET_KEY" in refused.output
    assert "Trained model" not in refused.output

    monkeypatch.setenv("HEDGEROW_SECRET_KEY", KEY)
    promoted = run("models", "promote", unsigned, "--force")  # no benchmark here
    assert promoted.exit_code == 0, promoted.output
    assert "run `hedgerow models status`" in promoted.output
    manifest = _manifest(tmp_path, unsigned)
    assert manifest["signature"].startswith("hmac-sha256:") and manifest["parent"] == "default"

    # A signed manifest changed afterwards is not promoted (nor re-signed).
    manifest = _manifest(tmp_path, signed)
    manifest["thresholds"]["discard"] = 1.0
    (tmp_path / "data" / "models" / signed / "manifest.json").write_text(json.dumps(manifest))
    refused = run("models", "promote", signed, "--force")
    assert refused.exit_code == 1 and "manifest changed after signing" in refused.output
    assert _active(run) == unsigned


@pytest.mark.slow
def test_delete_and_prune(run, tiny_csv: Path, tmp_path: Path) -> None:
    from service.cli.support import open_store

    versions = [_train(run, tiny_csv) for _ in range(4)]
    for version in versions:
        assert run("models", "promote", version, "--force").exit_code == 0
    assert run("models", "rollback").exit_code == 0
    active = versions[2]
    assert _active(run) == active

    for refused, message in ((active, "is the active model"), ("default", "'default' names"),
                             ("../models", "not a usable version name"),
                             ("20990101-000000-abcd", "no model version")):
        result = run("models", "delete", refused)
        assert result.exit_code == 1 and message in result.output, result.output
    assert set(_versions(run)) == {*versions, "default"}

    deleted = run("models", "delete", versions[0])
    assert deleted.exit_code == 0, deleted.output
    assert "from the data directory and Redis" in deleted.output
    assert set(_versions(run)) == {*versions[1:], "default"}

    pruned = run("models", "prune", "--keep", "1")
    assert pruned.exit_code == 0, pruned.output
    # The newest stays, and so does the active one.
    assert set(_versions(run)) == {versions[3], active, "default"}
    with open_store() as store:
        assert {v for v, _ in store.published_models()} == {versions[3], active}
        assert versions[1] not in store.model_history()  # no rollback to a deleted copy
    assert _active(run) == active


@pytest.mark.slow
def test_promote_keeps_only_the_newest_published_copies(run, tiny_csv: Path) -> None:
    from service.cli.support import open_store
    from service.models.publication import PUBLISHED_KEEP

    versions = [_train(run, tiny_csv) for _ in range(PUBLISHED_KEEP + 2)]
    for version in versions:
        result = run("models", "promote", version, "--force")
        assert result.exit_code == 0, result.output
    assert "Dropped older published copies" in result.output
    with open_store() as store:
        published = [v for v, _ in store.published_models()]
    assert published == versions[::-1][:PUBLISHED_KEEP]
    # Local copies are left for `hedgerow models prune`.
    assert set(_versions(run)) == {*versions, "default"}


@pytest.mark.slow
def test_a_streamed_model_is_judged_by_the_gate_like_any_other(run, tmp_path: Path) -> None:
    from tests.model.conftest import sms_rows, video_rows

    data = write_csv(tmp_path / "comments.csv",
                     [(f"{t} #{i}", y) for i, (t, y) in enumerate(video_rows(100) * 6
                                                                 + sms_rows(100) * 4)])
    assert run("models", "benchmark", "init", "--data", str(data)).exit_code == 0
    result = run("train", "--stream", "--data", str(data), "--no-base", "--promote")
    assert "held-out rows" in result.output
    # Judged on the benchmark slice by slice; never refused as a model that may have seen it.
    assert "Gate:" in result.output
    assert "may have trained on" not in result.output
    version = result.output.split("Trained model ")[1].split()[0]
    manifest = json.loads(
        (tmp_path / "data" / "models" / version / "manifest.json").read_text())
    assert manifest["streaming"]["validation_rows"] > 0
    assert manifest["held_out"]["benchmark"] is not None
    assert (result.exit_code == 0) == (_active(run) == version)
