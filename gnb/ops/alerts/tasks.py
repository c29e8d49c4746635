"""Alert tasks: delivering one incident message, and the daily self-check."""

from __future__ import annotations

from django_tasks import task

from gnb.core import taskpriority
from gnb.ops.alerts.selfcheck import self_check_run
from gnb.ops.alerts.services import alert_deliver_run


@task(priority=taskpriority.URGENT)
def alert_deliver(*, alert_id: int, event: str) -> dict[str, str]:
    """Send the "fired" or "resolved" message of AlertState ``alert_id``; running it twice sends nothing twice."""
    return alert_deliver_run(alert_id=alert_id, event=event)


@task(priority=taskpriority.BULK)
def ops_self_check() -> dict[str, str]:
    """Check the database, the task queue backlog and the last backup's age; raise or resolve an alert for each."""
    return self_check_run()
