"""Microseconds per call of per-request pieces, each beside the stock way it replaces or
the alternative that was weighed, in one process: binding the URL map to a request's
host (stock Flask, the service's Flask class), reading the request and its ``g`` (Flask's
proxies, :mod:`service.web.current`), signing a challenge token and reading a response
token (itsdangerous's ``dumps`` and ``loads``, :class:`TokenSigner`), building a
challenge's rate-limit budgets (the ``limits`` library's keys, the budgets each worker
keeps), counting a request's metrics (in one process, and in the memory-mapped files
gunicorn's workers share), reading a 300-byte form body (Werkzeug's ``get_data``, a read
of ``wsgi.input``), drawing random bytes (OpenSSL's generator, each thread's pool of
them), writing a challenge's JSON body (the standard library's encoder, orjson) and
matching a route. Then the garbage a request leaves in reference cycles (stock Flask,
the service's Flask class), and the collector's work while the service answers
challenges.

Each figure is the best of ``--repeats`` timings of ``--calls`` calls. Run:
``.venv/bin/python bench/pieces_bench.py [--calls 50000] [--repeats 5]``.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Callable
from typing import Any

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(_HERE))

_FORM = b"secret=" + b"s" * 40 + b"&response=" + b"r" * 250


def _environ(path: str = "/v1/challenge", method: str = "GET", body: bytes = b"",
             ) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:8000", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
    }
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
        environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
    return environ


def _per_call(fn: Callable[[], Any], calls: int, repeats: int) -> float:
    """The best of ``repeats`` timings, in µs per call."""
    return min(timeit.repeat(fn, number=calls, repeat=repeats)) / calls * 1e6


def _url_binding(calls: int, repeats: int) -> list[tuple[str, float]]:
    from flask import Flask

    from service.web.application import HedgerowFlask

    rows = []
    for name, app in (("stock Flask", Flask(__name__)),
                      ("HedgerowFlask", HedgerowFlask(__name__))):
        request = app.request_class(_environ())
        app.create_url_adapter(request)  # the host's first request
        rows.append((f"URL map bound to a request, {name}",
                     _per_call(_binding(app, request), calls, repeats)))
    return rows


def _binding(app: Any, request: Any) -> Callable[[], Any]:
    return lambda: app.create_url_adapter(request)


def _token_reading(calls: int, repeats: int) -> list[tuple[str, float]]:
    from itsdangerous import URLSafeTimedSerializer

    from service.signing import Purpose, TokenSigner, new_nonce

    key = "k" * 48
    signer = TokenSigner([key])
    now = round(time.time(), 3)
    token = signer.sign(Purpose.RESPONSE, {"n": new_nonce(), "k": "hk_" + "s" * 22, "c": now,
                                           "f": now, "h": "blog.example", "i": "c" * 16})
    stock = URLSafeTimedSerializer([key], salt=Purpose.RESPONSE.value)
    payload = {"n": new_nonce(), "k": "hk_" + "s" * 22, "f": now, "a": "m" * 22, "d": 12}
    library = signer._serializers[Purpose.CHALLENGE]
    return [
        ("challenge token signed, itsdangerous dumps (no compression)",
         _per_call(lambda: library.dumps(payload), calls, repeats)),
        ("challenge token signed, TokenSigner.sign",
         _per_call(lambda: signer.sign(Purpose.CHALLENGE, payload), calls, repeats)),
        ("response token read, itsdangerous loads",
         _per_call(lambda: stock.loads(token, max_age=300, return_timestamp=True),
                   calls, repeats)),
        ("response token read, TokenSigner.verify",
         _per_call(lambda: signer.verify(Purpose.RESPONSE, token, 300), calls, repeats)),
    ]


def _context_reading(calls: int, repeats: int) -> list[tuple[str, float]]:
    from flask import g, request

    from service.web import current
    from service.web.application import HedgerowFlask

    app = HedgerowFlask(__name__)
    with app.test_request_context("/v1/challenge?sitekey=hk_x"):
        return [
            ("the request's environ and g, through Flask's proxies",
             _per_call(lambda: (request.environ, g.get("x")), calls, repeats)),
            ("the request's environ and g, from service.web.current",
             _per_call(lambda: (current.request().environ, current.g().get("x")), calls,
                       repeats)),
        ]


def _budget_building(calls: int, repeats: int) -> list[tuple[str, float]]:
    from bench.apps import UNSPENDABLE
    from service.web.ratelimit import SCOPES, RateLimits

    # No Redis is reached: the limiter's storage connects on its first command.
    limits = RateLimits("redis://127.0.0.1:1/0", dict.fromkeys(SCOPES, UNSPENDABLE))
    spends = (("challenge", "client-pseudonym"), ("challenge_site", "hk_bench"))
    return [
        ("a challenge's budgets (four rules), keys built through the limits library",
         _per_call(lambda: [limits._make_budget(*spend) for spend in spends], calls,
                   repeats)),
        ("a challenge's budgets (four rules), kept per worker (RateLimits.budgets)",
         _per_call(lambda: limits.budgets(*spends), calls, repeats)),
    ]


def _metrics(calls: int, repeats: int) -> float:
    """One challenge's metrics, in this process's way of keeping them."""
    from flask import Flask, g, request

    from service.web.metrics import Metrics

    metrics = Metrics()
    app = Flask(__name__)
    app.add_url_rule("/v1/challenge", "challenge", lambda: "")
    with app.request_context(_environ()):
        req = request._get_current_object()  # type: ignore[attr-defined]
        ctx_globals = g._get_current_object()
        response = app.response_class("")
        return _per_call(lambda: metrics.observe(req, ctx_globals, response, 0.003),
                         calls, repeats)


def _metrics_rows(calls: int, repeats: int) -> list[tuple[str, float]]:
    rows = [("a challenge's metrics counted, one process", _metrics(calls, repeats))]
    # The library picks how values are kept when it is imported: a process of its own.
    with tempfile.TemporaryDirectory() as shared:
        child = subprocess.run(
            [sys.executable, __file__, "--metrics-child", "--calls", str(calls),
             "--repeats", str(repeats)],
            env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": shared},
            capture_output=True, text=True, check=True)
    rows.append(("a challenge's metrics counted, gunicorn's shared files",
                 float(child.stdout)))
    return rows


def _body_reading(calls: int, repeats: int) -> list[tuple[str, float]]:
    from flask import Flask

    app = Flask(__name__)

    def through_werkzeug() -> bytes:
        return app.request_class(_environ("/v1/siteverify", "POST", _FORM)).get_data(cache=True)

    def directly() -> bytes:
        environ = _environ("/v1/siteverify", "POST", _FORM)
        app.request_class(environ)
        return environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))

    return [("300-byte form read, Werkzeug's get_data (with the Request)",
             _per_call(through_werkzeug, calls, repeats)),
            ("300-byte form read, wsgi.input (with the Request)",
             _per_call(directly, calls, repeats))]


def _random_bytes(calls: int, repeats: int) -> list[tuple[str, float]]:
    import ssl

    from service import randomness

    return [
        ("16 random bytes, OpenSSL's generator (ssl.RAND_bytes)",
         _per_call(lambda: ssl.RAND_bytes(16), calls, repeats)),
        ("4,096 random bytes, OpenSSL's generator",
         _per_call(lambda: ssl.RAND_bytes(4096), calls // 10, repeats)),
        ("16 random bytes, from the thread's pool (randomness.token_bytes)",
         _per_call(lambda: randomness.token_bytes(16), calls, repeats)),
    ]


def _json_answers(calls: int, repeats: int) -> list[tuple[str, float]]:
    import json

    from service.web.replies import encoded

    # A challenge's body, as the service answers it.
    body = {"token": "eyJ" + "x" * 180 + ".aWSJ8A." + "s" * 27, "prompt": "12 + \u2610 = 30",
            "expires_in": 300, "pow": {"difficulty": 1, "salt": "p" * 22},
            "mode": "arithmetic"}
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)
    return [
        ("a challenge's JSON body, the standard library's encoder",
         _per_call(lambda: (encoder.encode(body) + "\n").encode(), calls, repeats)),
        ("a challenge's JSON body, orjson (replies.encoded)",
         _per_call(lambda: encoded(body), calls, repeats)),
    ]


def _route_matching(calls: int, repeats: int) -> list[tuple[str, float]]:
    from bench.apps import bench_app

    with bench_app("pieces-") as (app, state, _site, _secret):
        stock = app.url_map.bind("127.0.0.1:8000", "/", "", "http", "GET", "/v1/challenge")
        rules = len(list(app.url_map.iter_rules()))
        request = app.request_class(_environ())
        app.create_url_adapter(request)  # the host's first request binds it as Flask does
        remembering = app.create_url_adapter(request)
        remembering.match(return_rule=True)  # the route's first match
        rows = [(f"route matched among the service's {rules} rules, werkzeug's matcher",
                 _per_call(lambda: stock.match(return_rule=True), calls, repeats)),
                ("route matched, remembered by HedgerowFlask",
                 _per_call(lambda: remembering.match(return_rule=True), calls, repeats))]
        state.close()
    return rows


def _call(app: Any, environ: dict[str, Any]) -> None:
    for _ in app(environ, lambda status, headers, exc_info=None: None):
        pass


def _cycles_left(app: Any, environ: Callable[[], dict[str, Any]], requests: int) -> float:
    """Objects a request leaves in reference cycles, on average over ``requests``."""
    for _ in range(3):
        _call(app, environ())
    gc.collect()
    gc.disable()
    try:
        for _ in range(requests):
            _call(app, environ())
        return gc.collect() / requests
    finally:
        gc.enable()


def _garbage(requests: int) -> list[tuple[str, str]]:
    from flask import Flask

    from bench.apps import bench_app
    from service.web import access_log
    from service.web.application import HedgerowFlask

    rows = []
    for name, app in (("stock Flask", Flask(__name__)),
                      ("HedgerowFlask", HedgerowFlask(__name__))):
        app.add_url_rule("/v1/challenge", "challenge", lambda: "")
        rows.append((f"objects left in reference cycles per request, {name}",
                     f"{_cycles_left(app, _environ, 1000):.1f}"))
    with bench_app("pieces-", RATELIMIT_ENABLED=False) as (app, state, site, _secret):
        def challenge() -> dict[str, Any]:
            environ = _environ()
            environ["QUERY_STRING"] = f"sitekey={site.sitekey}"
            return environ

        errors, sys.stderr = sys.stderr, open(os.devnull, "w")  # the access lines
        try:
            rows.append(("objects left in reference cycles per request, the service's "
                         "challenge", f"{_cycles_left(app, challenge, 1000):.1f}"))
            passes: list[float] = []
            started = [0.0]

            def timing(phase: str, info: dict[str, Any]) -> None:
                if phase == "start":
                    started[0] = time.perf_counter()
                else:
                    passes.append(time.perf_counter() - started[0])

            gc.callbacks.append(timing)
            try:
                for _ in range(requests):
                    _call(app, challenge())
            finally:
                gc.callbacks.remove(timing)
        finally:
            access_log.writer().flush()
            sys.stderr.close()
            sys.stderr = errors
        state.close()
    rows.append((f"garbage collections during {requests:,} challenges (longest, ms)",
                 f"{len(passes)} ({max(passes, default=0) * 1000:.1f})"))
    return rows


def main() -> None:
    """Time each piece and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--metrics-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.metrics_child:
        print(_metrics(args.calls, args.repeats))
        return
    rows = []
    for piece in (_url_binding, _context_reading, _token_reading, _budget_building,
                  _metrics_rows, _body_reading, _random_bytes, _json_answers, _route_matching):
        rows += piece(args.calls, args.repeats)
    print("| piece | µs per call |\n|---|---:|")
    for name, micros in rows:
        print(f"| {name} | {micros:.1f} |")
    print(f"\nBest of {args.repeats} timings of {args.calls:,} calls each, one process.\n")
    print("| garbage | measured |\n|---|---:|")
    for name, figure in _garbage(10_000):
        print(f"| {name} | {figure} |")


if __name__ == "__main__":
    main()
