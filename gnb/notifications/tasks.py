"""Email tasks run by the worker. Each takes primary keys and is safe to run twice: the sending is recorded."""

from django_tasks import TaskContext, task

from gnb.notifications.services import booking_email_send, contact_message_forward, manage_link_send


@task()
def send_booking_email(
    *, booking_id: int, kind: str, event_id: int | None = None, object_id: int | None = None
) -> bool:
    """Send a booking's ``kind`` email (``event_id``: the change a ``change`` email is about; ``object_id``: the
    Payment or Refund of a payment email); False if sent before."""
    return booking_email_send(booking_id=booking_id, kind=kind, event_id=event_id, object_id=object_id)


@task()
def send_contact_message(*, message_id: int) -> bool:
    """Forward a stored contact-form message to the operator; False if it had been forwarded before."""
    return contact_message_forward(message_id=message_id)


@task(takes_context=True)
def send_manage_link(context: TaskContext, *, booking_id: int) -> bool:
    """Send a booking's manage link to the address on the booking; False if this task had sent it before."""
    return manage_link_send(booking_id=booking_id, task_id=context.task_result.id)
