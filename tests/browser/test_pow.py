"""Proof of work in a real browser: the widget solves it, forged or cheap work fails,
and the honeypot stays out of everyone's way but a bot's."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Request, Route, Worker, expect

from service.api.demo import DEMO_SITE_FILE
from service.captcha import proof_of_work
from service.web.state import AppState
from tests.browser.conftest import Embed, Watch
from tests.browser.helpers import rendered, right_answer, solve, widget
from tests.support.live_server import LiveServer
from tests.support.solvers import solve_pow, solve_prompt

pytestmark = pytest.mark.browser

# Fetch a challenge and answer it from inside the page (so the browser sends the
# page's Origin), with whatever counter the test supplies; returns both JSON bodies.
FETCH_CHALLENGE = """async ([base, sitekey]) => {
  const r = await fetch(base + '/v1/challenge?sitekey=' + sitekey, {credentials: 'omit'});
  return r.json();
}"""
POST_SOLVE = """async ([base, fields]) => {
  const r = await fetch(base + '/v1/solve', {method: 'POST', credentials: 'omit',
    body: new URLSearchParams(fields)});
  return r.json();
}"""


def _solve_bodies(page: Page) -> list[dict[str, str]]:
    """Records the form fields of every /v1/solve request the page sends."""
    bodies: list[dict[str, str]] = []

    def on_request(request: Request) -> None:
        if request.url.endswith("/v1/solve") and request.method == "POST":
            fields = dict(re.findall(r"([^&=]+)=([^&]*)", request.post_data or ""))
            bodies.append(fields)

    page.on("request", on_request)
    return bodies


def _workers(page: Page) -> list[str]:
    """Records the URL of every Worker the page starts."""
    urls: list[str] = []

    def on_worker(worker: Worker) -> None:
        urls.append(worker.url)

    page.on("worker", on_worker)
    return urls


def _zero_bits(salt: str, counter: int) -> int:
    return proof_of_work.leading_zero_bits(hashlib.sha256(f"{salt}:{counter}".encode()).digest())


def _counter_with(salt: str, low: int, high: int) -> int:
    """A counter whose hash has at least ``low`` but fewer than ``high`` zero bits."""
    for counter in range(10_000_000):
        if low <= _zero_bits(salt, counter) < high:
            return counter
    raise AssertionError("no such counter")


def test_widget_solves_on_the_main_thread_under_a_strict_csp(
    page: Page, embed: Embed, watch: Watch
) -> None:
    solves = _solve_bodies(page)
    workers = _workers(page)
    page.goto(embed.page(own_js=False))
    box = widget(page)
    solve(box)
    expect(box.locator(".hr-s")).to_have_text(re.compile("Verified"))
    # Browsers start workers only from the page's own origin: this page solved in slices.
    assert workers == []
    assert len(solves) == 1 and solves[0]["pow"].isdecimal()
    page.locator("#send").click()
    expect(page.locator("#posted")).to_be_visible()
    verdict = embed.siteverify(embed.host.posts[-1]["hedgerow-response"])
    assert verdict["success"] is True, verdict
    assert watch.csp(page) == []
    assert watch.errors == []


def test_page_that_allows_blob_workers_gets_one(page: Page, embed: Embed, watch: Watch) -> None:
    service = embed.live.url
    csp = (
        f"default-src 'none'; script-src 'self' {service}; worker-src blob:; "
        f"style-src {service}; connect-src {service}; form-action 'self'"
    )
    workers = _workers(page)
    solves = _solve_bodies(page)
    page.goto(embed.page(query="?worker=blob", csp=csp))
    box = widget(page)
    solve(box)
    assert workers and all(url.startswith("blob:") for url in workers), workers
    assert solves[0]["pow"].isdecimal()
    assert embed.siteverify(page.evaluate("hedgerow.getResponse()"))["success"] is True
    assert watch.csp(page) == []
    assert watch.errors == []


@pytest.fixture
def demo_url(app_config: dict[str, Any]) -> str:
    """Path of the demo page; asks for demo mode before the app is built."""
    app_config["DEMO"] = True
    return "/demo"


def test_same_origin_page_solves_in_a_worker(
    demo_url: str, state: AppState, live: LiveServer, page: Page, watch: Watch
) -> None:
    site, secret = state.sites.add("Demo", [live.url])
    data_dir = Path(state.config["DATA_DIR"])
    data_dir.mkdir(parents=True, exist_ok=True)
    saved = {"sitekey": site.sitekey, "secret": secret}
    (data_dir / DEMO_SITE_FILE).write_text(json.dumps(saved), encoding="utf-8")
    workers = _workers(page)
    page.goto(live.url + demo_url)
    solve(widget(page))
    assert workers == [live.url + "/pow-worker.js"]
    assert watch.csp(page) == []
    assert watch.errors == []


def test_verify_before_the_work_is_done_waits_then_submits(page: Page, embed: Embed) -> None:
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    page.route("**/pow-worker.js", hold)
    # The held script would hold up the page's load event too.
    page.goto(embed.page(), wait_until="domcontentloaded")
    box = widget(page)
    answer = rendered(box)
    answer.fill(str(right_answer(box)))
    answer.press("Enter")
    status = box.locator("[role=status]")
    expect(status).to_have_text("Checking your browser…")
    assert page.evaluate("hedgerow.getResponse()") == ""
    assert len(held) == 1
    held[0].continue_()
    expect(status).to_have_text(re.compile("Verified"))
    assert _siteverify_ok(embed, page)


def _siteverify_ok(embed: Embed, page: Page) -> bool:
    return embed.siteverify(page.evaluate("hedgerow.getResponse()"))["success"] is True


def test_forged_counter_is_rejected(page: Page, embed: Embed) -> None:
    page.goto(embed.page())
    rendered(widget(page))
    base = embed.live.url
    challenge = page.evaluate(FETCH_CHALLENGE, [base, embed.sitekey])
    salt, bits = challenge["pow"]["salt"], challenge["pow"]["difficulty"]
    forged = _counter_with(salt, 0, 1)
    fields = {
        "token": challenge["token"],
        "answer": str(solve_prompt(challenge["prompt"])),
        "pow": str(forged),
    }
    result = page.evaluate(POST_SOLVE, [base, fields])
    assert result["success"] is False
    assert result["error-codes"] == ["invalid-input-pow"]
    # The challenge is burnt: even honest work for it no longer counts.
    fields["pow"] = str(solve_pow(salt, bits))
    again = page.evaluate(POST_SOLVE, [base, fields])
    assert again["error-codes"] == ["timeout-or-duplicate"]
    assert "pow" in again["challenge"]


def test_replayed_solve_fails(page: Page, embed: Embed) -> None:
    solves = _solve_bodies(page)
    page.goto(embed.page())
    solve(widget(page))
    token = page.evaluate("hedgerow.getResponse()")
    assert len(solves) == 1
    replay = page.evaluate(POST_SOLVE, [embed.live.url, solves[0]])
    assert replay["success"] is False
    assert replay["error-codes"] == ["timeout-or-duplicate"]
    assert embed.siteverify(token)["success"] is True
    assert embed.siteverify(token)["error-codes"] == ["timeout-or-duplicate"]


@pytest.fixture
def harder(app_config: dict[str, Any]) -> int:
    """A service that asks every client for 16 bits of work."""
    app_config["POW_MIN_BITS"] = app_config["POW_MAX_BITS"] = 16
    return 16


def test_cheap_work_is_rejected_but_the_widget_does_the_real_work(
    harder: int, page: Page, embed: Embed, watch: Watch
) -> None:
    page.goto(embed.page())
    box = widget(page)
    rendered(box)
    base = embed.live.url
    challenge = page.evaluate(FETCH_CHALLENGE, [base, embed.sitekey])
    assert challenge["pow"]["difficulty"] == harder
    # Work worth the default 12 bits is not enough here.
    cheap = _counter_with(challenge["pow"]["salt"], 12, harder)
    fields = {
        "token": challenge["token"],
        "answer": str(solve_prompt(challenge["prompt"])),
        "pow": str(cheap),
    }
    result = page.evaluate(POST_SOLVE, [base, fields])
    assert result["error-codes"] == ["invalid-input-pow"]
    solve(box)
    assert _siteverify_ok(embed, page)
    assert watch.errors == []


def _fewest_slices(counter: int) -> int:
    """How many main-thread slices finding ``counter`` takes at the least: slices start at
    1,024 hashes and at most double, up to 65,536 each."""
    searched, size, slices = 0, 1024, 0
    while searched <= counter:
        searched += size
        size = min(size * 2, 65536)
        slices += 1
    return slices


def test_main_thread_work_yields_to_the_page_between_slices(
    harder: int, page: Page, embed: Embed
) -> None:
    page.add_init_script("""
      window.__yields = 0;
      const later = window.setTimeout;
      window.setTimeout = function (f, ms, ...rest) {
        if (!ms) window.__yields++;
        return later.call(window, f, ms, ...rest);
      };
    """)
    solves: list[dict[str, Any]] = []

    def note_solve(request: Request) -> None:
        if request.url.endswith("/v1/solve"):
            solves.append(request.post_data_json or {})

    page.on("request", note_solve)
    page.goto(embed.page(own_js=False))
    box = widget(page)
    solve(box)
    assert _siteverify_ok(embed, page)
    counter = int(solves[-1]["pow"])
    # One slice per event-loop turn: the page handles input between them.
    assert page.evaluate("__yields") >= _fewest_slices(counter) - 1


def test_honeypot_is_empty_unreachable_and_silent(page: Page, embed: Embed) -> None:
    page.goto(embed.page())
    box = widget(page)
    answer = rendered(box)
    trap = page.locator("form input[name=hedgerow-hp]")
    expect(trap).to_have_count(1)
    expect(trap).to_have_value("")
    expect(trap).to_have_attribute("type", "text")
    expect(trap).to_have_attribute("tabindex", "-1")
    expect(trap).to_have_attribute("aria-hidden", "true")
    expect(trap).to_have_attribute("autocomplete", "off")
    # Not announced: the only text boxes a screen reader finds are the comment and answer.
    assert page.get_by_role("textbox").count() == 2
    assert "hedgerow-hp" not in page.locator("form").aria_snapshot()
    # Tab walks the whole page without landing on it.
    page.locator("#comment").focus()
    reached = []
    for _ in range(8):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.name || document.activeElement.id"))
    assert "hedgerow-hp" not in reached
    expect(answer).to_have_value("")
    solve(box)
    page.locator("#send").click()
    expect(page.locator("#posted")).to_be_visible()
    assert embed.host.posts[-1]["hedgerow-hp"] == ""


@pytest.fixture
def no_pow(app_config: dict[str, Any]) -> None:
    """A service with proof of work turned off."""
    app_config["POW_ENABLED"] = False


@pytest.mark.usefixtures("no_pow")
def test_without_a_puzzle_the_widget_sends_no_work(page: Page, embed: Embed) -> None:
    solves = _solve_bodies(page)
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if "pow-worker" in r.url else None)
    page.goto(embed.page())
    solve(widget(page))
    assert "pow" not in solves[0]
    assert fetched == []
    assert _siteverify_ok(embed, page)


def test_solver_that_cannot_load_is_an_error_with_a_way_out(page: Page, embed: Embed) -> None:
    page.route("**/pow-worker.js", lambda route: route.abort())
    page.goto(embed.page(
        f'<div class="hedgerow-captcha" data-sitekey="{embed.sitekey}" '
        'data-error-callback="onError"></div>'
    ))
    box = widget(page)
    answer = rendered(box)
    answer.fill(str(right_answer(box)))
    answer.press("Enter")
    expect(box.locator("[role=status]")).to_have_text("The check could not load.")
    assert page.evaluate("events") == [["error"]]
    page.unroute("**/pow-worker.js")
    box.get_by_role("button", name="Try again").click()
    solve(box)
    assert _siteverify_ok(embed, page)
