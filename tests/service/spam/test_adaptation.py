"""Per-site adaptation over real HTTP and real Redis: verdicts move one site, and only it."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from flask import Flask

from model.adaptation import Features, SiteLayer, features, logit
from service import create_app
from service.sites.registry import Site
from service.spam import adaptation as adaptation_module
from service.spam.adaptation import REASON_HAM, REASON_SPAM, SiteAdaptation
from service.spam.decision import SpamModel
from service.web.state import AppState
from tests.conftest import SITE_ORIGIN
from tests.support.live_server import LiveServer, based_session
from tests.support.processes import clean_env, run_cli

TOPICS = ("home composting", "sourdough starters", "winter cycling", "Python packaging",
          "bird photography", "keeping chickens", "making kimchi", "remote work")


def seo(topic: str) -> dict[str, str]:
    """Search-engine praise under a plain name and no website, which the shared model
    (trained on YouTube) accepts: only the site's moderators know it for spam."""
    return {"comment_content": f"Very informative post. The information you shared about "
                               f"{topic} is very useful for everyone. Keep sharing such "
                               "quality content.",
            "comment_author": "Priya Sharma",
            "user_ip": "203.0.113.9"}


def docs_link(topic: str) -> dict[str, str]:
    """Ordinary discussion with shortened links, which the shared model scores for discard
    and a site whose readers share such links teaches it to accept."""
    return {"comment_content": f"Thanks, this finally made sense for {topic}. Did you pin "
                               "the version? Notes: https://bit.ly/idx https://tinyurl.com/idx2",
            "comment_author": "Ada", "user_ip": "198.51.100.3"}


UNSEEN = seo("repairing old bicycles")


def _auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def check(http: requests.Session, secret: str, comment: dict[str, str]) -> dict[str, Any]:
    reply = http.post("/v1/comment-check", json=comment, headers=_auth(secret))
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def verdict(http: requests.Session, secret: str, comment: dict[str, str], label: str) -> None:
    reply = http.post("/v1/feedback", json={**comment, "label": label}, headers=_auth(secret))
    assert reply.status_code == 201, reply.text


def test_spam_verdicts_move_their_site_and_no_other(
    http: requests.Session, site: tuple[Site, str], state: AppState
) -> None:
    other = state.sites.add("Forum", ["https://forum.example.com"])
    before = check(http, site[1], UNSEEN)
    assert before["action"] == "accept"
    assert check(http, other[1], UNSEEN) == before

    for topic in TOPICS:
        verdict(http, site[1], seo(topic), "spam")
    # The next check sees it: no cache, no batch job.
    after = check(http, site[1], UNSEEN)
    assert after["score"] > before["score"] + 0.2
    assert after["action"] in ("hold", "discard") and REASON_SPAM in after["reasons"]
    assert after["model"] == before["model"]
    assert check(http, other[1], UNSEEN) == before
    assert SiteAdaptation(state.store).layer(other[0].sitekey).empty


def test_ham_verdicts_let_a_site_s_own_kind_of_links_through(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    unseen = docs_link("database indexing")
    before = check(http, site[1], unseen)
    # Scored for discard on its link alone, so held (docs/model.md, "Actions").
    assert before["action"] == "hold"
    assert "held, not discarded: one signal only (links)" in before["reasons"]
    for topic in TOPICS:
        verdict(http, site[1], docs_link(topic), "ham")
    after = check(http, site[1], unseen)
    assert after["score"] < before["score"] - 0.3 and REASON_HAM in after["reasons"]


def test_reset_restores_the_shared_model_s_decision(
    http: requests.Session, site: tuple[Site, str], state: AppState, redis_url: str
) -> None:
    before = check(http, site[1], UNSEEN)
    for topic in TOPICS:
        verdict(http, site[1], seo(topic), "spam")
    assert check(http, site[1], UNSEEN)["action"] != "accept"

    result = run_cli("sites", "reset-adaptation", "Blog",
                     env=clean_env(HEDGEROW_REDIS_URL=redis_url))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"site": site[0].sitekey, "name": "Blog",
                                         "verdicts_dropped": len(TOPICS)}
    assert check(http, site[1], UNSEEN) == before
    # The verdicts themselves stay for training; learning starts again from nothing.
    assert state.store.feedback_count() == len(TOPICS)
    verdict(http, site[1], seo("kimchi"), "spam")
    assert SiteAdaptation(state.store).layer(site[0].sitekey).updates == 1


def test_reset_of_an_unknown_site_is_a_clear_error(redis_url: str) -> None:
    result = run_cli("sites", "reset-adaptation", "nope",
                     env=clean_env(HEDGEROW_REDIS_URL=redis_url))
    assert result.returncode == 1 and "nope" in result.stderr
    assert "Traceback" not in result.stderr


def test_akismet_verdicts_teach_too(http: requests.Session, site: tuple[Site, str]) -> None:
    blog = {"blog": SITE_ORIGIN + "/", "api_key": site[1]}

    def comment_check() -> str:
        return http.post("/1.1/comment-check", data={**UNSEEN, **blog}).text

    assert comment_check() == "false"
    for topic in TOPICS:
        reply = http.post("/1.1/submit-spam", data={**seo(topic), **blog})
        assert reply.status_code == 200
    assert comment_check() == "true"


def test_concurrent_verdicts_are_all_counted(
    live: LiveServer, site: tuple[Site, str], state: AppState
) -> None:
    def send(i: int) -> None:
        with based_session(live.url) as session:
            for j in range(3):
                verdict(session, site[1], seo(TOPICS[(i + j) % len(TOPICS)]),
                        "spam" if j % 2 else "ham")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(send, range(8)))
    rev, _ = state.store.adaptation_state(site[0].sitekey)
    assert SiteAdaptation(state.store).layer(site[0].sitekey).updates == 24 == rev


class _Outrun:
    """A store on which another writer (a real write to Redis) gets each of a site's layer
    writes in first, ``times`` times: the verdict being learned loses that many races."""

    def __init__(self, store: Any, times: int) -> None:
        self._store = store
        self.left = times

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def replace_adaptation_state(self, sitekey: str, rev: int | None, text: str) -> int | None:
        if self.left:
            self.left -= 1
            self._store.replace_adaptation_state(sitekey, None, self._store.adaptation_state(
                sitekey)[1] or SiteLayer.zeros(adaptation_module.PARAMS).to_json())
        return self._store.replace_adaptation_state(sitekey, rev, text)


@pytest.mark.parametrize("lost", [adaptation_module.ATTEMPTS - 1, adaptation_module.ATTEMPTS])
def test_a_verdict_outrun_by_others_is_learned_while_tries_are_left(
    state: AppState, site: tuple[Site, str], lost: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(adaptation_module, "MAX_WAIT_SECONDS", 0.001)  # a quick test
    sitekey = site[0].sitekey
    store = _Outrun(state.store, lost)
    learned = SiteAdaptation(store).learn(  # type: ignore[arg-type]
        sitekey, seo("kimchi"), True, state.models.current())
    layer = SiteAdaptation(state.store).layer(sitekey)
    assert store.left == 0
    if lost < adaptation_module.ATTEMPTS:
        assert learned is not None and layer.updates == 1
    else:  # every try lost: skipped (the verdict stays in the feedback log)
        assert learned is None and layer.updates == 0


def test_test_submissions_teach_nothing(
    http: requests.Session, site: tuple[Site, str], state: AppState
) -> None:
    reply = http.post("/v1/feedback", json={**seo("kimchi"), "label": "spam", "is_test": "1"},
                      headers=_auth(site[1]))
    assert reply.status_code == 200 and reply.json()["stored"] is False
    assert SiteAdaptation(state.store).layer(site[0].sitekey).empty


def test_a_damaged_layer_leaves_the_shared_model(
    http: requests.Session, site: tuple[Site, str], state: AppState
) -> None:
    before = check(http, site[1], UNSEEN)
    state.store.replace_adaptation_state(site[0].sitekey, None, '{"format": 1, "weights": 3}')
    assert check(http, site[1], UNSEEN) == before
    verdict(http, site[1], seo("kimchi"), "spam")  # starts the layer again
    assert SiteAdaptation(state.store).layer(site[0].sitekey).updates == 1


def test_turned_off_it_neither_learns_nor_applies(
    app_config: dict[str, Any], app: Flask, site: tuple[Site, str], state: AppState
) -> None:
    server = LiveServer(create_app({**app_config, "ADAPTATION_ENABLED": False})).start()
    try:
        with based_session(server.url) as http:
            before = check(http, site[1], UNSEEN)
            for topic in TOPICS:
                verdict(http, site[1], seo(topic), "spam")
            assert check(http, site[1], UNSEEN) == before
    finally:
        server.stop()
    assert state.store.adaptation_state(site[0].sitekey) == (0, None)


def test_a_write_based_on_a_stale_read_is_refused(state: AppState) -> None:
    store = state.store
    assert store.replace_adaptation_state("hk_a", 0, "one") == 1
    assert store.replace_adaptation_state("hk_a", 0, "late") is None
    assert store.adaptation_state("hk_a") == (1, "one")
    # A reset also moves the revision on, so a write read before it cannot land after it.
    assert store.replace_adaptation_state("hk_a", None, "") == 2
    assert store.replace_adaptation_state("hk_a", 1, "stale") is None
    assert store.adaptation_state("hk_a") == (2, None)
    assert store.adaptation_state("hk_b") == (0, None)
    with pytest.raises(ValueError, match="scratch"):
        store.clear()  # the service's own keys are never bulk-deleted


def test_a_stored_layer_is_parsed_once_and_always_read_as_stored(
    state: AppState, caplog: pytest.LogCaptureFixture
) -> None:
    adaptation = SiteAdaptation(state.store)
    model = state.models.current()
    learned = adaptation.learn("hk_parsed", seo("kimchi"), True, model)
    assert learned is not None
    rev, text = state.store.adaptation_state("hk_parsed")
    first = adaptation.layer_from("hk_parsed", text)
    assert adaptation.layer_from("hk_parsed", text) is first  # parsed once per worker
    assert first.updates == 1 and (first.weights == learned.weights.astype("<f4")).all()
    with pytest.raises(ValueError):
        first.weights[0] = 1.0  # shared by every check of the site: never changed in place
    assert first.learn(adaptation_features(first, model), True).updates == 2

    # Redis lost and the site taught again up to the same revision, with another verdict:
    # the layer read is the one stored now, not the one parsed at that revision before.
    state.store.client.delete(*state.store.client.keys("*hk_parsed*"))
    assert adaptation.learn("hk_parsed", seo("winter cycling"), False, model) is not None
    again, other = state.store.adaptation_state("hk_parsed")
    assert again == rev and other != text
    assert adaptation.layer("hk_parsed").weights.tolist() != first.weights.tolist()

    # A damaged layer is ignored (and said so) every time it is read, parsed or not.
    for _ in range(2):
        caplog.clear()
        assert adaptation.layer_from("hk_parsed", '{"format": 1}').empty
        assert "ignoring the adaptation layer of site hk_parsed" in caplog.text


def adaptation_features(layer: SiteLayer, model: SpamModel) -> Features:
    """The layer's input for the unseen comment, as a check would build it."""
    probability = float(model.score(UNSEEN, reasons=False).probability)
    return features(UNSEEN, logit(probability), layer.params)


def _check_state(store: Any, adaptation: SiteAdaptation, sitekey: str) -> Any:
    """What a comment check of ``sitekey`` reads, saying which layer this worker holds."""
    return store.comment_state(sitekey, [], "2026-01", held_layer=adaptation.held_layer(sitekey))


def test_a_layer_the_worker_holds_is_not_sent_again_until_it_changes(state: AppState) -> None:
    store, model = state.store, state.models.current()
    adaptation = SiteAdaptation(store)
    teacher = SiteAdaptation(store)  # another worker, taking the verdicts
    assert teacher.learn("hk_held", seo("kimchi"), True, model) is not None

    first = _check_state(store, adaptation, "hk_held")
    assert first.adaptation_state is not None and not first.adaptation_held
    scored = adaptation.apply_stored("hk_held", model, first).score(UNSEEN)
    again = _check_state(store, adaptation, "hk_held")
    assert again.adaptation_held and again.adaptation_state is None  # not sent
    assert adaptation.apply_stored("hk_held", model, again).score(UNSEEN) == scored

    # A verdict taken by another worker changes the layer: it is sent, and applied.
    assert teacher.learn("hk_held", seo("winter cycling"), True, model) is not None
    changed = _check_state(store, adaptation, "hk_held")
    assert changed.adaptation_state is not None and not changed.adaptation_held
    moved = adaptation.apply_stored("hk_held", model, changed).score(UNSEEN)
    assert moved.probability > scored.probability
    assert moved == SiteAdaptation(store).apply("hk_held", model).score(UNSEEN)

    # Reset: no layer, the shared model.
    teacher.reset("hk_held")
    after = _check_state(store, adaptation, "hk_held")
    assert after.adaptation_state is None and not after.adaptation_held
    assert adaptation.apply_stored("hk_held", model, after) is model


def test_a_layer_without_its_sum_or_with_a_wrong_one_is_sent_every_time(
    state: AppState
) -> None:
    store, model = state.store, state.models.current()
    teacher = SiteAdaptation(store)
    assert teacher.learn("hk_old", seo("kimchi"), True, model) is not None
    key = store._adaptation_key("hk_old")
    text = store.client.hget(key, "state")
    for stored_sum in (None, "0" * 40):  # an earlier version's layer; another writer's sum
        if stored_sum is None:
            store.client.hdel(key, "sum")
        else:
            store.client.hset(key, "sum", stored_sum)
        adaptation = SiteAdaptation(store)
        for _ in range(2):
            read = _check_state(store, adaptation, "hk_old")
            assert read.adaptation_state == text and not read.adaptation_held
            adaptation.apply_stored("hk_old", model, read)
            assert adaptation.held_layer("hk_old") == ""  # never held under a sum not its own


def test_a_worker_holds_a_bounded_number_of_layers(
    state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(adaptation_module, "PARSED_LAYERS", 2)
    store, model = state.store, state.models.current()
    adaptation = SiteAdaptation(store)
    for sitekey in ("hk_1", "hk_2", "hk_3"):
        assert adaptation.learn(sitekey, seo("kimchi"), True, model) is not None
        adaptation.apply_stored(sitekey, model, _check_state(store, adaptation, sitekey))
    assert [adaptation.held_layer(k) != "" for k in ("hk_1", "hk_2", "hk_3")] == [
        False, True, True]
    # One dropped is read in full again.
    assert not _check_state(store, adaptation, "hk_1").adaptation_held


def test_a_layer_an_earlier_version_rewrote_is_sent_though_its_sum_stayed(
    state: AppState
) -> None:
    store, model = state.store, state.models.current()
    adaptation = SiteAdaptation(store)
    teacher = SiteAdaptation(store)
    assert teacher.learn("hk_mixed", seo("kimchi"), True, model) is not None
    adaptation.apply_stored("hk_mixed", model, _check_state(store, adaptation, "hk_mixed"))
    assert _check_state(store, adaptation, "hk_mixed").adaptation_held
    # A verdict taken by a worker of the version before, during a rolling upgrade: the
    # revision moves on and the text changes, the sum stays as it was.
    rev, _ = store.adaptation_state("hk_mixed")
    newer = teacher.layer("hk_mixed").learn(adaptation_features(teacher.layer("hk_mixed"),
                                                                model), True)
    key = store._adaptation_key("hk_mixed")
    store.client.hincrby(key, "rev", 1)
    store.client.hset(key, "state", newer.to_json())
    read = _check_state(store, adaptation, "hk_mixed")
    assert not read.adaptation_held and read.adaptation_state == newer.to_json()
    assert read.adaptation_rev == rev + 1
