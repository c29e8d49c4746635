"""Fleet tasks started by the scheduler (:mod:`gnb.ops.schedule`). Each is safe to run twice: what was reported is
recorded on the trip, and alerts are keyed per trip or document."""

from django_tasks import task

from gnb.fleet import compliance
from gnb.fleet.uetds import reporting


@task()
def uetds_report_task() -> dict[str, int]:
    """Send U-ETDS what is due (every 5 minutes); nothing when reporting is off."""
    return reporting.uetds_report_due()


@task()
def fleet_compliance_task() -> dict[str, int]:
    """Alert on documents running out and trips that would run with expired ones (daily)."""
    return compliance.fleet_compliance_check()
