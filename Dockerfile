# The GitHub App (web, workers) in one image; compose.yaml runs it with Redis and Postgres.
#   docker compose up --build
# redline's core and the `app` extra, without torch: repositories review with the PR model (numpy). The core's
# versions are the Action's (action-constraints.txt). A repository whose .github/redline.yml asks for the
# supervisor probe is told that the `probe` extra is missing (scoring.registry). Processes start through
# scripts/redline-app.sh, as in the test suite; `redline-app health web|worker` is the health check.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    REDLINE_CACHE_DIR=/opt/redline/models \
    REDLINE_REPORT_DIR=/opt/redline/reports \
    REDLINE_BEAT_SCHEDULE=/opt/redline/beat/celerybeat-schedule \
    PYTHON=python

# git: GitPython (imported by the review code) refuses to import without the git binary.
RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/redline/src
COPY pyproject.toml README.md action-constraints.txt ./
COPY bot bot
COPY scoring scoring
COPY training training
RUN pip install --constraint action-constraints.txt ".[app]" \
 && python -c "import importlib.util, sys; sys.exit('torch in the image' if importlib.util.find_spec('torch') else 0)"

COPY scripts/redline-app.sh /usr/local/bin/redline-app
# Everything a process writes is under /opt/redline, owned by its user: models, reports, the beat schedule.
RUN useradd --system --home-dir /opt/redline redline \
 && mkdir -p /opt/redline/models /opt/redline/reports /opt/redline/beat \
 && chown -R redline /opt/redline/models /opt/redline/reports /opt/redline/beat
USER redline
WORKDIR /opt/redline

EXPOSE 8000
ENTRYPOINT ["redline-app"]
CMD ["web"]
