"""``manage.py load_demo``: the demo catalogue and bookings of ``gnb.catalog.demo``, safe to run any number of times."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone, translation

from gnb.bookings import services
from gnb.bookings.models import Booking
from gnb.bookings.orders import Contact, FlightInput, PassengerInput, TourOrder, TransferOrder
from gnb.bookings.quotes import ExtraRequest, TourQuoteRequest, TransferQuoteRequest
from gnb.catalog import demo
from gnb.catalog.models import (
    Coupon,
    Currency,
    Extra,
    Fare,
    Place,
    Season,
    Tour,
    TourDeparture,
    TourPhoto,
    TourPickupZone,
    VehicleClass,
    Zone,
)
from gnb.fleet.demo import BOARD_BOOKINGS, dispatch_demo_days, load_fleet

LOCAL = zoneinfo.ZoneInfo(demo.TIME_ZONE)
DEMO_ACTOR = services.Actor("demo")
S = Booking.Status

# How long a transfer takes when the demo records it as completed; tours use their own duration.
TRANSFER_RIDE = dt.timedelta(minutes=90)
# The driver meets an arriving traveller this long after landing, once the bags are off the belt.
BAGGAGE_TIME = dt.timedelta(minutes=30)


def _translations(field: str, values: dict[str, str]) -> dict[str, str]:
    """``{"en": ..., "tr": ...}`` → ``{"name_en": ..., "name_tr": ...}`` for django-modeltranslation columns."""
    return {f"{field}_{language}": text for language, text in values.items()}


# --- catalogue --------------------------------------------------------------------------------------------
def load_zones() -> dict[str, Zone]:
    zones = {}
    all_zones = {**demo.AIRPORT_ZONES, **demo.RESORT_ZONES}
    for position, (code, names) in enumerate(all_zones.items(), start=1):
        zones[code], _ = Zone.objects.update_or_create(
            code=code, defaults={**_translations("name", names), "sort_order": position * 10}
        )
    return zones


def load_places(zones: dict[str, Zone]) -> None:
    for slug, iata, zone, name_en, name_tr, latitude, longitude, address in demo.AIRPORTS:
        Place.objects.update_or_create(
            slug=slug,
            defaults={
                "kind": Place.Kind.AIRPORT,
                "iata_code": iata,
                "zone": zones[zone],
                **_translations("name", demo.place_names(slug, name_en, name_tr)),
                "latitude": Decimal(latitude),
                "longitude": Decimal(longitude),
                "address": address,
                "time_zone": demo.TIME_ZONE,
                "is_popular": True,
            },
        )
    for slug, kind, zone, name_en, name_tr, latitude, longitude, address, popular in demo.PLACES:
        Place.objects.update_or_create(
            slug=slug,
            defaults={
                "kind": kind,
                "zone": zones[zone],
                **_translations("name", demo.place_names(slug, name_en, name_tr)),
                "latitude": Decimal(latitude),
                "longitude": Decimal(longitude),
                "address": address,
                "time_zone": demo.TIME_ZONE,
                "is_popular": popular,
            },
        )


def load_vehicle_classes() -> dict[str, VehicleClass]:
    vehicles = {}
    for position, item in enumerate(demo.VEHICLE_CLASSES, start=1):
        vehicles[item["code"]], _ = VehicleClass.objects.update_or_create(
            code=item["code"],
            defaults={
                **_translations("name", item["name"]),
                **_translations("description", item["description"]),
                **_translations("included", item["included"]),
                "example_models": item["example_models"],
                "max_passengers": item["max_passengers"],
                "max_luggage": item["max_luggage"],
                "icon": item["icon"],
                "sort_order": position * 10,
            },
        )
    return vehicles


def load_fares(zones: dict[str, Zone], vehicles: dict[str, VehicleClass]) -> None:
    fares = [
        Fare(
            origin_zone=zones[origin],
            destination_zone=zones[destination],
            vehicle_class=vehicles[vehicle_code],
            price=Decimal(price).quantize(Decimal("0.01")),
        )
        for (origin, destination), prices in {**demo.AIRPORT_FARES, **demo.RESORT_FARES}.items()
        for vehicle_code, price in zip(demo.FARE_CLASSES, prices, strict=True)
    ]
    # One upsert on the route's unique key instead of a hundred update_or_create round trips.
    Fare.objects.bulk_create(
        fares,
        update_conflicts=True,
        unique_fields=["origin_zone", "destination_zone", "vehicle_class"],
        update_fields=["price", "updated_at"],
    )


def load_seasons(today: dt.date) -> None:
    for year in (today.year, today.year + 1):
        for item in demo.SEASONS:
            Season.objects.update_or_create(
                starts_on=dt.date(year, *item["starts"]),
                ends_on=dt.date(year, *item["ends"]),
                defaults={**_translations("name", item["name"]), "fare_adjustment_percent": Decimal(item["percent"])},
            )


def load_extras() -> None:
    for position, item in enumerate(demo.EXTRAS, start=1):
        Extra.objects.update_or_create(
            code=item["code"],
            defaults={
                **_translations("name", item["name"]),
                **_translations("description", item["description"]),
                "price": Decimal(item["price"]),
                "pricing": item["pricing"],
                "max_quantity": item["max_quantity"],
                "for_party": item["for_party"],
                "mark": item["mark"],
                "sort_order": position * 10,
            },
        )


def load_tours(zones: dict[str, Zone]) -> dict[str, Tour]:
    tours = {}
    for item in demo.TOURS:
        tour, _ = Tour.objects.update_or_create(
            slug=item["slug"],
            defaults={
                **_translations("name", item["name"]),
                **_translations("summary", item["summary"]),
                **_translations("description", item["description"]),
                **_translations("itinerary", item["itinerary"]),
                **_translations("included", item["included"]),
                "duration_minutes": item["duration_minutes"],
                "adult_price": Decimal(item["adult_price"]),
                "child_price": Decimal(item["child_price"]),
                "infant_price": Decimal(item["infant_price"]),
                "booking_cutoff_hours": item["cutoff_hours"],
                "sort_order": item["sort_order"],
            },
        )
        tour.pickup_zones.set([zones[code] for code in item["pickup_zones"]])
        for code, minutes in item["pickup_zones"].items():
            TourPickupZone.objects.filter(tour=tour, zone=zones[code]).update(minutes_before_departure=minutes)
        load_tour_photos(tour, demo.TOUR_PHOTOS.get(item["slug"], ()))
        tours[item["slug"]] = tour
    return tours


def load_tour_photos(tour: Tour, photos) -> None:
    """The tour's photos from the library, in the demo's order, with their descriptions in every language."""
    tour.photos.all().delete()
    for position, photo in enumerate(photos):
        TourPhoto.objects.create(
            tour=tour, photo=photo["photo"], sort_order=position * 10, **_translations("alt", photo["alt"])
        )


def departure_start(item: dict, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(item["start_time"]), tzinfo=LOCAL)


def scheduled_days(item: dict, today: dt.date) -> list[dt.date]:
    """The days of the next ``DEPARTURE_DAYS`` days (tomorrow onwards) on which the tour runs."""
    days = (today + dt.timedelta(days=offset) for offset in range(1, demo.DEPARTURE_DAYS + 1))
    return [day for day in days if day.weekday() in item["weekdays"]]


def load_departures(tours: dict[str, Tour], today: dt.date) -> int:
    """Add the departures of the coming days that do not exist yet; existing ones keep their capacity."""
    new = []
    for item in demo.TOURS:
        tour = tours[item["slug"]]
        wanted = {departure_start(item, day) for day in scheduled_days(item, today)}
        existing = set(
            TourDeparture.objects.filter(tour=tour, starts_at__in=wanted).values_list("starts_at", flat=True)
        )
        new += [
            TourDeparture(tour=tour, starts_at=starts_at, capacity=item["capacity"])
            for starts_at in sorted(wanted - existing)
        ]
    TourDeparture.objects.bulk_create(new)
    return len(new)


def load_coupon(now: dt.datetime) -> None:
    item = demo.COUPON
    terms = {
        "description": item["description"],
        "kind": item["kind"],
        "value": Decimal(item["value"]),
        "max_uses": item["max_uses"],
        "max_uses_per_customer": item["max_uses_per_customer"],
    }
    start = dt.datetime.combine(timezone.localdate(now, LOCAL) - dt.timedelta(days=30), dt.time(), tzinfo=LOCAL)
    # The validity window is set once: running the command again must not keep pushing it forward.
    window = {"valid_from": start, "valid_until": start + dt.timedelta(days=item["valid_days"])}
    Coupon.objects.update_or_create(code=item["code"], defaults=terms, create_defaults={**terms, **window})


def load_currencies() -> None:
    for position, (code, name, symbol, rate) in enumerate(demo.CURRENCIES, start=1):
        Currency.objects.update_or_create(
            code=code, defaults={"name": name, "symbol": symbol, "rate": Decimal(rate), "sort_order": position}
        )


def load_catalogue(*, now: dt.datetime) -> int:
    """Create or update the whole catalogue; returns the number of tour departures added."""
    today = timezone.localdate(now, LOCAL)
    zones = load_zones()
    load_places(zones)
    vehicles = load_vehicle_classes()
    load_fares(zones, vehicles)
    load_seasons(today)
    load_extras()
    tours = load_tours(zones)
    added = load_departures(tours, today)
    load_coupon(now)
    load_currencies()
    return added


# --- bookings ---------------------------------------------------------------------------------------------
def _local_time(spec: dict, *, now: dt.datetime) -> dt.datetime:
    """A naive local wall-clock time for ``{"days", "time"}``, an aware one for ``{"minutes"}``."""
    if "minutes" in spec:
        moment = now + dt.timedelta(minutes=spec["minutes"])
        return moment.replace(minute=moment.minute - moment.minute % 5, second=0, microsecond=0)
    day = timezone.localdate(now, LOCAL) + dt.timedelta(days=spec["days"])
    return dt.datetime.combine(day, dt.time.fromisoformat(spec["time"]))


def _flight(number: str | None, pickup_at: dt.datetime) -> FlightInput:
    if not number:
        return FlightInput()
    return FlightInput(number=number, arrival_at=pickup_at - BAGGAGE_TIME)


def _demo_departure(item: dict, tour: Tour, *, offset_days: int, now: dt.datetime) -> TourDeparture:
    """The scheduled departure nearest ``offset_days`` from today (after it if ahead, before it if past)."""
    step = 1 if offset_days >= 0 else -1
    day = timezone.localdate(now, LOCAL) + dt.timedelta(days=offset_days)
    while day.weekday() not in item["weekdays"]:
        day += dt.timedelta(days=step)
    departure, _ = TourDeparture.objects.get_or_create(
        tour=tour, starts_at=departure_start(item, day), defaults={"capacity": item["capacity"]}
    )
    return departure


def _passengers(spec: dict) -> list[PassengerInput]:
    return [PassengerInput(first, last, category) for first, last, category in spec["passengers"]]


def _place_booking(spec: dict, *, placed_at: dt.datetime, now: dt.datetime) -> Booking:
    adults, children, infants, luggage = spec["party"]
    contact = Contact(name=spec["name"], email=spec["email"], phone=spec["phone"])
    common = {
        "contact": contact,
        "passengers": _passengers(spec),
        "notes": spec.get("notes", ""),
        "language": spec["language"],
        "payment_method": spec["payment"],
    }
    if spec["kind"] == Booking.Kind.TOUR:
        item = next(tour for tour in demo.TOURS if tour["slug"] == spec["tour"])
        tour = Tour.objects.get(slug=spec["tour"])
        departure = _demo_departure(item, tour, offset_days=spec["departure_days"], now=now)
        tour_request = TourQuoteRequest(
            departure_id=departure.pk,
            adults=adults,
            children=children,
            infants=infants,
            coupon=spec.get("coupon"),
            currency=spec["currency"],
        )
        tour_order = TourOrder(
            quote_request=tour_request,
            pickup_place=spec.get("pickup_place", ""),
            pickup_point=spec.get("pickup_point", ""),
            **common,
        )
        return services.booking_place_tour(order=tour_order, actor=DEMO_ACTOR, now=placed_at)
    origin, destination = spec["route"]
    pickup_at = _local_time(spec["pickup"], now=now)
    return_at = _local_time(spec["return_pickup"], now=now) if "return_pickup" in spec else None
    transfer_request = TransferQuoteRequest(
        origin=origin,
        destination=destination,
        pickup_at=pickup_at,
        adults=adults,
        children=children,
        infants=infants,
        luggage=luggage,
        return_pickup_at=return_at,
        extras=[ExtraRequest(code, quantity) for code, quantity in spec.get("extras", [])],
        coupon=spec.get("coupon"),
        currency=spec["currency"],
    )
    transfer_order = TransferOrder(
        quote_request=transfer_request,
        vehicle_class=spec["vehicle"],
        flight=_flight(spec.get("flight"), pickup_at),
        return_flight=_flight(spec.get("return_flight"), return_at) if return_at else FlightInput(),
        pickup_point=spec.get("pickup_point", ""),
        **common,
    )
    return services.booking_place_transfer(order=transfer_order, actor=DEMO_ACTOR, now=placed_at)


def _step_at(
    status: str, *, booking: Booking, placed_at: dt.datetime, previous_at: dt.datetime, now: dt.datetime
) -> dt.datetime:
    """When a step of the demo history happened: a plausible moment, never in the future, never before the last."""
    starts = booking.starts_at
    # Tour bookings, and only they, have a departure (booking_kind_matches_product).
    departure = booking.tour_departure
    trip = dt.timedelta(minutes=departure.tour.duration_minutes) if departure is not None else TRANSFER_RIDE
    planned_at: dict[str, dt.datetime] = {
        S.CONFIRMED: placed_at + dt.timedelta(minutes=10),
        S.EXPIRED: placed_at + dt.timedelta(hours=1),
        S.ASSIGNED: starts - dt.timedelta(days=1),
        S.ON_THE_WAY: starts - dt.timedelta(minutes=45),
        S.PICKED_UP: starts + dt.timedelta(minutes=5),
        S.COMPLETED: starts + trip,
        S.NO_SHOW: starts + dt.timedelta(minutes=90),
        S.CANCELLED: placed_at + dt.timedelta(days=1),
        S.REFUNDED: previous_at + dt.timedelta(days=1),
    }
    planned = planned_at[status]
    return max(min(planned, now), previous_at)


def place_demo_booking(spec: dict, *, now: dt.datetime) -> Booking:
    """Place one demo booking through the services and walk it along its path, all or nothing."""
    placed_at = now - dt.timedelta(days=spec["booked_days_ago"])
    reasons = spec.get("reasons", {})
    with transaction.atomic():
        booking = _place_booking(spec, placed_at=placed_at, now=now)
        at = placed_at
        for status in spec["path"]:
            at = _step_at(status, booking=booking, placed_at=placed_at, previous_at=at, now=now)
            if status == S.CANCELLED:
                booking = services.booking_cancel(
                    booking_id=booking.pk,
                    actor=DEMO_ACTOR,
                    reason=reasons.get(status, ""),
                    by_traveller=spec.get("cancel_by_traveller", False),
                    now=at,
                )
            else:
                booking = services.booking_transition(
                    booking_id=booking.pk, to_status=status, actor=DEMO_ACTOR, reason=reasons.get(status, ""), now=at
                )
    return booking


def place_demo_bookings(*, now: dt.datetime) -> int:
    """Place the demo bookings that are not there yet (recognised by their lead email); returns how many."""
    specs = [*demo.DEMO_BOOKINGS, *BOARD_BOOKINGS]  # the fleet's demo fills tomorrow's board
    emails = [spec["email"] for spec in specs]
    existing = set(Booking.objects.filter(lead_email__in=emails).values_list("lead_email", flat=True))
    placed = 0
    for spec in specs:
        if spec["email"] not in existing:
            place_demo_booking(spec, now=now)
            placed += 1
    return placed


class Command(BaseCommand):
    help = (
        "Load the demo catalogue of an operator on the Antalya coast (zones, airports, hotels, vehicle classes, "
        "fares, seasons, extras, tours with departures for the next 60 days, a coupon, display currencies) and a "
        "set of demo bookings in every status. Safe to run again: the catalogue is updated in place, departures "
        "for days not yet covered are added, and each demo booking (lead email at example.com) is placed once. "
        "Bookings go through the booking services, so their history is real and their confirmation and "
        "cancellation emails are queued for the task worker like any other booking's: one or two per booking, "
        "addressed to example.com, a domain reserved for documentation (RFC 2606). Nothing is deleted. "
        "Use --catalogue-only to place no bookings and queue no emails."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--catalogue-only",
            action="store_true",
            help="Load the catalogue only: no demo bookings, no queued emails.",
        )

    def handle(self, *args, **options):
        now = timezone.now()
        # Translated columns are written explicitly per language; the untranslated column follows English.
        with translation.override("en"):
            with transaction.atomic():
                added_departures = load_catalogue(now=now)
                fleet = load_fleet(now=now)
            placed = 0 if options["catalogue_only"] else place_demo_bookings(now=now)
            trips = 0 if options["catalogue_only"] else dispatch_demo_days(now=now)
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"Drivers: {fleet['drivers']}. Vehicles: {fleet['vehicles']}. Drive times: {fleet['drive_times']}. "
                f"Trips today and tomorrow: {trips}."
            )
            self._summary(added_departures=added_departures, placed=placed)

    def _summary(self, *, added_departures: int, placed: int) -> None:
        places = Counter(Place.objects.values_list("kind", flat=True))
        demo_emails = [spec["email"] for spec in [*demo.DEMO_BOOKINGS, *BOARD_BOOKINGS]]
        statuses = Counter(Booking.objects.filter(lead_email__in=demo_emails).values_list("status", flat=True))
        self.stdout.write(
            f"Zones: {Zone.objects.count()}. Places: {sum(places.values())} ({places['airport']} airports, "
            f"{places['hotel']} hotels, {places['district']} districts)."
        )
        self.stdout.write(
            f"Vehicle classes: {VehicleClass.objects.count()}. Fares: {Fare.objects.count()}. "
            f"Seasons: {Season.objects.count()}. Extras: {Extra.objects.count()}."
        )
        self.stdout.write(
            f"Tours: {Tour.objects.count()}. Departures: {TourDeparture.objects.count()} ({added_departures} new). "
            f"Coupons: {Coupon.objects.count()}. Currencies: {Currency.objects.count()}."
        )
        by_status = ", ".join(f"{status} {statuses[status]}" for status in S.values if statuses[status])
        self.stdout.write(
            f"Demo bookings: {sum(statuses.values())} ({placed} placed now)" + (f": {by_status}." if by_status else ".")
        )
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
