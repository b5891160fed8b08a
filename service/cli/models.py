"""Model commands: train, evaluate, models list|promote|rollback."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from service.cli.support import open_store
from service.config import data_dir_from_env

if TYPE_CHECKING:
    from model.data import LabelledData
    from model.registry import Registry
    from service.store.redis_store import Store

DEFAULT_HOLDOUT = 0.1


@contextmanager
def _registry() -> Iterator[Registry]:
    """The model registry in the data directory, its active version kept in Redis.

    Redis is where every worker of every replica looks for the active version, so a
    promotion here reaches all of them within seconds.
    """
    with open_store() as store:
        yield _registry_on(store)


def _registry_on(store: Store) -> Registry:
    # Imported on use: scikit-learn takes a second to import and `hedgerow --help` needs none.
    from model.registry import Registry
    from service.models.publication import RedisPointer

    return Registry(data_dir_from_env() / "models", pointer=RedisPointer(store))


def _feedback_rows(store: Store) -> LabelledData:
    from model.data import LabelledData
    from service.spam import feedback

    rows = LabelledData()
    for row in feedback.iter_rows(store):
        rows.append(row["comment_content"], int(row["label"] == "spam"), "feedback",
                    author=row.get("comment_author", ""),
                    email=row.get("comment_author_email", ""),
                    url=row.get("comment_author_url", ""))
    return rows


def _promote(store: Store, version: str, force: bool) -> None:
    """Promote after the gate: no worse than the active model on held-back rows.

    The version's files are published to Redis first, so that replicas on other
    machines can load it.
    """
    from model.gate import compare, holdout_of
    from model.scorer import Scorer
    from service.models import publication

    registry = _registry_on(store)
    active = registry.active_version()
    rows = holdout_of(registry.path_of(version))
    if not force and rows is not None and len(rows) and active != version:
        result = compare(Scorer.load(registry.path_of(version)),
                         Scorer.load(registry.path_of(active)), rows)
        click.echo(f"Gate: {result.summary()}.")
        if not result.passed:
            raise click.ClickException(
                f"{version} was not promoted: it does worse than {active} on comments it never "
                "saw. Check the feedback it learned from, or use --force to promote anyway."
            )
    path = registry.path_of(version)
    if version != "default":
        publication.publish(store, version, path)
    registry.promote(version)
    click.echo(f"Active model: {version} (every worker switches within seconds)")


@contextmanager
def _model_errors() -> Iterator[None]:
    """Turn the model package's errors into a clean `Error: …` and exit status 1."""
    from model.errors import ModelError

    try:
        yield
    except ModelError as exc:
        raise click.ClickException(str(exc)) from None


def register(group: click.Group) -> None:
    """Add the model commands to the ``hedgerow`` command group."""
    group.add_command(train_command)
    group.add_command(evaluate_command)
    group.add_command(models_group)


@click.command("train")
@click.option("--data", "data_files", multiple=True, metavar="FILE",
              type=click.Path(path_type=Path, dir_okay=True),
              help="Labelled CSV, JSONL or label<TAB>text file; repeat for more files.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Write the artifact here instead of registering it in the data directory.")
@click.option("--from-feedback", is_flag=True,
              help="Also learn from the comments moderators marked as spam or ham.")
@click.option("--holdout", type=click.FloatRange(0, 0.5), default=DEFAULT_HOLDOUT,
              show_default=True, help="Share of the files' comments kept out of training to "
              "judge the model before promotion.")
@click.option("--promote", "promote_after", is_flag=True,
              help="Promote the new model if it does no worse than the active one.")
@click.option("--force", is_flag=True, help="With --promote: promote even if it does worse.")
def train_command(data_files: tuple[Path, ...], out: Path | None, from_feedback: bool,
                  holdout: float, promote_after: bool, force: bool) -> None:
    """Train a spam model; it is registered but not active until promoted."""
    from tqdm import tqdm

    from model.registry import Registry
    from model.train import TRAIN_STEPS, new_version, train, write_artifact
    from service.models.publication import RedisPointer

    if not data_files and not from_feedback:
        raise click.UsageError("give at least one --data FILE, or --from-feedback")
    if promote_after and out is not None:
        raise click.UsageError("--promote registers the model; it cannot be used with --out")
    root = data_dir_from_env() / "models"
    with ExitStack() as stack:
        # Redis is needed only to read feedback or to promote.
        store = stack.enter_context(open_store()) if from_feedback or promote_after else None
        registry = Registry(root, pointer=RedisPointer(store) if store else None)
        with _model_errors():
            version = new_version()
            target = registry.new_version_dir(version) if out is None else out
            extra = _feedback_rows(store) if store is not None and from_feedback else None
            if extra is not None:
                click.echo(f"Learning from {len(extra)} feedback comments too.", err=True)
            with tqdm(total=len(TRAIN_STEPS), file=sys.stderr, desc="training", unit="step",
                      leave=False) as bar:

                def progress(step: str) -> None:
                    bar.set_postfix_str(step)
                    bar.update()

                trained = train(list(data_files), extra=extra or None, progress=progress,
                                version=version, holdout=holdout)
            write_artifact(trained, target)
        metrics = trained.manifest["metrics"]
        thresholds = trained.manifest["thresholds"]
        click.echo(f"Trained model {version} in {trained.manifest['training_seconds']} s: "
                   f"F1 {metrics['f1']:.3f}, ROC AUC {metrics['roc_auc'] or 0:.3f} "
                   f"out-of-fold ({metrics['protocol']}); hold at {thresholds['hold']}, "
                   f"discard at {thresholds['discard']}.")
        click.echo(f"Written to {target}")
        if promote_after:
            with _model_errors():
                assert store is not None  # opened above for --promote
                _promote(store, version, force)
        elif out is None:
            click.echo(f"Not active yet: run `hedgerow models promote {version}` to use it.")


@click.command("evaluate")
@click.option("--data", "data_files", multiple=True, metavar="FILE",
              type=click.Path(path_type=Path),
              help="Labelled file to score; repeat to pool several.")
@click.option("--blog-news", is_flag=True,
              help="Also score the shipped blog and news evaluation set.")
@click.option("--by-kind", is_flag=True,
              help="Report per kind of comment (files need a 'kind' column): legitimate "
              "comments held or discarded, spam caught per kind and obfuscation.")
@click.option("--model", "model_path", type=click.Path(path_type=Path), default=None,
              help="Artifact directory or its model.skops (default: the active model).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def evaluate_command(data_files: tuple[Path, ...], blog_news: bool, by_kind: bool,
                     model_path: Path | None, as_json: bool) -> None:
    """Score labelled comments and report accuracy, precision, recall, F1, ROC AUC, MCC.

    With --by-kind, report instead what the model does with each kind of comment.
    """
    from model.data import LabelledData, load_file, require_both_classes
    from model.evaluate import compute_metrics, format_table
    from model.kinds import blog_news_path, score_by_kind
    from model.scorer import Scorer

    data_files += (blog_news_path(),) if blog_news else ()
    if not data_files:
        raise click.UsageError("give at least one --data FILE, or --blog-news")
    with _model_errors():
        if model_path is not None:
            path = model_path
        else:
            with _registry() as registry:
                path = registry.active_path()
        scorer = Scorer.load(path)
        if by_kind:
            report = score_by_kind(scorer, data_files)
            click.echo(json.dumps(report.as_dict()) if as_json else report.format())
            return
        data = LabelledData()
        for file in data_files:
            data.extend(load_file(file))
        require_both_classes(data, "evaluation")
        probability = [scorer.model_probability(c) for c in data.comments()]
    metrics = compute_metrics(data.label, probability, scorer.hold)
    if as_json:
        click.echo(json.dumps(metrics))
    else:
        click.echo(f"model {scorer.version}, spam at probability >= {scorer.hold}")
        click.echo(format_table(metrics))


@click.group("models")
def models_group() -> None:
    """List, promote and roll back trained models."""


@models_group.command("list")
def list_command() -> None:
    """Show every model version; the active one is marked with *."""
    with _model_errors():
        with _registry() as registry:
            versions = registry.versions()
    click.echo(f"  {'version':<26} {'created':<26} {'F1':>6}")
    for info in versions:
        f1 = "?" if info.f1 is None else f"{info.f1:.3f}"
        click.echo(f"{'*' if info.active else ' '} {info.version:<26} {info.created:<26} {f1:>6}")


@models_group.command("promote")
@click.argument("version")
@click.option("--force", is_flag=True, help="Promote even if it does worse than the active one.")
def promote_command(version: str, force: bool) -> None:
    """Make VERSION the active model, for every worker, within seconds.

    It must load, and do no worse than the active model on the comments held back when
    it was trained (unless --force).
    """
    with _model_errors():
        with open_store() as store:
            _promote(store, version, force)


@models_group.command("rollback")
def rollback_command() -> None:
    """Make the previously active model active again."""
    with _model_errors():
        with _registry() as registry:
            version = registry.rollback()
    click.echo(f"Active model: {version}")
