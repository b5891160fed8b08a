"""One site's spam/ham reports do not reach the model other sites use, unless it is trusted."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from service.web.state import AppState
from tests.model.conftest import blog_rows, write_base, write_csv
from tests.support.processes import clean_env, run_cli

TEMPLATE = ("Congratulations {n}! You have been selected for a FREE £{n}00 gift card. Claim it "
            "now at http://gift-claim{n}.example before midnight")
FRIEND_REPORTS = [("Lovely photos of the harbour, thanks", "ham"),
                  ("Buy followers cheap at http://followers.example", "spam"),
                  ("I disagree with the second point but enjoyed it", "ham"),
                  ("Cheap essay writing service http://essays.example", "spam"),
                  ("See you at the meetup on Friday", "ham")]


def _report(http: requests.Session, secret: str, origin: str, text: str, label: str) -> None:
    reply = http.post(f"/1.1/submit-{label}", data={
        "api_key": secret, "blog": origin, "user_ip": "203.0.113.9", "comment_content": text})
    assert reply.status_code == 200 and reply.text.startswith("Thanks"), reply.text


def _decisions(http: requests.Session, secret: str) -> list[str]:
    actions = []
    for n in range(50, 80):  # variants the reports never named
        reply = http.post("/v1/comment-check", json={"comment_content": TEMPLATE.format(n=n)},
                          headers={"Authorization": f"Bearer {secret}"})
        assert reply.status_code == 200, reply.text
        actions.append(reply.json()["action"])
    return actions


def _switch_to(http: requests.Session, version: str) -> None:
    deadline = time.monotonic() + 15
    while http.get("/readyz").json()["model"] != version:
        assert time.monotonic() < deadline, f"the service did not switch to {version}"
        time.sleep(0.3)


def _train_and_promote(env: dict[str, str], base: Path, *promote: str) -> tuple[str, str]:
    trained = run_cli("train", "--from-feedback", "--base-data", str(base), env=env,
                      timeout=300)
    assert trained.returncode == 0, trained.stderr + trained.stdout
    version = trained.stdout.split("Trained model ")[1].split()[0]
    promoted = run_cli("models", "promote", version, *promote, env=env, timeout=120)
    assert promoted.returncode == 0, promoted.stderr + promoted.stdout
    assert "Gate: " in promoted.stdout
    return version, trained.stdout


@pytest.mark.slow
def test_an_untrusted_sites_mislabelled_reports_change_no_other_sites_decisions(
    http: requests.Session, state: AppState, app_config: dict[str, Any], redis_url: str,
    tmp_path: Path, secret_keys: list[str],
) -> None:
    _, victim_secret = state.sites.add("Victim", ["https://victim.example"])
    _, attacker_secret = state.sites.add("Attacker", ["https://attacker.example"])
    _, friend_secret = state.sites.add("Friend", ["https://friend.example"])
    env = clean_env(HEDGEROW_REDIS_URL=redis_url, HEDGEROW_DATA_DIR=app_config["DATA_DIR"],
                    HEDGEROW_SECRET_KEY=",".join(secret_keys))
    base = write_base(tmp_path / "base")
    write_csv(base / "blog.csv", blog_rows())
    trusted = run_cli("sites", "set", "Friend", "--trusted-feedback", env=env)
    assert trusted.returncode == 0 and json.loads(trusted.stdout)["settings"] == {
        "trusted_feedback": True}
    assert run_cli("models", "benchmark", "init", "--data", str(base), env=env).returncode == 0

    before = {"victim": _decisions(http, victim_secret), "friend": _decisions(http, friend_secret)}
    assert set(before["victim"]) <= {"discard", "hold"} and before["victim"] == before["friend"]
    for text, label in FRIEND_REPORTS:
        _report(http, friend_secret, "https://friend.example", text, label)
    for n in range(50):
        _report(http, attacker_secret, "https://attacker.example", TEMPLATE.format(n=n), "ham")

    alone = run_cli("train", "--from-feedback", env=env)
    assert alone.returncode == 1 and "no base data: training on feedback alone" in alone.stderr

    version, output = _train_and_promote(env, base)
    assert ("Feedback: 5 rows from 1 trusted site (Friend 5); 50 rows from 1 untrusted site "
            "left out (Attacker 50).") in output
    manifest = json.loads((Path(app_config["DATA_DIR"]) / "models" / version /
                           "manifest.json").read_text())
    assert [s["name"] for s in manifest["feedback"]["sites"]] == ["Friend"]
    assert manifest["feedback"]["left_out"] == [
        {"sitekey": manifest["feedback"]["left_out"][0]["sitekey"], "name": "Attacker",
         "rows": 50}]
    assert [e["name"] for e in manifest["data"] if e["role"] == "feedback"] == ["feedback/Friend"]
    _switch_to(http, version)
    assert _decisions(http, victim_secret) == before["victim"]
    assert _decisions(http, friend_secret) == before["friend"]

    # The same reports from a trusted site would have reached every site: the check has teeth.
    assert run_cli("sites", "set", "Attacker", "--trusted-feedback", env=env).returncode == 0
    pooled, output = _train_and_promote(env, base, "--force")
    assert "Feedback: 55 rows from 2 trusted sites" in output
    _switch_to(http, pooled)
    assert _decisions(http, victim_secret) == ["accept"] * 30


def test_feedback_is_grouped_by_site_and_only_trusted_sites_are_used(state: AppState) -> None:
    from service.signing import TokenSigner
    from service.sites.registry import SiteError
    from service.spam import feedback

    signer = TokenSigner(["k" * 48])
    blog, _ = state.sites.add("Blog", ["https://blog.example"])
    shop, _ = state.sites.add("Shop", ["https://shop.example"])
    gone, _ = state.sites.add("Gone", ["https://gone.example"])
    for site, count in ((blog, 2), (shop, 3), (gone, 1)):
        for i in range(count):
            entry = feedback.make_entry({"comment_content": f"{site.name} {i}"}, "spam",
                                        site.sitekey, "api", signer, keep_personal=False)
            feedback.record(state.store, entry, retention_days=30)
    state.sites.update_settings(blog, {"trusted_feedback": True})
    state.sites.remove(gone)
    with pytest.raises(SiteError, match="true or false"):
        state.sites.update_settings(shop, {"trusted_feedback": "yes"})
    selection = feedback.select(state.store, state.sites.all())
    assert [(g.name, len(g.rows)) for g in selection.used] == [("Blog", 2)]
    assert [(g.name, len(g.rows)) for g in selection.left_out] == [
        ("Shop", 3), (f"removed site {gone.sitekey}", 1)]
    assert selection.summary() == (
        f"Feedback: 2 rows from 1 trusted site (Blog 2); 4 rows from 2 untrusted sites left "
        f"out (Shop 3, removed site {gone.sitekey} 1). Trust a site's moderators with "
        "`hedgerow sites set SITE --trusted-feedback`.")
