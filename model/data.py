"""Loading labelled comments from CSV, JSONL or the SMS collection's ``label<TAB>text``.

Every loader returns a :class:`LabelledData`: parallel columns of text, label (1 = spam)
and what a comment form would also send (author, e-mail, URL). Columns a form would not
send (dates, comment ids) are never read, because in the public data they leak the label.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.errors import DataError
from model.fields import AUTHOR, AUTHOR_EMAIL, AUTHOR_URL, CONTENT, USER_AGENT
from model.normalize import dedup_key

TEXT_COLUMNS = ("content", CONTENT, "CONTENT", "text")
LABEL_COLUMNS = ("label", "CLASS", "TAG", "is_spam")
AUTHOR_COLUMNS = ("AUTHOR", AUTHOR, "author")
EMAIL_COLUMNS = (AUTHOR_EMAIL, "author_email", "email")
URL_COLUMNS = (AUTHOR_URL, "author_url", "url")
USER_AGENT_COLUMNS = ("user_agent",)

SPAM_VALUES = frozenset({"1", "spam", "true"})
HAM_VALUES = frozenset({"0", "ham", "false"})

_STRIP = " \t\r\n\ufeff"


@dataclass
class LabelledData:
    """Labelled comments as parallel lists; ``source`` names the file each row came from."""

    text: list[str] = field(default_factory=list)
    label: list[int] = field(default_factory=list)
    author: list[str] = field(default_factory=list)
    email: list[str] = field(default_factory=list)
    url: list[str] = field(default_factory=list)
    # ``None`` where the row's file has no user agent column (sent nothing, not a blank).
    user_agent: list[str | None] = field(default_factory=list)
    source: list[str] = field(default_factory=list)
    file_format: str = ""

    def __len__(self) -> int:
        return len(self.text)

    def append(self, text: str, label: int, source: str, author: str = "", email: str = "",
               url: str = "", user_agent: str | None = None) -> None:
        """Add one row."""
        self.user_agent.append(user_agent)
        self.text.append(text)
        self.label.append(label)
        self.author.append(author)
        self.email.append(email)
        self.url.append(url)
        self.source.append(source)

    def extend(self, other: LabelledData) -> None:
        """Add every row of ``other``."""
        for name in ("text", "label", "author", "email", "url", "source"):
            getattr(self, name).extend(getattr(other, name))
        self.user_agent.extend(other.agents())

    def subset(self, indices: Iterable[int]) -> LabelledData:
        """A new :class:`LabelledData` holding the rows at ``indices``, in that order."""
        idx = list(indices)
        out = LabelledData()
        for name in ("text", "label", "author", "email", "url", "source"):
            column = getattr(self, name)
            setattr(out, name, [column[i] for i in idx])
        agents = self.agents()
        out.user_agent = [agents[i] for i in idx]
        return out

    def agents(self) -> list[str | None]:
        """The user agent column, ``None`` for rows added without one."""
        missing = len(self.text) - len(self.user_agent)
        return self.user_agent + [None] * missing if missing > 0 else self.user_agent

    def comments(self) -> Iterator[dict[str, str]]:
        """Each row as the mapping a comment form sends (Akismet field names)."""
        for text, author, email, url, agent in zip(self.text, self.author, self.email,
                                                   self.url, self.agents(), strict=True):
            comment = {CONTENT: text, AUTHOR: author, AUTHOR_EMAIL: email, AUTHOR_URL: url}
            if agent is not None:
                comment[USER_AGENT] = agent
            yield comment

    def counts(self) -> tuple[int, int]:
        """``(spam, ham)`` row counts."""
        spam = sum(self.label)
        return spam, len(self.label) - spam


@dataclass(frozen=True)
class FileInfo:
    """What the manifest records about one data file."""

    name: str
    sha256: str
    rows: int
    spam: int
    ham: int

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {"name": self.name, "sha256": self.sha256, "rows": self.rows,
                "spam": self.spam, "ham": self.ham}


def parse_label(value: object, *, path: Path, row: int) -> int:
    """Read a label: 1/0, spam/ham or true/false (any case, BOMs and spaces ignored)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float) and value in (0, 1):
        return int(value)
    raw = "" if value is None else str(value)
    cleaned = raw.strip(_STRIP).lower()
    if cleaned in SPAM_VALUES:
        return 1
    if cleaned in HAM_VALUES:
        return 0
    shown = repr(raw) if raw.strip(_STRIP) else "an empty label"
    raise DataError(
        f"{path.name}, row {row}: {shown} is not a label; use 1/0, spam/ham or true/false",
        path=path, row=row,
    )


def pick_column(columns: Sequence[str], accepted: Sequence[str]) -> str | None:
    """The first name in ``accepted`` found among ``columns``; failing that, any case."""
    exact = [name for name in accepted if name in columns]
    if exact:
        return exact[0]
    lowered = {c.strip(_STRIP).lower(): c for c in columns}
    for name in accepted:
        if name.lower() in lowered:
            return lowered[name.lower()]
    return None


def _read_text(path: Path) -> str:
    if not path.exists():
        raise DataError(f"no such data file: {path}", path=path)
    if not path.is_file():
        raise DataError(f"{path} is not a file; pass one data file per --data", path=path)
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, exc) from None


def _rows_from_records(records: Iterable[tuple[int, Mapping[str, Any]]], columns: Sequence[str],
                       path: Path) -> LabelledData:
    text_col = pick_column(columns, TEXT_COLUMNS)
    label_col = pick_column(columns, LABEL_COLUMNS)
    found = ", ".join(c for c in columns if c) or "none"
    if text_col is None:
        raise DataError(
            f"{path.name} has no text column; name it one of {', '.join(TEXT_COLUMNS)} "
            f"(found: {found})",
            path=path,
        )
    if label_col is None:
        raise DataError(
            f"{path.name} has no label column; name it one of {', '.join(LABEL_COLUMNS)} "
            f"(found: {found})",
            path=path,
        )
    author_col = pick_column(columns, AUTHOR_COLUMNS)
    email_col = pick_column(columns, EMAIL_COLUMNS)
    url_col = pick_column(columns, URL_COLUMNS)
    agent_col = pick_column(columns, USER_AGENT_COLUMNS)

    def get(record: Mapping[str, Any], column: str | None) -> str:
        value = record.get(column) if column else None
        return "" if value is None else str(value)

    data = LabelledData()
    for row, record in records:
        text = get(record, text_col)
        label = parse_label(record.get(label_col), path=path, row=row)
        if not text.strip(_STRIP):
            continue  # an empty comment says nothing about either class
        data.append(text, label, path.name, author=get(record, author_col),
                    email=get(record, email_col), url=get(record, url_col),
                    user_agent=get(record, agent_col) if agent_col else None)
    return data


def _load_csv(path: Path, content: str, delimiter: str) -> LabelledData:
    # SpamAssassin bodies exceed csv's default 128 KiB field limit.
    csv.field_size_limit(max(csv.field_size_limit(), 16 * 1024 * 1024))
    reader = csv.DictReader(io.StringIO(content, newline=""), delimiter=delimiter)
    try:
        columns = [c.strip(_STRIP) for c in (reader.fieldnames or [])]
        reader.fieldnames = columns
        return _rows_from_records(((i, r) for i, r in enumerate(reader, start=1)), columns, path)
    except csv.Error as exc:
        raise DataError(f"{path.name} is not valid CSV ({exc})", path=path) from None


def _not_utf8(path: Path, exc: UnicodeDecodeError) -> DataError:
    return DataError(f"{path.name} is not UTF-8 text (undecodable byte at offset "
                     f"{exc.start}); save it as UTF-8 CSV, JSONL or label<TAB>text", path=path)


def _json_record(path: Path, line_no: int, line: str) -> dict[str, Any]:
    """One line of a JSONL file as its object, or a :class:`DataError` naming the line."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path.name}, line {line_no}: not JSON ({exc.msg})",
                        path=path, row=line_no) from None
    if not isinstance(record, dict):
        raise DataError(f"{path.name}, line {line_no}: expected a JSON object per line",
                        path=path, row=line_no)
    return record


def _load_jsonl(path: Path, content: str) -> LabelledData:
    records: list[tuple[int, Mapping[str, Any]]] = []
    columns: list[str] = []
    for line_no, line in enumerate(content.split("\n"), start=1):
        if not line.strip():
            continue
        record = _json_record(path, line_no, line)
        for key in record:
            if key not in columns:
                columns.append(key)
        records.append((line_no, record))
    return _rows_from_records(records, columns, path)


def _load_label_tab_text(path: Path, content: str) -> LabelledData:
    data = LabelledData()
    for line_no, line in enumerate(content.splitlines(), start=1):
        if not line.strip(_STRIP):
            continue
        label_raw, sep, text = line.partition("\t")
        if not sep:
            raise DataError(f"{path.name}, line {line_no}: expected label<TAB>text",
                            path=path, row=line_no)
        label = parse_label(label_raw, path=path, row=line_no)
        if text.strip(_STRIP):
            data.append(text, label, path.name)
    return data


def load_file(path: Path | str) -> LabelledData:
    """Load one labelled data file, detecting its format.

    JSONL when the file ends in ``.jsonl``/``.ndjson`` or starts with ``{``; the SMS
    collection's headerless ``label<TAB>text`` when the first line is a label, a tab and
    text; otherwise CSV (tab-separated when the header has tabs and no commas).
    Raises :class:`DataError` for a missing, undecodable, empty or malformed file.
    """
    path = Path(path)
    content = _read_text(path)
    first = next((line for line in content.splitlines() if line.strip(_STRIP)), "")
    if not first:
        raise DataError(f"{path.name} is empty; it needs labelled rows", path=path)
    if path.suffix.lower() in {".jsonl", ".ndjson"} or first.lstrip(_STRIP).startswith("{"):
        data = _load_jsonl(path, content)
        data.file_format = "jsonl"
    elif "\t" in first and first.split("\t", 1)[0].strip(_STRIP).lower() in (
        SPAM_VALUES | HAM_VALUES
    ):
        data = _load_label_tab_text(path, content)
        data.file_format = "label-tab-text"
    else:
        delimiter = "\t" if "\t" in first and "," not in first else ","
        data = _load_csv(path, content, delimiter)
        data.file_format = "csv" if delimiter == "," else "tsv"
    if not data:
        raise DataError(f"{path.name} has no labelled rows with text", path=path)
    return data


def file_info(path: Path | str, data: LabelledData) -> FileInfo:
    """Name, SHA-256 and row counts of a loaded file, for the manifest."""
    path = Path(path)
    spam, ham = data.counts()
    return FileInfo(name=path.name, sha256=sha256_file(path), rows=len(data), spam=spam, ham=ham)


def sha256_file(path: Path | str) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def require_both_classes(data: LabelledData, what: str = "training") -> None:
    """Raise :class:`DataError` unless ``data`` holds both spam and ham rows."""
    spam, ham = data.counts()
    if not spam or not ham:
        have, missing = ("spam", "ham") if spam else ("ham", "spam")
        raise DataError(
            f"{what} needs both spam and ham rows, but all {len(data)} rows are {have}; "
            f"add a file with {missing} examples"
        )


@dataclass(frozen=True)
class DedupReport:
    """How many rows deduplication removed, and how many kept texts had mixed labels."""

    removed: int
    conflicting: int


def duplicate_groups(data: LabelledData, keys: Sequence[str] | None = None
                     ) -> tuple[list[int], list[int], DedupReport]:
    """Indices of the rows to keep (first of each normalised text) and their majority labels.

    Ties between spam and ham keep the first row's label. ``keys`` are the rows'
    :func:`~model.normalize.dedup_key` values when the caller has them already.
    """
    first: dict[str, int] = {}
    votes: dict[str, list[int]] = {}
    keys = [dedup_key(text) for text in data.text] if keys is None else list(keys)
    for i, key in enumerate(keys):
        if key not in first:
            first[key] = i
            votes[key] = [0, 0]
        votes[key][data.label[i]] += 1
    kept = list(first.values())
    labels: list[int] = []
    conflicting = 0
    for i in kept:
        ham, spam = votes[keys[i]]
        if ham and spam:
            conflicting += 1
            labels.append(data.label[i] if spam == ham else int(spam > ham))
        else:
            labels.append(data.label[i])
    return kept, labels, DedupReport(removed=len(data) - len(kept), conflicting=conflicting)


def deduplicate(data: LabelledData) -> tuple[LabelledData, DedupReport]:
    """Keep the first row of each normalised text, labelled with the majority label.

    Spam templates repeat verbatim; without this, cross-validation scores measure memory.
    """
    kept, labels, report = duplicate_groups(data)
    out = data.subset(kept)
    out.label = labels
    return out, report


# Rows per chunk when a file is read as a stream.
STREAM_CHUNK_ROWS = 5_000


def _open_text(path: Path) -> io.TextIOWrapper:
    if not path.exists():
        raise DataError(f"no such data file: {path}", path=path)
    if not path.is_file():
        raise DataError(f"{path} is not a file; pass one data file per --data", path=path)
    return open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed by the caller


def _stream_format(path: Path, first: str) -> str:
    """The format :func:`load_file` would read ``path`` as, from its first non-blank line."""
    if path.suffix.lower() in {".jsonl", ".ndjson"} or first.lstrip(_STRIP).startswith("{"):
        return "jsonl"
    if "\t" in first and first.split("\t", 1)[0].strip(_STRIP).lower() in (
            SPAM_VALUES | HAM_VALUES):
        return "label-tab-text"
    return "tsv" if "\t" in first and "," not in first else "csv"


def _stream_records(path: Path, handle: io.TextIOWrapper, file_format: str
                    ) -> tuple[Iterator[tuple[int, Mapping[str, Any]]], list[str]]:
    """The file's records as ``(row number, mapping)`` pairs read lazily, and its columns."""
    if file_format in ("csv", "tsv"):
        csv.field_size_limit(max(csv.field_size_limit(), 16 * 1024 * 1024))
        reader = csv.DictReader(handle, delimiter="," if file_format == "csv" else "\t")
        columns = [c.strip(_STRIP) for c in (reader.fieldnames or [])]
        reader.fieldnames = columns
        return ((i, r) for i, r in enumerate(reader, start=1)), columns

    def lines() -> Iterator[tuple[int, Mapping[str, Any]]]:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip(_STRIP):
                continue
            if file_format == "label-tab-text":
                label_raw, sep, text = line.rstrip("\r\n").partition("\t")
                if not sep:
                    raise DataError(f"{path.name}, line {line_no}: expected label<TAB>text",
                                    path=path, row=line_no)
                yield line_no, {"label": label_raw, "text": text}
                continue
            yield line_no, _json_record(path, line_no, line)

    if file_format == "label-tab-text":
        return lines(), ["label", "text"]
    # JSONL columns are the keys of the first record; later records may add their own.
    records = lines()
    first = next(records, None)
    if first is None:
        return iter(()), []
    return itertools.chain([first], records), list(first[1])


def iter_file(path: Path | str, chunk_rows: int = STREAM_CHUNK_ROWS) -> Iterator[LabelledData]:
    """Read a labelled file as a stream of chunks of at most ``chunk_rows`` rows.

    The same formats and rules as :func:`load_file`, but the file is never held in memory
    whole: only one chunk of rows (and the CSV reader's current row) at a time.
    """
    path = Path(path)
    try:
        with _open_text(path) as handle:
            first = ""
            for line in handle:
                if line.strip(_STRIP):
                    first = line.rstrip("\r\n")
                    break
            if not first:
                raise DataError(f"{path.name} is empty; it needs labelled rows", path=path)
            handle.seek(0)
            file_format = _stream_format(path, first)
            records, columns = _stream_records(path, handle, file_format)
            any_rows = False
            try:
                while True:
                    batch = list(itertools.islice(records, chunk_rows))
                    if not batch:
                        break
                    data = _rows_from_records(batch, columns if file_format != "jsonl" else
                                              list(dict.fromkeys(k for _, r in batch for k in r)),
                                              path)
                    data.file_format = file_format
                    if len(data):
                        any_rows = True
                        yield data
            except csv.Error as exc:
                raise DataError(f"{path.name} is not valid CSV ({exc})", path=path) from None
            if not any_rows:
                raise DataError(f"{path.name} has no labelled rows with text", path=path)
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, exc) from None
