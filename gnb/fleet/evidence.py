"""The rule of a no-show: when a driver may say nobody came, and the evidence they must leave for a dispute.

A traveller who did not come is charged (cash bookings lose their ride, card bookings are not refunded), so the
company must be able to show the driver waited at the right place long enough: at an airport until
``GNB_NO_SHOW_WAIT_AFTER_LANDING_MINUTES`` after the landing (passport control and baggage take time), elsewhere
until ``GNB_NO_SHOW_WAIT_AFTER_PICKUP_MINUTES`` after the pickup time; and with the phone's position within
``GNB_NO_SHOW_RADIUS_METRES`` of the pickup place (reported accurately enough to tell), or a photo of the name sign
at the meeting point. The evidence is a :class:`~gnb.fleet.models.TripEvidence` row kept with the trip; the photo
lies under a path nothing publishes and is shown to staff in the back office only.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from gnb.catalog.models import Place
from gnb.core.errors import ValidationFailed
from gnb.fleet.models import Trip, TripBooking, TripEvidence

PHOTO_MAX_BYTES = 8 * 1024 * 1024
PHOTO_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "HEIF", "MPO"})
EARTH_RADIUS_M = 6_371_008.8  # the mean radius (IUGG): haversine's error at a few hundred metres is centimetres


@dataclass(frozen=True)
class Position:
    """Where the phone said it was when a step was pressed."""

    latitude: Decimal
    longitude: Decimal
    accuracy_m: int | None = None


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance in metres between two points (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def _riders(trip: Trip) -> list[TripBooking]:
    return list(
        TripBooking.objects.filter(trip=trip).select_related("leg__origin", "booking__pickup_place").order_by("pk")
    )


def no_show_allowed_from(trip: Trip) -> dt.datetime:
    """From when a no-show may be marked: the latest of the rides' waits (landing plus the airport wait for a flight
    that lands, the pickup time plus the other wait otherwise)."""
    after_landing = dt.timedelta(minutes=settings.GNB_NO_SHOW_WAIT_AFTER_LANDING_MINUTES)
    after_pickup = dt.timedelta(minutes=settings.GNB_NO_SHOW_WAIT_AFTER_PICKUP_MINUTES)
    moments = []
    for rider in _riders(trip):
        leg = rider.leg
        if leg is not None and leg.flight_arrival_at is not None:
            moments.append(leg.flight_arrival_at + after_landing)
        elif leg is not None:
            moments.append(leg.pickup_at + after_pickup)
        else:
            moments.append((rider.booking.pickup_at or trip.starts_at) + after_pickup)
    return max(moments, default=trip.starts_at + after_pickup)


def pickup_places(trip: Trip) -> list[Place]:
    """Where the trip's travellers are picked up: a transfer's origin, each tour booking's hotel."""
    places: dict[int, Place] = {}
    for rider in _riders(trip):
        place = rider.leg.origin if rider.leg is not None else rider.booking.pickup_place
        if place is not None:
            places[place.pk] = place
    return list(places.values())


def local_time_text(moment: dt.datetime, trip: Trip) -> str:
    """``moment`` as the driver reads it: wall-clock time at the pickup (with the date when it is not today)."""
    places = pickup_places(trip)
    zone = places[0].tzinfo if places else timezone.get_current_timezone()
    local = timezone.localtime(moment, zone)
    if local.date() != timezone.localtime(timezone.now(), zone).date():
        return local.strftime("%d.%m.%Y %H:%M")
    return local.strftime("%H:%M")


def photo_check(photo: File) -> None:
    """Refuse an upload that is not a photo: larger than 8 MB, or not an image Pillow can read."""
    message = _("Upload a photo (JPEG, PNG, WebP or HEIF) of the name sign at the meeting point, at most 8 MB.")
    if photo.size is None or photo.size > PHOTO_MAX_BYTES or photo.size == 0:
        raise ValidationFailed([("photo", message)])
    try:
        photo.seek(0)
        with Image.open(photo) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationFailed([("photo", message)]) from None
    finally:
        photo.seek(0)
    if image_format not in PHOTO_FORMATS:
        raise ValidationFailed([("photo", message)])


def _position_refusal(trip: Trip, position: Position) -> tuple[str, int | None]:
    """Why ``position`` does not show the driver at the pickup ("" when it does), and the distance in metres."""
    radius = settings.GNB_NO_SHOW_RADIUS_METRES
    places = [p for p in pickup_places(trip) if p.latitude is not None and p.longitude is not None]
    if not places:
        return _("The pickup place has no map position to compare with; take a photo of the name sign instead."), None
    nearest = min(
        round(distance_m(float(position.latitude), float(position.longitude), float(p.latitude), float(p.longitude)))
        for p in places
    )
    if position.accuracy_m is None or position.accuracy_m > radius:
        return (
            _(
                "Your position is not accurate enough (it must be within %(radius)s m); wait for a better GPS fix "
                "or take a photo of the name sign."
            )
            % {"radius": radius},
            nearest,
        )
    if nearest > radius:
        return (
            _(
                "You are %(distance)s m from the pickup place; a no-show needs you within %(radius)s m of it, or a "
                "photo of the name sign."
            )
            % {"distance": nearest, "radius": radius},
            nearest,
        )
    return "", nearest


def evidence_record(
    trip: Trip, *, position: Position | None, photo: File | None, by_id: int | None, at: dt.datetime
) -> list[TripEvidence]:
    """Check that the driver showed they were there, and keep what they showed with ``trip``. A photo (checked by
    :func:`photo_check` before) is evidence enough; a position must be near the pickup place."""
    kept: list[TripEvidence] = []
    distance: int | None = None
    refusal = ""
    if position is not None:
        refusal, distance = _position_refusal(trip, position)
        if not refusal:
            kept.append(
                TripEvidence(
                    trip=trip,
                    kind=TripEvidence.Kind.POSITION,
                    latitude=position.latitude,
                    longitude=position.longitude,
                    accuracy_m=position.accuracy_m,
                    distance_m=distance,
                    created_at=at,
                    by_id=by_id,
                )
            )
    if photo is not None:
        record = TripEvidence(trip=trip, kind=TripEvidence.Kind.PHOTO, created_at=at, by_id=by_id)
        if position is not None:
            # Where the photo was taken, as the phone said, even if too far or too vague to count on its own.
            record.latitude, record.longitude = position.latitude, position.longitude
            record.accuracy_m, record.distance_m = position.accuracy_m, distance
        record.photo.save(photo.name or "sign.jpg", photo, save=False)
        kept.append(record)
    if not kept:
        if position is None:
            refusal = _(
                "A no-show needs evidence: your position within %(radius)s m of the pickup place, or a photo "
                "of the name sign."
            ) % {"radius": settings.GNB_NO_SHOW_RADIUS_METRES}
        raise ValidationFailed([("position", refusal)])
    for record in kept:
        record.save()
    return kept


def evidence_photos(*, taken_before: dt.datetime | None = None, booking_ids: list[int] | None = None):
    """The no-show photos taken before ``taken_before``, or of the trips of ``booking_ids`` (the privacy rules)."""
    photos = TripEvidence.objects.exclude(photo="")
    if taken_before is not None:
        return photos.filter(created_at__lt=taken_before)
    return photos.filter(trip__riders__booking_id__in=booking_ids or []).distinct()


def evidence_photos_delete(*, taken_before: dt.datetime | None = None, booking_ids: list[int] | None = None) -> int:
    """Delete the photos :func:`evidence_photos` finds; returns how many. Where the phone was when one was taken is
    kept as position evidence; the files go once the transaction commits (a rollback keeps them)."""
    items = list(evidence_photos(taken_before=taken_before, booking_ids=booking_ids))
    names = [item.photo.name for item in items]
    located = [item.pk for item in items if item.latitude is not None and item.longitude is not None]
    TripEvidence.objects.filter(pk__in=located).update(kind=TripEvidence.Kind.POSITION, photo="")
    TripEvidence.objects.filter(pk__in=[item.pk for item in items]).exclude(pk__in=located).delete()
    storage = TripEvidence._meta.get_field("photo").storage  # type: ignore[attr-defined]

    def delete_files() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete_files)
    return len(items)
