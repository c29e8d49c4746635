"""GitHub issues through the REST API: an issue per incident, a comment per reminder, closed when resolved."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings

from gnb.ops.alerts.base import AlertMessage, Channel, PermanentChannelError, post_json

API_VERSION = "2022-11-28"


class GitHubChannel(Channel):
    """Opens ``[GNB alert] <title>`` in ALERT_GITHUB_REPO, comments while it keeps firing, closes it when resolved.

    The issue number is kept in the incident's external_ref with the incident's first-fired time, so an incident that
    comes back after being resolved gets a new issue instead of reopening an old discussion.
    """

    name = "github"

    def __init__(self, *, token: str, repo: str, api_url: str) -> None:
        self.token = token
        self.repo = repo
        self.api_url = api_url.rstrip("/")

    @classmethod
    def from_settings(cls) -> GitHubChannel | None:
        """The channel when a token and a repository are configured, else None."""
        if not (settings.ALERT_GITHUB_TOKEN and settings.ALERT_GITHUB_REPO):
            return None
        return cls(
            token=settings.ALERT_GITHUB_TOKEN, repo=settings.ALERT_GITHUB_REPO, api_url=settings.ALERT_GITHUB_API_URL
        )

    def _call(self, method: str, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        _status, body = post_json(
            f"{self.api_url}/repos/{self.repo}{path}",
            payload,
            method=method,
            headers={
                "Authorization": f"Bearer {self.token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
            },
        )
        try:
            answer = json.loads(body or b"{}")
        except ValueError:
            raise PermanentChannelError(f"GitHub answered {path} with something that is not JSON") from None
        return answer if isinstance(answer, dict) else {}

    def send(self, message: AlertMessage, ref: dict[str, Any]) -> dict[str, Any]:
        incident = message.first_fired_at.isoformat()
        issue = ref.get("issue") if ref.get("incident") == incident else None
        if message.event == "fired":
            if issue is None:
                created = self._call(
                    "POST",
                    "/issues",
                    {"title": f"[GNB alert] {message.title}", "body": message.body(), "labels": ["alert"]},
                )
                if not isinstance(created.get("number"), int):
                    raise PermanentChannelError("GitHub created an issue but did not say its number")
                return {**ref, "issue": created["number"], "incident": incident}
            self._call("POST", f"/issues/{issue}/comments", {"body": f"{message.headline}\n\n{message.body()}"})
            return ref
        if issue is None:  # nothing was opened for this incident (GitHub was off or refused), so nothing to close
            return ref
        # Close first: closing twice is harmless, so a retry after a failed comment repeats nothing visible.
        self._call("PATCH", f"/issues/{issue}", {"state": "closed", "state_reason": "completed"})
        self._call("POST", f"/issues/{issue}/comments", {"body": f"{message.headline}\n\n{message.body()}"})
        return ref
