"""Fleet tasks started by the scheduler (:mod:`gnb.ops.schedule`). Each is safe to run twice: what was reported is
recorded on the trip, and alerts are keyed per trip or document."""

from django_tasks import task

from gnb.fleet import compliance, push
from gnb.fleet.uetds import reporting


@task()
def uetds_report_task() -> dict[str, int]:
    """Send U-ETDS what is due (every 5 minutes); nothing when reporting is off."""
    return reporting.uetds_report_due()


@task()
def fleet_compliance_task() -> dict[str, int]:
    """Alert on documents running out and trips that would run with expired ones (daily)."""
    return compliance.fleet_compliance_check()


@task()
def driver_notice_send_task(*, notice_id: int) -> bool:
    """Tell a driver of a trip given, changed or taken away (Web Push, else email); False if sent before."""
    return push.driver_notice_deliver(notice_id=notice_id)
