"""Payment tasks run by the worker. Each takes primary keys and is safe to run twice."""

from django_tasks import task

from gnb.payments import services


@task()
def refund_submit_task(*, refund_id: int) -> str:
    """Send a requested refund to its provider and record the answer; returns the refund's state."""
    return services.refund_submit(refund_id=refund_id).state


@task()
def holds_expire_task() -> int:
    """Expire unpaid card holds past their time (every minute, from the scheduler); returns how many."""
    return services.holds_expire()


@task()
def payment_close_task(*, payment_id: int) -> None:
    """Close at its provider the checkout of a payment whose hold expired."""
    services.payment_close(payment_id=payment_id)
