"""Training rows that cite sources, so the model does not learn "a link means spam".

In the public data almost every link is an advert: 16 of 5,224 legitimate rows hold one,
against 811 of 3,046 spam rows. Real readers cite Wikipedia, a DOI, an arXiv preprint or a
statistics office. :func:`cite_sources` appends such a citation to a seeded share of the
legitimate training rows, and to a smaller share of spam rows (spammers borrow a
respectable link now and then, and a model that never saw one would take any reputable
link as proof of innocence). Only rows a model is fitted on are changed; the rows it is
judged on are left as written.

The links are built from the kinds of source named in :mod:`model.reputation`, with
made-up article names and identifiers; none comes from an evaluation set.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np

from model.data import LabelledData
from model.fields import CONTENT

# Share of legitimate and of spam training rows that get a citation.
HAM_SHARE = 0.15
SPAM_SHARE = 0.03

_TOPICS = """
    climate vaccine inflation election parliament census unemployment housing budget
    telescope galaxy asteroid volcano earthquake pandemic genome protein antibiotic
    satellite rainfall drought wildfire migration tariff pension wages literacy
    photosynthesis evolution glacier ocean coral river railway bridge language history
    democracy constitution court treaty energy nuclear solar battery vitamin diabetes
    obesity sleep memory statistics probability algorithm compiler encryption
""".split()
_TEMPLATES = (
    "(source: {url})", "Source: {url}", "See {url}", "More here: {url}", "{url}",
    "via {url}", "The figures are here: {url}", "[1] {url}", "Paper: {url}",
    "Full report: {url}", "(see {url})", "Background: {url}", "{url} has the details.",
)
_AGENCIES_GOV = "nasa cdc noaa census bls nih epa fda usgs energy nps weather".split()
_SITES_UK = ("www.ons.gov.uk", "www.gov.uk", "www.metoffice.gov.uk", "www.nhs.uk",
             "www.ox.ac.uk", "www.cam.ac.uk", "www.ucl.ac.uk")
_SITES_NEWS = ("www.bbc.co.uk/news", "www.reuters.com/world", "apnews.com/article",
               "www.theguardian.com/science", "www.nytimes.com/2019", "www.economist.com")
_WIKIS = ("en", "en", "en", "de", "fr", "es")


def _title(rng: random.Random) -> str:
    words = rng.sample(_TOPICS, rng.randint(1, 3))
    return "_".join(w.capitalize() if i == 0 else w for i, w in enumerate(words))


def _slug(rng: random.Random) -> str:
    return "-".join(rng.sample(_TOPICS, rng.randint(2, 4)))


def citation_url(rng: random.Random) -> str:
    """A link to a reputable source: an encyclopedia, a DOI, a preprint, an agency, news."""
    kind = rng.randrange(7)
    scheme = "https://" if rng.random() < 0.85 else ""
    if kind == 0:
        return f"{scheme}{rng.choice(_WIKIS)}.wikipedia.org/wiki/{_title(rng)}"
    if kind == 1:
        number = f"10.{rng.randint(1000, 99999)}/{_slug(rng)[:12]}.{rng.randint(1, 999)}"
        return f"{scheme}doi.org/{number}"
    if kind == 2:
        return (f"{scheme}arxiv.org/abs/{rng.randint(7, 25):02d}{rng.randint(1, 12):02d}."
                f"{rng.randint(0, 99999):05d}")
    if kind == 3:
        return f"{scheme}www.{rng.choice(_AGENCIES_GOV)}.gov/{_slug(rng)}"
    if kind == 4:
        return f"{scheme}{rng.choice(_SITES_UK)}/{_slug(rng)}"
    if kind == 5:
        return f"{scheme}{rng.choice(_SITES_NEWS)}/{_slug(rng)}-{rng.randint(10**7, 10**8)}"
    return f"{scheme}www.who.int/news-room/{_slug(rng)}"


def with_citation(text: str, rng: random.Random) -> str:
    """``text`` with a citation of a reputable source after it."""
    cite = rng.choice(_TEMPLATES).format(url=citation_url(rng))
    return f"{text.rstrip()} {cite}"


def chosen_rows(labels: Sequence[int], seed: int, ham_share: float = HAM_SHARE,
                spam_share: float = SPAM_SHARE) -> list[int]:
    """The indices of the rows to cite in, a seeded share of each class, sorted."""
    rng = random.Random(seed)
    chosen: list[int] = []
    for label, share in ((0, ham_share), (1, spam_share)):
        pool = [i for i, y in enumerate(labels) if y == label]
        chosen += rng.sample(pool, int(round(len(pool) * share)))
    return sorted(chosen)


def cite_sources(texts: Sequence[str], labels: Sequence[int], seed: int,
                 ham_share: float = HAM_SHARE,
                 spam_share: float = SPAM_SHARE) -> dict[int, str]:
    """New texts for a seeded share of rows, each with a citation appended, by row index."""
    rng = random.Random(seed + 1)
    return {i: with_citation(texts[i], rng)
            for i in chosen_rows(labels, seed, ham_share, spam_share)}


def cited_matrix(matrix: np.ndarray, data: LabelledData, seed: int) -> np.ndarray:
    """A copy of a training input matrix whose chosen rows cite a source (see
    :func:`cite_sources`); ``data`` holds the rows' fields in the same order."""
    from model.features import prepare_comment, to_matrix

    new_texts = cite_sources(data.text, data.label, seed)
    if not new_texts:
        return matrix
    comments = list(data.comments())
    index = sorted(new_texts)
    changed = []
    for i in index:
        comment = dict(comments[i])
        comment[CONTENT] = new_texts[i]
        changed.append(prepare_comment(comment))
    out = matrix.copy()
    out[index] = to_matrix(changed)
    return out
