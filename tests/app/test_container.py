"""The container: compose.yaml validates (Debian's docker-compose; images cannot be pulled here), its
services run the image's entrypoint script, the same one the App tests start their processes with,
and the Dockerfile converts the supervisor at build time."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.app.conftest import APP_SCRIPT, REPO_ROOT, app_command

SECRETS = {"REDLINE_WEBHOOK_SECRET": "s3cret", "REDLINE_APP_ID": "12345",
           "REDLINE_APP_PRIVATE_KEY_FILE": "/secrets/app.pem", "POSTGRES_PASSWORD": "pw"}


def _compose_config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("docker-compose not found; the test command installs it (make system-deps)")
    clean = {k: v for k, v in os.environ.items() if k not in SECRETS}
    return subprocess.run([binary, "-f", str(REPO_ROOT / "compose.yaml"), "config"], env={**clean, **env},
                          capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)


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
    assert os.access(APP_SCRIPT, os.X_OK), "the image's ENTRYPOINT runs the script itself: it must be executable"
    assert app_command("web")[1:] == [str(APP_SCRIPT), "web"]
    # the supervisor is converted while the image builds, offline
    assert "HF_HUB_OFFLINE=1" in dockerfile and "Scorer.load()" in dockerfile


def test_entrypoint_script_refuses_an_unknown_role():
    done = subprocess.run(["sh", str(APP_SCRIPT), "bogus"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "usage" in done.stderr
