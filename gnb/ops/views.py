"""Health probes and the Prometheus endpoint.

``/health/live``: the process answers (no I/O). ``/health/ready``: it can serve (database, cache, queue, disk,
backups), 503 when a check fails. ``/metrics``: Prometheus text, only for a configured token and/or address.
None of them needs a session, a CSRF token or a language prefix, and ``ProbeMiddleware`` answers them before
host validation and the HTTPS redirect, because probes and scrapers call an instance by its internal address.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
from collections.abc import Callable

from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseForbidden,
    HttpResponseNotFound,
    JsonResponse,
)
from django.urls import resolve
from django.views.decorators.http import require_safe

from gnb.ops import health, metrics
from gnb.ops.alerts.services import alert_on_consecutive_failures

logger = logging.getLogger(__name__)

ALERT_KEY = "health.ready"


def _no_store(response: HttpResponseBase) -> HttpResponseBase:
    # A probe answer cached by a proxy would report a dead instance as healthy.
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
def health_live(request: HttpRequest) -> HttpResponseBase:
    """The process is up and answers: no database, cache or disk access, so a slow dependency never restarts it."""
    return _no_store(JsonResponse({"status": "ok"}))


@require_safe
def health_ready(request: HttpRequest) -> HttpResponseBase:
    """Run every readiness check; 200 when none fails (warnings included), 503 when one does.

    Each answer also feeds the ``health.ready`` alert: it fires after ``HEALTH_ALERT_AFTER_FAILURES`` failing
    answers in a row and resolves on the next passing one.
    """
    results = health.run_checks()
    status = health.worst(result.status for result in results)
    failing = [result.name for result in results if result.status == health.FAIL]
    _feed_alert(ok=not failing, failing=failing)
    body = {
        "status": status,
        "build": settings.BUILD_ID,
        "checks": {result.name: result.as_dict() for result in results},
    }
    response = JsonResponse(body, status=503 if failing else 200)
    if failing:
        # One warning naming the checks, instead of Django's "Service Unavailable" ERROR on every probe: a
        # probe every few seconds would otherwise flood the error log (and its error-burst alert).
        logger.warning("readiness failing: %s", ", ".join(failing))
        response._has_been_logged = True  # type: ignore[attr-defined]
    return _no_store(response)


def _feed_alert(*, ok: bool, failing: list[str]) -> None:
    title = "Readiness check failing: " + ", ".join(failing) if failing else "Readiness check failing"
    try:
        alert_on_consecutive_failures(key=ALERT_KEY, title=title, ok=ok, threshold=settings.HEALTH_ALERT_AFTER_FAILURES)
    except Exception:
        # Alerting is a side channel: its failure (often the same database outage) must not change the answer.
        logger.warning("readiness alert could not be recorded", exc_info=True)


# --- metrics ------------------------------------------------------------------------------------------------
def _bearer_token(request: HttpRequest) -> str:
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _token_ok(request: HttpRequest) -> bool:
    # Constant-time comparison of equal-length digests, so the answer time says nothing about how much of a
    # guess was right, nor about the token's length.
    given = hashlib.sha256(_bearer_token(request).encode()).digest()
    return hmac.compare_digest(given, hashlib.sha256(settings.METRICS_TOKEN.encode()).digest())


def _address_ok(request: HttpRequest) -> bool:
    # REMOTE_ADDR only: X-Forwarded-For is written by the client unless a trusted proxy rewrites it.
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network, strict=False) for network in settings.METRICS_ALLOWED_IPS)


@require_safe
def metrics_view(request: HttpRequest) -> HttpResponseBase:
    """Prometheus text format. 404 while neither ``METRICS_TOKEN`` nor ``METRICS_ALLOWED_IPS`` is set (the
    endpoint is off); 403 unless the request passes every one that is set."""
    if not settings.METRICS_TOKEN and not settings.METRICS_ALLOWED_IPS:
        return _no_store(HttpResponseNotFound("not found", content_type="text/plain"))
    if (settings.METRICS_TOKEN and not _token_ok(request)) or (
        settings.METRICS_ALLOWED_IPS and not _address_ok(request)
    ):
        return _no_store(HttpResponseForbidden("forbidden", content_type="text/plain"))
    body, content_type = metrics.scrape()
    return _no_store(HttpResponse(body, content_type=content_type))


# --- answering probes early ---------------------------------------------------------------------------------
PROBE_PATHS = frozenset({"/health/live", "/health/ready", "/metrics"})


class ProbeMiddleware:
    """Answer the probe paths before ``SecurityMiddleware`` and ``CommonMiddleware``.

    A load balancer or Prometheus calls ``http://10.0.3.7:8000/health/ready``: that host is not in
    ``ALLOWED_HOSTS`` (Django would answer 400) and plain HTTP would be redirected to HTTPS. These three views
    build no absolute URL, set no cookie and show nothing a host header could change, so any host may ask.
    The URL is still resolved (``config/urls.py``) so request metrics label it by its route.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path_info in PROBE_PATHS:
            match = resolve(request.path_info)
            request.resolver_match = match
            return match.func(request, *match.args, **match.kwargs)
        return self.get_response(request)
