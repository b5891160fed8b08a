"""Each site's adaptation layer (:mod:`model.adaptation`): kept in Redis, applied to every
comment check of the site, taught by every verdict its moderators send.

The layer is one small hash per site holding plain numbers and a revision, so every
worker and replica reads the same layer, and a verdict's update is a compare-and-set on
the revision (retried when two verdicts of one site race), never a lost write.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import random
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from model.adaptation import Params, SiteLayer, features, logit, probability
from model.features import PreparedComment
from model.fields import COMMENT_FIELDS
from service.spam.decision import ModelScore, SpamModel
from service.store.redis_store import CommentState, Store

log = logging.getLogger(__name__)

PARAMS = Params(buckets=512)
# Below this shift (in log-odds) the site's layer is not worth a reason of its own.
REASON_SHIFT = 0.5
REASON_SPAM = "this site's moderators marked similar comments as spam"
REASON_HAM = "this site's moderators marked similar comments as not spam"
# Tries at one verdict while others of the same site keep winning the race to write the
# layer, each after a random wait that doubles up to MAX_WAIT_SECONDS: eight verdicts sent
# at once on a busy machine could lose eight races in a row (a verdict is then late by
# at most about a second and a half, never lost while fewer than this many race it).
ATTEMPTS = 32
MAX_WAIT_SECONDS = 0.05
# Layers each worker keeps parsed, by their stored text: a site's text changes only with
# a verdict, and every comment check of the site reads it (about 3 KiB, and 7 KiB parsed).
PARSED_LAYERS = 256


@dataclass(frozen=True)
class AdaptedScore:
    """The shared model's score moved by a site's layer."""

    probability: float
    reasons: Sequence[str] = field(default_factory=list)
    shift: float = 0.0


class AdaptedModel:
    """The shared model as one site sees it: its log-odds shifted by the site's layer."""

    def __init__(self, model: SpamModel, layer: SiteLayer) -> None:
        self.model = model
        self.layer = layer
        self.version = model.version
        self.hold = model.hold
        self.discard = model.discard

    def score(self, comment: Mapping[str, object], *, reasons: bool = True,
              prepared: PreparedComment | None = None) -> ModelScore:
        """The shared model's score of ``comment``, moved by at most the layer's bound."""
        scored = self.model.score(comment, reasons=reasons, prepared=prepared)
        x = features(comment, logit(float(scored.probability)), self.layer.params, prepared)
        shift = self.layer.shift(x)
        why = list(scored.reasons)
        if reasons and abs(shift) >= REASON_SHIFT:
            why.append(REASON_SPAM if shift > 0 else REASON_HAM)
        return AdaptedScore(probability(x.log_odds + shift), why, shift)


class SiteAdaptation:
    """Reads, applies, updates and resets the sites' layers in the store."""

    def __init__(self, store: Store, params: Params = PARAMS) -> None:
        self.store = store
        self.params = params
        # Keyed by the text itself, so a layer read back is always the one stored: no
        # revision to trust, nothing stale after a reset or a lost Redis.
        self._parsed = functools.lru_cache(maxsize=PARSED_LAYERS)(self._parse)
        # Each site's layer as last read, by its revision and the SHA-1 of its text: a
        # check says which it holds, and Redis sends the text only when the stored differs.
        self._held: dict[str, tuple[str, SiteLayer]] = {}
        self._held_lock = threading.Lock()

    def _read(self, sitekey: str) -> tuple[int, SiteLayer]:
        rev, state = self.store.adaptation_state(sitekey)
        return rev, self.layer_from(sitekey, state)

    def layer_from(self, sitekey: str, state: str | None) -> SiteLayer:
        """The layer a stored state (:meth:`Store.adaptation_state`) holds; all zeros
        for none, or for one this version cannot read.

        A state this worker read before is not parsed again (the layers it keeps are
        read-only: :meth:`SiteLayer.learn` makes a new one).
        """
        if state is None:
            return SiteLayer.zeros(self.params)
        layer, error = self._parsed(state)
        if error:
            # Written by another version or damaged: start the site again from the shared
            # model rather than fail its checks.
            log.warning("ignoring the adaptation layer of site %s: %s", sitekey, error)
        return layer

    def _parse(self, state: str) -> tuple[SiteLayer, str]:
        error = ""
        try:
            layer = SiteLayer.from_json(state, self.params)
        except ValueError as exc:
            layer, error = SiteLayer.zeros(self.params), str(exc)
        layer.weights.flags.writeable = False
        return layer, error

    def held_layer(self, sitekey: str) -> str:
        """The revision and sum of the site's layer this worker holds ('' for none), for
        :meth:`Store.comment_state` to send only a layer that differs."""
        held = self._held.get(sitekey)
        return held[0] if held is not None else ""

    def apply_stored(self, sitekey: str, model: SpamModel, stored: CommentState) -> SpamModel:
        """As :meth:`apply`, with the site's layer as :meth:`Store.comment_state` read it
        (given the :meth:`held_layer` of the site)."""
        if stored.adaptation_held:
            held = self._held.get(sitekey)
            layer = held[1] if held is not None else self.layer(sitekey)  # dropped meanwhile
        elif stored.adaptation_state is None:  # nothing learned yet: no layer to build
            return model
        else:
            layer = self.layer_from(sitekey, stored.adaptation_state)
            self._hold(sitekey, stored, layer)
        return model if layer.empty else AdaptedModel(model, layer)

    def _hold(self, sitekey: str, stored: CommentState, layer: SiteLayer) -> None:
        # Held only under the sum of the text it was parsed from, computed here: a sum
        # stored by anything but adaptation_replace.lua never stands for another layer.
        text, stored_sum = stored.adaptation_state, stored.adaptation_sum
        if text is None or hashlib.sha1(text.encode()).hexdigest() != stored_sum:
            return
        with self._held_lock:
            self._held.pop(sitekey, None)
            while len(self._held) >= PARSED_LAYERS:
                del self._held[next(iter(self._held))]
            self._held[sitekey] = (stored.layer_version, layer)

    def layer(self, sitekey: str) -> SiteLayer:
        """The site's current layer (all zeros for a new or reset site)."""
        return self._read(sitekey)[1]

    def apply(self, sitekey: str, model: SpamModel) -> SpamModel:
        """``model`` as the site sees it; the shared model itself while nothing was learned."""
        layer = self.layer(sitekey)
        return model if layer.empty else AdaptedModel(model, layer)

    def learn(self, sitekey: str, fields: Mapping[str, str], spam: bool, model: SpamModel
              ) -> SiteLayer | None:
        """Take one verdict into the site's layer; returns the new layer.

        None when other verdicts of the same site kept winning the race (the verdict is
        still in the feedback log for the next training).
        """
        comment = {k: v for k, v in fields.items() if k in COMMENT_FIELDS}
        x = features(comment, logit(float(model.score(comment, reasons=False).probability)),
                     self.params)
        for attempt in range(ATTEMPTS):
            rev, layer = self._read(sitekey)
            updated = layer.learn(x, spam)
            if self.store.replace_adaptation_state(sitekey, rev, updated.to_json()) is not None:
                return updated
            time.sleep(random.uniform(0, min(MAX_WAIT_SECONDS, 0.002 * 2**attempt)))
        log.warning("adaptation of site %s skipped a verdict: too many at once", sitekey)
        return None

    def reset(self, sitekey: str) -> int:
        """Drop the site's layer, back to the shared model; returns the verdicts it held."""
        dropped = self.layer(sitekey).updates
        self.store.replace_adaptation_state(sitekey, None, "")
        return dropped
