"""Model commands: train, evaluate, models list|promote|rollback|status|delete|prune|benchmark."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from service.cli.support import load_config, open_store
from service.config import data_dir_from_env

if TYPE_CHECKING:
    from model.benchmark import Benchmark
    from model.data import LabelledData
    from model.registry import Registry
    from model.train import RowGroup
    from service.spam.feedback import Selection
    from service.store.redis_store import Store


@contextmanager
def _registry() -> Iterator[Registry]:
    """The model registry in the data directory, its active version kept in Redis.

    Redis is where every worker of every replica looks for the active version.
    """
    with open_store() as store:
        yield _registry_on(store)


def _registry_on(store: Store) -> Registry:
    # Imported on use: scikit-learn takes a second to import and `hedgerow --help` needs none.
    from model.registry import Registry
    from service.models.publication import RedisPointer

    return Registry(data_dir_from_env() / "models", pointer=RedisPointer(store))


def _signing_keys() -> list[bytes]:
    """The model-signing keys derived from HEDGEROW_SECRET_KEY (empty when it is unset)."""
    from service.signing import model_signing_keys

    return model_signing_keys(load_config()["SECRET_KEY"] or [])


def _require_signing_keys() -> list[bytes]:
    keys = _signing_keys()
    if not keys:
        raise click.ClickException(
            "promoting a model signs it, so that workers accept it, and that needs "
            "HEDGEROW_SECRET_KEY (the one the service runs with)"
        )
    return keys


def _sign(directory: Path, version: str, keys: list[bytes], parent: str | None) -> None:
    """Sign an unsigned artifact with the newest key; check a signed one against every key."""
    from model.artifact import is_signed, read_manifest, sign_artifact, signature_matches
    from model.errors import ArtifactError

    manifest = read_manifest(directory)
    if not is_signed(manifest):
        sign_artifact(directory, keys[0], parent=manifest.get("parent") or parent)
    elif not signature_matches(manifest, keys):
        raise ArtifactError(f"{version} is signed, but not with any configured key, or its "
                            "manifest changed after signing; retrain it with `hedgerow train`")


def _publish_and_activate(store: Store, registry: Registry, version: str, active: str,
                          keys: list[bytes]) -> None:
    """Sign (if needed) and publish ``version``, make it active, drop old published copies."""
    from service.models import publication

    path = registry.path_of(version)
    if version != "default":
        _sign(path, version, keys, parent=active)
        publication.publish(store, version, path, keys)
    registry.signing_keys = keys  # promote() then loads it as a worker will
    registry.promote(version)
    dropped = publication.prune(store, publication.PUBLISHED_KEEP, protect=[version])
    click.echo(f"Active model: {version} (promoted; run `hedgerow models status` to see "
               "every worker switch)")
    if dropped:
        click.echo(f"Dropped older published copies ({', '.join(dropped)}); keeping the "
                   f"{publication.PUBLISHED_KEEP} newest.")


def _as_data(rows: Sequence[dict[str, str]], source: str) -> LabelledData:
    from model.data import LabelledData

    data = LabelledData()
    for row in rows:
        data.append(row["comment_content"], int(row["label"] == "spam"), source,
                    author=row.get("comment_author", ""),
                    email=row.get("comment_author_email", ""),
                    url=row.get("comment_author_url", ""))
    return data


def _trusted_feedback(store: Store) -> Selection:
    """Stored feedback split by trust; prints how many rows came from which sites."""
    from service.sites.registry import SiteRegistry
    from service.spam import feedback

    selection = feedback.select(store, SiteRegistry(store).all())
    click.echo(selection.summary())
    return selection


def _feedback_groups(selection: Selection) -> list[RowGroup]:
    from model.benchmark import slice_of_feedback
    from model.train import RowGroup

    return [RowGroup(name=slice_of_feedback(g.name), rows=_as_data(g.rows, g.name),
                     info={"site": g.sitekey}) for g in selection.used]


def _feedback_context(selection: Selection) -> dict[str, Any]:
    return {"sites": [{"sitekey": g.sitekey, "name": g.name, "rows": len(g.rows)}
                      for g in selection.used],
            "left_out": [{"sitekey": g.sitekey, "name": g.name, "rows": len(g.rows)}
                         for g in selection.left_out]}


def _benchmark_results(registry: Registry, benchmark: Benchmark,
                       version: str) -> dict[str, Any]:
    from model.scoreboard import results

    return results(benchmark, version, registry.path_of(version))


def _promote(store: Store, version: str, force: bool) -> None:
    """Promote after the gate, which always says what it found.

    On the benchmark the candidate may not be worse than the active model beyond the
    tolerance on any slice; with no benchmark nothing can be judged, so the promotion is
    refused. ``force`` promotes anyway, after printing the gate. The version is signed
    (unless it already is), and its files are published to Redis first, so that replicas
    on other machines can load it.
    """
    from model import benchmark as benchmarks
    from model.gate import compare, tolerance_text

    keys = _require_signing_keys() if version != "default" else []
    registry = _registry_on(store)
    active = registry.active_version()
    path = registry.path_of(version)
    found = benchmarks.load(registry.root)
    if version == active:
        click.echo(f"Gate: {version} is already the active model; nothing to compare.")
    elif found is None:
        click.echo(f"Gate: no benchmark in {benchmarks.benchmark_dir(registry.root)}, so "
                   f"nothing shows whether {version} is better or worse than {active}.")
        if not force:
            raise click.ClickException(
                f"{version} was not promoted: there is no benchmark to judge it on. Set one "
                "aside from your trusted data with `hedgerow models benchmark init --data "
                "FILE|DIR`, or use --force to promote it unjudged."
            )
        click.echo("Gate: skipped by --force.")
    else:
        result = compare(_benchmark_results(registry, found, version),
                         _benchmark_results(registry, found, active))
        click.echo(f"Gate: {result.summary()}.")
        click.echo(f"  Tolerance: {tolerance_text()}.")
        for line in result.table():
            click.echo(line)
        if not result.passed:
            if not force:
                raise click.ClickException(
                    f"{version} was not promoted. Check the data and feedback it learned "
                    f"from ({path / 'MODEL_CARD.md'}), or use --force to promote it anyway."
                )
            click.echo("Gate: overridden by --force.")
    _publish_and_activate(store, registry, version, active, keys)


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


def _resolve_base(root: Path, base_data: tuple[Path, ...], no_base: bool,
                  new_data: str) -> tuple[list[Path], dict[str, Any]]:
    """The base files for this run and what the manifest records about them."""
    from model.base import BASE_FILE, data_files, remember, remembered

    if no_base:
        if base_data:
            raise click.UsageError("--no-base and --base-data contradict each other")
        click.echo(f"Warning: --no-base: training on {new_data} alone. The model will know "
                   "nothing else (no other sites, no SMS or e-mail spam); the promotion gate "
                   "will judge it against the active model on the benchmark.", err=True)
        return [], {"no_base": True}
    if base_data:
        files = data_files(base_data)
        remember(root, base_data)
        origin = f"named with --base-data, remembered in {root / BASE_FILE}"
        paths = base_data
    else:
        paths = tuple(remembered(root))
        if not paths:
            raise click.ClickException(
                f"no base data: training on {new_data} alone would replace everything the "
                "model knows with these rows. Name the trusted data to start from with "
                "--base-data FILE|DIR (remembered for later runs), or pass --no-base to "
                "train on them alone."
            )
        files = data_files(paths)
        origin = f"remembered in {root / BASE_FILE}"
    click.echo(f"Base: {len(files)} files from {', '.join(str(p) for p in paths)} ({origin}).")
    return files, {"base": {"paths": [str(p) for p in paths], "origin": origin}}


@click.command("train")
@click.option("--data", "data_files", multiple=True, metavar="FILE",
              type=click.Path(path_type=Path, dir_okay=True),
              help="New labelled CSV, JSONL or label<TAB>text file; repeat for more files.")
@click.option("--base-data", "base_data", multiple=True, metavar="FILE|DIR",
              type=click.Path(path_type=Path),
              help="Trusted data to start from (a file, or a directory of them; repeatable). "
              "Remembered as the base for later runs.")
@click.option("--no-base", is_flag=True,
              help="Train on the new data (or feedback) alone, without a base. Not advised.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Write the artifact here instead of registering it in the data directory.")
@click.option("--from-feedback", is_flag=True,
              help="Also learn from the spam/ham reports of sites trusted with "
              "`hedgerow sites set SITE --trusted-feedback`.")
@click.option("--promote", "promote_after", is_flag=True,
              help="Promote the new model if it passes the gate on the benchmark.")
@click.option("--force", is_flag=True, help="With --promote: promote even if the gate refuses.")
@click.option("--stream/--no-stream", "stream", default=None,
              help="Read the data as a stream, in bounded memory (averaged SGD over chunks, "
              "calibrated on held-out rows; see docs/model.md). Default: only when the data "
              "files together pass 64 MB.")
def train_command(data_files: tuple[Path, ...], base_data: tuple[Path, ...], no_base: bool,
                  out: Path | None, from_feedback: bool, promote_after: bool,
                  force: bool, stream: bool | None) -> None:
    """Train a spam model on a base plus new data; registered, not active until promoted.

    Rows of the benchmark slice are always left out, so that the gate can judge the model
    on rows it never saw.
    """
    from tqdm import tqdm

    from model import benchmark as benchmarks
    from model.registry import Registry
    from model.stream_train import should_stream, train_streaming
    from model.train import TRAIN_STEPS, new_version, train, write_artifact
    from service.models.publication import RedisPointer

    if not data_files and not from_feedback and not base_data:
        raise click.UsageError("give --data FILE, --base-data FILE|DIR or --from-feedback")
    if promote_after and out is not None:
        raise click.UsageError("--promote registers the model; it cannot be used with --out")
    if out is not None and out.exists() and any(out.iterdir()):
        raise click.ClickException(f"{out} is not empty; give --out a new or empty folder "
                                   "(nothing was overwritten)")
    keys = _require_signing_keys() if promote_after else _signing_keys()
    root = data_dir_from_env() / "models"
    new_data = " and ".join(filter(None, [", ".join(p.name for p in data_files),
                                          "feedback" if from_feedback else ""])) or "the base"
    with _model_errors():
        base, context = _resolve_base(root, base_data, no_base, new_data)
    with ExitStack() as stack:
        # Redis is needed only to read feedback or to promote.
        store = stack.enter_context(open_store()) if from_feedback or promote_after else None
        registry = Registry(root, pointer=RedisPointer(store) if store else None)
        with _model_errors():
            extra: list[RowGroup] = []
            if store is not None and from_feedback:
                selection = _trusted_feedback(store)
                extra = _feedback_groups(selection)
                context["feedback"] = _feedback_context(selection)
                if not extra and not data_files:
                    raise click.ClickException("no feedback from trusted sites to learn from; "
                                               "nothing was trained")
            benchmark = benchmarks.load(root)
            if benchmark is None:
                click.echo("No benchmark yet: promotion will need one (`hedgerow models "
                           "benchmark init --data FILE|DIR`).", err=True)
            version = new_version()
            target = registry.new_version_dir(version) if out is None else out
            if stream is None:
                stream = should_stream([*base, *data_files])
            if stream:
                with tqdm(file=sys.stderr, desc="training", unit=" rows",
                          leave=False) as bar:

                    def on_rows(what: str, rows: int) -> None:
                        if bar.desc != what:
                            bar.set_description(what)
                            bar.reset()
                        bar.update(rows)

                    trained = train_streaming(list(data_files), base=base, extra=extra,
                                              on_rows=on_rows, version=version,
                                              benchmark=benchmark, context=context)
            else:
                with tqdm(total=len(TRAIN_STEPS), file=sys.stderr, desc="training",
                          unit="step", leave=False) as bar:

                    def progress(step: str) -> None:
                        bar.set_postfix_str(step)
                        bar.update()

                    trained = train(list(data_files), base=base, extra=extra,
                                    progress=progress, version=version, benchmark=benchmark,
                                    context=context)
            write_artifact(trained, target, benchmark=benchmark)
            if keys:  # else `hedgerow models promote` signs it
                _sign(target, version, keys, registry.active_version() if store else None)
        manifest = trained.manifest
        metrics, thresholds = manifest["metrics"], manifest["thresholds"]
        roles = ", ".join(f"{n} {r}" for r, n in manifest["rows"]["by_role"].items())
        click.echo(f"Trained model {version} in {manifest['training_seconds']} s on "
                   f"{manifest['rows']['trained']} rows ({roles}); "
                   f"{manifest['held_out']['rule_rows'] + manifest['held_out']['benchmark_rows']}"
                   f" held out for the benchmark. F1 {metrics['f1']:.3f}, ROC AUC "
                   f"{metrics['roc_auc'] or 0:.3f} "
                   f"{'on' if 'streaming' in manifest else 'out-of-fold on its own'} rows "
                   f"({metrics['protocol']}); hold at {thresholds['hold']}, discard at "
                   f"{thresholds['discard']}.")
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
    """List, promote, roll back, delete and prune models; see what every worker runs;
    keep the benchmark they are judged on."""


@models_group.command("list")
def list_command() -> None:
    """Show every model version with its results on the benchmark; * marks the active one.

    Results are computed once per version and benchmark, then read from a cache.
    """
    from model import benchmark as benchmarks
    from model.errors import ModelError
    from model.scoreboard import OVERALL

    with _model_errors():
        with _registry() as registry:
            versions = registry.versions()
            found = benchmarks.load(registry.root)
            if found is None:
                click.echo("No benchmark, so models cannot be compared: set one aside with "
                           "`hedgerow models benchmark init --data FILE|DIR`.")
            else:
                click.echo(f"On benchmark {found.id} ({len(found)} rows, "
                           f"{len(found.slice_names())} slices), each at its own threshold:")
            click.echo(f"  {'version':<26} {'created':<26} {'F1':>6} {'ROC AUC':>7} "
                       f"{'wrong':>6}")
            for info in versions:
                f1 = auc = wrong = "?"
                note = ""
                if found is not None:
                    try:
                        scored = _benchmark_results(registry, found, info.version)
                    except ModelError as exc:
                        note = f"  cannot be scored: {exc}"
                    else:
                        overall = scored["slices"][OVERALL]
                        f1 = "-" if overall["f1"] is None else f"{overall['f1']:.3f}"
                        auc = "-" if overall["roc_auc"] is None else f"{overall['roc_auc']:.3f}"
                        wrong = str(overall["wrong"])
                        if scored["possibly_seen"]:
                            note = (f"  may have trained on {scored['possibly_seen']} "
                                    "benchmark rows")
                click.echo(f"{'*' if info.active else ' '} {info.version:<26} "
                           f"{info.created:<26} {f1:>6} {auc:>7} {wrong:>6}{note}")


@models_group.command("promote")
@click.argument("version")
@click.option("--force", is_flag=True,
              help="Promote even if the gate refuses, or with no benchmark to judge on.")
def promote_command(version: str, force: bool) -> None:
    """Make VERSION the active model, for every worker.

    It must load, and on every slice of the benchmark be no worse than the active model
    beyond the stated tolerance (unless --force). Needs HEDGEROW_SECRET_KEY: an unsigned
    model is signed here. See `hedgerow models status` for the workers switching.
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


@models_group.command("status")
@click.option("--max-lag", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
              help="How long a worker may take to switch before it counts as lagging "
              "[default: 10].")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def status_command(max_lag: float | None, as_json: bool) -> None:
    """Show the active model and the model every live worker runs.

    Exits with status 1 when a worker lags behind the active model or failed to load it.
    """
    from service.models.workers import DEFAULT_MAX_LAG, fleet_status

    with open_store() as store:
        fleet = fleet_status(store, DEFAULT_MAX_LAG if max_lag is None else max_lag)
        now = store.server_time()
    lagging, failed = fleet.having("lagging"), fleet.having("failed")
    if as_json:
        click.echo(json.dumps({"active": fleet.active, "active_since": fleet.active_since,
                               "healthy": fleet.healthy,
                               "workers": [w.as_dict() for w in fleet.workers]}))
    else:
        since = "" if fleet.active_since is None else (
            f", active for {max(0.0, now - fleet.active_since):.0f} s")
        active = _printable(fleet.active)
        click.echo(f"Active model: {active}{since}")
        if not fleet.workers:
            click.echo("No worker has reported recently: is `hedgerow serve` running on this "
                       "Redis?")
        else:
            click.echo(f"  {'worker':<32} {'model':<26} state")
        for worker in fleet.workers:
            mark = " " if worker.state in ("ok", "switching") else "!"
            state = worker.state
            if worker.state == "lagging":
                behind = "?" if worker.behind is None else f"{worker.behind:.0f}"
                state = f"LAGGING, {behind} s behind"
            elif worker.state == "failed":
                state = f"FAILED to load {active}: {_printable(worker.error, 300)}"
            click.echo(f"{mark} {_printable(worker.worker):<32} {_printable(worker.loaded):<26} "
                       f"{state}")
        current = len(fleet.having("ok"))
        click.echo(f"{current} of {len(fleet.workers)} workers run {active}.")
    if not fleet.healthy:
        raise click.ClickException(f"{len(lagging)} worker(s) lagging, {len(failed)} failed "
                                   f"to load {_printable(fleet.active)}")


def _printable(text: str, limit: int = 100) -> str:
    """Text read from Redis, safe for a terminal: no control characters, cut to ``limit``."""
    cleaned = "".join(c if c.isprintable() else "?" for c in text)
    return cleaned if len(cleaned) <= limit else cleaned[:limit - 3] + "..."


@models_group.command("delete")
@click.argument("version")
def delete_command(version: str) -> None:
    """Delete VERSION here (data directory) and its published copy in Redis.

    The active model and `default` cannot be deleted. Copies other machines fetched stay
    on their disks.
    """
    from model.artifact import MANIFEST_FILE
    from model.errors import RegistryError
    from model.versions import check_version_name

    with _model_errors(), open_store() as store:
        registry = _registry_on(store)
        check_version_name(version)
        if version == registry.active_version():
            raise RegistryError(f"{version} is the active model; promote another one or roll "
                                "back first")
        local = (registry.root / version / MANIFEST_FILE).is_file()
        if local:
            registry.delete(version)
        published = store.delete_artifact(version)
        if not (local or published):
            raise RegistryError(f"no model version {version!r} here or in Redis; see "
                                "`hedgerow models list`")
    where = " and ".join(p for p, done in (("the data directory", local),
                                            ("Redis", published)) if done)
    click.echo(f"Deleted {version} from {where}.")


@models_group.command("prune")
@click.option("--keep", type=click.IntRange(min=0), required=True, metavar="N",
              help="How many of the newest versions to keep (the active one always stays).")
def prune_command(keep: int) -> None:
    """Delete all but the N newest versions, here and in Redis (never the active one)."""
    from service.models import publication

    with _model_errors(), open_store() as store:
        registry = _registry_on(store)
        active = registry.active_version()
        local = registry.prune(keep)
        published = publication.prune(store, keep, protect=[active])
    click.echo(f"Deleted from the data directory: {', '.join(local) or 'nothing'}.")
    click.echo(f"Deleted published copies in Redis: {', '.join(published) or 'nothing'}.")


@models_group.group("benchmark")
def benchmark_group() -> None:
    """The frozen benchmark every promotion is judged on."""


@benchmark_group.command("init")
@click.option("--data", "data", multiple=True, metavar="FILE|DIR",
              type=click.Path(path_type=Path),
              help="Trusted labelled data (a file or a directory of them; repeatable).")
@click.option("--from-feedback", is_flag=True,
              help="Also take the benchmark slice of trusted sites' feedback, one slice per site.")
@click.option("--replace", is_flag=True,
              help="Rebuild an existing benchmark (earlier results are no longer comparable).")
@click.option("--without-evalsets", is_flag=True,
              help="Leave out the project's hand-written blog and news comments (for sites "
              "whose comments are nothing like them).")
def benchmark_init(data: tuple[Path, ...], from_feedback: bool, replace: bool,
                   without_evalsets: bool) -> None:
    """Set aside the benchmark: a fixed slice of your trusted data that no model trains on.

    A row belongs to it when a hash of its normalised text falls in a fixed 15 % of the hash
    space, whichever file it comes in; training always leaves those rows out. The project's
    hand-written evaluation rows are added when the checkout has them.
    """
    from model import benchmark as benchmarks
    from model.base import data_files

    if not data and not from_feedback:
        raise click.UsageError("give at least one --data FILE|DIR (or --from-feedback)")
    root = data_dir_from_env() / "models"
    with ExitStack() as stack, _model_errors():
        feedback: dict[str, LabelledData] = {}
        if from_feedback:
            store = stack.enter_context(open_store())
            for group in _trusted_feedback(store).used:
                name = benchmarks.slice_of_feedback(group.name)
                feedback[name] = _as_data(group.rows, name)
        built = benchmarks.build(data_files(data), feedback=feedback,
                                 evalsets=not without_evalsets)
        saved = benchmarks.save(root, built, replace=replace)
    for line in benchmarks.describe(saved):
        click.echo(line)
    click.echo("Every promotion is now judged on these rows, slice by slice; training leaves "
               "them out.")


@benchmark_group.command("show")
def benchmark_show() -> None:
    """Describe the benchmark: its id, slices and row counts."""
    from model import benchmark as benchmarks

    with _model_errors():
        found = benchmarks.load(data_dir_from_env() / "models")
    if found is None:
        raise click.ClickException("no benchmark yet; make one with `hedgerow models benchmark "
                                   "init --data FILE|DIR`")
    for line in benchmarks.describe(found):
        click.echo(line)
