"""Email through Django's configured backend (EMAIL_URL) to the addresses in ALERT_EMAIL_TO."""

from __future__ import annotations

import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from gnb.ops.alerts.base import AlertMessage, Channel, PermanentChannelError, TransientChannelError


class EmailChannel(Channel):
    """One plain-text email per message, with the alert key in a header so mail rules can sort them."""

    name = "email"

    def __init__(self, *, recipients: list[str], from_email: str) -> None:
        self.recipients = recipients
        self.from_email = from_email

    @classmethod
    def from_settings(cls) -> EmailChannel | None:
        """The channel when ALERT_EMAIL_TO lists recipients, else None."""
        if not settings.ALERT_EMAIL_TO:
            return None
        return cls(recipients=list(settings.ALERT_EMAIL_TO), from_email=settings.SERVER_EMAIL or "")

    def build(self, message: AlertMessage) -> EmailMessage:
        """The email for ``message`` (subject ``[GNB alert] <headline>``)."""
        return EmailMessage(
            subject=f"[GNB alert] {message.headline}",
            body=message.body(),
            from_email=self.from_email,
            to=self.recipients,
            headers={"X-GNB-Alert-Key": message.key, "X-GNB-Alert-Event": message.event},
        )

    def send(self, message: AlertMessage, ref: dict[str, Any]) -> dict[str, Any]:
        try:
            get_connection(fail_silently=False).send_messages([self.build(message)])
        except smtplib.SMTPResponseException as exc:
            # SMTP's own rule: 4xx is "try again later", 5xx is "this will not work".
            error_class = TransientChannelError if 400 <= exc.smtp_code < 500 else PermanentChannelError
            raise error_class(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from None
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentChannelError(f"recipients refused: {sorted(exc.recipients)}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientChannelError(f"cannot send email: {exc!r}") from None
        return ref
