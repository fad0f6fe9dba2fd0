#!/bin/sh
# The GitHub App's processes, one source for the container and the tests: the image's ENTRYPOINT
# (Dockerfile, compose.yaml) and tests/app/conftest.py start `redline serve` and `redline worker`
# through this script.
#
#   redline-app.sh web [serve options]      the webhook endpoint on $REDLINE_HOST:$REDLINE_PORT
#                                           (default 0.0.0.0:8000)
#   redline-app.sh worker [worker options]  a Celery worker on the queues $REDLINE_QUEUES
#                                           (default review,report); add --beat in exactly one worker
#   redline-app.sh health web|worker        exit 0 when this machine's web answers GET /healthz, or when
#                                           a worker on this host answers a Celery ping (the container's
#                                           health checks, compose.yaml)
#
# $PYTHON is the interpreter that has redline installed (default python3). Everything else is the
# REDLINE_* environment of docs/app.md.
set -eu
python="${PYTHON:-python3}"
role="${1:-}"
if [ $# -gt 0 ]; then shift; fi
case "$role" in
web) exec "$python" -m bot serve --host "${REDLINE_HOST:-0.0.0.0}" --port "${REDLINE_PORT:-8000}" "$@" ;;
worker) exec "$python" -m bot worker --queues "${REDLINE_QUEUES:-review,report}" "$@" ;;
health)
    case "${1:-}" in
    web) exec "$python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${REDLINE_PORT:-8000}/healthz', timeout=4)" ;;
    worker) exec "$python" -c '
import socket, sys
from bot.app.settings import AppSettings
from bot.app.tasks import create_celery
host = socket.gethostname()  # workers are named redline-PID@host
replies = create_celery(AppSettings.from_env()).control.ping(timeout=5)
sys.exit(0 if any(name.endswith("@" + host) for reply in replies for name in reply)
         else f"no worker on {host} answered a ping")' ;;
    *) echo "usage: $0 health web|worker" >&2; exit 2 ;;
    esac
    ;;
*)
    echo "usage: $0 web|worker [options] | health web|worker" >&2
    exit 2
    ;;
esac
