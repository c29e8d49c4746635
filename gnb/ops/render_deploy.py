"""Deploy to Render, wait until the new version is live, verify it, and roll back when it is not right.

The deploy workflow runs this through ``manage.py render_deploy``; it is project code so the whole sequence runs and is
tested outside GitHub. It speaks the Render REST API (https://api.render.com/v1):

- ``GET  /services/{id}/deploys?limit=N``          remember the deploy that is live now
- ``POST /services/{id}/deploys``                  start a deploy (or a GET/POST to the service's deploy hook)
- ``GET  /services/{id}/deploys/{deployId}``       poll until ``live`` or a failure status
- ``POST /services/{id}/deploys/{deployId}/cancel`` stop a deploy that took too long
- ``POST /services/{id}/rollback``                 ``{"deployId": previous}`` when verification fails

Only the web service is verified and rolled back (its pre-deploy command runs the migrations). The worker and the
scheduler follow once the web service is verified, so they never run code the web service refused.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

LIVE = "live"
FAILED_STATUSES = frozenset({"build_failed", "update_failed", "canceled", "pre_deploy_failed", "deactivated"})
TIMED_OUT = "timed_out"
# Answers worth trying again: the API is briefly unavailable or asks us to slow down.
RETRYABLE_HTTP = frozenset({429, 500, 502, 503, 504})


class RenderError(Exception):
    """The Render API could not be reached or gave an answer this code cannot use."""


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    output: str


class RenderClient:
    """A small client for the few Render API calls a deploy needs (standard library only)."""

    def __init__(
        self,
        *,
        api_url: str,
        api_key: str,
        timeout: float = 30,
        retries: int = 3,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.retries = retries
        self._sleep = sleep

    def _call(self, method: str, url: str, body: dict[str, Any] | None = None, *, auth: bool = True) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Accept": "application/json", "User-Agent": "gnb-render-deploy"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if auth:
            headers["Authorization"] = f"Bearer {self.api_key}"
        attempt = 0
        while True:
            attempt += 1
            # The URLs are the configured API base (checked http(s) at start) or the configured deploy hook.
            request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                    raw = response.read()
                break
            except urllib.error.HTTPError as exc:
                detail = exc.read().decode(errors="replace")[:300]
                if exc.code in RETRYABLE_HTTP and attempt <= self.retries:
                    self._sleep(_retry_delay(exc.headers.get("Retry-After"), attempt))
                    continue
                raise RenderError(f"{method} {_redact(url)} answered {exc.code}: {detail or exc.reason}") from None
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                if attempt <= self.retries:
                    self._sleep(_retry_delay(None, attempt))
                    continue
                reason = getattr(exc, "reason", exc)
                raise RenderError(f"{method} {_redact(url)} failed: {reason}") from None
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise RenderError(f"{method} {_redact(url)} did not answer JSON") from None

    def _service_url(self, service_id: str, *parts: str) -> str:
        path = "/".join(urllib.parse.quote(part, safe="") for part in (service_id, *parts))
        return f"{self.api_url}/services/{path}"

    def list_deploys(self, service_id: str, *, limit: int = 20) -> list[dict[str, Any]]:
        """Newest first. Render wraps each item as ``{"deploy": {...}, "cursor": "..."}``; plain items are accepted."""
        answer = self._call("GET", f"{self._service_url(service_id, 'deploys')}?limit={limit}")
        if not isinstance(answer, list):
            raise RenderError(f"listing deploys of {service_id} did not answer a list")
        deploys = []
        for item in answer:
            deploy = item.get("deploy", item) if isinstance(item, dict) else None
            if isinstance(deploy, dict) and deploy.get("id"):
                deploys.append(deploy)
        return deploys

    def live_deploy_id(self, service_id: str) -> str | None:
        for deploy in self.list_deploys(service_id):
            if deploy.get("status") == LIVE:
                return str(deploy["id"])
        return None

    def trigger_deploy(self, service_id: str, *, commit_id: str | None = None) -> str:
        body: dict[str, Any] = {"clearCache": "do_not_clear"}
        if commit_id:
            body["commitId"] = commit_id
        return _deploy_id(self._call("POST", self._service_url(service_id, "deploys"), body), "starting a deploy")

    def trigger_hook(self, hook_url: str) -> str | None:
        """The deploy hook needs no API key; it answers the new deploy's id when it has one to give."""
        answer = self._call("POST", hook_url, auth=False)
        try:
            return _deploy_id(answer, "the deploy hook")
        except RenderError:
            return None

    def get_deploy(self, service_id: str, deploy_id: str) -> dict[str, Any]:
        answer = self._call("GET", self._service_url(service_id, "deploys", deploy_id))
        if not isinstance(answer, dict):
            raise RenderError(f"deploy {deploy_id} did not answer an object")
        nested = answer.get("deploy")
        return nested if isinstance(nested, dict) else answer

    def cancel_deploy(self, service_id: str, deploy_id: str) -> None:
        self._call("POST", self._service_url(service_id, "deploys", deploy_id, "cancel"))

    def rollback(self, service_id: str, deploy_id: str) -> str:
        answer = self._call("POST", self._service_url(service_id, "rollback"), {"deployId": deploy_id})
        return _deploy_id(answer, "the rollback")


def _deploy_id(answer: Any, what: str) -> str:
    if isinstance(answer, dict):
        nested = answer.get("deploy")
        deploy: dict[str, Any] = nested if isinstance(nested, dict) else answer
        if deploy.get("id"):
            return str(deploy["id"])
    raise RenderError(f"{what} did not answer a deploy id")


def _retry_delay(retry_after: str | None, attempt: int) -> float:
    if retry_after and retry_after.strip().isdigit():
        return min(float(retry_after), 60.0)
    return min(2.0**attempt, 30.0)


def _redact(url: str) -> str:
    """Deploy hook URLs carry their secret in the query string (``?key=…``); never print it."""
    parts = urllib.parse.urlsplit(url)
    shown = {"limit", "cursor"}
    query = "&".join(f"{name}={value if name in shown else '…'}" for name, value in urllib.parse.parse_qsl(parts.query))
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


@dataclass
class ServiceOutcome:
    service_id: str
    deploy_id: str | None = None
    status: str = "not started"

    @property
    def live(self) -> bool:
        return self.status == LIVE


@dataclass
class DeployReport:
    """What happened, in order; ``ok`` only when the new version is live and verified everywhere."""

    service_id: str
    previous_deploy_id: str | None = None
    deploy_id: str | None = None
    status: str = "not started"
    verified: bool | None = None
    verify_output: str = ""
    rolled_back_to: str | None = None
    rollback_status: str | None = None
    followers: list[ServiceOutcome] = field(default_factory=list)
    error: str | None = None
    steps: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.error is None
            and self.status == LIVE
            and self.verified is True
            and all(follower.live for follower in self.followers)
        )

    @property
    def headline(self) -> str:
        if self.ok:
            return f"Deploy {self.deploy_id} of {self.service_id} is live and verified."
        if self.rolled_back_to:
            state = "live again" if self.rollback_status == LIVE else f"rollback {self.rollback_status}"
            return f"Deploy {self.deploy_id} failed verification; rolled back to {self.rolled_back_to} ({state})."
        if self.verified is False:
            return f"Deploy {self.deploy_id} failed verification and there is no earlier deploy to roll back to."
        if self.verified is True:
            failed = ", ".join(f"{f.service_id} ({f.status})" for f in self.followers if not f.live)
            return f"Web deploy {self.deploy_id} is live and verified, but these services did not deploy: {failed}."
        if self.error:
            return f"Deploy of {self.service_id} failed: {self.error}"
        return f"Deploy {self.deploy_id} of {self.service_id} ended {self.status}; the previous version keeps serving."

    def as_text(self) -> str:
        lines = [self.headline, "", *[f"- {step}" for step in self.steps]]
        if self.verify_output.strip():
            lines += ["", "Verification output:", self.verify_output.rstrip()]
        return "\n".join(lines)

    def as_markdown(self) -> str:
        icon = "✅" if self.ok else "❌"
        rows = [
            ("service", self.service_id),
            ("previous live deploy", self.previous_deploy_id or "none"),
            ("new deploy", self.deploy_id or "none"),
            ("status", self.status),
            ("verified", {True: "yes", False: "no", None: "not run"}[self.verified]),
            ("rolled back to", self.rolled_back_to or "no"),
        ]
        rows += [(f"follower {f.service_id}", f"{f.deploy_id or '-'} {f.status}") for f in self.followers]
        table = "\n".join(f"| {name} | `{value}` |" for name, value in rows)
        parts = [f"## {icon} {self.headline}", "", "| | |", "|---|---|", table, "", *[f"1. {s}" for s in self.steps]]
        if self.verify_output.strip():
            parts += ["", "<details><summary>Verification output</summary>", "", "```", self.verify_output.rstrip()]
            parts += ["```", "</details>"]
        return "\n".join(parts) + "\n"

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "headline": self.headline,
            "service_id": self.service_id,
            "previous_deploy_id": self.previous_deploy_id,
            "deploy_id": self.deploy_id,
            "status": self.status,
            "verified": self.verified,
            "rolled_back_to": self.rolled_back_to,
            "rollback_status": self.rollback_status,
            "followers": [
                {"service_id": f.service_id, "deploy_id": f.deploy_id, "status": f.status} for f in self.followers
            ],
            "error": self.error,
        }


class Deployer:
    """The deploy sequence; time and sleep are injectable so tests run it in milliseconds."""

    def __init__(
        self,
        client: RenderClient,
        *,
        timeout: float,
        interval: float = 10,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self.client = client
        self.timeout = timeout
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._say = say or (lambda message: None)

    def wait(self, service_id: str, deploy_id: str) -> str:
        """Poll until the deploy is live or failed; ``timed_out`` after ``timeout`` seconds. API hiccups are retried."""
        deadline = self._clock() + self.timeout
        last = ""
        while True:
            try:
                status = str(self.client.get_deploy(service_id, deploy_id).get("status") or "unknown")
            except RenderError as exc:
                status = last or "unknown"
                self._say(f"{deploy_id}: status not readable ({exc}); retrying")
            if status != last:
                self._say(f"{deploy_id}: {status}")
                last = status
            if status == LIVE or status in FAILED_STATUSES:
                return status
            if self._clock() >= deadline:
                return TIMED_OUT
            self._sleep(self.interval)

    def _find_new_deploy(self, service_id: str, previous: str | None, known: set[str]) -> str | None:
        """After a deploy hook without an id: the newest deploy that was not there before."""
        deadline = self._clock() + min(self.timeout, 120)
        while self._clock() < deadline:
            for deploy in self.client.list_deploys(service_id, limit=5):
                if deploy["id"] != previous and deploy["id"] not in known:
                    return str(deploy["id"])
            self._sleep(min(self.interval, 5))
        return None

    def run(
        self,
        *,
        service_id: str,
        verify: Callable[[], VerifyResult],
        commit_id: str | None = None,
        hook_url: str | None = None,
        follower_ids: Sequence[str] = (),
    ) -> DeployReport:
        report = DeployReport(service_id=service_id)

        def step(message: str) -> None:
            report.steps.append(message)
            self._say(message)

        try:
            known = self.client.list_deploys(service_id)
            report.previous_deploy_id = next((str(d["id"]) for d in known if d.get("status") == LIVE), None)
            step(f"live before this deploy: {report.previous_deploy_id or 'none (first deploy)'}")

            if hook_url and not commit_id:
                report.deploy_id = self.client.trigger_hook(hook_url) or self._find_new_deploy(
                    service_id, report.previous_deploy_id, {str(d["id"]) for d in known}
                )
                if not report.deploy_id:
                    raise RenderError("the deploy hook was called but no new deploy appeared")
                step(f"started deploy {report.deploy_id} through the deploy hook")
            else:
                report.deploy_id = self.client.trigger_deploy(service_id, commit_id=commit_id)
                step(f"started deploy {report.deploy_id}" + (f" of commit {commit_id}" if commit_id else ""))

            report.status = self.wait(service_id, report.deploy_id)
            if report.status == TIMED_OUT:
                step(f"not live after {self.timeout:.0f} s; cancelling it")
                self._try(lambda: self.client.cancel_deploy(service_id, str(report.deploy_id)), step, "cancel")
                return report
            if report.status != LIVE:
                step(f"deploy ended {report.status}; Render kept the previous version serving, nothing to roll back")
                return report
            step(f"deploy {report.deploy_id} is live")

            result = verify()
            report.verified, report.verify_output = result.ok, result.output
            if not result.ok:
                step("verification failed")
                self._roll_back(report, step)
                return report
            step("verification passed")

            for follower_id in follower_ids:
                report.followers.append(self._deploy_follower(follower_id, commit_id, step))
        except RenderError as exc:
            report.error = str(exc)
            step(f"error: {exc}")
        return report

    def _deploy_follower(self, service_id: str, commit_id: str | None, step: Callable[[str], None]) -> ServiceOutcome:
        outcome = ServiceOutcome(service_id=service_id)
        try:
            outcome.deploy_id = self.client.trigger_deploy(service_id, commit_id=commit_id)
            step(f"started deploy {outcome.deploy_id} of {service_id}")
            outcome.status = self.wait(service_id, outcome.deploy_id)
        except RenderError as exc:
            outcome.status = f"error: {exc}"
        step(f"{service_id}: {outcome.status}")
        return outcome

    def _roll_back(self, report: DeployReport, step: Callable[[str], None]) -> None:
        if not report.previous_deploy_id:
            step("no earlier live deploy to roll back to; the failed version stays live — act now")
            return
        rollback_id = self.client.rollback(report.service_id, report.previous_deploy_id)
        report.rolled_back_to = report.previous_deploy_id
        step(f"rolling back to {report.previous_deploy_id} (rollback deploy {rollback_id})")
        report.rollback_status = self.wait(report.service_id, rollback_id)
        step(f"rollback {rollback_id}: {report.rollback_status}")

    @staticmethod
    def _try(action: Callable[[], None], step: Callable[[str], None], what: str) -> None:
        try:
            action()
        except RenderError as exc:
            step(f"{what} failed: {exc}")


def verify_with_command(url: str, *, extra_args: Iterable[str] = ()) -> VerifyResult:
    """Run ``manage.py verify_deployment URL``; an error or a non-zero exit is a failed verification."""
    from io import StringIO

    from django.core.management import CommandError, call_command

    output = StringIO()
    try:
        call_command("verify_deployment", url, *extra_args, stdout=output, stderr=output)
    except CommandError as exc:
        output.write(f"\n{exc}\n")
        return VerifyResult(ok=False, output=output.getvalue())
    except SystemExit as exc:
        if exc.code not in (0, None):
            output.write(f"\nverify_deployment exited with {exc.code}\n")
            return VerifyResult(ok=False, output=output.getvalue())
    except Exception as exc:  # a crash in verification must still lead to a rollback, not a half-finished deploy
        logger.exception("verify_deployment crashed")
        output.write(f"\nverify_deployment crashed: {exc!r}\n")
        return VerifyResult(ok=False, output=output.getvalue())
    return VerifyResult(ok=True, output=output.getvalue())
