"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import hmac
import ipaddress
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, redirect
from flask.typing import ResponseReturnValue
from redis.exceptions import RedisError

from service.models.workers import DEFAULT_MAX_LAG, fleet_status
from service.store.redis_store import Store
from service.web.auth import bearer_secret
from service.web.errors import ApiError, Forbidden
from service.web.metrics import metrics_of
from service.web.replies import json_reply
from service.web.state import client_ip, state

bp = Blueprint("health", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    """Where a person who opens the service's address should go."""
    if state().config.get("DEMO"):
        return redirect("/demo")
    return jsonify({"service": "hedgerow", "api": "/openapi.json", "docs": "/docs",
                    "widget": "/widget.js", "health": "/healthz", "ready": "/readyz"})


@bp.get("/healthz")
def healthz() -> Response:
    """Liveness: the process answers. Never touches Redis."""
    return json_reply({"status": "ok"})


@bp.get("/readyz")
def readyz() -> Response:
    """Readiness: Redis answers and this worker has a model. 503 otherwise.

    ``model`` is the version the answering worker scores with; ``models`` tells which
    version is active and which workers (of every replica) lag behind it or failed to
    load it. A lagging worker still scores, so it does not make the answer 503.
    """
    app_state = state()
    checks: dict[str, str] = {}
    try:
        app_state.store.ping()
        checks["redis"] = "ok"
    except RedisError:
        checks["redis"] = "unavailable"
    try:
        model_version = app_state.models.current().version
        checks["model"] = "ok"
    except Exception:  # Any load failure means this worker cannot score: not ready.
        model_version = ""
        checks["model"] = "unavailable"
    ready = all(v == "ok" for v in checks.values())
    response = jsonify({"status": "ready" if ready else "unavailable", "checks": checks,
                        "model": model_version, "worker": app_state.models.worker,
                        "models": _fleet(app_state.store, app_state.models.check_interval),
                        **app_state.forwarding.readyz_detail()})
    response.status_code = 200 if ready else 503
    return response


def _check_metrics_access() -> None:
    """Refuse a scrape that is not allowed to read the metrics.

    With ``METRICS_TOKEN`` set, a scrape must send it as a bearer token (compared in
    constant time). Without one, only loopback clients may scrape: the address is the
    one after the trusted proxy hops, so a client reaching the service through a proxy
    on the same machine is not taken for a local one.
    """
    token = state().config.get("METRICS_TOKEN") or ""
    if token:
        sent = bearer_secret()
        if not sent or not hmac.compare_digest(sent.encode(), token.encode()):
            raise ApiError(
                "Send the metrics token as 'Authorization: Bearer <HEDGEROW_METRICS_TOKEN>'.",
                code="invalid-metrics-token",
                status=401,
                headers={"WWW-Authenticate": 'Bearer realm="hedgerow-metrics"'},
            )
        return
    try:
        loopback = ipaddress.ip_address(client_ip()).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise Forbidden(
            "Metrics are served to this machine only; set HEDGEROW_METRICS_TOKEN to scrape "
            "them from elsewhere.",
            code="metrics-loopback-only",
        )
def _fleet(store: Store, check_interval: float) -> dict[str, Any] | None:
    try:
        fleet = fleet_status(store, max(DEFAULT_MAX_LAG, 3 * check_interval))
    except RedisError:
        return None
    return {"active": fleet.active, "workers": len(fleet.workers),
            "current": len(fleet.having("ok")),
            "lagging": [w.as_dict() for w in fleet.having("lagging")],
            "failed": [w.as_dict() for w in fleet.having("failed")]}


@bp.get("/metrics")
def metrics() -> Response:
    """Every worker's metrics, plus the service-wide counters Redis holds, in Prometheus
    text format."""
    _check_metrics_access()
    app_state = state()
    body = metrics_of(current_app).exposition().decode()
    try:
        counters = app_state.store.counters()
        up = 1
    except RedisError:
        counters, up = {}, 0
    lines = ["# HELP hedgerow_redis_up Whether Redis answered this scrape.",
             "# TYPE hedgerow_redis_up gauge", f"hedgerow_redis_up {up}"]
    for name in sorted(counters):
        metric = f"hedgerow_{name}_total"
        lines += [f"# TYPE {metric} counter", f"{metric} {counters[name]}"]
    return Response(body + "\n".join(lines) + "\n", mimetype="text/plain; version=0.0.4")
