"""What a model does with each kind of comment.

A labelled file may carry a ``kind`` column (``long_politics``, ``link_spam``, …) and, for
spam, an ``obfuscation`` column naming how it is disguised (``lookalike``, ``invisible``,
…). :func:`report_by_kind` counts, per legitimate kind, the comments a model would accept,
hold and discard, and per spam kind and disguise, how many it catches (held or
discarded). Overall metrics hide exactly these differences: a model can score well on
average and still discard every comment that cites a source.

The shipped blog and news set (:func:`blog_news_path`) was written for this purpose.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.data import TEXT_COLUMNS, LabelledData, load_file, pick_column
from model.errors import DataError
from model.scorer import Scorer
from model.thresholds import Action, Thresholds

KIND_COLUMN = "kind"
OBFUSCATION_COLUMN = "obfuscation"
# A row whose kind or obfuscation cell is empty is counted under this name.
UNSPECIFIED = "unspecified"

_STRIP = " \t\r\n\ufeff"


def blog_news_path() -> Path:
    """The shipped blog and news evaluation set (JSONL)."""
    return Path(__file__).resolve().parent / "evalsets" / "blog_news.jsonl"


@dataclass
class KindedData:
    """Labelled comments with each row's kind and, where the file has one, its obfuscation."""

    data: LabelledData = field(default_factory=LabelledData)
    kind: list[str] = field(default_factory=list)
    obfuscation: list[str] = field(default_factory=list)
    has_obfuscation: bool = False

    def __len__(self) -> int:
        return len(self.data)

    def extend(self, other: KindedData) -> None:
        """Add every row of ``other``."""
        self.data.extend(other.data)
        self.kind.extend(other.kind)
        self.obfuscation.extend(other.obfuscation)
        self.has_obfuscation = self.has_obfuscation or other.has_obfuscation


def _records(path: Path, file_format: str) -> tuple[list[str], list[Mapping[str, Any]]]:
    """Column names and every record of a JSONL or CSV file that has already loaded."""
    content = path.read_bytes().decode("utf-8-sig")
    if file_format == "jsonl":
        records = [json.loads(line) for line in content.splitlines() if line.strip()]
        columns = list(dict.fromkeys(key for record in records for key in record))
        return columns, records
    reader = csv.DictReader(io.StringIO(content, newline=""),
                            delimiter="\t" if file_format == "tsv" else ",")
    columns = [c.strip(_STRIP) for c in (reader.fieldnames or [])]
    reader.fieldnames = columns
    return columns, list(reader)


def _cell(record: Mapping[str, Any], column: str | None) -> str:
    value = record.get(column) if column else None
    return "" if value is None else str(value).strip(_STRIP)


def load_kinded(path: Path | str) -> KindedData:
    """Load a labelled file with :func:`model.data.load_file` and read its ``kind`` column.

    Raises :class:`DataError` when the file does not load or has no ``kind`` column.
    """
    path = Path(path)
    data = load_file(path)
    if data.file_format not in {"jsonl", "csv", "tsv"}:
        raise DataError(f"{path.name} has no columns, so no {KIND_COLUMN!r} column; "
                        "use CSV or JSONL for a report by kind", path=path)
    columns, records = _records(path, data.file_format)
    kind_col = pick_column(columns, (KIND_COLUMN,))
    if kind_col is None:
        raise DataError(f"{path.name} has no {KIND_COLUMN!r} column, which a report by kind "
                        f"needs (found: {', '.join(columns) or 'none'})", path=path)
    obfuscation_col = pick_column(columns, (OBFUSCATION_COLUMN,))
    text_col = pick_column(columns, TEXT_COLUMNS)
    # load_file skips rows without text; skip the same ones so the columns stay aligned.
    kept = [r for r in records if _cell(r, text_col)]
    if len(kept) != len(data) or any(
            str(r.get(text_col or "")) != text for r, text in zip(kept, data.text, strict=True)):
        raise DataError(f"{path.name}: could not match its {KIND_COLUMN!r} column to its rows",
                        path=path)
    return KindedData(
        data=data,
        kind=[_cell(r, kind_col) or UNSPECIFIED for r in kept],
        obfuscation=[_cell(r, obfuscation_col) or UNSPECIFIED for r in kept],
        has_obfuscation=obfuscation_col is not None,
    )


@dataclass(frozen=True)
class KindCount:
    """What happened to the comments of one kind (or one obfuscation)."""

    name: str
    n: int
    accepted: int
    held: int
    discarded: int

    @property
    def caught(self) -> int:
        """Held or discarded: taken for spam."""
        return self.held + self.discarded

    @property
    def rate(self) -> float:
        """The share taken for spam: detection for spam, false alarms for legitimate kinds."""
        return self.caught / self.n if self.n else 0.0

    def as_dict(self, name_key: str) -> dict[str, Any]:
        """A JSON-ready mapping, the name under ``name_key``."""
        return {name_key: self.name, "n": self.n, "accepted": self.accepted, "held": self.held,
                "discarded": self.discarded, "caught": self.caught,
                "rate": round(self.rate, 4)}


def _count(name: str, actions: Sequence[Action]) -> KindCount:
    return KindCount(name=name, n=len(actions), accepted=actions.count("accept"),
                     held=actions.count("hold"), discarded=actions.count("discard"))


def _by(names: Sequence[str], actions: Sequence[Action]) -> list[KindCount]:
    groups: dict[str, list[Action]] = {}
    for name, action in zip(names, actions, strict=True):
        groups.setdefault(name, []).append(action)
    return [_count(name, group) for name, group in groups.items()]


@dataclass(frozen=True)
class KindReport:
    """Per-kind outcomes for legitimate comments and spam, and per obfuscation for spam."""

    model: str
    thresholds: Thresholds
    legitimate: list[KindCount]
    spam: list[KindCount]
    obfuscation: list[KindCount]
    legitimate_total: KindCount
    spam_total: KindCount

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping: thresholds, the three tables and the two totals.

        ``rate`` is the share held or discarded: false alarms for legitimate kinds,
        detection for spam.
        """
        return {
            "model": self.model,
            "hold": self.thresholds.hold,
            "discard": self.thresholds.discard,
            "n": self.legitimate_total.n + self.spam_total.n,
            "legitimate": [c.as_dict("kind") for c in self.legitimate],
            "spam": [c.as_dict("kind") for c in self.spam],
            "obfuscation": [c.as_dict("obfuscation") for c in self.obfuscation],
            "totals": {"legitimate": self.legitimate_total.as_dict("kind"),
                       "spam": self.spam_total.as_dict("kind")},
        }

    def format(self) -> str:
        """The report as plain-text tables."""
        lines = [f"model {self.model}: held at probability >= {self.thresholds.hold}, "
                 f"discarded at >= {self.thresholds.discard}"]
        lines += _table("legitimate kind", "flagged", self.legitimate, self.legitimate_total)
        lines += _table("spam kind", "detected", self.spam, self.spam_total)
        if self.obfuscation:
            lines += _table("spam obfuscation", "detected", self.obfuscation, None)
        return "\n".join(lines)


def _table(title: str, rate: str, rows: Sequence[KindCount],
           total: KindCount | None) -> Iterator[str]:
    if not rows:
        return
    width = max(len(title), *(len(r.name) for r in rows))
    yield ""
    yield f"{title:<{width}} {'n':>5} {'accepted':>9} {'held':>6} {'discarded':>10} {rate:>9}"
    for row in [*rows, *([total] if total else [])]:
        yield (f"{row.name:<{width}} {row.n:>5} {row.accepted:>9} {row.held:>6} "
               f"{row.discarded:>10} {row.rate:>9.1%}")


def report_by_kind(kinded: KindedData, probabilities: Sequence[float], thresholds: Thresholds,
                   model: str = "") -> KindReport:
    """Count accept, hold and discard per kind, given each row's spam probability.

    Kinds are listed in the order they first appear. The obfuscation table covers spam
    rows only, and only when the data has an ``obfuscation`` column.
    """
    if len(probabilities) != len(kinded):
        raise ValueError(f"{len(probabilities)} probabilities for {len(kinded)} rows")
    actions = [thresholds.action(p) for p in probabilities]
    labels = kinded.data.label
    ham = [i for i, label in enumerate(labels) if not label]
    spam = [i for i, label in enumerate(labels) if label]

    def pick(column: Sequence[Any], rows: list[int]) -> list[Any]:
        return [column[i] for i in rows]

    return KindReport(
        model=model,
        thresholds=thresholds,
        legitimate=_by(pick(kinded.kind, ham), pick(actions, ham)),
        spam=_by(pick(kinded.kind, spam), pick(actions, spam)),
        obfuscation=(_by(pick(kinded.obfuscation, spam), pick(actions, spam))
                     if kinded.has_obfuscation else []),
        legitimate_total=_count("all legitimate", pick(actions, ham)),
        spam_total=_count("all spam", pick(actions, spam)),
    )


def score_by_kind(scorer: Scorer, paths: Sequence[Path | str]) -> KindReport:
    """Score every comment of ``paths`` with ``scorer`` and report by kind.

    The model's probability alone is used, as in ``hedgerow evaluate``: the files hold no
    honeypot or fill time.
    """
    kinded = KindedData()
    for path in paths:
        kinded.extend(load_kinded(path))
    probabilities = [scorer.model_probability(c) for c in kinded.data.comments()]
    return report_by_kind(kinded, probabilities, scorer.thresholds, model=scorer.version)
