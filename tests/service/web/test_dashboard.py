"""The Grafana dashboard in docs/ asks only for series the service exposes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import requests

from service.web.state import AppState

DASHBOARD = Path(__file__).resolve().parents[3] / "docs" / "grafana-dashboard.json"
_SUFFIXES = ("_total", "_bucket", "_sum", "_count")


def _base(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


def test_every_series_on_the_dashboard_is_served(http: requests.Session, state: AppState) -> None:
    state.store.count("model_refused", 0)  # present once a worker has refused a model
    http.get("/healthz")
    exposed = {_base(name) for name in
               re.findall(r"^# TYPE (\S+) ", http.get("/metrics").text, re.M)}
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    asked = {_base(name) for panel in dashboard["panels"] for target in panel["targets"]
             for name in re.findall(r"\bhedgerow_[a-z_]+", target["expr"])}
    assert len(asked) >= 10
    assert asked <= exposed, asked - exposed
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
