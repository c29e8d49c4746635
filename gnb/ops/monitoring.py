"""Error tracking with Sentry, and the scrubber that keeps personal data and secrets out of events and logs.

``init_sentry`` is called from ``config/settings.py`` when ``SENTRY_DSN`` is set, so every process (web, worker,
scheduler, management commands) reports the same way. ``send_default_pii`` stays off, and every event, transaction and
breadcrumb still passes through ``scrub_event`` / ``scrub_breadcrumb``: the booking flow carries names, emails, phone
numbers and manage tokens in forms, URLs and local variables, and the SDK's own defaults do not know those fields.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from typing import Any

import sentry_sdk
from django.core.exceptions import ImproperlyConfigured

# The scrubber lives in core, as the audit log uses it too; these names are also read from here.
from gnb.core.scrub import FILTERED, is_sensitive_key, scrub_data, scrub_text

__all__ = ["FILTERED", "init_sentry", "is_sensitive_key", "scrub_breadcrumb", "scrub_data", "scrub_event", "scrub_text"]


def _scrub_request(request: dict[str, Any]) -> None:
    for field in ("data", "headers", "env"):
        if field in request:
            request[field] = scrub_data(request[field])
    if "cookies" in request:
        # Cookies are session, CSRF and consent state: nothing in them helps debugging and some of them are secrets.
        cookies = request["cookies"]
        request["cookies"] = {name: FILTERED for name in cookies} if isinstance(cookies, Mapping) else FILTERED
    for field in ("url", "query_string"):
        if field in request:
            request[field] = scrub_data(request[field], by_key=False)


def _scrub_frames(container: dict[str, Any]) -> None:
    stacktrace = container.get("stacktrace")
    if not isinstance(stacktrace, dict):
        return
    for frame in stacktrace.get("frames") or ():
        if not isinstance(frame, dict):
            continue
        if "vars" in frame:
            frame["vars"] = scrub_data(frame["vars"])
        # Source lines can hold literals too (a test card number, an address in a default).
        for field in ("context_line", "pre_context", "post_context"):
            if field in frame:
                frame[field] = scrub_data(frame[field], by_key=False)


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sentry ``before_send`` / ``before_send_transaction``: remove personal data and secrets from ``event``."""
    if isinstance(event.get("request"), dict):
        _scrub_request(event["request"])
    for container_name in ("exception", "threads"):
        container = event.get(container_name)
        if isinstance(container, dict):
            for item in container.get("values") or ():
                if isinstance(item, dict):
                    if isinstance(item.get("value"), str):
                        item["value"] = scrub_text(item["value"])
                    _scrub_frames(item)
    if isinstance(event.get("logentry"), dict):
        event["logentry"] = scrub_data(event["logentry"], by_key=False)
    if isinstance(event.get("message"), str):
        event["message"] = scrub_text(event["message"])
    for field in ("extra", "user"):
        if field in event:
            event[field] = scrub_data(event[field])
    for field in ("tags", "contexts", "transaction"):
        if field in event:
            event[field] = scrub_data(event[field], by_key=False)
    breadcrumbs = event.get("breadcrumbs")
    if isinstance(breadcrumbs, dict):
        breadcrumbs["values"] = [scrub_breadcrumb(crumb) for crumb in breadcrumbs.get("values") or ()]
    elif isinstance(breadcrumbs, list):
        event["breadcrumbs"] = [scrub_breadcrumb(crumb) for crumb in breadcrumbs]
    if isinstance(event.get("spans"), list):
        for span in event["spans"]:
            if isinstance(span, dict):
                for field in ("description", "data"):
                    if field in span:
                        span[field] = scrub_data(span[field])
    return event


def scrub_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sentry ``before_breadcrumb``: the same rules for a breadcrumb's message and data."""
    if isinstance(crumb.get("message"), str):
        crumb["message"] = scrub_text(crumb["message"])
    if "data" in crumb:
        crumb["data"] = scrub_data(crumb["data"])
    return crumb


# --- tasks ------------------------------------------------------------------------------------------------


def _task_started(sender: Any, task_result: Any, **kwargs: Any) -> None:
    # Errors logged while the task runs carry the task name too (the worker has no request scope to hang it on).
    scope = sentry_sdk.get_isolation_scope()
    scope.set_tag("task", task_result.task.module_path)
    scope.set_tag("task_id", str(task_result.id))


def _task_finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
    from django_tasks import TaskResultStatus

    scope = sentry_sdk.get_isolation_scope()
    try:
        if task_result.status != TaskResultStatus.FAILED:
            return
        task_path = task_result.task.module_path
        with sentry_sdk.new_scope() as event_scope:
            event_scope.set_tag("task", task_path)
            event_scope.set_tag("task_id", str(task_result.id))
            event_scope.set_context(
                "task", {"id": str(task_result.id), "path": task_path, "attempt": task_result.attempts}
            )
            # Both the database worker and the immediate backend send task_finished from inside their ``except``
            # block, so the task's own exception (with its frames) is the one being handled here.
            exc_info = sys.exc_info()
            if exc_info[1] is not None:
                sentry_sdk.capture_exception(exc_info)
            else:
                error = task_result.errors[-1] if task_result.errors else None
                detail = error.exception_class_path if error else "unknown error"
                sentry_sdk.capture_message(f"Task {task_path} failed: {detail}", level="error")
    finally:
        scope.remove_tag("task")
        scope.remove_tag("task_id")


def _connect_task_signals() -> None:
    from django_tasks.signals import task_finished, task_started

    task_started.connect(_task_started, dispatch_uid="gnb.ops.monitoring.task_started", weak=False)
    task_finished.connect(_task_finished, dispatch_uid="gnb.ops.monitoring.task_finished", weak=False)


def init_sentry(*, dsn: str, environment: str, release: str | None, traces_sample_rate: float) -> None:
    """Start the Sentry client with the Django and logging integrations and task-failure capture.

    Raises ImproperlyConfigured naming SENTRY_DSN when the DSN cannot be parsed, so a typo stops the process at start
    instead of silently dropping every error.
    """
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration, ignore_logger
    from sentry_sdk.utils import BadDsn, Dsn

    try:
        Dsn(dsn)
    except BadDsn as exc:
        # The DSN's key is a credential: name the variable and the problem, never the value.
        raise ImproperlyConfigured(f"SENTRY_DSN is not a valid Sentry DSN: {exc}") from None
    if not 0 <= traces_sample_rate <= 1:
        raise ImproperlyConfigured(f"SENTRY_TRACES_SAMPLE_RATE={traces_sample_rate} must be between 0 and 1")
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        traces_sample_rate=traces_sample_rate,
        # Personal data stays off: send_default_pii is left at its default (False) because sentry-sdk 2.7x warns
        # when it is passed at all (it is being replaced by data_collection); the scrubbers below do the rest.
        max_request_body_size="medium",
        include_local_variables=True,
        before_send=scrub_event,  # type: ignore[arg-type]
        before_send_transaction=scrub_event,  # type: ignore[arg-type]
        before_breadcrumb=scrub_breadcrumb,  # type: ignore[arg-type]
        integrations=[
            DjangoIntegration(transaction_style="url"),
            LoggingIntegration(level=logging.INFO, event_level=logging.ERROR),
        ],
    )
    # django-tasks logs every failed task with logger.exception; the task_finished receiver below reports the same
    # failure once, with the task's tags, so the log line must not become a second event.
    ignore_logger("django_tasks")
    _connect_task_signals()
