from django_tasks import task

from gnb.notifications.services import booking_email_send


@task()
def send_booking_email(*, booking_id: int, kind: str) -> bool:
    """Safe to run twice: the email is recorded and a second run sends nothing."""
    return booking_email_send(booking_id=booking_id, kind=kind)
