"""Tasks left ``RUNNING`` by a worker that died are claimed again, and alerted when they keep dying.

django-tasks-db marks a task ``RUNNING`` when a worker claims it (``DBTaskResult.claim``: ``status``, ``started_at``
and the worker's id appended to ``worker_ids``) and ``SUCCESSFUL`` or ``FAILED`` when the run ends. A worker killed
in between (a deploy, the out-of-memory killer, a lost machine) leaves the row ``RUNNING`` for ever, and nothing
else would run it. Every minute the scheduler queues :func:`stale_tasks_reap`, which takes the rows ``RUNNING``
for longer than ``TASK_CLAIM_TIMEOUT_SECONDS`` and puts them back to ``READY``, so the next free worker runs them
again. ``worker_ids`` counts the claims: a task claimed :data:`MAX_CLAIMS` times without finishing is marked
``FAILED`` instead (it is probably what kills its worker) and raises the ops alert ``tasks.died``.

Each row changes with one conditional ``UPDATE`` (still ``RUNNING``, and started at the moment this reaper read):
of two reapers, or a reaper and a worker finishing late, one wins and the other changes nothing, so a task is never
put back twice for one dead claim. Running a task again is safe because every task is (emails: a unique
sent-record decides whether it was sent, see :mod:`gnb.core.outbox`). The timeout must be longer than the longest
task runs (the daily backup), or a task still running is started a second time.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from gnb.ops.alerts.services import alert_raise

logger = logging.getLogger(__name__)

# Claims (runs started) after which a task that never finished is failed rather than run again.
MAX_CLAIMS = 3
ALERT_KEY = "tasks.died"
ALERT_TITLE = "Tasks keep stopping their worker"


class WorkerDied(Exception):
    """Recorded as the error of a task whose worker stopped before it finished, too many times."""


@dataclass
class ReapResult:
    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {"requeued": len(self.requeued), "failed": len(self.failed)}


def stale_tasks_reap(*, now: dt.datetime | None = None) -> ReapResult:
    """Put the tasks ``RUNNING`` for longer than ``TASK_CLAIM_TIMEOUT_SECONDS`` back to ``READY``; fail those
    claimed :data:`MAX_CLAIMS` times already and raise the ``tasks.died`` alert for them."""
    now = now or timezone.now()
    timeout = settings.TASK_CLAIM_TIMEOUT_SECONDS
    stale = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=now - dt.timedelta(seconds=timeout)
    ).values_list("pk", "started_at", "worker_ids", "task_path")
    result = ReapResult()
    died: list[str] = []
    for pk, started_at, worker_ids, task_path in stale:
        # The claim this reaper saw, and only it: a row already put back, or claimed again since, is not touched.
        same_claim = DBTaskResult.objects.filter(pk=pk, status=TaskResultStatus.RUNNING, started_at=started_at)
        claims = len(worker_ids or [])
        if claims >= MAX_CLAIMS:
            reason = (
                f"Claimed {claims} times by workers {', '.join(map(str, worker_ids))}, each of which stopped "
                f"before the task finished (no end after {timeout} seconds)."
            )
            changed = same_claim.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                return_value=None,
                exception_class_path=f"{WorkerDied.__module__}.{WorkerDied.__qualname__}",
                traceback=reason,
            )
            if changed:
                result.failed.append(str(pk))
                died.append(f"{task_path} ({pk}): {reason}")
                logger.error("task failed after its workers died", extra={"task_id": str(pk), "task": task_path})
        elif same_claim.update(status=TaskResultStatus.READY):
            result.requeued.append(str(pk))
            logger.warning(
                "stale running task queued again",
                extra={"task_id": str(pk), "task": task_path, "claims": claims},
            )
    if died:
        alert_raise(
            key=ALERT_KEY,
            title=ALERT_TITLE,
            detail=(
                f"These tasks were started {MAX_CLAIMS} times and their worker stopped each time; they are "
                "marked failed and will not run again by themselves:\n" + "\n".join(died)
            ),
            severity="error",
        )
    return result
