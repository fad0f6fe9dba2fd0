#!/bin/sh
# The GitHub App's processes, one source for the container and the tests: the image's ENTRYPOINT
# (Dockerfile, compose.yaml) and tests/app/conftest.py start `redline serve` and `redline worker`
# through this script.
#
#   redline-app.sh web [serve options]      the webhook endpoint on $REDLINE_HOST:$REDLINE_PORT
#                                           (default 0.0.0.0:8000)
#   redline-app.sh worker [worker options]  a Celery worker on the queues $REDLINE_QUEUES
#                                           (default review,report); add --beat in exactly one worker
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
*)
    echo "usage: $0 web|worker [options]" >&2
    exit 2
    ;;
esac
