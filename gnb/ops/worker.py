"""The task worker: django-tasks-db's ``Worker``, woken by PostgreSQL when a task is ready instead of polling.

django-tasks-db's ``db_worker`` looks for a task, and when there is none sleeps ``--interval`` seconds and looks
again: at one second that is a query a second per worker, all day, a few % of a core doing nothing. Here the
worker ``LISTEN``s on :data:`CHANNEL` on its own connection, and a trigger on the task table (migration
``ops.0002_notify_workers_when_a_task_is_ready``) sends ``NOTIFY`` when a row becomes ``READY``: on insert (an
enqueue) and when the reaper puts a task back. PostgreSQL delivers a notification at the commit of the transaction
that made the row, so a worker never wakes for a task it cannot see yet, and a task enqueued inside a booking's
transaction (the outbox) wakes the worker the moment the booking commits.

A worker that is idle waits for a notification at most ``fallback`` seconds (or until the next task scheduled with
``run_after`` is due, whichever is sooner), then looks anyway: a notification lost with a dropped connection delays a
task by the fallback at worst, never for ever. On SQLite (development, tests) there is no ``LISTEN``, and the worker
polls every ``fallback`` seconds, as ``db_worker --interval`` did.

The connection listens from before the first look at the queue, so a task committed between "nothing to do" and
the wait is already in the connection's notification queue and ends the wait at once.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from typing import Any

from django.db import close_old_connections, connections
from django.db.utils import OperationalError
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult, get_date_max
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

logger = logging.getLogger(__name__)

# The channel the task table's trigger notifies; the migration uses the same name.
CHANNEL = "gnb_task_ready"


class NotifiedWorker(Worker):
    """A django-tasks-db worker that sleeps until PostgreSQL says a task is ready (at most ``interval`` seconds)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._listener: Any = None  # a psycopg connection in autocommit, LISTENing on CHANNEL; None on SQLite
        self._postgres = False

    # --- the loop --------------------------------------------------------------------------------------------------
    def run(self) -> None:
        logger.info(
            "worker started",
            extra={"worker_id": self.worker_id, "queues": self.queue_names, "fallback_seconds": self.interval},
        )
        self._listen()
        try:
            while self.running:
                close_old_connections()
                task_result, looked = self.claim_next()
                if task_result is not None:
                    self.run_task(task_result)
                    # Busy, the worker looks at the queue again anyway: the notifications of the tasks queued
                    # meanwhile say nothing new, and left unread they would pile up in PostgreSQL's queue.
                    self._drain()
                elif self.batch and looked:
                    logger.info("no more tasks: worker stops", extra={"worker_id": self.worker_id})
                    return
                if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                    logger.info("ran its maximum of tasks: worker stops", extra={"worker_id": self.worker_id})
                    return
                close_old_connections()
                if self.running and task_result is None:
                    self.wait()
        finally:
            self._unlisten()

    def ready_tasks(self):
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        return tasks

    def claim_next(self) -> tuple[DBTaskResult | None, bool]:
        """Claim the first ready task (highest priority first) as django-tasks-db's worker does: locked with
        ``SKIP LOCKED`` and marked ``RUNNING`` at once. Returns it (or None) and whether the queue was read at all
        (False when SQLite was locked)."""
        tasks = self.ready_tasks()
        if connections[tasks.db].vendor == "postgresql":
            return self._claim_in_one_statement(tasks), True
        with exclusive_transaction(tasks.db):
            try:
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
            except OperationalError as error:
                if not is_locked_database_exception(error):
                    raise
                return None, False
        return task_result, True

    def _claim_in_one_statement(self, tasks) -> DBTaskResult | None:
        """PostgreSQL: what django-tasks-db's claim does in a transaction of four statements (begin, lock the first
        ready row skipping locked ones, mark it ``RUNNING``, commit), as one ``UPDATE … RETURNING``. Under a burst
        of webhooks every task pays for its claim: three fewer round trips of the 22 an apply task took. The row
        leaves ``READY`` in the statement that locked it, so no other worker can take it: one that read it as ready
        before the commit re-checks it under the lock and skips it (READ COMMITTED)."""
        first_ready, params = tasks.values("pk")[:1].query.sql_with_params()
        connection = connections[tasks.db]
        table = connection.ops.quote_name(DBTaskResult._meta.db_table)
        # The table's name and the ORM's compiled subquery are code; every value is a parameter.
        claimed = DBTaskResult.objects.using(tasks.db).raw(
            f"UPDATE {table} SET status = %s, started_at = %s, worker_ids = worker_ids || %s::jsonb "  # noqa: S608
            f"WHERE id = ({first_ready} FOR UPDATE SKIP LOCKED) RETURNING *",
            [TaskResultStatus.RUNNING, timezone.now(), json.dumps([self.worker_id]), *params],
        )
        return next(iter(claimed), None)

    # --- waiting ---------------------------------------------------------------------------------------------------
    def wait(self) -> None:
        """Wait until a task may be ready: a notification, the next ``run_after``, or the fallback interval."""
        timeout = self.wait_seconds()
        if self._listener is None and self._postgres:
            self._listen()  # the database was away when the worker last tried
        if self._listener is None:
            time.sleep(timeout)
            return
        try:
            woken = False
            for _notice in self._listener.notifies(timeout=timeout, stop_after=1):
                woken = True
            if woken:
                self._drain()
        except Exception:
            # The connection dropped (a database restart): look at the queue now and listen again on a new one.
            logger.warning("worker lost its listening connection; listening again", exc_info=True)
            self._unlisten()
            self._listen()

    def wait_seconds(self) -> float:
        """The fallback interval, or less when a task scheduled for later (``run_after``) is due sooner."""
        now = timezone.now()
        next_due = (
            DBTaskResult.objects.filter(status="READY", backend_name=self.backend_name, run_after__gt=now)
            .exclude(run_after=get_date_max())
            .order_by("run_after")
            .values_list("run_after", flat=True)
            .first()
        )
        if next_due is None:
            return self.interval
        return max(0.0, min(self.interval, (next_due - now) / dt.timedelta(seconds=1)))

    def _drain(self) -> None:
        """Consume the notifications already received: one look at the queue serves them all."""
        if self._listener is None:
            return
        try:
            for _notice in self._listener.notifies(timeout=0):
                pass
        except Exception:
            logger.warning("worker lost its listening connection; listening again", exc_info=True)
            self._unlisten()
            self._listen()

    # --- the listening connection ----------------------------------------------------------------------------------
    def _listen(self) -> None:
        connection = connections[self.ready_tasks().db]
        if connection.vendor != "postgresql":
            return
        self._postgres = True
        import psycopg

        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        params.pop("server_side_binding", None)
        params.pop("prepare_threshold", None)
        try:
            listener = psycopg.connect(**params, autocommit=True)
            listener.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error:
            logger.warning("worker cannot LISTEN; polling every %s s instead", self.interval, exc_info=True)
            return
        self._listener = listener

    def _unlisten(self) -> None:
        if self._listener is not None:
            try:
                self._listener.close()
            finally:
                self._listener = None
