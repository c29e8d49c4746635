from __future__ import annotations

from typing import Literal

from ninja import Query, Router
from pydantic import Field

from gnb.accounts.apiauth import PUBLIC_SECURITY, Public
from gnb.accounts.models import ApiScope
from gnb.bookings.availability import departures_with_availability
from gnb.bookings.quotes import currency_rates
from gnb.catalog import selectors
from gnb.catalog.models import Currency
from gnb.catalog.schemas import CurrencyOut, DepartureOut, ExtraOut, PlaceOut, TourOut, VehicleClassOut
from gnb.core.schemas import DateTimeIn, InputSchema, error_responses

# Public; credentials, when sent, must be valid (401) and a key must carry catalogue:read (403).
router = Router(tags=["catalogue"], auth=Public(scope=ApiScope.CATALOGUE_READ))
AUTH_ERRORS = error_responses(401, 403)


class PlaceFilters(InputSchema):
    q: str = Field("", max_length=100, description="Part of a name, or an IATA code")
    kind: Literal["airport", "hotel", "district"] | None = None
    tour: str | None = Field(None, max_length=80, description="Only places in this tour's pickup zones (its slug)")
    limit: int = Field(20, ge=1, le=100)


class DepartureFilters(InputSchema):
    start: DateTimeIn | None = Field(None, alias="from")
    end: DateTimeIn | None = Field(None, alias="to")


@router.get(
    "/places",
    response={200: list[PlaceOut], **error_responses(401, 403, 422)},
    openapi_extra=PUBLIC_SECURITY,
    summary="Search places (airports, hotels, districts)",
)
def list_places(request, filters: Query[PlaceFilters]):
    return list(selectors.place_search(query=filters.q, kind=filters.kind, tour=filters.tour, limit=filters.limit))


@router.get(
    "/vehicle-classes",
    response={200: list[VehicleClassOut], **AUTH_ERRORS},
    summary="Vehicle classes",
    openapi_extra=PUBLIC_SECURITY,
)
def list_vehicle_classes(request):
    return list(selectors.vehicle_class_list())


@router.get(
    "/extras",
    response={200: list[ExtraOut], **AUTH_ERRORS},
    summary="Bookable extras (prices in EUR)",
    openapi_extra=PUBLIC_SECURITY,
)
def list_extras(request):
    return list(selectors.extra_list())


@router.get(
    "/currencies",
    response={200: list[CurrencyOut], **AUTH_ERRORS},
    summary="Display currencies and their rates per EUR",
    openapi_extra=PUBLIC_SECURITY,
)
def list_currencies(request):
    rates = currency_rates()
    return [c for c in Currency.objects.filter(is_active=True) if c.code in rates]


@router.get("/tours", response={200: list[TourOut], **AUTH_ERRORS}, summary="Tours", openapi_extra=PUBLIC_SECURITY)
def list_tours(request):
    return list(selectors.tour_list())


@router.get(
    "/tours/{slug}",
    response={200: TourOut, **error_responses(401, 403, 404)},
    summary="One tour",
    openapi_extra=PUBLIC_SECURITY,
)
def get_tour(request, slug: str):
    return selectors.tour_get(slug=slug)


@router.get(
    "/tours/{slug}/departures",
    response={200: list[DepartureOut], **error_responses(401, 403, 404, 422)},
    openapi_extra=PUBLIC_SECURITY,
    summary="Departures with seats left",
)
def list_departures(request, slug: str, filters: Query[DepartureFilters]):
    tour = selectors.tour_get(slug=slug)
    return list(departures_with_availability(tour=tour, start=filters.start, end=filters.end))
