"""Email tasks run by the worker. Each takes primary keys and is safe to run twice: the sending is recorded."""

from django_tasks import TaskContext, task

from gnb.core import taskpriority
from gnb.notifications import reminders
from gnb.notifications.services import (
    booking_email_send,
    contact_message_forward,
    driver_notice_email_send,
    group_quote_email_send,
    manage_link_send,
)


@task(priority=taskpriority.PROMPT)
def send_booking_email(
    *, booking_id: int, kind: str, event_id: int | None = None, object_id: int | None = None
) -> bool:
    """Send a booking's ``kind`` email (``event_id``: the change a ``change`` or ``driver_assigned`` email is about;
    ``object_id``: the Payment or Refund of a payment email, the TripBooking of a driver reminder); False if sent
    before or when there is nothing left to tell."""
    return booking_email_send(booking_id=booking_id, kind=kind, event_id=event_id, object_id=object_id)


@task(priority=taskpriority.PROMPT)
def send_contact_message(*, message_id: int) -> bool:
    """Forward a stored contact-form message to the operator; False if it had been forwarded before."""
    return contact_message_forward(message_id=message_id)


@task(takes_context=True, priority=taskpriority.PROMPT)
def send_group_quote_email(context: TaskContext, *, kind: str, request_id: int) -> bool:
    """Send a group quote request to the operator, or its answer to the traveller; False if this task had sent it."""
    return group_quote_email_send(kind=kind, request_id=request_id, task_id=context.task_result.id)


@task(takes_context=True, priority=taskpriority.PROMPT)
def send_manage_link(context: TaskContext, *, booking_id: int) -> bool:
    """Send a booking's manage link to the address on the booking; False if this task had sent it before."""
    return manage_link_send(booking_id=booking_id, task_id=context.task_result.id)


# These only queue the reminders (PROMPT themselves); a minute's wait behind a burst costs nothing.
@task(priority=taskpriority.NORMAL)
def remind_drivers_due() -> int:
    """Queue the "who comes" reminder of every ride whose pickup is near and not yet reminded; returns how many."""
    return reminders.driver_reminders_queue()


@task(priority=taskpriority.NORMAL)
def remind_travel_documents_due() -> int:
    """Ask for the passport details still missing on bookings that start soon, once each; returns how many."""
    return reminders.travel_documents_requests_queue()


@task(priority=taskpriority.PROMPT)
def send_driver_notice_email(*, notice_id: int) -> bool:
    """Email a driver of a trip given, changed or taken away (no phone took the push); False if sent before."""
    return driver_notice_email_send(notice_id=notice_id)
