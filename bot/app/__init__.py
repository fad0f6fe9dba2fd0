"""The GitHub App service: FastAPI webhook (web.py), its route table (routes.py), Celery workers
(tasks.py)."""
