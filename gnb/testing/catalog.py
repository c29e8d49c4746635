"""A small, exact catalogue (prices chosen so every total can be asserted by hand) and wall-clock times on the
coast."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from gnb.catalog.models import (
    Coupon,
    Currency,
    Extra,
    Fare,
    Place,
    Tour,
    TourDeparture,
    VehicleClass,
    Zone,
)

IST = dt.timezone(dt.timedelta(hours=3))


@dataclass
class Catalog:
    airport_zone: Zone
    belek: Zone
    lara: Zone
    ayt: Place
    belek_hotel: Place
    lara_hotel: Place
    sedan: VehicleClass
    minivan: VehicleClass
    minibus: VehicleClass
    child_seat: Extra
    meet_greet: Extra
    tour: Tour
    departure: TourDeparture
    coupon: Coupon
    gbp: Currency


def make_catalog() -> Catalog:
    airport_zone = Zone.objects.create(code="antalya-airport", name="Antalya Airport", name_tr="Antalya Havalimanı")
    belek = Zone.objects.create(code="belek", name="Belek")
    lara = Zone.objects.create(code="lara", name="Lara")
    ayt = Place.objects.create(
        kind="airport",
        slug="ayt",
        name="Antalya Airport",
        iata_code="AYT",
        zone=airport_zone,
        latitude=Decimal("36.898700"),
        longitude=Decimal("30.800500"),
    )
    belek_hotel = Place.objects.create(
        kind="hotel",
        slug="regnum-carya",
        name="Regnum Carya",
        zone=belek,
        latitude=Decimal("36.846000"),
        longitude=Decimal("31.066000"),
    )
    lara_hotel = Place.objects.create(
        kind="hotel",
        slug="titanic-lara",
        name="Titanic Beach Lara",
        zone=lara,
        latitude=Decimal("36.857000"),
        longitude=Decimal("30.870000"),
    )
    sedan = VehicleClass.objects.create(code="sedan", name="Sedan", max_passengers=3, max_luggage=3, sort_order=1)
    minivan = VehicleClass.objects.create(code="minivan", name="Minivan", max_passengers=7, max_luggage=7, sort_order=2)
    minibus = VehicleClass.objects.create(
        code="minibus", name="Minibus", max_passengers=16, max_luggage=16, sort_order=3
    )
    for vehicle, belek_price, lara_price in (
        (sedan, "40.00", "25.00"),
        (minivan, "55.00", "35.00"),
        (minibus, "90.00", "60.00"),
    ):
        Fare.objects.create(
            origin_zone=airport_zone,
            destination_zone=belek,
            vehicle_class=vehicle,
            price=Decimal(belek_price),
        )
        Fare.objects.create(
            origin_zone=airport_zone, destination_zone=lara, vehicle_class=vehicle, price=Decimal(lara_price)
        )
    child_seat = Extra.objects.create(
        code="child_seat", name="Child seat", price=Decimal("5.00"), pricing="per_unit", max_quantity=3
    )
    meet_greet = Extra.objects.create(
        code="meet_greet", name="Meet & greet", price=Decimal("15.00"), pricing="per_booking", max_quantity=1
    )
    tour = Tour.objects.create(
        slug="perge-aspendos",
        name="Perge & Aspendos",
        summary="Two ancient cities in a day",
        description="Ancient theatre and city.",
        itinerary="Perge\nAspendos",
        included="Guide\nLunch",
        duration_minutes=480,
        adult_price=Decimal("45.00"),
        child_price=Decimal("25.00"),
        infant_price=Decimal("0.00"),
        booking_cutoff_hours=12,
    )
    # Belek's hotels are collected 45 minutes before the departure, Lara's 30.
    tour.pickup_zones.add(belek, through_defaults={"minutes_before_departure": 45})
    tour.pickup_zones.add(lara, through_defaults={"minutes_before_departure": 30})
    departure = TourDeparture.objects.create(
        tour=tour, starts_at=timezone.now().replace(microsecond=0) + dt.timedelta(days=10), capacity=20
    )
    now = timezone.now()
    coupon = Coupon.objects.create(
        code="WELCOME10",
        kind="percent",
        value=Decimal("10"),
        valid_from=now - dt.timedelta(days=1),
        valid_until=now + dt.timedelta(days=365),
    )
    Currency.objects.create(code="EUR", name="Euro", symbol="€", rate=Decimal("1"))
    gbp = Currency.objects.create(code="GBP", name="Pound sterling", symbol="£", rate=Decimal("0.850000"))
    return Catalog(
        airport_zone,
        belek,
        lara,
        ayt,
        belek_hotel,
        lara_hotel,
        sedan,
        minivan,
        minibus,
        child_seat,
        meet_greet,
        tour,
        departure,
        coupon,
        gbp,
    )


def future_local(days: int = 30, hour: int = 14, minute: int = 30) -> dt.datetime:
    """A naive wall-clock time ``days`` ahead (pickup times are given local to the place)."""
    day = (timezone.now() + dt.timedelta(days=days)).astimezone(IST).date()
    return dt.datetime(day.year, day.month, day.day, hour, minute)  # noqa: DTZ001 - naive on purpose


def seats_for_children(catalog: Catalog) -> tuple[Extra, Extra, Extra]:
    """The catalogue's child seat made one per child, with a baby seat (one per infant) and a booster (one per
    child) beside it, as the demo catalogue sells them: ``(child_seat, baby_seat, booster)``."""
    catalog.child_seat.for_party, catalog.child_seat.mark = Extra.For.CHILDREN, "CS"
    catalog.child_seat.save(update_fields=["for_party", "mark"])
    seat = {"price": Decimal("5.00"), "pricing": "per_unit", "max_quantity": 3}
    baby_seat, _created = Extra.objects.get_or_create(
        code="baby_seat",
        defaults={**seat, "name": "Baby seat", "mark": "BS", "for_party": Extra.For.INFANTS, "sort_order": 1},
    )
    booster, _created = Extra.objects.get_or_create(
        code="booster",
        defaults={
            **seat,
            "name": "Booster seat",
            "mark": "BO",
            "price": Decimal("4.00"),
            "for_party": Extra.For.CHILDREN,
            "sort_order": 2,
        },
    )
    return catalog.child_seat, baby_seat, booster


def kas_centre() -> Place:
    """A place 200 km west of Antalya, in a zone of its own: no test tour picks up there."""
    zone = Zone.objects.create(code="kas-kalkan", name="Kaş & Kalkan")
    return Place.objects.create(
        kind="district",
        slug="kas-centre",
        name="Kaş centre",
        zone=zone,
        latitude=Decimal("36.201700"),
        longitude=Decimal("29.637700"),
    )
