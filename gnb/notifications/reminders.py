"""Which reminders are due: the driver reminder before each ride, and the request for the passport details U-ETDS
needs before the trip. The scheduler runs :func:`driver_reminders_queue` and :func:`travel_documents_requests_queue`
every few minutes (gnb.ops.schedule); each picks only what has no sent-record yet, and writes that record in the
transaction that queues the email, so a reminder is queued once however often the job runs or how long the worker
takes to send it.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from gnb.bookings.models import Booking, Passenger
from gnb.core.outbox import EmailKind, email_enqueue
from gnb.fleet.models import Trip, TripBooking
from gnb.fleet.selectors import missing_documents_filter
from gnb.notifications.models import SentEmail

logger = logging.getLogger(__name__)

# The bookings whose rides are reminded: still to ride (a return trip rides twice).
REMINDED = (Booking.Status.CONFIRMED, Booking.Status.ASSIGNED)


def riders_due_reminder(*, now: dt.datetime) -> list[TripBooking]:
    """Bookings on trips with a driver and a vehicle, not started, whose pickup is within
    ``GNB_DRIVER_REMINDER_HOURS`` from ``now`` and who have not been reminded of that ride."""
    reminded = SentEmail.objects.filter(kind=EmailKind.DRIVER_REMINDER, object_id=OuterRef("pk"))
    return list(
        TripBooking.objects.filter(
            trip__status=Trip.Status.ASSIGNED,
            trip__driver__isnull=False,
            trip__vehicle__isnull=False,
            trip__starts_at__gt=now,
            trip__starts_at__lte=now + dt.timedelta(hours=settings.GNB_DRIVER_REMINDER_HOURS),
            booking__status__in=REMINDED,
        )
        .exclude(Exists(reminded))
        .select_related("booking")
        .order_by("trip__starts_at", "pk")
    )


def bookings_due_travel_documents(*, now: dt.datetime) -> list[Booking]:
    """Bookings still to ride that start within ``GNB_TRAVEL_DOCUMENTS_REMINDER_HOURS`` from ``now``, with a
    passenger whose nationality or document number is missing, and no request for them yet."""
    asked = SentEmail.objects.filter(kind=EmailKind.TRAVEL_DOCUMENTS, booking=OuterRef("pk"))
    missing = Passenger.objects.filter(missing_documents_filter(), booking=OuterRef("pk"))
    return list(
        Booking.objects.filter(
            status__in=REMINDED,
            starts_at__gt=now,
            starts_at__lte=now + dt.timedelta(hours=settings.GNB_TRAVEL_DOCUMENTS_REMINDER_HOURS),
        )
        .filter(Exists(missing))
        .exclude(Exists(asked))
        .order_by("starts_at", "pk")
    )


def _queue_once(booking: Booking, kind: EmailKind, *, object_id: int | None = None) -> bool:
    """The sent-record (unsent) and the email's task in one transaction; False when another run was first."""
    keys = {"booking_id": booking.pk} if object_id is None else {"booking_id": booking.pk, "object_id": object_id}
    try:
        with transaction.atomic():
            SentEmail.objects.create(
                booking=booking,
                kind=kind,
                object_id=object_id,
                recipient=booking.lead_email,
                language=booking.language,
            )
            email_enqueue(kind=kind, **keys)
    except IntegrityError:  # two scheduler runs at once: the other one queued it
        return False
    return True


def driver_reminders_queue(*, now: dt.datetime | None = None) -> int:
    """Queue the driver reminder of every ride due one (see :func:`riders_due_reminder`); returns how many."""
    now = now or timezone.now()
    queued = sum(
        _queue_once(rider.booking, EmailKind.DRIVER_REMINDER, object_id=rider.pk)
        for rider in riders_due_reminder(now=now)
    )
    if queued:
        logger.info("driver reminders queued", extra={"count": queued})
    return queued


def travel_documents_requests_queue(*, now: dt.datetime | None = None) -> int:
    """Ask once for the passport details of every booking due (see :func:`bookings_due_travel_documents`);
    returns how many were queued."""
    now = now or timezone.now()
    queued = sum(_queue_once(booking, EmailKind.TRAVEL_DOCUMENTS) for booking in bookings_due_travel_documents(now=now))
    if queued:
        logger.info("passport detail requests queued", extra={"count": queued})
    return queued
