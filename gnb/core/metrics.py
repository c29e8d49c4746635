"""The process's live Prometheus counters that domain code counts into (bookings placed and cancelled).

Here, below every app, so the booking services count without importing ``gnb.ops``; ``gnb.ops.metrics`` adds the
request metrics to the same ``LIVE_REGISTRY``, reads the database at scrape time and serves ``/metrics``.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, disable_created_metrics

# The *_created series (when each labelled counter first appeared) double the series count and no dashboard
# or alert here reads them. Called before any counter exists, wherever the first one is made.
disable_created_metrics()

LIVE_REGISTRY = CollectorRegistry()

BOOKINGS_PLACED = Counter("gnb_bookings_placed", "Bookings placed, by kind.", ["kind"], registry=LIVE_REGISTRY)
BOOKINGS_CANCELLED = Counter("gnb_bookings_cancelled", "Bookings cancelled, by kind.", ["kind"], registry=LIVE_REGISTRY)


def count_booking_placed(kind: str) -> None:
    """Count one booking placed."""
    BOOKINGS_PLACED.labels(kind=kind).inc()


def count_booking_cancelled(kind: str) -> None:
    """Count one booking cancelled."""
    BOOKINGS_CANCELLED.labels(kind=kind).inc()
