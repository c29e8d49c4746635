"""Reads of the fleet shared by the services, the dispatch board, the manifests and the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils.translation import gettext as _

from gnb.bookings.models import Booking, Passenger, TransferLeg
from gnb.catalog.models import Place, TourDeparture
from gnb.core.errors import DomainError, NotFound
from gnb.fleet import rules
from gnb.fleet.models import Driver, Trip, TripBooking, Vehicle, ZoneDriveTime
from gnb.payments.selectors import booking_amounts_loaded

# Bookings whose rides need (or have) a driver: paid or cash-confirmed, and not over.
RIDING = (Booking.Status.CONFIRMED, Booking.Status.ASSIGNED, Booking.Status.ON_THE_WAY, Booking.Status.PICKED_UP)
# Bookings a dispatcher may give a driver now.
ASSIGNABLE = (Booking.Status.CONFIRMED, Booking.Status.ASSIGNED)


class NoDriveTime(DomainError):
    code = "no_drive_time"
    status = 409


def drive_times() -> dict[tuple[int, int], int]:
    """The whole zone-to-zone table as ``{(origin_zone_id, destination_zone_id): minutes}`` (one query)."""
    return {(o, d): m for o, d, m in ZoneDriveTime.objects.values_list("origin_id", "destination_id", "minutes")}


def drive_minutes_between(origin_zone_id: int, destination_zone_id: int) -> int | None:
    """The operators' drive time between two zones (either direction kept), or None when none is kept."""
    times = {
        (o, d): m
        for o, d, m in ZoneDriveTime.objects.filter(
            origin_id__in=(origin_zone_id, destination_zone_id),
            destination_id__in=(origin_zone_id, destination_zone_id),
        ).values_list("origin_id", "destination_id", "minutes")
    }
    return rules.drive_minutes(times, origin_zone_id, destination_zone_id)


def _ride_minutes(times: Mapping[tuple[int, int], int], origin_zone, destination_zone) -> int:
    minutes = rules.drive_minutes(times, origin_zone.pk, destination_zone.pk)
    if minutes is None:
        raise NoDriveTime(
            _("No drive time is kept from %(origin)s to %(destination)s; add it under Fleet › Drive times.")
            % {"origin": origin_zone.name, "destination": destination_zone.name}
        )
    return minutes


def leg_ride(leg: TransferLeg, times: Mapping[tuple[int, int], int]) -> rules.Ride:
    """The ride of a transfer leg (``leg.booking``, its places and zones and the booked class loaded)."""
    booking = leg.booking
    origin_zone = leg.origin.zone
    destination_zone = leg.destination.zone
    minutes = _ride_minutes(times, origin_zone, destination_zone)
    vehicle_class = booking.vehicle_class
    return rules.Ride(
        starts_at=leg.pickup_at,
        ends_at=rules.busy_until(leg.pickup_at, minutes),
        origin_zone_id=origin_zone.pk,
        destination_zone_id=destination_zone.pk,
        passengers=booking.passenger_count,
        luggage=booking.luggage,
        booked_class_id=vehicle_class.pk if vehicle_class else None,
        booked_class_name=vehicle_class.name if vehicle_class else "",
        booked_class_seats=vehicle_class.max_passengers if vehicle_class else 0,
        booked_class_luggage=vehicle_class.max_luggage if vehicle_class else 0,
        label=f"{leg.origin.name} → {leg.destination.name}",
    )


def _pickup_zone_ids(bookings: list[Booking]) -> dict[int, int]:
    """Each booking's pickup place's zone, by place id: from the place loaded with the booking, else one query."""
    loaded = [b.pickup_place for b in bookings if Booking.pickup_place.is_cached(b)]
    zones = {place.pk: place.zone_id for place in loaded if place is not None}
    missing = {b.pickup_place_id for b in bookings if b.pickup_place_id and b.pickup_place_id not in zones}
    if missing:
        zones |= dict(Place.objects.filter(pk__in=missing).values_list("pk", "zone_id"))
    return zones


def departure_ride(departure: TourDeparture, bookings: Iterable[Booking]) -> rules.Ride:
    """The ride of a tour departure's vehicle carrying ``bookings``: from the earliest hotel pickup among them (its
    zone is collected first), round the pickups, the tour and back. Bookings without a pickup place (placed before
    tours had them) count from the departure in the tour's first pickup zone."""
    bookings = list(bookings)
    tour = departure.tour
    picked = [b for b in bookings if b.pickup_at is not None and b.pickup_place_id is not None]
    if picked:
        first = min(picked, key=lambda b: (b.pickup_at, b.pk))
        assert first.pickup_at is not None and first.pickup_place_id is not None
        starts_at = min(first.pickup_at, departure.starts_at)
        zone_id = _pickup_zone_ids(picked)[first.pickup_place_id]
    else:
        zones = list(tour.pickup_zones.all())
        if not zones:
            raise NoDriveTime(_("The tour %(tour)s has no pickup zone.") % {"tour": tour.name})
        starts_at = departure.starts_at
        zone_id = min(zones, key=lambda z: (z.sort_order, z.pk)).pk
    return rules.Ride(
        starts_at=starts_at,
        ends_at=rules.busy_until(departure.starts_at, tour.duration_minutes),
        origin_zone_id=zone_id,
        destination_zone_id=zone_id,
        passengers=sum(b.passenger_count for b in bookings),
        luggage=sum(b.luggage for b in bookings),
        label=tour.name,
    )


def trip_as_ride(trip: Trip) -> rules.Ride:
    """A trip as the rules see it: its own range, zones and load (zones and departure loaded with it)."""
    return rules.Ride(
        starts_at=trip.starts_at,
        ends_at=trip.ends_at,
        origin_zone_id=trip.origin_zone_id,
        destination_zone_id=trip.destination_zone_id,
        passengers=trip.passengers,
        luggage=trip.luggage,
        label=trip_label(trip),
    )


def busy_of(trips: Iterable[Trip]) -> list[rules.Busy]:
    return [rules.Busy(t.pk, t.starts_at, t.ends_at, trip_label(t)) for t in trips]


def trip_label(trip: Trip) -> str:
    """ "Antalya Airport → Lara" or the tour's name, from the zones and departure loaded with the trip."""
    if trip.kind == Trip.Kind.TOUR and trip.departure is not None:
        return trip.departure.tour.name
    return f"{trip.origin_zone.name} → {trip.destination_zone.name}"


def live_trips_between(start: dt.datetime, end: dt.datetime) -> QuerySet[Trip]:
    """Live trips whose busy range meets ``[start, end)``."""
    return (
        Trip.objects.exclude(status=Trip.Status.RELEASED)
        .filter(starts_at__lt=end, ends_at__gt=start)
        .select_related("origin_zone", "destination_zone", "departure__tour")
    )


def driver_day(driver: Driver, ride: rules.Ride, *, excluding_trip_id: int | None = None) -> rules.DriverDay:
    busy = live_trips_between(ride.starts_at, ride.ends_at).filter(driver=driver)
    if excluding_trip_id is not None:
        busy = busy.exclude(pk=excluding_trip_id)
    return rules.DriverDay(
        driver=driver,
        shifts=list(driver.shifts.all()),
        time_off=list(driver.time_off.all()),
        busy=busy_of(busy),
    )


def vehicle_day(vehicle: Vehicle, ride: rules.Ride, *, excluding_trip_id: int | None = None) -> rules.VehicleDay:
    busy = live_trips_between(ride.starts_at, ride.ends_at).filter(vehicle=vehicle)
    if excluding_trip_id is not None:
        busy = busy.exclude(pk=excluding_trip_id)
    vehicle_class = vehicle.vehicle_class
    return rules.VehicleDay(
        vehicle=vehicle,
        vehicle_class=rules.ClassInfo(vehicle_class.name, vehicle_class.max_passengers, vehicle_class.max_luggage),
        busy=busy_of(busy),
    )


def trip_detail(*, trip_id: int) -> Trip:
    """A trip with what its manifest shows: driver, vehicle, zones, and each booking with legs and passengers."""
    trip = (
        Trip.objects.select_related(
            "driver", "vehicle__vehicle_class", "origin_zone", "destination_zone", "departure__tour"
        )
        .prefetch_related(
            Prefetch(
                "riders",
                queryset=TripBooking.objects.select_related(
                    "booking__pickup_place", "leg__origin", "leg__destination"
                ).prefetch_related(Prefetch("booking__passengers", queryset=Passenger.objects.order_by("position"))),
            )
        )
        .filter(pk=trip_id)
        .first()
    )
    if trip is None:
        raise NotFound(_("Trip not found."))
    return trip


def trip_ride(*, trip_id: int) -> rules.Ride:
    """The ride of an existing trip, to check another driver or vehicle for it (services and the board)."""
    trip = trip_detail(trip_id=trip_id)
    riders = list(trip.riders.all())
    if trip.kind == Trip.Kind.TOUR and trip.departure is not None:
        return departure_ride(trip.departure, [rider.booking for rider in riders])
    leg = (
        TransferLeg.objects.select_related("booking__vehicle_class", "origin__zone", "destination__zone")
        .filter(pk__in=[rider.leg_id for rider in riders[:1] if rider.leg_id is not None])
        .first()
    )
    if leg is None:
        # A trip with no rider left is released by the services; a live one always has its leg.
        return trip_as_ride(trip)
    return leg_ride(leg, drive_times())


def trips_of_driver(*, driver_id: int, start: dt.datetime, end: dt.datetime) -> list[Trip]:
    """A driver's live trips starting in ``[start, end)``, in order, with what their app shows."""
    return list(
        Trip.objects.filter(driver_id=driver_id, starts_at__gte=start, starts_at__lt=end)
        .exclude(status=Trip.Status.RELEASED)
        .select_related("vehicle", "origin_zone", "destination_zone", "departure__tour")
        .prefetch_related(
            Prefetch(
                "riders",
                queryset=TripBooking.objects.select_related("booking", "leg__origin", "leg__destination"),
            )
        )
        .order_by("starts_at", "pk")
    )


def unreportable(trip: Trip) -> list[Passenger]:
    """Passengers of ``trip`` (riders and passengers prefetched) still missing nationality or document number."""
    return [
        passenger
        for rider in trip.riders.all()
        for passenger in rider.booking.passengers.all()
        if not (passenger.nationality and passenger.document_number)
    ]


def missing_documents_filter(prefix: str = "") -> Q:
    return Q(**{f"{prefix}nationality": ""}) | Q(**{f"{prefix}document_number": ""})


# --- what a driver's trip shows (the driver API and the drivers' app) ----------------------------------------
@dataclass(frozen=True)
class CashDue:
    amount: Decimal
    currency: str


def cash_due(booking: Booking) -> CashDue | None:
    """What the driver takes in cash for ``booking`` (payments and refunds prefetched), or None for a card booking."""
    if booking.payment_method != Booking.PaymentMethod.CASH:
        return None
    _paid, _refunded, balance = booking_amounts_loaded(booking)
    return CashDue(balance, booking.currency)


def trip_ends(trip: Trip) -> tuple[str, str]:
    """Where the trip starts and ends: the first ride's places for a transfer, the pickup zone for a tour."""
    riders = list(trip.riders.all())
    if trip.kind == Trip.Kind.TRANSFER and riders and riders[0].leg is not None:
        leg = riders[0].leg
        return leg.origin.name, leg.destination.name
    return trip.origin_zone.name, trip.destination_zone.name


def driver_trip(*, driver_id: int, trip_id: int) -> Trip | None:
    """The driver's own live trip with everything its page shows (manifest, extras, payments, pickup places and
    their zones); None for a trip that is not theirs or no longer live."""
    trip = (
        Trip.objects.filter(pk=trip_id, driver_id=driver_id)
        .exclude(status=Trip.Status.RELEASED)
        .select_related("driver", "vehicle__vehicle_class", "origin_zone", "destination_zone", "departure__tour")
        .prefetch_related(
            Prefetch(
                "riders",
                queryset=TripBooking.objects.select_related(
                    "booking__pickup_place__zone", "leg__origin__zone", "leg__destination"
                ).prefetch_related(
                    Prefetch("booking__passengers", queryset=Passenger.objects.order_by("position")),
                    "booking__extras__extra",
                    "booking__payments__refunds",
                ),
            )
        )
        .first()
    )
    return trip


def driver_live_trips(*, driver_id: int, start: dt.datetime, end: dt.datetime) -> list[Trip]:
    """:func:`trips_of_driver` with the bookings' payments and the pickup places' zones, for the app's list."""
    trips = trips_of_driver(driver_id=driver_id, start=start, end=end)
    prefetch_related_objects(
        [rider for trip in trips for rider in trip.riders.all()],
        "booking__payments__refunds",
        "booking__pickup_place__zone",
        "leg__origin__zone",
    )
    return trips


# --- what the traveller sees of the driver's progress ------------------------------------------------------------
@dataclass(frozen=True)
class DriverProgress:
    """A ride of a booking whose driver has set off or arrived, as the traveller's page shows it (no live position:
    only the step the driver pressed, and who and what to look for)."""

    status: str  # Trip.Status.ON_THE_WAY or Trip.Status.ARRIVED
    since: dt.datetime  # when the driver pressed it
    driver_first_name: str
    driver_phone: str  # E.164, also the tel: link
    vehicle_make: str
    vehicle_model: str
    vehicle_colour: str
    vehicle_plate: str

    @property
    def arrived(self) -> bool:
        return self.status == Trip.Status.ARRIVED


PROGRESS_SHOWN = (Trip.Status.ON_THE_WAY, Trip.Status.ARRIVED)


def booking_driver_progress(*, booking_id: int) -> list[DriverProgress]:
    """The rides of booking ``booking_id`` whose driver is on the way or has arrived, in pickup order (one query)."""
    riders = (
        TripBooking.objects.filter(
            booking_id=booking_id,
            trip__status__in=PROGRESS_SHOWN,
            trip__driver__isnull=False,
            trip__vehicle__isnull=False,
        )
        .select_related("trip__driver", "trip__vehicle")
        .order_by("trip__starts_at", "pk")
    )
    progress = []
    for rider in riders:
        trip = rider.trip
        assert trip.driver is not None and trip.vehicle is not None
        since = trip.arrived_at if trip.status == Trip.Status.ARRIVED else trip.started_at
        progress.append(
            DriverProgress(
                status=trip.status,
                since=since or trip.updated_at,
                driver_first_name=trip.driver.first_name,
                driver_phone=trip.driver.phone,
                vehicle_make=trip.vehicle.make,
                vehicle_model=trip.vehicle.model,
                vehicle_colour=trip.vehicle.colour,
                vehicle_plate=trip.vehicle.plate,
            )
        )
    return progress


def driver_language(driver: Driver) -> str:
    """The language a driver is addressed in: the first they speak that the site offers, else Turkish (every
    driver's working language). The one owner for the drivers' app, their messages and their emails."""
    offered = {code for code, _name in settings.LANGUAGES}
    return next((code for code in driver.languages or [] if code in offered), "tr")
