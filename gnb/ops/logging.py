"""Structured logs: a request id on every line, JSON or text output, secrets scrubbed, error bursts alerted.

``config/settings.py`` wires these into ``LOGGING``: ``RequestIdFilter`` on the console handler, ``JsonFormatter`` or
``TextFormatter`` by ``LOG_FORMAT``, and ``ErrorBurstHandler`` on the root logger. Records logged outside a request or
a task run carry the request id ``-``.
"""

from __future__ import annotations

import logging
import sys
import threading
from contextvars import ContextVar, Token
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _BaseJsonFormatter

from gnb.core.requests import NO_REQUEST_ID, current_request_id, request_id_var
from gnb.core.scrub import scrub_data, scrub_text

__all__ = ["NO_REQUEST_ID", "current_request_id", "request_id_var"]

_task_token_var: ContextVar[Token[str] | None] = ContextVar("gnb_task_request_id_token", default=None)

# Marks a record whose message was already scrubbed, so a second handler does not pay for it again.
_SCRUBBED = "_gnb_scrubbed"
# Output fields this module produces itself; any other field came from ``extra=`` and is scrubbed by its key.
_OWN_FIELDS = frozenset({"timestamp", "level", "logger", "message", "request_id", "exc_info", "stack_info"})


def prepare_record(record: logging.LogRecord) -> None:
    """Add ``request_id`` and replace the message by its scrubbed text (once per record, whichever handler is first).

    Formatting here means a password or card number passed as an argument never reaches any output: the scrubbed
    text replaces ``msg`` and ``args``, so formatting it again later gives the same text.
    """
    if not hasattr(record, "request_id"):
        record.request_id = request_id_var.get()
    if getattr(record, _SCRUBBED, False):
        return
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: leave it for the handler to report the usual way
        return
    record.msg = scrub_text(message)
    record.args = None
    setattr(record, _SCRUBBED, True)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record and scrubs secrets and personal data from its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        prepare_record(record)
        return True


class _ScrubbedExceptionMixin:
    def formatException(self, ei: Any) -> str:
        # Exception messages often quote the data that failed validation (emails, phone numbers, tokens).
        return scrub_text(super().formatException(ei))  # type: ignore[misc]


class TextFormatter(_ScrubbedExceptionMixin, logging.Formatter):
    """Plain text for development: time, level, request id, logger, message."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        prepare_record(record)  # also covers a handler configured without RequestIdFilter
        return super().format(record)


class JsonFormatter(_ScrubbedExceptionMixin, _BaseJsonFormatter):
    """One JSON object per line: timestamp, level, logger, message, request_id, plus any ``extra`` fields."""

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "timestamp", "levelname": "level", "name": "logger"},
            datefmt="%Y-%m-%dT%H:%M:%S%z",
            # django.request attaches the request object; its path is in the message and its repr adds nothing.
            reserved_attrs=[*RESERVED_ATTRS, _SCRUBBED, "request"],
        )

    def format(self, record: logging.LogRecord) -> str:
        prepare_record(record)
        return super().format(record)

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        for key, value in list(log_data.items()):
            if key not in _OWN_FIELDS:
                log_data[key] = scrub_data({key: value})[key]
        return log_data


class ErrorBurstHandler(logging.Handler):
    """Counts ERROR records and raises the ``errors.burst`` alert when too many come within the window.

    The alerting code logs too (a channel that fails logs an error), so a thread-local flag stops a record logged
    while handling a record from being counted, and records from the alerts package are never counted.
    """

    _busy = threading.local()

    def __init__(self, level: int = logging.ERROR) -> None:
        super().__init__(level)

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("gnb.ops.alerts") or getattr(self._busy, "active", False):
            return
        self._busy.active = True
        try:
            from django.apps import apps

            if not apps.ready:  # errors during start-up: no cache or database to count with yet
                return
            from django.conf import settings

            from gnb.ops.alerts.services import ERROR_BURST_KEY, ERROR_BURST_TITLE, alert_on_burst

            alert_on_burst(
                key=ERROR_BURST_KEY,
                title=ERROR_BURST_TITLE,
                threshold=settings.ALERT_ERROR_BURST_THRESHOLD,
                window_seconds=settings.ALERT_ERROR_BURST_WINDOW_SECONDS,
            )
        except Exception as exc:  # never let alerting break the code that logged; logging here would recurse
            sys.stderr.write(f"ErrorBurstHandler: cannot count an error record: {exc!r}\n")
        finally:
            self._busy.active = False


# --- task runs --------------------------------------------------------------------------------------------


def _task_started(sender: Any, task_result: Any, **kwargs: Any) -> None:
    # Lines logged by a task carry its task id, so one run's lines can be found like one request's.
    _task_token_var.set(request_id_var.set(str(task_result.id)))


def _task_finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
    token = _task_token_var.get()
    if token is not None:
        _task_token_var.set(None)
        try:
            request_id_var.reset(token)
        except ValueError:  # set in another context (should not happen with the shipped backends)
            request_id_var.set(NO_REQUEST_ID)


def connect_task_signals() -> None:
    """Give task runs their task id as request id.

    Called at import: ``LOGGING`` names classes from this module, so every process imports it when logging is set up.
    """
    from django_tasks.signals import task_finished, task_started

    task_started.connect(_task_started, dispatch_uid="gnb.ops.logging.task_started", weak=False)
    task_finished.connect(_task_finished, dispatch_uid="gnb.ops.logging.task_finished", weak=False)


connect_task_signals()
