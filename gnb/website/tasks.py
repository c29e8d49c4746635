"""The manage-link email is sent by gnb.notifications (queued through gnb.core.outbox); its task is named here too
so that a task queued under this path before the move still runs."""

from gnb.notifications.tasks import send_manage_link

__all__ = ["send_manage_link"]
