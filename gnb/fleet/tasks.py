"""Fleet tasks started by the scheduler (:mod:`gnb.ops.schedule`). Each is safe to run twice: what was reported is
recorded on the trip, and alerts are keyed per trip or document."""

from django_tasks import task

from gnb.core import taskpriority
from gnb.fleet import compliance
from gnb.fleet.flights import tracking
from gnb.fleet.uetds import reporting


# The law gives 30 minutes to report a cancellation or a no-show: a deadline, not housekeeping.
@task(priority=taskpriority.URGENT)
def uetds_report_task() -> dict[str, int]:
    """Send U-ETDS what is due (every 5 minutes); nothing when reporting is off."""
    return reporting.uetds_report_due()


@task(priority=taskpriority.BULK)
def fleet_compliance_task() -> dict[str, int]:
    """Alert on documents running out and trips that would run with expired ones (daily)."""
    return compliance.fleet_compliance_check()


@task(priority=taskpriority.BULK)
def flights_poll_task() -> dict[str, int]:
    """Ask the flight provider about arrivals landing soon and move their pickups (every
    GNB_FLIGHT_POLL_INTERVAL_MINUTES); nothing when flight tracking is off."""
    return tracking.flights_poll()
