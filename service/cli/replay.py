"""``hedgerow replay``: how a site's moderation would have gone on a labelled stream.

Each comment of the file, in order, is checked for the site and then its label is sent as
the moderator's verdict, through the same :class:`~service.spam.moderation.Moderator` that
answers the API. Every comment is decided before its verdict is known (prequential
evaluation); precision, recall and F1 are counted per window of comments, once with the
site's adaptation learning from the verdicts and once with the shared model alone.

Both runs work in scratch space in Redis (a key prefix of their own, deleted afterwards),
starting from an empty layer: the site's own layer, feedback log and usage are never
touched, so replaying against a live site is safe.
"""

from __future__ import annotations

import json
import secrets
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from service.cli.support import find_site, open_store
from service.config import data_dir_from_env
from service.sites.registry import SiteRegistry

if TYPE_CHECKING:
    from model.data import LabelledData
    from service.sites.registry import Site
    from service.spam.decision import SpamModel
    from service.store.redis_store import Store

ADAPTED, SHARED = "adapted", "shared"
LABELS = {ADAPTED: "with site adaptation", SHARED: "shared model alone"}


@dataclass(frozen=True)
class Scores:
    """Precision, recall and F1 of the spam class over some comments."""

    n: int
    precision: float
    recall: float
    f1: float

    @classmethod
    def of(cls, labels: Sequence[int], predicted: Sequence[bool]) -> Scores:
        """Count ``predicted`` (True: spam) against ``labels`` (1: spam)."""
        tp = sum(1 for y, p in zip(labels, predicted, strict=True) if y and p)
        fp = sum(1 for y, p in zip(labels, predicted, strict=True) if not y and p)
        fn = sum(1 for y, p in zip(labels, predicted, strict=True) if y and not p)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
        return cls(len(labels), round(precision, 4), round(recall, 4), round(f1, 4))

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {"n": self.n, "precision": self.precision, "recall": self.recall, "f1": self.f1}


def windows(labels: Sequence[int], predicted: Sequence[bool], size: int
            ) -> list[tuple[int, int, Scores]]:
    """``(first, last, scores)`` per window of ``size`` comments, numbered from 1."""
    return [(start + 1, min(start + size, len(labels)),
             Scores.of(labels[start:start + size], predicted[start:start + size]))
            for start in range(0, len(labels), size)]


def replay(store: Store, site: Site, model: SpamModel, data: LabelledData, *,
           adaptation: bool, progress: bool = True) -> list[bool]:
    """Decide each comment of ``data`` for ``site``, then send its label as the verdict.

    Returns the decisions (True: not accepted). Runs in a scratch store, cleared after.
    """
    from tqdm import tqdm

    from service.captcha.flow import Captcha
    from service.signing import TokenSigner
    from service.spam.adaptation import SiteAdaptation
    from service.spam.moderation import Moderator

    scratch = store.scratch("replay-" + secrets.token_hex(6))
    # Feedback pseudonyms only need a key for the run's lifetime.
    signer = TokenSigner([secrets.token_urlsafe(48)])
    moderator = Moderator(
        Captcha(scratch, SiteRegistry(scratch), signer, 120, 300), lambda: model, scratch,
        signer, keep_personal_data=False, feedback_retention_days=1,
        adaptation=SiteAdaptation(scratch) if adaptation else None,
    )
    decided: list[bool] = []
    rows = zip(data.comments(), data.label, strict=True)
    try:
        for fields, label in tqdm(rows, total=len(data), desc=LABELS[ADAPTED if adaptation
                                                                     else SHARED],
                                  unit="comment", file=sys.stderr, disable=not progress,
                                  leave=False):
            decided.append(moderator.check(site, fields).spam)
            moderator.submit(site, fields, "spam" if label else "ham", "replay")
    finally:
        scratch.clear()
    return decided


def _active_model(store: Store) -> SpamModel:
    from model.registry import Registry
    from model.scorer import Scorer
    from service.models.publication import RedisPointer

    registry = Registry(data_dir_from_env() / "models", pointer=RedisPointer(store))
    return Scorer.load(registry.active_path())


def _report(data: LabelledData, runs: dict[str, list[bool]], window: int) -> dict[str, Any]:
    labels = data.label
    half = len(labels) // 2
    per_run = {name: windows(labels, decided, window) for name, decided in runs.items()}
    first = next(iter(per_run.values()))
    return {
        "comments": len(labels),
        "spam": sum(labels),
        "window": window,
        "windows": [
            {"first": a, "last": b,
             **{name: per_run[name][i][2].as_dict() for name in runs}}
            for i, (a, b, _) in enumerate(first)
        ],
        "second_half": {name: Scores.of(labels[half:], decided[half:]).as_dict()
                        for name, decided in runs.items()},
        "all": {name: Scores.of(labels, decided).as_dict() for name, decided in runs.items()},
    }


def _table(report: dict[str, Any], names: list[str]) -> str:
    head = f"{'comments':<14}" + "".join(f"{LABELS[n] + ' P / R / F1':>34}" for n in names)
    lines = [head]

    def row(label: str, scores: dict[str, dict[str, float]]) -> str:
        cells = "".join(
            f"{scores[n]['precision']:>24.2f} {scores[n]['recall']:.2f} {scores[n]['f1']:.2f}"
            for n in names)
        return f"{label:<14}{cells}"

    for item in report["windows"]:
        lines.append(row(f"{item['first']}-{item['last']}", item))
    lines.append(row("second half", report["second_half"]))
    lines.append(row("all", report["all"]))
    return "\n".join(lines)


def _plot(report: dict[str, Any], names: list[str], out: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ends = [item["last"] for item in report["windows"]]
    for name in names:
        ax.plot(ends, [item[name]["f1"] for item in report["windows"]], marker="o",
                label=LABELS[name])
    ax.set(xlabel="comments replayed", ylabel=f"F1 per {report['window']} comments",
           ylim=(0, 1.02), title=title)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    plt.close(fig)


@click.command("replay")
@click.option("--data", "data_file", required=True, metavar="FILE",
              type=click.Path(path_type=Path, dir_okay=False),
              help="Labelled CSV, JSONL or label<TAB>text file, replayed in its order.")
@click.option("--site", "site_ref", required=True, help="The site (sitekey or name).")
@click.option("--no-adaptation", is_flag=True,
              help="Only replay with the shared model alone.")
@click.option("--window", type=click.IntRange(10, None), default=100, show_default=True,
              help="Comments per row of the table.")
@click.option("--plot", "plot_path", type=click.Path(path_type=Path, dir_okay=False),
              default=None, help="Draw F1 per window to this PNG.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def replay_command(data_file: Path, site_ref: str, no_adaptation: bool, window: int,
                   plot_path: Path | None, as_json: bool) -> None:
    """Replay labelled comments against a site, deciding each before its verdict is sent.

    Prints precision, recall and F1 of the spam class per window of comments, with the
    site's adaptation learning from the verdicts and with the shared model alone. The
    site's own state is left as it was.
    """
    from model.data import load_file, require_both_classes
    from model.errors import ModelError

    try:
        data = load_file(data_file)
        require_both_classes(data, "replay")
    except ModelError as error:
        raise click.ClickException(str(error)) from None
    with open_store() as store:
        site = find_site(SiteRegistry(store), site_ref)
        try:
            model = _active_model(store)
        except ModelError as error:
            raise click.ClickException(str(error)) from None
        names = [SHARED] if no_adaptation else [ADAPTED, SHARED]
        runs = {name: replay(store, site, model, data, adaptation=name == ADAPTED)
                for name in names}
    report = _report(data, runs, window)
    report = {"site": site.sitekey, "name": site.name, "model": model.version, **report}
    if plot_path is not None:
        _plot(report, names, plot_path, f"{site.name}: {data_file.name}")
    if as_json:
        click.echo(json.dumps(report))
        return
    click.echo(f"{site.name} ({site.sitekey}), model {model.version}: {report['comments']} "
               f"comments, {report['spam']} spam; spam = not accepted")
    click.echo(_table(report, names))
    if plot_path is not None:
        click.echo(f"Plot written to {plot_path}")
