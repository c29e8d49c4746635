"""The alert channels this deployment uses: every known channel whose settings are filled in."""

from __future__ import annotations

from gnb.ops.alerts.base import Channel
from gnb.ops.alerts.channels.email import EmailChannel
from gnb.ops.alerts.channels.github import GitHubChannel
from gnb.ops.alerts.channels.slack import SlackChannel

# Adding a channel: a module under channels/ with a ``from_settings`` classmethod, and one entry here.
CHANNEL_CLASSES: dict[str, type[SlackChannel | EmailChannel | GitHubChannel]] = {
    SlackChannel.name: SlackChannel,
    EmailChannel.name: EmailChannel,
    GitHubChannel.name: GitHubChannel,
}


def enabled_channels() -> list[Channel]:
    """The configured channels, in registry order (read from settings on each call so tests can change them)."""
    channels: list[Channel] = []
    for channel_class in CHANNEL_CLASSES.values():
        channel = channel_class.from_settings()
        if channel is not None:
            channels.append(channel)
    return channels
