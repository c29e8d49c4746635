from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from ninja import Field, Schema


class ZoneOut(Schema):
    code: str
    name: str


class PlaceOut(Schema):
    slug: str
    kind: str
    name: str
    iata_code: str | None
    zone: ZoneOut
    latitude: Decimal
    longitude: Decimal
    time_zone: str


class VehicleClassOut(Schema):
    code: str
    name: str
    description: str
    included: list[str]
    max_passengers: int
    max_luggage: int

    @staticmethod
    def resolve_included(obj) -> list[str]:
        return [line.strip() for line in obj.included.splitlines() if line.strip()]


class ExtraOut(Schema):
    code: str
    name: str
    description: str
    price: Decimal
    pricing: str
    max_quantity: int
    # "", "passengers", "children", "infants" or "children_infants": at most one per such traveller.
    for_party: str


class CurrencyOut(Schema):
    code: str
    name: str
    symbol: str
    rate: Decimal


class PickupTimeOut(Schema):
    zone: ZoneOut
    minutes_before_departure: int = Field(description="Hotels in this zone are collected this long before the start")


class TourOut(Schema):
    slug: str
    name: str
    summary: str
    description: str
    itinerary: list[str]
    included: list[str]
    duration_minutes: int
    adult_price: Decimal
    child_price: Decimal
    infant_price: Decimal
    booking_cutoff_hours: int
    pickup_zones: list[ZoneOut]
    pickup_times: list[PickupTimeOut] = Field(description="Each pickup zone with its pickup time, earliest first")

    @staticmethod
    def resolve_itinerary(obj) -> list[str]:
        return [line.strip() for line in obj.itinerary.splitlines() if line.strip()]

    @staticmethod
    def resolve_included(obj) -> list[str]:
        return [line.strip() for line in obj.included.splitlines() if line.strip()]

    @staticmethod
    def resolve_pickup_zones(obj) -> list:
        return sorted((row.zone for row in obj.pickup_times.all()), key=lambda zone: (zone.sort_order, zone.code))

    @staticmethod
    def resolve_pickup_times(obj) -> list:
        return list(obj.pickup_times.all())


class DepartureOut(Schema):
    id: int
    starts_at: dt.datetime
    capacity: int
    seats_left: int
    sold_out: bool

    @staticmethod
    def resolve_starts_at(obj) -> dt.datetime:
        return timezone.localtime(obj.starts_at)

    @staticmethod
    def resolve_seats_left(obj) -> int:
        return max(obj.seats_left, 0)

    @staticmethod
    def resolve_sold_out(obj) -> bool:
        return obj.seats_left <= 0
