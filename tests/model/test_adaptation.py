"""The per-site layer's arithmetic: it learns, within its bounds, ever more slowly."""

from __future__ import annotations

import base64
import itertools
import json
import math
import pickle
import random

import numpy as np
import pytest

from model.adaptation import (
    DENSE_SIZE,
    FORMAT,
    MAX_FEATURE_NORM,
    Features,
    Params,
    SiteLayer,
    features,
    logit,
    max_shift_per_verdict,
    probability,
)

PARAMS = Params(buckets=512)

SEO = ("Great article! Thanks for sharing such valuable information about {topic}. "
       "I have bookmarked your site and will visit again.")
HAM = "When I tried {topic} myself, the second week was the hard part. Did yours {verb}?"
TOPICS = ("sourdough", "composting", "cycling", "packaging", "kimchi", "violin", "indexing")
VERBS = ("rise", "settle", "break", "work")


def seo(topic: str, city: str = "Delhi") -> dict[str, str]:
    return {"comment_content": SEO.format(topic=topic),
            "comment_author": f"Best SEO Services in {city}",
            "comment_author_url": f"https://seo-{city.lower()}.example/"}


def ham(topic: str, verb: str = "rise") -> dict[str, str]:
    return {"comment_content": HAM.format(topic=topic, verb=verb), "comment_author": "Ada"}


def x(comment: dict[str, str], log_odds: float = -2.0) -> Features:
    return features(comment, log_odds, PARAMS)


def test_a_new_layer_changes_nothing() -> None:
    layer = SiteLayer.zeros(PARAMS)
    assert layer.empty and layer.updates == 0
    assert layer.shift(x(seo("kimchi"))) == 0.0
    assert layer.log_odds(x(seo("kimchi"), -1.5)) == -1.5


def test_it_learns_a_site_s_spam_and_keeps_its_ham() -> None:
    """Verdicts on one kind of spam carry over to unseen comments of that kind only."""
    layer = SiteLayer.zeros(PARAMS)
    train_topics, unseen = TOPICS[:5], TOPICS[5:]
    for topic, verb in itertools.islice(itertools.cycle(itertools.product(train_topics, VERBS)),
                                        40):
        layer = layer.learn(x(seo(topic)), spam=True)
        layer = layer.learn(x(ham(topic, verb)), spam=False)
    for topic in unseen:
        # From 0.12 to near the bound (-2 + 4 log-odds: 0.88).
        assert probability(layer.log_odds(x(seo(topic, city="Pune")))) > 0.8
        assert probability(layer.log_odds(x(ham(topic)))) < 0.1
    assert layer.updates == 80


def test_the_shift_is_bounded_however_many_verdicts() -> None:
    layer = SiteLayer.zeros(PARAMS)
    blatant = x(seo("kimchi"), log_odds=9.0)
    for _ in range(500):
        layer = layer.learn(blatant, spam=False)
    assert layer.shift(blatant) == -PARAMS.max_shift
    assert layer.raw_shift(blatant) < -PARAMS.max_shift
    # Still spam: the site cannot turn the shared model's certainty into an accept.
    assert layer.log_odds(blatant) == 9.0 - PARAMS.max_shift > 0
    assert np.abs(layer.weights).max() <= PARAMS.max_weight


def test_past_the_bound_verdicts_that_push_further_change_nothing() -> None:
    layer = SiteLayer.zeros(PARAMS)
    comment = x(seo("kimchi"), log_odds=-3.0)
    while layer.raw_shift(comment) < PARAMS.max_shift:
        layer = layer.learn(comment, spam=True)
    before = layer.raw_shift(comment)
    again = layer.learn(comment, spam=True)
    # Only the slight weight decay applies.
    assert again.raw_shift(comment) <= before
    back = again.learn(comment, spam=False)
    assert back.raw_shift(comment) < again.raw_shift(comment) - 0.1


def test_no_verdict_moves_any_comment_further_than_the_bound() -> None:
    rng = random.Random(3)
    comments = [seo(t) for t in TOPICS] + [ham(t, v) for t in TOPICS for v in VERBS]
    probes = [x(c, rng.uniform(-12, 12)) for c in comments]
    bound = max_shift_per_verdict(PARAMS)
    assert bound < 1.5
    layer = SiteLayer.zeros(PARAMS)
    largest = 0.0
    for _ in range(300):
        verdict = x(rng.choice(comments), rng.uniform(-12, 12))
        updated = layer.learn(verdict, spam=rng.random() < 0.5)
        for probe in probes:
            moved = abs(updated.log_odds(probe) - layer.log_odds(probe))
            largest = max(largest, moved)
            assert moved <= bound + 1e-9
        layer = updated
    assert largest > 0.2  # the bound is not vacuous: verdicts do move comments


def test_feature_vectors_stay_within_their_norm() -> None:
    shouting = {"comment_content": "WIN $$$ CASH!!!!!!!!!!!!!!!!!!!!! CALL +1 555 123 4567 "
                                   "http://bit.ly/a http://bit.ly/b mail me at a@b.example " * 30,
                "comment_author": "www.spam.example", "comment_author_url": "http://x.example"}
    for comment in (shouting, seo("kimchi"), ham("violin"), {"comment_content": "ok"}):
        for z in (-math.inf, -30.0, 0.0, 30.0, math.inf, math.nan):
            v = x(comment, z)
            assert math.isfinite(v.log_odds)
            assert float(np.linalg.norm(v.values)) <= MAX_FEATURE_NORM + 1e-9
            assert v.indices.max() < PARAMS.size


def test_the_learning_rate_decays() -> None:
    layer = SiteLayer.zeros(Params(buckets=512, max_step=10.0))
    comment = x(ham("kimchi"), log_odds=0.0)
    rates, steps = [], []
    for _ in range(400):
        rates.append(layer.learning_rate())
        updated = layer.learn(comment, spam=True)
        steps.append(abs(updated.raw_shift(comment) - layer.raw_shift(comment)))
        layer = updated
    assert rates[0] == PARAMS.learning_rate
    assert all(a > b for a, b in itertools.pairwise(rates))
    assert rates[100] == pytest.approx(PARAMS.learning_rate / math.sqrt(2))
    # The same verdict moves the comment less and less (it is also ever less wrong).
    assert steps[300] < steps[0] / 4


def test_reset_is_the_shared_model_again() -> None:
    layer = SiteLayer.zeros(PARAMS)
    for topic in TOPICS:
        layer = layer.learn(x(seo(topic)), spam=True)
    assert layer.shift(x(seo("kimchi"))) > 0.5
    reset = SiteLayer.zeros(PARAMS)
    assert reset.shift(x(seo("kimchi"))) == 0.0 and reset.learning_rate() == 1.0


def test_stored_form_is_plain_fixed_size_numbers() -> None:
    layer = SiteLayer.zeros(PARAMS)
    sizes = {len(layer.to_json())}
    for topic in TOPICS:
        layer = layer.learn(x(seo(topic)), spam=True)
        sizes.add(len(layer.to_json()))
    text = layer.to_json()
    data = json.loads(text)
    assert set(data) == {"format", "updates", "buckets", "weights"}
    assert len(base64.b64decode(data["weights"])) == 4 * PARAMS.size
    assert max(sizes) - min(sizes) <= 4 and max(sizes) < 3500  # a few KB, whatever it learns
    back = SiteLayer.from_json(text, PARAMS)
    assert back.updates == layer.updates
    assert np.array_equal(back.weights, layer.weights.astype(np.float32).astype(float))
    assert back.shift(x(seo("kimchi"))) == pytest.approx(layer.shift(x(seo("kimchi"))))


@pytest.mark.parametrize("stored", [
    "", "not json", "[]", '{"format": 2}', pickle.dumps({"a": 1}).hex(),
    json.dumps({"format": FORMAT, "updates": 1, "buckets": 512, "weights": "AAAA"}),
    json.dumps({"format": FORMAT, "updates": 1, "buckets": 256,
                "weights": base64.b64encode(bytes(4 * (DENSE_SIZE + 256))).decode()}),
    json.dumps({"format": FORMAT, "updates": -1, "buckets": 512,
                "weights": base64.b64encode(bytes(4 * PARAMS.size)).decode()}),
    json.dumps({"format": FORMAT, "updates": 1, "buckets": 512,
                "weights": base64.b64encode(np.full(PARAMS.size, np.nan, "<f4").tobytes())
                .decode()}),
    json.dumps({"format": FORMAT, "updates": 1, "buckets": 512, "weights": "not base64!"}),
    # A layer of the earlier format, whose dense signals meant something else.
    json.dumps({"format": FORMAT - 1, "updates": 1, "buckets": 512,
                "weights": base64.b64encode(bytes(4 * PARAMS.size)).decode()}),
])
def test_anything_else_is_refused(stored: str) -> None:
    with pytest.raises(ValueError, match="not a stored site layer"):
        SiteLayer.from_json(stored, PARAMS)


def test_stored_weights_beyond_the_bound_are_clipped() -> None:
    big = np.full(PARAMS.size, 1e6, "<f4").tobytes()
    stored = json.dumps({"format": FORMAT, "updates": 3, "buckets": 512,
                         "weights": base64.b64encode(big).decode()})
    layer = SiteLayer.from_json(stored, PARAMS)
    assert layer.weights.max() == PARAMS.max_weight
    assert layer.shift(x(seo("kimchi"))) == PARAMS.max_shift


@pytest.mark.parametrize("kwargs", [
    {"buckets": 0}, {"learning_rate": 0}, {"decay_verdicts": -1}, {"weight_decay": -0.1},
    {"weight_decay": 1.0}, {"max_step": 0}, {"max_shift": -1},
])
def test_params_are_checked(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Params(**kwargs)  # type: ignore[arg-type]


def test_logit_and_probability_are_inverse_and_finite() -> None:
    for p in (1e-9, 0.2, 0.5, 0.97):
        assert probability(logit(p)) == pytest.approx(p)
    assert math.isfinite(logit(0.0)) and math.isfinite(logit(1.0))
