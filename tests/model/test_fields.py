"""The field names the model, the data loaders and the APIs share."""

from __future__ import annotations

import json
from pathlib import Path

from model.data import load_file
from model.features import STRUCTURAL_FEATURES, prepare_comment
from model.fields import (
    AUTHOR,
    AUTHOR_EMAIL,
    AUTHOR_URL,
    COMMENT_FIELDS,
    CONTENT,
    FILL_SECONDS_FIELD,
    HONEYPOT_FIELD,
    PERSONAL_FIELDS,
)


def test_a_file_with_akismet_columns_loads_back_as_the_same_comments(tmp_path: Path) -> None:
    row = {CONTENT: "Visit my site http://example.com", AUTHOR: "Spammer",
           AUTHOR_EMAIL: "s@example.com", AUTHOR_URL: "http://example.com", "label": "spam"}
    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    data = load_file(path)
    assert data.label == [1]
    comment = next(data.comments())
    assert comment == {k: v for k, v in row.items() if k != "label"}
    assert set(comment) <= COMMENT_FIELDS


def test_the_model_reads_the_author_fields_under_their_akismet_names() -> None:
    plain = prepare_comment({CONTENT: "nice song"})
    with_author = prepare_comment({CONTENT: "nice song", AUTHOR: "www.janes-site.com",
                                   AUTHOR_URL: "http://bit.ly/x",
                                   AUTHOR_EMAIL: "x@mailinator.com"})
    # The author fields are fixed evidence beside the row, not columns of it.
    assert plain.text == with_author.text and plain.structural == with_author.structural
    assert plain.evidence == ()
    assert [e.reason for e in with_author.evidence] == [
        "the author name contains a link",
        "the author's website is on a suspicious host (bit.ly)",
        "the e-mail address is a disposable one (mailinator.com)"]
    assert len(STRUCTURAL_FEATURES) == len(plain.structural)


def test_form_signals_are_not_fields_a_client_may_send() -> None:
    # The service fills them in from what it measured; a client must not claim them.
    assert HONEYPOT_FIELD not in COMMENT_FIELDS
    assert FILL_SECONDS_FIELD not in COMMENT_FIELDS
    assert set(PERSONAL_FIELDS) <= COMMENT_FIELDS
