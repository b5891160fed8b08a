"""A worker scores with the shipped model without importing scikit-learn, SciPy or skops."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.support.processes import clean_env

REPO = Path(__file__).resolve().parents[3]
HEAVY = ("sklearn", "scipy", "skops")

# What `hedgerow serve` does in its master (preload, then the settings from the
# environment) and what gunicorn then runs in each worker (HedgerowServer.load: the app,
# with the active model loaded before it takes traffic); then one comment scored over the
# JSON API, and the modules the process holds at the end.
WORKER = textwrap.dedent("""
    import json, sys
    from service.cli.support import load_config
    from service.web.server import HedgerowServer, preload

    preload()
    config = load_config()
    app = HedgerowServer({"workers": 1}, config).load()
    state = app.extensions["hedgerow"]
    _, secret = state.sites.add("Blog", ["https://blog.example"])
    reply = app.test_client().post(
        "/v1/comment-check", headers={"Authorization": "Bearer " + secret},
        json={"comment_content": "Check out my channel http://bit.ly/abc and subscribe",
              "user_ip": "198.51.100.1"})
    heavy = sorted({name.split(".")[0] for name in sys.modules} & set(sys.argv[1:]))
    print(json.dumps({"status": reply.status_code, "body": reply.get_json(),
                      "model": state.models.loaded_version, "heavy": heavy}))
    state.models.close()
""")


def test_a_worker_built_as_gunicorn_builds_it_scores_without_sklearn_scipy_or_skops(
    redis_url: str, secret_keys: list[str], tmp_path: Path,
) -> None:
    env = clean_env(HEDGEROW_REDIS_URL=redis_url, HEDGEROW_SECRET_KEY=",".join(secret_keys),
                    HEDGEROW_DATA_DIR=str(tmp_path / "data"),
                    HEDGEROW_RATELIMIT_ENABLED="false")
    done = subprocess.run([sys.executable, "-c", WORKER, *HEAVY], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["status"] == 200, found
    assert found["model"] == "default"
    assert found["body"]["spam"] is True and found["body"]["model"] == "default", found
    assert found["heavy"] == [], f"a scoring worker imported {found['heavy']}"
