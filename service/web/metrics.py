"""Prometheus metrics, kept in each process and summed across gunicorn's workers.

Every count lives in the process that saw it (``prometheus_client``; under gunicorn in
its multiprocess mode, one memory-mapped file per worker in a directory the master
creates), so a request never pays a Redis round trip to be counted. A scrape reads them
all, whichever worker answers it.

What is counted comes from the request and the answer the app already made: the route,
the status, and for the captcha and comment endpoints the outcome its view noted
(:func:`note_outcome`) as it wrote the body.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, Request, Response, has_request_context
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)

from service.web import current

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
EXTENSION_KEY = "hedgerow_metrics"
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
_CHALLENGE = "/v1/challenge"
_SOLVE = "/v1/solve"
_COMMENT_CHECK = "/v1/comment-check"
_AKISMET_CHECK = "/1.1/comment-check"
# Outcomes are label values: keep them short and few.
_MAX_OUTCOME = 40
# Labelled children looked up per request are kept; label sets are few (routes, statuses,
# codes, sites), and past this many the lookup is simply not remembered.
_MAX_CACHED_CHILDREN = 4096


def use_multiprocess_dir(path: str) -> None:
    """Make this process (and the workers it forks) write metrics under ``path``.

    ``prometheus_client`` takes the directory from its environment variable; it must be
    set before the first metric is made, which is why the server calls this first.
    """
    os.environ[MULTIPROC_ENV] = path
    values.ValueClass = values.get_value_class()


def multiprocess_dir() -> str | None:
    """The shared metrics directory, when running under the multi-worker server."""
    return os.environ.get(MULTIPROC_ENV) or None


def worker_gone(pid: int) -> None:
    """Forget a dead worker's live gauges (its counters stay in the sums)."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(pid)


class Metrics:
    """One app's metrics, registered in a registry of its own (tests build many apps)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("hedgerow_http_requests", "HTTP requests answered, by route "
                                "and status.", ["endpoint", "method", "status"], registry=r)
        self.latency = Histogram("hedgerow_http_request_duration_seconds", "Time to answer, "
                                 "by route.", ["endpoint"], buckets=LATENCY_BUCKETS, registry=r)
        self.challenges = Counter("hedgerow_challenges_issued", "Challenges handed out.",
                                  registry=r)
        self.answers = Counter("hedgerow_challenge_answers", "Answers to challenges: "
                               "'solved' or the error code that failed them.", ["outcome"],
                               registry=r)
        self.siteverify = Counter("hedgerow_siteverify", "Siteverify calls: 'success' or "
                                  "the first error code.", ["outcome"], registry=r)
        self.decisions = Counter("hedgerow_spam_decisions", "Comment checks by the action "
                                 "decided and the site.", ["action", "site"], registry=r)
        self.rate_limited = Counter("hedgerow_ratelimit_rejections", "Requests refused by a "
                                    "rate limit, by budget.", ["scope"], registry=r)
        self.fail_open = Counter("hedgerow_ratelimit_fail_open", "Requests let through while "
                                 "rate-limit storage was down.", registry=r)
        self.redis_errors = Counter("hedgerow_redis_errors", "Requests that failed on Redis.",
                                    ["endpoint"], registry=r)
        self.model = Gauge("hedgerow_model_loaded", "1 for the model version each worker "
                           "scores with.", ["version"], multiprocess_mode="liveall", registry=r)
        self._model_version = ""
        self._children: dict[tuple[Any, ...], Any] = {}

    def _child(self, metric: Any, *labels: str) -> Any:
        """``metric.labels(*labels)``, remembered: the library validates and locks on
        every call, and this runs several times per request."""
        key = (id(metric), *labels)
        child = self._children.get(key)
        if child is None:
            child = metric.labels(*labels)
            if len(self._children) < _MAX_CACHED_CHILDREN:
                self._children[key] = child
        return child

    def note_model(self, version: str) -> None:
        """Record the model version this process scores with (cheap when unchanged)."""
        if version == self._model_version:
            return
        if self._model_version:
            self.model.labels(self._model_version).set(0)
        self.model.labels(version).set(1)
        self._model_version = version

    def observe(self, req: Request, ctx_globals: Any, response: Response, seconds: float
                ) -> None:
        """Count one answered request and the outcome its view noted."""
        rule = req.url_rule
        endpoint = rule.rule if rule is not None else "unmatched"
        status = response.status_code
        self._child(self.requests, endpoint, req.method, str(status)).inc()
        self._child(self.latency, endpoint).observe(seconds)
        if ctx_globals.get("hedgerow_redis_error"):
            self._child(self.redis_errors, endpoint).inc()
        outcome = ctx_globals.get("hedgerow_outcome")
        if endpoint == _CHALLENGE and status == 200:
            self.challenges.inc()
        elif outcome is None:
            return
        elif endpoint == _SOLVE:
            self._child(self.answers, outcome).inc()
        elif (req.endpoint or "").startswith("siteverify."):
            self._child(self.siteverify, outcome).inc()
        elif endpoint in (_COMMENT_CHECK, _AKISMET_CHECK) and status == 200:
            site = str(ctx_globals.get("hedgerow_sitekey", ""))
            self._child(self.decisions, outcome, site).inc()

    def exposition(self) -> bytes:
        """Every metric in Prometheus's text format: all workers' under gunicorn."""
        directory = multiprocess_dir()
        if directory:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry, path=directory)
            return generate_latest(registry)
        return generate_latest(self.registry)


def note_outcome(outcome: str) -> None:
    """Record what the current request's answer says happened ('solved', 'success', an
    error code, a spam action), for :meth:`Metrics.observe` to count without reading
    the body back."""
    if has_request_context():
        current.g().hedgerow_outcome = outcome[:_MAX_OUTCOME]


def metrics_of(app: Flask) -> Metrics:
    """The app's metrics."""
    found: Metrics = app.extensions[EXTENSION_KEY]
    return found


def init_app(app: Flask) -> Metrics:
    """Give ``app`` its metrics; :mod:`service.web.lifecycle` counts every request."""
    app_metrics = Metrics()
    app.extensions[EXTENSION_KEY] = app_metrics
    return app_metrics
