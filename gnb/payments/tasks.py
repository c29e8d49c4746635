"""Payment tasks run by the worker and the scheduler. Each takes primary keys and is safe to run twice.

Tasks import the code they run, never the reverse. ``refund_submit_task``, ``payment_close_task`` and
``provider_event_apply_task`` are declared beside the code that runs and enqueues them (a refund written, a refund to
try again later: ``services.refunds``; a hold expired: ``services.holds``; a verified webhook stored, to be applied
at priority ``URGENT``: ``services.events``) and are re-exported here, so that code never imports this module; the
worker finds each by its own path. ``holds_expire_task`` is only ever started by the scheduler
(:mod:`gnb.ops.schedule`), so it is declared here.
"""

from django_tasks import task

from gnb.core import taskpriority
from gnb.payments import services
from gnb.payments.services import payment_close_task, provider_event_apply_task, refund_submit_task


@task(priority=taskpriority.URGENT)
def holds_expire_task() -> int:
    """Expire unpaid card holds past their time (every minute, from the scheduler); returns how many."""
    return services.holds_expire()


__all__ = ["holds_expire_task", "payment_close_task", "provider_event_apply_task", "refund_submit_task"]
