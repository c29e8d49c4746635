"""Periodic jobs. The scheduler process only enqueues tasks at their time; the worker runs them.

Each job is a task plus a cron expression in UTC. Adding a periodic job is one line here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from gnb.accounts import tasks as account_tasks
from gnb.fleet import tasks as fleet_tasks
from gnb.notifications import tasks as notification_tasks
from gnb.ops import tasks
from gnb.ops.alerts import tasks as alert_tasks
from gnb.payments import tasks as payment_tasks
from gnb.privacy import tasks as privacy_tasks


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    cron: str  # minute hour day month day-of-week, UTC
    task: Any
    kwargs: dict[str, Any] = field(default_factory=dict)

    def enqueue(self):
        return self.task.enqueue(**self.kwargs)


JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob("backup-daily", "0 3 * * *", tasks.backup_daily),
    PeriodicJob("prune-task-results", "30 4 * * *", tasks.prune_task_results),
    # Tasks left running by a worker that died run again (gnb/ops/reaper.py).
    PeriodicJob("reap-stale-tasks", "* * * * *", tasks.reap_stale_tasks),
    PeriodicJob("purge-api-sign-ins", "45 4 * * *", account_tasks.purge_api_sign_ins),
    PeriodicJob("privacy-retention", "50 3 * * *", privacy_tasks.privacy_retention),
    # After the 03:00 backup, so a backup that did not run is reported the same morning.
    PeriodicJob("ops-self-check", "15 6 * * *", alert_tasks.ops_self_check),
    # Unpaid card holds free their seats within a minute of their time.
    PeriodicJob("payment-holds-expire", "* * * * *", payment_tasks.holds_expire_task),
    # Who comes, GNB_DRIVER_REMINDER_HOURS before pickup; the passport details U-ETDS needs, before the trip.
    PeriodicJob("remind-drivers", "*/10 * * * *", notification_tasks.remind_drivers_due),
    PeriodicJob("remind-travel-documents", "*/10 * * * *", notification_tasks.remind_travel_documents_due),
    # Trips reported as soon as complete, cancellations and no-shows within the law's 30 minutes.
    PeriodicJob("uetds-report", "*/5 * * * *", fleet_tasks.uetds_report_task),
    PeriodicJob("fleet-compliance", "30 6 * * *", fleet_tasks.fleet_compliance_task),
    # Airport pickups follow the plane (gnb/fleet/flights); the task does nothing while no provider is set.
    PeriodicJob(
        "flights-poll", f"*/{settings.GNB_FLIGHT_POLL_INTERVAL_MINUTES} * * * *", fleet_tasks.flights_poll_task
    ),
)
