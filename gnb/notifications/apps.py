from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "gnb.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # The outbox (gnb.core.outbox) learns here which task sends each kind of email this app owns.
        from gnb.core.outbox import BOOKING_KINDS, EmailKind, email_senders_register
        from gnb.notifications import services, tasks

        email_senders_register(BOOKING_KINDS, task=tasks.send_booking_email, arguments=services.booking_email_arguments)
        email_senders_register(
            [EmailKind.CONTACT_MESSAGE], task=tasks.send_contact_message, arguments=services.contact_message_arguments
        )
        email_senders_register(
            services.GROUP_QUOTE_KINDS, task=tasks.send_group_quote_email, arguments=services.group_quote_arguments
        )
        email_senders_register(
            [EmailKind.MANAGE_LINK], task=tasks.send_manage_link, arguments=services.manage_link_arguments
        )
        email_senders_register(
            [EmailKind.DRIVER_NOTICE],
            task=tasks.send_driver_notice_email,
            arguments=services.driver_notice_arguments,
        )
