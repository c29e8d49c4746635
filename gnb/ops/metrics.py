"""Prometheus metrics: request rate, latency and errors by route, bookings, queue depth and backup age.

Two kinds of numbers:

- counted in the process as things happen (requests, bookings placed and cancelled), kept in ``LIVE_REGISTRY``;
- read from the database at scrape time by ``DatabaseCollector`` (bookings by state, queue depth, backup age):
  a handful of aggregate queries per scrape, never per request, and the same answer from every process.

Several gunicorn workers: when ``PROMETHEUS_MULTIPROC_DIR`` is set before prometheus-client is imported, every
worker writes its counters to files in that directory and a scrape, served by any one worker, adds them up
(prometheus-client's multiprocess mode). The directory must be emptied when gunicorn starts, and gunicorn's
``child_exit`` hook calls ``prometheus_client.multiprocess.mark_process_dead(worker.pid)``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator

from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric

from gnb.core.metrics import (
    BOOKINGS_CANCELLED,
    BOOKINGS_PLACED,
    LIVE_REGISTRY,
    count_booking_cancelled,
    count_booking_placed,
)

__all__ = [
    "BOOKINGS_CANCELLED",
    "BOOKINGS_PLACED",
    "LIVE_REGISTRY",
    "count_booking_cancelled",
    "count_booking_placed",
]

logger = logging.getLogger(__name__)

# The *_created series (when each labelled counter first appeared) double the series count and no dashboard
# or alert here reads them.
disable_created_metrics()

HTTP_REQUESTS = Counter(
    "gnb_http_requests",
    "HTTP requests answered, by URL pattern, method and status class (5xx are errors).",
    ["route", "method", "status"],
    registry=LIVE_REGISTRY,
)
HTTP_DURATION = Histogram(
    "gnb_http_request_duration_seconds",
    "Time to produce the response, by URL pattern and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=LIVE_REGISTRY,
)

# Methods outside this set share one label value, so a client inventing methods cannot add series.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


# --- requests -----------------------------------------------------------------------------------------------
def route_label(request: HttpRequest) -> str:
    """The URL pattern that answered ``request``, never its raw path, so the number of series stays bounded.

    Language prefixes (``tr/``, ``de/``…) become ``{lang}/`` so one page is one series in every language.
    Requests that matched no pattern are ``<static>`` (answered by WhiteNoise before URL resolution) or
    ``<unmatched>`` (404s for any path anyone tries).
    """
    match = getattr(request, "resolver_match", None)
    if match is None:
        if settings.STATIC_URL and request.path_info.startswith(str(settings.STATIC_URL)):
            return "<static>"
        return "<unmatched>"
    route = match.route
    first, slash, rest = route.partition("/")
    if slash and first in {code for code, _name in settings.LANGUAGES}:
        route = "{lang}/" + rest
    return route or "/"


class RequestMetricsMiddleware:
    """Count and time every request by route, method and status class. First in ``MIDDLEWARE`` to time it all.

    Streaming responses are timed until their headers are ready, not until the last byte is sent.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        route = route_label(request)
        method = request.method if request.method in _METHODS else "other"
        HTTP_REQUESTS.labels(route=route, method=method, status=f"{response.status_code // 100}xx").inc()
        HTTP_DURATION.labels(route=route, method=method).observe(elapsed)
        return response


# --- bookings -----------------------------------------------------------------------------------------------
# A placement is counted by an on_commit callback the booking service registers, so one that an enclosing
# transaction rolls back (two identical Idempotency-Key requests racing) is never counted. A cancellation is
# counted right after the service's own transaction block, so one that raised inside it is never counted.
# The counters themselves are in gnb.core.metrics, where the booking services reach them.


# --- read at scrape time ------------------------------------------------------------------------------------
class DatabaseCollector:
    """Numbers the database already knows, read when Prometheus scrapes: a few aggregate queries in all.

    A part that cannot be read (database down) is left out and reported as ``gnb_metrics_collector_up 0``
    instead of failing the whole scrape, so request metrics keep flowing while the database is away.
    """

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "gnb_metrics_collector_up", "1 when this part of the database metrics was read.", labels=["collector"]
        )
        parts = (
            ("bookings", self._bookings),
            ("payments", self._payments),
            ("queue", self._queue),
            ("backup", self._backup),
        )
        for name, read in parts:
            try:
                families = list(read())
            except Exception:
                logger.warning("metrics collector %s failed", name, exc_info=True)
                up.add_metric([name], 0)
                continue
            up.add_metric([name], 1)
            yield from families
        yield up
        build = GaugeMetricFamily("gnb_build_info", "The build this process runs.", labels=["build_id"])
        build.add_metric([settings.BUILD_ID], 1)
        yield build

    @staticmethod
    def _bookings() -> Iterable[Metric]:
        # A booking's payment method and payment state; the attempts themselves are in ``gnb_payments``.
        from gnb.bookings.models import Booking

        family = GaugeMetricFamily(
            "gnb_bookings_by_state",
            "Bookings in the database by trip status, payment method and payment state.",
            labels=["status", "payment_method", "payment_state"],
        )
        rows = (
            Booking.objects.order_by()
            .values_list("status", "payment_method", "payment_state")
            .annotate(total=Count("id"))
        )
        for status, method, payment_state, total in rows:
            family.add_metric([status, method, payment_state], total)
        return [family]

    @staticmethod
    def _payments() -> Iterable[Metric]:
        """Payment attempts by provider and state, refunds by provider and state, and card holds live now (three
        aggregate queries). Attempts flagged for staff are counted apart: alert on any."""
        from django.db.models import Q

        from gnb.bookings.models import Booking
        from gnb.payments.models import Payment, Refund

        payments = GaugeMetricFamily(
            "gnb_payments", "Payment attempts by provider and state.", labels=["provider", "state"]
        )
        attention = GaugeMetricFamily(
            "gnb_payments_needing_attention", "Payments flagged for staff (e.g. paid after expiry, refund failed)."
        )
        flagged = 0
        rows = (
            Payment.objects.order_by()
            .values_list("provider", "state")
            .annotate(total=Count("id"), flagged=Count("id", filter=Q(needs_attention=True)))
        )
        for provider, state, total, flagged_here in rows:
            payments.add_metric([provider, state], total)
            flagged += flagged_here
        attention.add_metric([], flagged)
        refunds = GaugeMetricFamily("gnb_refunds", "Refunds by provider and state.", labels=["provider", "state"])
        for provider, state, total in (
            Refund.objects.order_by().values_list("provider", "state").annotate(total=Count("id"))
        ):
            refunds.add_metric([provider, state], total)
        holds = GaugeMetricFamily(
            "gnb_payment_holds_live",
            "Card bookings holding their seats while waiting for payment, hold not yet over.",
            Booking.objects.filter(status=Booking.Status.PENDING_PAYMENT, hold_expires_at__gt=timezone.now()).count(),
        )
        return [payments, attention, refunds, holds]

    @staticmethod
    def _queue() -> Iterable[Metric]:
        from gnb.ops.health import queue_stats

        stats = queue_stats()
        return [
            GaugeMetricFamily(
                "gnb_task_queue_waiting_tasks", "Tasks due to run that no worker has picked up yet.", stats.waiting
            ),
            GaugeMetricFamily(
                "gnb_task_queue_oldest_waiting_seconds",
                "How long the oldest waiting task has waited (0 when none waits).",
                stats.oldest_seconds or 0.0,
            ),
        ]

    @staticmethod
    def _backup() -> Iterable[Metric]:
        # With no successful backup yet both series are absent; alert on that with absent(...).
        from gnb.ops.health import backup_stats

        last = backup_stats().last_success_at
        if last is None:
            return []
        return [
            GaugeMetricFamily(
                "gnb_backup_last_success_timestamp_seconds",
                "When the last successful backup finished (Unix time).",
                last.timestamp(),
            ),
            GaugeMetricFamily(
                "gnb_backup_age_seconds",
                "Seconds since the last successful backup finished.",
                max((timezone.now() - last).total_seconds(), 0.0),
            ),
        ]


def scrape() -> tuple[bytes, str]:
    """The metrics page and its content type: this process's (or, in multiprocess mode, every worker's)
    counters plus the database readings."""
    registry = CollectorRegistry()
    if settings.PROMETHEUS_MULTIPROC_DIR:
        multiprocess.MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)
    else:
        registry.register(LIVE_REGISTRY)
    registry.register(DatabaseCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST
