"""Alerts raised by domain code (payments: a refund the provider refused, a burst of failed payments).

The alert service (incidents, channels, delivery) is ``gnb.ops.alerts``, which sits above the domain apps; it
registers itself here in ``OpsConfig.ready`` (:func:`alert_service_register`), so a domain module raises an alert
through this module without importing ``gnb.ops``. Without a registered service (an installation without the ops
app) an alert is a log line at ERROR level.
"""

from __future__ import annotations

import logging
from typing import Protocol

logger = logging.getLogger(__name__)


class AlertService(Protocol):
    def alert_raise(self, *, key: str, title: str, detail: str = "", severity: str = "error") -> None: ...

    def alert_on_burst(self, *, key: str, title: str, threshold: int, window_seconds: int) -> int: ...


_service: list[AlertService] = []


def alert_service_register(service: AlertService) -> None:
    """Name the service that records and delivers alerts (called once, from ``OpsConfig.ready``)."""
    _service[:] = [service]


def alert_raise(*, key: str, title: str, detail: str = "", severity: str = "error") -> None:
    """Record that the incident ``key`` is happening (see ``gnb.ops.alerts.services.alert_raise``)."""
    if not _service:
        logger.error("alert %s: %s", key, title)
        return
    _service[0].alert_raise(key=key, title=title, detail=detail, severity=severity)


def alert_on_burst(*, key: str, title: str, threshold: int, window_seconds: int) -> int:
    """Count one event of ``key`` and raise its alert when ``threshold`` happen within ``window_seconds`` (see
    ``gnb.ops.alerts.services.alert_on_burst``); returns the count in the current window."""
    if not _service:
        return 0
    return _service[0].alert_on_burst(key=key, title=title, threshold=threshold, window_seconds=window_seconds)
