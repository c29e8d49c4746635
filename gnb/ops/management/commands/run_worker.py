"""``manage.py run_worker``: django-tasks-db's ``db_worker`` (same options), woken by PostgreSQL's NOTIFY when a task
is ready instead of polling every second (gnb/ops/worker.py). ``--interval`` is the fallback: the longest an idle
worker waits before looking at the queue anyway (and how often it polls on SQLite)."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import CommandError
from django.db import connections, router
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from gnb.ops.worker import NotifiedWorker

# Idle, a worker on PostgreSQL looks at the queue by itself this often: only a lost notification waits this long.
DEFAULT_FALLBACK_SECONDS = 30.0
# SQLite (development) has no NOTIFY: the worker polls, and a developer should not wait for an email.
DEFAULT_POLL_SECONDS_SQLITE = 1.0


class Command(db_worker.Command):
    help = (
        "Run the task worker: runs queued tasks (highest priority first), woken by PostgreSQL NOTIFY when one is "
        "ready; --interval is the fallback wait when idle (default 30 s on PostgreSQL; on SQLite the poll interval, "
        "default 1 s)."
    )

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(interval=None)

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float | None,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options: Any,
    ) -> None:
        self.configure_logging(verbosity)
        if interval is None:
            vendor = connections[router.db_for_write(DBTaskResult)].vendor
            interval = DEFAULT_FALLBACK_SECONDS if vendor == "postgresql" else DEFAULT_POLL_SECONDS_SQLITE
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = NotifiedWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        if reload and not batch:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the reloader's child runs tasks
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
