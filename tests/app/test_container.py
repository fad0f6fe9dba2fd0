"""The container: compose.yaml validates (Debian's docker-compose), its services run the image's entrypoint
script, the same one the App tests start their processes with, each App service has a health check, Redis
keeps its data and the scheduler its schedule on volumes, and the image is the core without torch. Where a
container engine can run, the image is built and `compose up` brought up (skipped with the reason
elsewhere)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.app.conftest import APP_SCRIPT, REPO_ROOT, app_command

SECRETS = {
    "REDLINE_WEBHOOK_SECRET": "s3cret",
    "REDLINE_APP_ID": "12345",
    "REDLINE_APP_PRIVATE_KEY_FILE": "/secrets/app.pem",
    "POSTGRES_PASSWORD": "pw",
}


def _compose_config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("docker-compose not found; the test command installs it (make system-deps)")
    clean = {k: v for k, v in os.environ.items() if k not in SECRETS}
    return subprocess.run(
        [binary, "-f", str(REPO_ROOT / "compose.yaml"), "config"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
    )


def test_compose_file_validates_and_wires_the_app_to_redis_and_postgres():
    done = _compose_config(SECRETS)
    assert done.returncode == 0, done.stderr
    services = yaml.safe_load(done.stdout)["services"]
    assert set(services) == {"web", "worker", "report", "redis", "postgres"}
    app = {name: services[name] for name in ("web", "worker", "report")}
    for name, service in app.items():
        env = service["environment"]
        assert service["command"][0] in {"web", "worker"}, name
        assert env["REDLINE_REDIS_URL"] == "redis://redis:6379/0"
        assert env["REDLINE_DATABASE_URL"] == "postgresql+psycopg2://redline:pw@postgres:5432/redline"
        assert env["REDLINE_WEBHOOK_SECRET"] == "s3cret" and env["REDLINE_APP_ID"] == "12345"
        assert set(service["depends_on"]) == {"redis", "postgres"}
    assert [n for n, s in app.items() if "--beat" in s["command"]] == ["report"], "exactly one scheduler"
    assert app["worker"]["environment"]["REDLINE_QUEUES"] == "review"
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == "pw"
    for name, role in (("web", "web"), ("worker", "worker"), ("report", "worker")):
        assert services[name]["healthcheck"]["test"] == ["CMD", "redline-app", "health", role], name
    # queued reviews survive a restart (docs/app.md): Redis's append-only file, on a volume
    redis = services["redis"]
    assert redis["command"][:3] == ["redis-server", "--appendonly", "yes"]
    assert "/data" in _named_volumes(redis)
    # the scheduler's state on a volume the image's user owns, never the root-owned working directory
    schedule = app["report"]["environment"]["REDLINE_BEAT_SCHEDULE"]
    assert str(Path(schedule).parent) in _named_volumes(app["report"])


def _named_volumes(service: dict) -> set[str]:
    """Where named volumes are mounted (docker-compose writes them long or short: 'name:/path:rw')."""
    found = set()
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            if volume.get("type") == "volume":
                found.add(volume["target"])
        elif not volume.split(":")[0].startswith(("/", ".")):
            found.add(volume.split(":")[1])
    return found


def test_compose_refuses_to_start_without_the_apps_secrets():
    done = _compose_config({k: v for k, v in SECRETS.items() if k != "REDLINE_WEBHOOK_SECRET"})
    assert done.returncode != 0 and "set REDLINE_WEBHOOK_SECRET" in done.stderr


def test_image_runs_the_script_the_tests_start_processes_with():
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    copied = re.search(r"^COPY (scripts/\S+) (\S+)$", dockerfile, re.M)
    assert copied and REPO_ROOT / copied.group(1) == APP_SCRIPT
    entrypoint = re.search(r'^ENTRYPOINT \["([^"]+)"\]$', dockerfile, re.M)
    assert entrypoint and entrypoint.group(1) == Path(copied.group(2)).name
    assert re.search(r'^CMD \["web"\]$', dockerfile, re.M)
    assert os.access(APP_SCRIPT, os.X_OK), (
        "the image's ENTRYPOINT runs the script itself: it must be executable"
    )
    assert app_command("web")[1:] == [str(APP_SCRIPT), "web"]
    # the core and the App, no torch (the default PR model is numpy), at the Action's pinned versions
    assert "torch" not in "".join(line for line in dockerfile.splitlines() if line.startswith("RUN pip"))
    assert '--constraint action-constraints.txt ".[app]"' in dockerfile and "find_spec('torch')" in dockerfile
    assert "mkdir -p /opt/redline/models /opt/redline/reports /opt/redline/beat" in dockerfile


def test_entrypoint_script_refuses_an_unknown_role():
    done = subprocess.run(["sh", str(APP_SCRIPT), "bogus"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "usage" in done.stderr
    done = subprocess.run(
        ["sh", str(APP_SCRIPT), "health", "bogus"], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2 and "usage" in done.stderr


def _engine() -> tuple[str, str]:
    """(the compose command, "") where a container engine can build and run here, else ("", the reason)."""
    for binary, compose in (("docker", "docker compose"), ("podman", "podman compose")):
        if shutil.which(binary) is None:
            continue
        info = subprocess.run([binary, "info"], capture_output=True, text=True, timeout=60)
        if info.returncode != 0:
            continue
        base = subprocess.run(
            [binary, "pull", "python:3.11-slim"], capture_output=True, text=True, timeout=300
        )
        if base.returncode != 0:
            return "", f"{binary} cannot pull the base image: {base.stderr.strip()[-200:]}"
        ran = subprocess.run(
            [binary, "run", "--rm", "python:3.11-slim", "true"], capture_output=True, text=True, timeout=120
        )
        if ran.returncode != 0:
            return "", f"{binary} cannot run a container: {ran.stderr.strip()[-200:]}"
        return compose, ""
    return "", "no container engine runs here (docker info / podman info fail or they are not installed)"


def test_the_image_builds_and_compose_up_answers_a_signed_webhook(tmp_path):
    compose, reason = _engine()
    if not compose:
        pytest.skip(reason)
    from tests.app.github_app import private_key_pem

    key = tmp_path / "app.pem"
    key.write_text(private_key_pem())
    env = {
        **os.environ,
        **SECRETS,
        "REDLINE_APP_PRIVATE_KEY_FILE": str(key),
        "COMPOSE_PROJECT_NAME": f"redline-test-{os.getpid()}",
    }
    run = [*compose.split(), "-f", str(REPO_ROOT / "compose.yaml")]
    try:
        subprocess.run(
            [*run, "up", "--build", "-d", "--wait"], env=env, check=True, timeout=1800, cwd=REPO_ROOT
        )
        body = json.dumps({"zen": "Keep it logically awesome.", "hook_id": 1}).encode()
        signature = (
            "sha256=" + hmac.new(SECRETS["REDLINE_WEBHOOK_SECRET"].encode(), body, hashlib.sha256).hexdigest()
        )
        request = urllib.request.Request(
            "http://127.0.0.1:8000/webhook",
            data=body,
            method="POST",
            headers={
                "X-GitHub-Event": "ping",
                "X-GitHub-Delivery": "compose-1",
                "X-Hub-Signature-256": signature,
                "Content-Type": "application/json",
            },
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(request, timeout=10) as answer:
                    assert answer.status < 300
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(2)
        states = subprocess.run(
            [*run, "ps", "--format", "json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=REPO_ROOT,
        ).stdout
        for service in ("web", "worker", "report", "redis", "postgres"):
            assert re.search(rf'"Service":"{service}".*?"Health":"healthy"', states), (service, states)
    finally:
        subprocess.run([*run, "down", "-v"], env=env, timeout=300, cwd=REPO_ROOT)
