"""The catalogue as each process keeps it: read once per catalogue version, then shared by every quote and page.

A quote used to read places, fares, seasons, extras, the coupon and the currencies on every request (five or six
queries, most of a quote's time). The catalogue changes a few times a day and is read hundreds of times a second at
the peak, so each process keeps the whole active catalogue in memory under the version token it read it with
(:class:`~gnb.catalog.models.CatalogueVersion`, changed by database triggers on every catalogue write). A request
pays one indexed read of that token; the catalogue is read again only when the token changed. Nothing here can
serve a price older than the last committed change: the token is read on every call, in the caller's transaction.

The instances in a snapshot are shared between requests: read them, never change or save them.
"""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection

from gnb.catalog.models import CatalogueVersion, Coupon, Currency, Extra, Fare, Place, Season, Tour, VehicleClass
from gnb.catalog.translation import translated_columns


@dataclass(frozen=True)
class Catalogue:
    """The active catalogue a quote reads, as of ``token``."""

    token: str
    places: dict[str, Place]  # active places by slug, in the order lists show them (kind, popular first, name)
    vehicle_classes: dict[int, VehicleClass]  # active classes by id
    # (origin zone, destination zone) → [(vehicle class id, price)], active classes only
    fares: dict[tuple[int, int], list[tuple[int, Decimal]]]
    seasons: tuple[Season, ...]  # active seasons
    extras: dict[str, Extra]  # active extras by code
    coupons: dict[str, Coupon]  # active coupons by code
    currency_rates: dict[str, Decimal]  # active display currencies, and the base currency at 1
    tour_ids: dict[str, int]  # active tours: slug → id
    # Every way a traveller may name a place exactly (slug, IATA code, a name in any language; case-folded) →
    # the first place in list order that carries it.
    place_names: dict[str, Place] = field(default_factory=dict)

    def fares_between(self, zone_a: int, zone_b: int) -> dict[tuple[int, int, int], Decimal]:
        """The fares of a route in both directions, by (origin zone, destination zone, vehicle class id)."""
        found: dict[tuple[int, int, int], Decimal] = {}
        for start, end in {(zone_a, zone_b), (zone_b, zone_a)}:
            for vehicle_id, price in self.fares.get((start, end), ()):
                found[(start, end, vehicle_id)] = price
        return found


_lock = threading.Lock()
_current: Catalogue | None = None
# Within one web request the token is read once: a page asks for the catalogue many times (the search form's places,
# the quote, the currency switcher), and the answers must agree with each other anyway. Outside requests (the
# worker, commands, tests calling services) every call reads it.
_request = threading.local()


def request_started_handler(**kwargs: object) -> None:
    _request.active = True
    _request.token = None


def request_finished_handler(**kwargs: object) -> None:
    _request.active = False
    _request.token = None


def catalogue_token() -> str:
    """The catalogue's version token (one indexed read).

    A database emptied by a flush (tests that truncate every table) has lost the row; it is written again with a
    token no snapshot carries.
    """
    # Plain SQL: this runs on every quote and page, and the ORM's compiling cost more than the read.
    with connection.cursor() as cursor:
        cursor.execute("SELECT token FROM catalog_catalogueversion WHERE id = 1")
        row = cursor.fetchone()
    token = row[0] if row else None
    if token is None:
        token = CatalogueVersion.objects.get_or_create(pk=1, defaults={"token": uuid.uuid4().hex})[0].token
    return token


def catalogue() -> Catalogue:
    """The active catalogue, read again only when it changed since this process last read it."""
    global _current
    current = _current
    in_request = getattr(_request, "active", False)
    if in_request and current is not None and _request.token == current.token:
        return current
    token = catalogue_token()
    if in_request:
        _request.token = token
    if current is not None and current.token == token:
        return current
    built = _read(token)
    with _lock:
        _current = built
    return built


def _read(token: str) -> Catalogue:
    places = {
        place.slug: place
        for place in Place.objects.filter(is_active=True).select_related("zone").order_by("kind", "-is_popular", "name")
    }
    vehicle_classes = {vc.pk: vc for vc in VehicleClass.objects.filter(is_active=True)}
    fares: dict[tuple[int, int], list[tuple[int, Decimal]]] = defaultdict(list)
    rows = (
        Fare.objects.filter(vehicle_class__is_active=True)
        .order_by()
        .values_list("origin_zone_id", "destination_zone_id", "vehicle_class_id", "price")
    )
    for origin_zone, destination_zone, vehicle_id, price in rows:
        fares[(origin_zone, destination_zone)].append((vehicle_id, price))
    rates = {code: rate for code, rate in Currency.objects.filter(is_active=True).values_list("code", "rate")}
    rates.setdefault(settings.BASE_CURRENCY, Decimal(1))
    names: dict[str, Place] = {}
    for place in places.values():
        keys = {place.slug, place.iata_code or ""} | {getattr(place, c) or "" for c in translated_columns("name")}
        for key in keys:
            if key:
                names.setdefault(key.casefold(), place)
    return Catalogue(
        token=token,
        places=places,
        vehicle_classes=vehicle_classes,
        fares=dict(fares),
        seasons=tuple(Season.objects.filter(is_active=True)),
        extras={extra.code: extra for extra in Extra.objects.filter(is_active=True)},
        coupons={coupon.code: coupon for coupon in Coupon.objects.filter(is_active=True)},
        currency_rates=rates,
        tour_ids=dict(Tour.objects.filter(is_active=True).values_list("slug", "pk")),
        place_names=names,
    )
