"""Reporting trips to U-ETDS: what is sent for a trip, when, and what is recorded of the answer.

Each trip is reported once its driver, vehicle and every passenger's nationality and document number are known:
``seferEkle`` (the trip), ``personelEkle`` (the driver), ``seferGrupEkle`` (one group per booking) and ``yolcuEkle``
(each passenger). A trip changed after it was reported (``STALE``, set by :mod:`gnb.fleet.services`) has its report
withdrawn (``seferIptal``) and made again; a trip released after it was reported (``CANCEL_DUE``) has it withdrawn;
a reported trip that ended as a no-show reports its passengers as not travelled (``yolcuGelmeyenBildir``).

The Ministry's service is slow I/O, so it is never called inside a transaction: what to send is read first, the
service is called, and the answer is written in a short transaction that locks the trip and checks it did not
change in the meantime (if it did, the report is left for the next run, which sees the change).
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from gnb.core.alerts import alert_raise
from gnb.core.locking import lock_rows
from gnb.fleet import selectors
from gnb.fleet.models import Trip, TripEvent
from gnb.fleet.uetds import registry
from gnb.fleet.uetds.client import (
    GroupInput,
    NoShowInput,
    PassengerInput,
    StaffInput,
    TripInput,
    UetdsError,
    UetdsRefused,
)

logger = logging.getLogger(__name__)

LOCAL = zoneinfo.ZoneInfo(settings.TIME_ZONE)
R = Trip.Reporting
T = Trip.Status

# ``turKodu`` of the staff list: 1 is the driver. The code list comes with the Ministry's WSDL documentation handed
# over when the U-ETDS account is opened; check it there before adding guides or hostesses.
DRIVER_ROLE_CODE = 1
COUNTRY = "TR"
BACKOFF_CAP_MINUTES = 30
# Reported while these; a trip already on its way is still reported late rather than never.
REPORTABLE = (T.ASSIGNED, T.ON_THE_WAY, T.ARRIVED, T.PICKED_UP)
REPORT_WINDOW = dt.timedelta(hours=24)
ALERT_WINDOW = dt.timedelta(hours=2)
NO_SHOW_ACTION = "uetds_no_show"
# Sent to the Ministry as the reason of a withdrawal (its service is in Turkish).
REASON_CHANGED = "Sefer bilgileri değişti, yeniden bildiriliyor"
REASON_CANCELLED = "Sefer iptal edildi"
REASON_NO_SHOW = "Yolcu gelmedi"


# --- what is sent ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GroupReport:
    group: GroupInput
    passengers: tuple[PassengerInput, ...]  # group_id filled in from seferGrupEkle's answer


@dataclass(frozen=True)
class TripReport:
    """Everything ``trip_report`` sends for a trip; equal reports mean nothing changed that U-ETDS sees."""

    trip: TripInput
    staff: tuple[StaffInput, ...]
    groups: tuple[GroupReport, ...]


def _compact(value: str) -> str:
    return "".join(value.split())


def missing_for_report(trip: Trip) -> list[str]:
    """What keeps ``trip`` (as read by ``selectors.trip_detail``) from being reported, in words for staff."""
    missing = []
    if trip.driver is None:
        missing.append("no driver")
    if trip.vehicle is None:
        missing.append("no vehicle")
    lacking = selectors.unreportable(trip)
    if lacking:
        names = ", ".join(f"{p.first_name} {p.last_name}" for p in lacking)
        missing.append(f"nationality or passport/ID number missing for {names}")
    return missing


def _places(trip: Trip, rider) -> tuple[str, str]:
    if rider.leg is not None:
        return rider.leg.origin.name, rider.leg.destination.name
    start = rider.booking.pickup_point or trip.origin_zone.name
    return start, selectors.trip_label(trip)


def report_of(trip: Trip) -> TripReport:
    """The report of ``trip`` (read by ``selectors.trip_detail``; check :func:`missing_for_report` first)."""
    driver, vehicle = trip.driver, trip.vehicle
    assert driver is not None and vehicle is not None
    groups = []
    seat = 0
    for rider in trip.riders.all():
        booking = rider.booking
        passengers = []
        for index, passenger in enumerate(booking.passengers.all()):
            seat += 1
            passengers.append(
                PassengerInput(
                    nationality=passenger.nationality.upper(),
                    document_number=_compact(passenger.document_number),
                    first_name=passenger.first_name,
                    last_name=passenger.last_name,
                    seat=seat,
                    group_id=0,
                    # Travellers' sex is not asked (optional for U-ETDS); the phone is the lead traveller's.
                    phone=_compact(booking.lead_phone) if index == 0 else "",
                )
            )
        start, end = _places(trip, rider)
        group = GroupInput(
            name=booking.reference,
            description=booking.lead_name,
            start_country=COUNTRY,
            start_place=start,
            end_country=COUNTRY,
            end_place=end,
        )
        groups.append(GroupReport(group, tuple(passengers)))
    return TripReport(
        trip=TripInput(
            plate=_compact(vehicle.plate).upper(),
            description=selectors.trip_label(trip),
            starts_at=trip.starts_at.astimezone(LOCAL),
            ends_at=trip.ends_at.astimezone(LOCAL),
            vehicle_phone=_compact(driver.phone),
            company_trip_number=str(trip),
        ),
        staff=(
            StaffInput(
                role_code=DRIVER_ROLE_CODE,
                nationality=driver.nationality.upper(),
                document_number=_compact(driver.identity_number),
                sex=driver.sex,
                first_name=driver.first_name,
                last_name=driver.last_name,
                phone=_compact(driver.phone),
            ),
        ),
        groups=tuple(groups),
    )


def _seats(trip: Trip) -> list[NoShowInput]:
    seats, seat = [], 0
    for rider in trip.riders.all():
        for passenger in rider.booking.passengers.all():
            seat += 1
            seats.append(NoShowInput(seat, _compact(passenger.document_number), REASON_NO_SHOW))
    return seats


# --- recording answers -----------------------------------------------------------------------------------------
@dataclass
class Progress:
    """What the service has accepted so far in one run: the reference the trip holds with U-ETDS now."""

    reference: int | None
    touched: bool = False  # a withdrawal or a new report went through
    details: dict[str, Any] = field(default_factory=dict)


def _snapshot(trip: Trip) -> tuple:
    """What must not have changed between reading a trip and recording the service's answer."""
    report = None if missing_for_report(trip) or not trip.is_live else report_of(trip)
    return trip.status, trip.reporting, trip.uetds_reference, trip.driver_id, trip.vehicle_id, report


def _event(trip: Trip, action: str, now: dt.datetime, *, reason: str = "", details: dict | None = None) -> None:
    TripEvent.objects.create(
        trip=trip,
        created_at=now,
        action=action,
        from_status=trip.status,
        to_status=trip.status,
        actor_label="uetds",
        reason=reason[:500],
        details=details or {},
    )


def backoff_minutes(attempts: int) -> int:
    """Minutes before attempt ``attempts + 1``: 1, 2, 4, 8 … after each failure, at most 30."""
    return min(2 ** max(attempts - 1, 0), BACKOFF_CAP_MINUTES)


def _locked_unchanged(trip_id: int, before: tuple) -> tuple[Trip, bool]:
    """The trip locked (inside the caller's transaction) and whether it is as it was when read."""
    lock_rows(Trip.objects.filter(pk=trip_id))
    trip = selectors.trip_detail(trip_id=trip_id)
    return trip, _snapshot(trip) == before


def _settle_changed(trip: Trip, progress: Progress) -> None:
    """The trip changed while the service was called: keep what U-ETDS now holds, let the next run act on it."""
    if not progress.touched:
        return
    trip.uetds_reference = progress.reference
    if not trip.is_live:
        trip.reporting = (
            R.CANCEL_DUE if progress.reference else (R.CANCELLED if trip.reporting == R.CANCEL_DUE else trip.reporting)
        )
    else:
        trip.reporting = R.STALE if progress.reference else R.NOT_REPORTED
    trip.uetds_next_attempt_at = None
    trip.save()


def _refused(trip: Trip, error: UetdsRefused, progress: Progress, now: dt.datetime) -> None:
    trip.reporting = R.REFUSED
    trip.uetds_reference = progress.reference
    trip.uetds_message = f"{error.operation}: {error.code if error.code is not None else '-'} {error.message}"[:500]
    trip.uetds_next_attempt_at = None
    trip.save()
    _event(trip, "uetds_refused", now, reason=trip.uetds_message, details={"code": error.code, **progress.details})
    alert_raise(
        key=f"uetds.refused.T{trip.pk}",
        title=f"U-ETDS refused trip T{trip.pk}",
        detail=(
            f"Trip T{trip.pk} ({selectors.trip_label(trip)}, {trip.starts_at.astimezone(LOCAL):%Y-%m-%d %H:%M}): "
            f"{trip.uetds_message}. Correct the data on the dispatch board; a changed trip is reported again."
        ),
    )


def _retry_later(trip: Trip, error: UetdsError, progress: Progress, now: dt.datetime) -> None:
    if progress.touched:
        trip.uetds_reference = progress.reference
        if trip.reporting in (R.NOT_REPORTED, R.STALE):
            # A half-made report is withdrawn and made again on the next attempt.
            trip.reporting = R.STALE if progress.reference else R.NOT_REPORTED
    trip.uetds_attempts += 1
    trip.uetds_next_attempt_at = now + dt.timedelta(minutes=backoff_minutes(trip.uetds_attempts))
    trip.uetds_message = str(error)[:500]
    trip.save()


def _record(trip_id: int, before: tuple, progress: Progress, error: UetdsError | None, now: dt.datetime, done) -> Trip:
    with transaction.atomic():
        trip, unchanged = _locked_unchanged(trip_id, before)
        if not unchanged:
            _settle_changed(trip, progress)
            logger.info("uetds: trip changed during the call", extra={"trip": trip_id})
        elif isinstance(error, UetdsRefused):
            _refused(trip, error, progress, now)
        elif error is not None:
            _retry_later(trip, error, progress, now)
        else:
            done(trip)
            trip.uetds_attempts = 0
            trip.uetds_next_attempt_at = None
            trip.uetds_message = ""
            trip.save()
    return trip


# --- the services ----------------------------------------------------------------------------------------------
def trip_report(*, trip_id: int, now: dt.datetime | None = None) -> Trip | None:
    """Do what U-ETDS needs next for ``trip_id``: report it (again, if it changed), withdraw it, or report its
    no-show. Returns the trip as recorded, or None when reporting is off. Data still missing sends nothing."""
    reporter = registry.reporter()
    if reporter is None:
        return None
    now = now or timezone.now()
    trip = selectors.trip_detail(trip_id=trip_id)
    if trip.reporting == R.CANCEL_DUE:
        return _withdraw(reporter, trip, now)
    if trip.status == T.NO_SHOW and trip.reporting == R.REPORTED:
        return _report_no_show(reporter, trip, now)
    if trip.reporting not in (R.NOT_REPORTED, R.STALE) or trip.status not in REPORTABLE or missing_for_report(trip):
        return trip
    report = report_of(trip)
    before = _snapshot(trip)
    progress = Progress(reference=trip.uetds_reference)
    error: UetdsError | None = None
    try:
        if progress.reference is not None:
            reporter.trip_cancel(reference=progress.reference, reason=REASON_CHANGED)
            progress.reference, progress.touched = None, True
            progress.details["withdrawn"] = trip.uetds_reference
        reference = reporter.trip_add(report.trip)
        progress.reference, progress.touched = reference, True
        reporter.staff_add(reference=reference, staff=list(report.staff))
        for group in report.groups:
            group_id = reporter.group_add(reference=reference, group=group.group)
            for passenger in group.passengers:
                reporter.passenger_add(reference=reference, passenger=replace(passenger, group_id=group_id))
    except UetdsError as caught:
        error = caught
        logger.warning("uetds report failed", extra={"trip": trip_id, "error": str(caught)})

    def reported(locked: Trip) -> None:
        locked.reporting = R.REPORTED
        locked.uetds_reference = progress.reference
        locked.uetds_reported_at = now
        _event(locked, "uetds_reported", now, details={"reference": progress.reference, **progress.details})

    return _record(trip_id, before, progress, error, now, reported)


def _withdraw(reporter: registry.TripReporter, trip: Trip, now: dt.datetime) -> Trip:
    before = _snapshot(trip)
    progress = Progress(reference=trip.uetds_reference)
    error: UetdsError | None = None
    if progress.reference is not None:
        try:
            reporter.trip_cancel(reference=progress.reference, reason=REASON_CANCELLED)
            progress.reference, progress.touched = None, True
        except UetdsError as caught:
            error = caught

    def cancelled(locked: Trip) -> None:
        locked.reporting = R.CANCELLED
        locked.uetds_reference = None
        _event(locked, "uetds_cancelled", now, details={"reference": trip.uetds_reference})

    return _record(trip.pk, before, progress, error, now, cancelled)


def _no_show_reported(trip: Trip) -> bool:
    return TripEvent.objects.filter(trip=trip, action=NO_SHOW_ACTION).exists()


def _report_no_show(reporter: registry.TripReporter, trip: Trip, now: dt.datetime) -> Trip:
    if _no_show_reported(trip) or trip.uetds_reference is None:
        return trip
    before = _snapshot(trip)
    progress = Progress(reference=trip.uetds_reference)
    seats = _seats(trip)
    error: UetdsError | None = None
    try:
        for no_show in seats:
            reporter.no_show_report(reference=trip.uetds_reference, no_show=no_show)
    except UetdsError as caught:
        error = caught

    def reported(locked: Trip) -> None:
        _event(
            locked, NO_SHOW_ACTION, now, details={"reference": locked.uetds_reference, "seats": [s.seat for s in seats]}
        )

    return _record(trip.pk, before, progress, error, now, reported)


# --- the schedule ----------------------------------------------------------------------------------------------
def _ready(now: dt.datetime) -> Q:
    return Q(uetds_next_attempt_at__isnull=True) | Q(uetds_next_attempt_at__lte=now)


def trips_due(now: dt.datetime) -> list[int]:
    """Trips with something to send now, in the order it matters: withdrawals and no-shows (due within 30 minutes
    by law), then reports by pickup time."""
    cancellations = Trip.objects.filter(_ready(now), reporting=R.CANCEL_DUE).order_by("released_at", "pk")
    no_show_sent = TripEvent.objects.filter(trip=OuterRef("pk"), action=NO_SHOW_ACTION)
    no_shows = (
        Trip.objects.filter(_ready(now), status=T.NO_SHOW, reporting=R.REPORTED)
        .filter(~Exists(no_show_sent))
        .order_by("finished_at", "pk")
    )
    reports = Trip.objects.filter(
        _ready(now),
        reporting__in=(R.NOT_REPORTED, R.STALE),
        status__in=REPORTABLE,
        driver__isnull=False,
        vehicle__isnull=False,
        starts_at__lt=now + REPORT_WINDOW,
        ends_at__gt=now,
    ).order_by("starts_at", "pk")
    ids: list[int] = []
    for queryset in (cancellations, no_shows, reports):
        ids += [pk for pk in queryset.values_list("pk", flat=True) if pk not in ids]
    return ids


def _alert_unreported(now: dt.datetime) -> int:
    """Alert on each live trip starting within 2 hours that U-ETDS does not hold; returns how many."""
    soon = (
        Trip.objects.filter(
            status__in=REPORTABLE,
            reporting__in=(R.NOT_REPORTED, R.STALE, R.REFUSED),
            starts_at__gte=now,
            starts_at__lt=now + ALERT_WINDOW,
        )
        .order_by("starts_at", "pk")
        .values_list("pk", flat=True)
    )
    count = 0
    for trip_id in soon:
        trip = selectors.trip_detail(trip_id=trip_id)
        reasons = missing_for_report(trip)
        if trip.reporting == R.REFUSED:
            reasons.append(f"refused: {trip.uetds_message}")
        elif trip.uetds_attempts:
            reasons.append(f"the service failed {trip.uetds_attempts} time(s): {trip.uetds_message}")
        if not reasons:
            reasons.append("waiting for its next attempt")
        alert_raise(
            key=f"uetds.unreported.T{trip.pk}",
            title=f"Trip T{trip.pk} at {trip.starts_at.astimezone(LOCAL):%H:%M} is not reported to U-ETDS",
            detail=f"T{trip.pk} {selectors.trip_label(trip)}, {trip.starts_at.astimezone(LOCAL):%Y-%m-%d %H:%M}: "
            + "; ".join(reasons),
        )
        count += 1
    return count


def uetds_report_due(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The scheduled run (every 5 minutes): send what is due, then alert on trips within 2 hours still not
    reported. Does nothing when reporting is off. Returns counts by outcome."""
    if registry.reporter() is None:
        return {}
    now = now or timezone.now()
    outcome: dict[str, int] = {}
    for trip_id in trips_due(now):
        try:
            trip = trip_report(trip_id=trip_id, now=now)
        except Exception:
            # One broken trip must not keep the others from being reported.
            logger.exception("uetds: reporting a trip failed", extra={"trip": trip_id})
            outcome["errors"] = outcome.get("errors", 0) + 1
            continue
        if trip is not None:
            outcome[trip.reporting] = outcome.get(trip.reporting, 0) + 1
    outcome["alerts"] = _alert_unreported(now)
    return outcome
