"""Scoring many comments at once: in slices, optionally across forked processes.

Every comment gets exactly the verdict :meth:`model.scorer.Scorer.score` gives it alone;
batching only shares the work of hashing and summing.
"""

from __future__ import annotations

import itertools
import multiprocessing
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from model.features import prepare_many
from model.hashing import BatchGrams
from model.verdict import Score

if TYPE_CHECKING:
    from model.scorer import Scorer

# Batches are scored in slices of this many comments, which keeps the arrays small.
_CHUNK = 1000
# Below this many comments, starting processes costs more than it saves.
PARALLEL_MIN_BATCH = 2000


def score_many(scorer: Scorer, comments: Iterable[Mapping[str, object]], *,
               reasons: bool = True, processes: int | None = None) -> list[Score]:
    """Score many comments; exactly the verdicts ``scorer.score`` gives one by one.

    With ``processes`` above 1 and at least :data:`PARALLEL_MIN_BATCH` comments, the
    batch is split across that many processes (forked copies of ``scorer``; the calling
    process scores one share itself). Forking suits batch jobs, not a threaded server;
    where ``fork`` is unavailable the batch is scored here.
    """
    items = list(comments)
    if not items:
        return []
    if (processes is not None and processes > 1 and len(items) >= PARALLEL_MIN_BATCH
            and "fork" in multiprocessing.get_all_start_methods()):
        return _score_parallel(scorer, items, reasons, processes)
    return _score_range(scorer, items, reasons)


def _score_range(scorer: Scorer, items: list[Mapping[str, object]],
                 reasons: bool) -> list[Score]:
    out: list[Score] = []
    # Word n-grams recur from slice to slice: each is hashed once for the whole batch.
    known = BatchGrams()
    for start in range(0, len(items), _CHUNK):
        chunk = items[start:start + _CHUNK]
        out += scorer.score_prepared(chunk, prepare_many(chunk), reasons=reasons, known=known)
    return out


def _score_parallel(scorer: Scorer, items: list[Mapping[str, object]], reasons: bool,
                    processes: int) -> list[Score]:
    share = -(-len(items) // processes)
    ranges = [(start, min(start + share, len(items)))
              for start in range(0, len(items), share)]
    context = multiprocessing.get_context("fork")
    # Forked workers inherit the scorer and the batch, so only the ranges and the
    # scores travel between processes.
    with context.Pool(len(ranges) - 1, initializer=_set_worker_state,
                      initargs=(scorer, items, reasons)) as pool:
        pending = pool.map_async(_score_worker_range, ranges[:-1])
        start, stop = ranges[-1]
        last = _score_range(scorer, items[start:stop], reasons)
        version = scorer.version
        return [Score(spam=spam, probability=probability, reasons=why, version=version,
                      action=action)
                for spam, probability, why, action in itertools.chain.from_iterable(
                    pending.get())] + last


_worker_state: tuple[Scorer, list[Mapping[str, object]], bool] | None = None


def _set_worker_state(scorer: Scorer, items: list[Mapping[str, object]],
                      reasons: bool) -> None:
    global _worker_state
    _worker_state = (scorer, items, reasons)


def _score_worker_range(bounds: tuple[int, int]) -> list[tuple[bool, float, list[str], str]]:
    assert _worker_state is not None
    scorer, items, reasons = _worker_state
    # Plain tuples cross the process boundary several times faster than Score objects.
    return [(s.spam, s.probability, s.reasons, s.action)
            for s in _score_range(scorer, items[bounds[0]:bounds[1]], reasons)]
