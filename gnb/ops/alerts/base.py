"""What every alert channel implements, and how a channel says whether a failure is worth retrying."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

Event = Literal["fired", "resolved"]
EVENTS: tuple[Event, ...] = ("fired", "resolved")

HTTP_TIMEOUT_SECONDS = 10


class ChannelError(Exception):
    """A channel could not deliver. ``permanent`` says whether trying again can help."""

    permanent: ClassVar[bool] = False


class TransientChannelError(ChannelError):
    """Network trouble, a timeout, rate limiting or a server error: the next delivery attempt retries it."""

    permanent = False


class PermanentChannelError(ChannelError):
    """Bad credentials, an unknown repository or webhook, a rejected payload: logged and not retried."""

    permanent = True


@dataclass(frozen=True)
class AlertMessage:
    """One notification about one incident, as every channel receives it."""

    key: str
    event: Event
    title: str
    detail: str
    severity: str
    fire_count: int
    first_fired_at: dt.datetime
    last_fired_at: dt.datetime
    resolved_at: dt.datetime | None
    site_url: str
    # A "fired" message about an incident that was already announced and keeps happening.
    reminder: bool = False

    @property
    def headline(self) -> str:
        """``FIRING [error] Backup failed`` / ``RESOLVED Backup failed``: the first line of every message."""
        if self.event == "resolved":
            return f"RESOLVED {self.title}"
        return f"{'STILL FIRING' if self.reminder else 'FIRING'} [{self.severity}] {self.title}"

    def body(self) -> str:
        """The detail, then the facts every channel shows below the headline, one per line."""
        lines = [f"Alert: {self.key}", f"Site: {self.site_url}", f"First fired: {self.first_fired_at.isoformat()}"]
        if self.event == "resolved" and self.resolved_at is not None:
            lines.append(f"Resolved: {self.resolved_at.isoformat()}")
        lines.append(f"Times fired: {self.fire_count}")
        facts = "\n".join(lines)
        return f"{self.detail}\n\n{facts}" if self.detail else facts


class Channel:
    """An alert destination. Subclasses set ``name`` and implement ``send``; the registry builds them from settings."""

    name: ClassVar[str]

    def send(self, message: AlertMessage, ref: dict[str, Any]) -> dict[str, Any]:
        """Deliver ``message``; ``ref`` is what this channel stored for the incident, the return value replaces it.

        Raises TransientChannelError or PermanentChannelError.
        """
        raise NotImplementedError


def post_json(
    url: str, payload: dict[str, Any], *, headers: dict[str, str] | None = None, method: str = "POST"
) -> tuple[int, bytes]:
    """Send ``payload`` as JSON; returns (status, body) for a 2xx answer, raises a ChannelError otherwise.

    429 and 5xx answers and network errors are transient; other 4xx answers are permanent (the request itself is
    wrong and will be wrong next time too).
    """
    data = json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 (URL from validated settings)
    request.add_header("Content-Type", "application/json")
    request.add_header("User-Agent", "gnb-transfer-alerts")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        body = exc.read()[:300].decode(errors="replace")
        rate_limited = exc.code == 403 and exc.headers.get("x-ratelimit-remaining") == "0"
        error_class = (
            TransientChannelError if exc.code == 429 or exc.code >= 500 or rate_limited else PermanentChannelError
        )
        raise error_class(f"HTTP {exc.code} from {request.host}: {body}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TransientChannelError(f"cannot reach {request.host}: {reason}") from None
