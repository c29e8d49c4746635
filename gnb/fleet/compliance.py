"""Compliance alerts: drivers' and vehicles' documents running out, and trips whose driver or vehicle will be out
of date on the day. Whether a document is valid for a trip is decided by :mod:`gnb.fleet.rules` (one owner); this
module only looks ahead and tells the staff through the alert channels."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

from django.conf import settings
from django.utils import timezone, translation
from django.utils.text import slugify

from gnb.core.alerts import alert_raise
from gnb.fleet import rules, selectors
from gnb.fleet.models import Driver, Trip, Vehicle

logger = logging.getLogger(__name__)

LOCAL = zoneinfo.ZoneInfo(settings.TIME_ZONE)
EXPIRED_CODES = ("driver_document_expired", "vehicle_document_expired")


def _document_alert(*, owner_key: str, owner: str, document: str, expires_on: dt.date, today: dt.date) -> None:
    days = (expires_on - today).days
    if days < 0:
        when, severity = f"expired on {expires_on:%Y-%m-%d}", "error"
    else:
        when, severity = f"expires on {expires_on:%Y-%m-%d} (in {days} day{'s' if days != 1 else ''})", "warning"
    alert_raise(
        key=f"fleet.document.{owner_key}.{slugify(document)}",
        title=f"{owner}: {document} {when}",
        detail=f"Renew it and update the date under Fleet; until then {owner} cannot be given trips after that day.",
        severity=severity,
    )


def documents_expiring(*, today: dt.date) -> int:
    """Alert once per document of an active driver or vehicle expiring within ``GNB_FLEET_EXPIRY_WARNING_DAYS``
    (or already expired); returns how many."""
    horizon = today + dt.timedelta(days=settings.GNB_FLEET_EXPIRY_WARNING_DAYS)
    count = 0
    for driver in Driver.objects.filter(is_active=True).order_by("pk"):
        for document, expires_on in driver.documents():
            if expires_on <= horizon:
                _document_alert(
                    owner_key=f"driver{driver.pk}",
                    owner=f"Driver {driver.full_name}",
                    document=document,
                    expires_on=expires_on,
                    today=today,
                )
                count += 1
    for vehicle in Vehicle.objects.filter(is_active=True).select_related("vehicle_class").order_by("pk"):
        for document, expires_on in vehicle.documents():
            if expires_on <= horizon:
                _document_alert(
                    owner_key=f"vehicle{vehicle.pk}",
                    owner=f"Vehicle {vehicle.plate}",
                    document=document,
                    expires_on=expires_on,
                    today=today,
                )
                count += 1
    return count


def trips_with_expired_documents(*, now: dt.datetime) -> int:
    """Alert on each assigned trip not started yet whose driver or vehicle will be out of date on its day (the
    rule that refuses such an assignment, applied to assignments made before the date was known); returns how
    many trips."""
    trips = (
        Trip.objects.filter(status=Trip.Status.ASSIGNED, starts_at__gte=now)
        .select_related("driver", "vehicle__vehicle_class", "origin_zone", "destination_zone", "departure__tour")
        .order_by("starts_at", "pk")
    )
    count = 0
    for trip in trips:
        ride = selectors.trip_as_ride(trip)
        refusals: list[rules.Refusal] = []
        if trip.driver is not None:
            refusals += rules.driver_refusals(rules.DriverDay(driver=trip.driver), ride)
        if trip.vehicle is not None:
            vehicle_class = trip.vehicle.vehicle_class
            info = rules.ClassInfo(vehicle_class.name, vehicle_class.max_passengers, vehicle_class.max_luggage)
            refusals += rules.vehicle_refusals(rules.VehicleDay(vehicle=trip.vehicle, vehicle_class=info), ride)
        expired = [refusal.message for refusal in refusals if refusal.code in EXPIRED_CODES]
        if not expired:
            continue
        alert_raise(
            key=f"fleet.trip_documents.T{trip.pk}",
            title=(
                f"Trip T{trip.pk} on {trip.starts_at.astimezone(LOCAL):%Y-%m-%d %H:%M} "
                "has an out-of-date driver or vehicle"
            ),
            detail=f"T{trip.pk} {selectors.trip_label(trip)}: "
            + " ".join(expired)
            + " Reassign it on the dispatch board.",
        )
        count += 1
    return count


def fleet_compliance_check(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The daily compliance run: expiring documents and trips that would run with expired ones."""
    now = now or timezone.now()
    # Alert text goes to the staff channels in English, whatever language the worker was left in.
    with translation.override("en"):
        documents = documents_expiring(today=now.astimezone(LOCAL).date())
        trips = trips_with_expired_documents(now=now)
    logger.info("fleet compliance", extra={"documents": documents, "trips": trips})
    return {"documents": documents, "trips": trips}
