"""The benchmark: one frozen set of labelled rows that every promotion is judged on.

A row belongs to the *benchmark slice* when a salted SHA-256 of its normalised text falls in
the first :data:`SLICE_FRACTION` of the hash space. The rule depends on the text alone, so the
same rows are set aside whichever file (or site's feedback) they arrive in, and training
leaves every one of them out (:func:`held_out_keys`, used by :mod:`model.train`). The
shipped model was trained under the same rule, so a benchmark built from the public data it
came from holds only rows it never saw.

``hedgerow models benchmark init`` stores the slice of the operator's trusted files (and,
optionally, of trusted sites' feedback) in ``<data_dir>/models/benchmark/``, plus the
project's own hand-written evaluation rows (``model/evalsets/*.jsonl``) when the checkout has
them. Each row keeps the *slice* it is judged in: its medium and file, or its site for
feedback, so that a candidate cannot trade one kind of comment for another unnoticed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from model.corpus import DEFAULT_WEIGHTS, Kind, TrainingSet, detect_kind
from model.data import LabelledData, duplicate_groups, load_file, sha256_file
from model.errors import DataError
from model.normalize import dedup_key

BENCHMARK_DIR = "benchmark"
ROWS_FILE = "rows.jsonl"
META_FILE = "benchmark.json"
SLICE_SALT = "hedgerow-benchmark-1"
SLICE_FRACTION = 0.15
RULE: dict[str, Any] = {"hash": "sha256", "salt": SLICE_SALT, "fraction": SLICE_FRACTION}
# How a stored row came to be in the benchmark: picked by the rule, or hand-written.
BY_RULE = "rule"
EVALSET = "evalset"


def default_evalset_dir() -> Path:
    """Where the project keeps hand-written evaluation rows (may not exist)."""
    return Path(__file__).resolve().parent / "evalsets"


def text_key(text: str) -> str:
    """The hex SHA-256 of a text's normalised form (what deduplication compares)."""
    return key_of(dedup_key(text))


def key_of(normalised: str) -> str:
    """:func:`text_key` of a text whose :func:`~model.normalize.dedup_key` is ``normalised``."""
    return hashlib.sha256(normalised.encode("utf-8", "replace")).hexdigest()


def in_slice(key: str) -> bool:
    """True when the row with this :func:`text_key` belongs to the benchmark slice."""
    digest = hashlib.sha256(f"{SLICE_SALT}\0{key}".encode()).digest()
    return int.from_bytes(digest[:4], "big") < SLICE_FRACTION * 2**32


@dataclass
class Benchmark:
    """Stored benchmark rows with the slice each is judged in."""

    data: LabelledData
    slices: list[str]
    origins: list[str]
    meta: dict[str, Any] = field(default_factory=dict)
    directory: Path | None = None

    @property
    def id(self) -> str:
        """A short fingerprint of the rows: equal ids, equal benchmarks."""
        return str(self.meta.get("id", ""))

    def keys(self) -> frozenset[str]:
        """The normalised-text hashes of every row."""
        return frozenset(text_key(t) for t in self.data.text)

    def slice_names(self) -> list[str]:
        """Slice names in the order they were built."""
        return list(dict.fromkeys(self.slices))

    def __len__(self) -> int:
        return len(self.data)


def evalset_rows(directory: Path | None = None) -> tuple[LabelledData, list[dict[str, Any]]]:
    """The hand-written evaluation rows (``*.jsonl``, ``*.csv``) under ``directory``.

    ``None`` means the project's own (:func:`default_evalset_dir`); a missing directory
    holds none.
    """
    rows = LabelledData()
    files: list[dict[str, Any]] = []
    directory = default_evalset_dir() if directory is None else directory
    if not directory.is_dir():
        return rows, files
    for path in sorted(directory.iterdir()):
        if path.suffix.lower() not in {".jsonl", ".csv"} or not path.is_file():
            continue
        data = load_file(path)
        data.source = [f"evalset/{path.stem}"] * len(data)
        rows.extend(data)
        files.append({"file": path.name, "sha256": sha256_file(path), "rows": len(data)})
    return rows, files


def evalset_fingerprint(rows: LabelledData) -> str | None:
    """One hash of the evaluation rows' keys, so a manifest can say which ones it left out."""
    if not len(rows):
        return None
    keys = sorted({text_key(t) for t in rows.text})
    return hashlib.sha256("\n".join(keys).encode()).hexdigest()[:16]


def held_out_keys(benchmark: Benchmark | None, evalsets: LabelledData) -> frozenset[str]:
    """Keys training must leave out beyond the rule: stored benchmark rows, evaluation rows."""
    keys = set(benchmark.keys()) if benchmark is not None else set()
    keys.update(text_key(t) for t in evalsets.text)
    return frozenset(keys)


def _weighted(path: Path) -> tuple[TrainingSet, Kind, LabelledData]:
    data = load_file(path)
    kind = detect_kind(path.name, data, tab_format=data.file_format == "label-tab-text")
    rows = TrainingSet()
    rows.add(data, kind, DEFAULT_WEIGHTS)  # what training would use: e-mails cleaned, ham off
    return rows, kind, data


def build(paths: Sequence[Path | str], *, feedback: Mapping[str, LabelledData] | None = None,
          evalset_dir: Path | None = None, evalsets: bool = True) -> Benchmark:
    """The benchmark slice of ``paths`` and of each site's ``feedback``, plus evaluation rows.

    ``feedback`` maps a slice label (``feedback/<site>``) to that site's rows; ``evalsets``
    false leaves the hand-written evaluation rows out. Rows are
    taken as training would see them (e-mails cleaned, e-mail ham left out), deduplicated
    on normalised text across the whole benchmark.
    """
    pooled = LabelledData()
    origins: list[str] = []
    sources: list[dict[str, Any]] = []

    def take(rows: LabelledData, slice_name: str, entry: dict[str, Any]) -> None:
        picked = [i for i, text in enumerate(rows.text) if in_slice(text_key(text))]
        chosen = rows.subset(picked)
        chosen.source = [slice_name] * len(chosen)
        pooled.extend(chosen)
        origins.extend([BY_RULE] * len(chosen))
        sources.append(entry | {"slice": slice_name, "rows_seen": len(rows),
                                "rows_taken": len(chosen)})

    for raw in paths:
        path = Path(raw)
        weighted, kind, data = _weighted(path)
        take(weighted.data, f"{kind}/{path.name}",
             {"file": path.name, "kind": str(kind), "sha256": sha256_file(path),
              "rows_in_file": len(data)})
    for label, group in (feedback or {}).items():
        take(group, label, {"feedback": label})
    hand, hand_files = evalset_rows(evalset_dir) if evalsets else (LabelledData(), [])
    pooled.extend(hand)
    origins.extend([EVALSET] * len(hand))
    if not len(pooled):
        raise DataError("no row of the data falls in the benchmark slice "
                        f"({SLICE_FRACTION:.0%} of distinct texts); give more labelled data")
    kept, labels, report = duplicate_groups(pooled)
    data = pooled.subset(kept)
    data.label = labels
    benchmark = Benchmark(data=data, slices=list(data.source),
                          origins=[origins[i] for i in kept])
    slices: dict[str, dict[str, int]] = {}
    for name, value in zip(benchmark.slices, data.label, strict=True):
        counts = slices.setdefault(name, {"rows": 0, "spam": 0, "ham": 0})
        counts["rows"] += 1
        counts["spam" if value else "ham"] += 1
    benchmark.meta = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "rule": RULE,
        "sources": sources,
        "evalsets": {"files": hand_files, "fingerprint": evalset_fingerprint(hand)},
        "duplicates_removed": report.removed,
        "rows": len(data),
        "slices": slices,
    }
    body = ("\n".join(_row_lines(benchmark)) + "\n").encode()
    benchmark.meta = {"format": 1, "id": hashlib.sha256(body).hexdigest()[:16],
                      **benchmark.meta}
    return benchmark


def _row_lines(benchmark: Benchmark) -> list[str]:
    lines = []
    for comment, label, name, origin in zip(benchmark.data.comments(), benchmark.data.label,
                                            benchmark.slices, benchmark.origins, strict=True):
        lines.append(json.dumps({**comment, "label": label, "slice": name, "origin": origin},
                                ensure_ascii=False, sort_keys=True))
    return lines


def benchmark_dir(models_root: Path | str) -> Path:
    """``<data_dir>/models/benchmark``."""
    return Path(models_root) / BENCHMARK_DIR


def save(models_root: Path | str, benchmark: Benchmark, *, replace: bool = False) -> Benchmark:
    """Store ``benchmark`` under ``models_root``; refuses to replace one unless ``replace``."""
    target = benchmark_dir(models_root)
    if (target / META_FILE).exists() and not replace:
        raise DataError(f"a benchmark already exists at {target}; it is kept frozen so that "
                        "every model is judged on the same rows (use --replace to rebuild it)")
    body = ("\n".join(_row_lines(benchmark)) + "\n").encode()
    meta = dict(benchmark.meta)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".benchmark-", dir=target.parent))
    os.chmod(staging, 0o755)
    (staging / ROWS_FILE).write_bytes(body)
    (staging / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    old = target.with_name(f".benchmark-old-{os.getpid()}")
    if target.exists():
        os.rename(target, old)
    os.rename(staging, target)
    shutil.rmtree(old, ignore_errors=True)
    return load(models_root) or benchmark


def load(models_root: Path | str) -> Benchmark | None:
    """The stored benchmark, or None when none was made."""
    directory = benchmark_dir(models_root)
    meta_path, rows_path = directory / META_FILE, directory / ROWS_FILE
    if not meta_path.is_file():
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        body = rows_path.read_bytes()
        records = [json.loads(line) for line in body.decode().split("\n") if line.strip()]
    except (OSError, ValueError) as exc:
        raise DataError(f"the benchmark in {directory} cannot be read ({exc}); rebuild it "
                        "with `hedgerow models benchmark init --replace`") from None
    if hashlib.sha256(body).hexdigest()[:16] != meta.get("id"):
        raise DataError(f"{rows_path} was changed after the benchmark was made; it is kept "
                        "frozen so that every model is judged on the same rows. Restore it, "
                        "or rebuild it with `hedgerow models benchmark init --replace`")
    data = LabelledData()
    slices: list[str] = []
    origins: list[str] = []
    for record in records:
        data.append(record["comment_content"], int(record["label"]), META_FILE,
                    author=record.get("comment_author", ""),
                    email=record.get("comment_author_email", ""),
                    url=record.get("comment_author_url", ""))
        slices.append(str(record["slice"]))
        origins.append(str(record.get("origin", BY_RULE)))
    return Benchmark(data=data, slices=slices, origins=origins, meta=meta, directory=directory)


def possibly_seen(manifest: Mapping[str, Any], benchmark: Benchmark) -> int:
    """How many benchmark rows the model behind ``manifest`` may have trained on.

    A row is known to be unseen when the model left out this very benchmark, or when the
    row was picked by the rule and the model was trained under the same rule, or when it is
    a hand-written row and the model left out the same hand-written rows.
    """
    held = manifest.get("held_out") or {}
    if held.get("benchmark") == benchmark.id and benchmark.id:
        return 0
    same_rule = held.get("rule") == benchmark.meta.get("rule")
    same_hand = (held.get("evalsets") is not None
                 and held.get("evalsets") == (benchmark.meta.get("evalsets") or {}).get(
                     "fingerprint"))
    return sum(1 for origin in benchmark.origins
               if not ((origin == BY_RULE and same_rule) or (origin == EVALSET and same_hand)))


def slice_of_feedback(name: str) -> str:
    """The slice label of one site's feedback."""
    return f"feedback/{name}"


def describe(benchmark: Benchmark) -> Iterable[str]:
    """Lines describing a benchmark's slices, for the operator."""
    yield (f"Benchmark {benchmark.id}: {len(benchmark)} rows in "
           f"{len(benchmark.slice_names())} slices, made {benchmark.meta.get('created', '?')}")
    for name, counts in benchmark.meta.get("slices", {}).items():
        yield (f"  {name:<44} {counts['rows']:>6} rows {counts['spam']:>6} spam "
               f"{counts['ham']:>6} ham")
