"""Slack through an incoming webhook: one JSON POST per message."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from gnb.ops.alerts.base import AlertMessage, Channel, post_json

# Attachment colour bar: red for errors, yellow for warnings, blue for information, green once resolved.
COLORS = {"critical": "#d73a49", "error": "#d73a49", "warning": "#dbab09", "info": "#0366d6", "resolved": "#28a745"}


class SlackChannel(Channel):
    """Posts to the webhook in ALERT_SLACK_WEBHOOK_URL (the webhook decides the Slack channel)."""

    name = "slack"

    def __init__(self, *, webhook_url: str) -> None:
        self.webhook_url = webhook_url

    @classmethod
    def from_settings(cls) -> SlackChannel | None:
        """The channel when a webhook is configured, else None."""
        return cls(webhook_url=settings.ALERT_SLACK_WEBHOOK_URL) if settings.ALERT_SLACK_WEBHOOK_URL else None

    @staticmethod
    def payload(message: AlertMessage) -> dict[str, Any]:
        """The webhook body: the headline as ``text`` (also the push notification) and the details in an attachment."""
        icon = ":white_check_mark:" if message.event == "resolved" else ":rotating_light:"
        color = COLORS["resolved"] if message.event == "resolved" else COLORS.get(message.severity, COLORS["error"])
        return {
            "text": f"{icon} {message.headline}",
            "attachments": [{"color": color, "text": message.body(), "fallback": message.headline}],
        }

    def send(self, message: AlertMessage, ref: dict[str, Any]) -> dict[str, Any]:
        post_json(self.webhook_url, self.payload(message))
        return ref
