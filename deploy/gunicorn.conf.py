"""Gunicorn settings for the web process: `gunicorn -c deploy/gunicorn.conf.py config.wsgi`.

Read from the environment (docs/environment.md, "Processes and web server"):
- PORT: port to bind on all interfaces (Render sets it), default 8000.
- WEB_CONCURRENCY: worker processes, default 2 × cores + 1, at most 8.
- PROMETHEUS_MULTIPROC_DIR: when set, each worker writes its metrics there and /metrics adds them up; the directory
  is emptied when gunicorn starts and a dead worker's files are marked so its gauges stop counting.
Anything else can be changed with GUNICORN_CMD_ARGS (e.g. "--threads 2 --timeout 60"), which gunicorn applies over
this file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

from gunicorn import glogging

MAX_DEFAULT_WORKERS = 8


def _env_int(name: str, default: int, *, minimum: int = 1) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise SystemExit(f"{name}={value} must be at least {minimum}")
    return value


def default_workers(cpu_count: int | None = None) -> int:
    """2 × cores + 1, capped: a small instance reports many host cores but has the memory for a few workers."""
    cores = cpu_count or os.cpu_count() or 1
    return min(2 * cores + 1, MAX_DEFAULT_WORKERS)


class JsonAccessLogger(glogging.Logger):
    """Access log lines as one JSON object each, so the log pipeline parses them like the application's logs."""

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        record = {
            "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            "logger": "gunicorn.access",
            "remote_addr": environ.get("REMOTE_ADDR", ""),
            "method": environ.get("REQUEST_METHOD", ""),
            "path": environ.get("PATH_INFO", ""),
            "query": environ.get("QUERY_STRING", ""),
            "status": int(status) if str(status).isdigit() else status,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "referer": environ.get("HTTP_REFERER", ""),
            "user_agent": environ.get("HTTP_USER_AGENT", ""),
            "request_id": environ.get("HTTP_X_REQUEST_ID", ""),
            "pid": os.getpid(),
        }
        try:
            self.access_log.info(json.dumps(record, ensure_ascii=False))
        except Exception:  # a log line must never fail a request
            self.exception("access log line could not be written")


# --- where and how many -----------------------------------------------------------------------------------
bind = f"0.0.0.0:{_env_int('PORT', 8000)}"
workers = _env_int("WEB_CONCURRENCY", default_workers())
# Threads let a worker overlap requests that wait on the database, Stripe or SMTP without more memory.
worker_class = "gthread"
threads = 4
# A request that takes longer than this is stuck: the worker is killed and restarted.
timeout = 30
# On SIGTERM (a deploy or scale-down), requests in flight get this long to finish; below Render's 30 s shutdown delay.
graceful_timeout = 25
keepalive = 5
# Restart each worker after about this many requests so slow leaks never build up; jitter avoids restarting all at once.
max_requests = 1000
max_requests_jitter = 100
# TLS ends at the platform's proxy (Render, or the reverse proxy in front of compose), which only it can reach;
# trust its X-Forwarded-* headers so request.is_secure() and client addresses are right.
forwarded_allow_ips = "*"

# --- logs ---------------------------------------------------------------------------------------------------
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logger_class = JsonAccessLogger
capture_output = False

# --- Prometheus multiprocess mode ---------------------------------------------------------------------------
PROMETHEUS_MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()


def on_starting(server):
    """Empty the metrics directory: files left by a previous run would be added to this run's counters."""
    if not PROMETHEUS_MULTIPROC_DIR:
        return
    directory = Path(PROMETHEUS_MULTIPROC_DIR)
    if directory.exists():
        for entry in directory.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    directory.mkdir(parents=True, exist_ok=True)
    server.log.info("prometheus multiprocess directory %s is ready", directory)


def child_exit(server, worker):
    """A worker has gone: mark its files dead so its live gauges stop counting; its counters still add up."""
    if not PROMETHEUS_MULTIPROC_DIR:
        return
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
