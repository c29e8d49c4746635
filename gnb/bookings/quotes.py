"""Quote selectors: load what a request needs from the catalogue (few, fixed queries) and ask the engine.

Both the API and the booking services go through these, so a price is computed one way only. Every
validation problem is reported together, each naming the input field at fault.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gnb.bookings import pricing
from gnb.catalog.models import Coupon, Extra, Place, TourDeparture
from gnb.catalog.snapshot import Catalogue, catalogue
from gnb.core.errors import ValidationFailed


@dataclass(frozen=True)
class ExtraRequest:
    code: str
    quantity: int


@dataclass(frozen=True)
class TransferQuoteRequest:
    origin: str
    destination: str
    pickup_at: dt.datetime  # naive = local time of the origin place
    adults: int
    children: int = 0
    infants: int = 0
    luggage: int = 0
    return_pickup_at: dt.datetime | None = None  # naive = local time of the destination place
    extras: Sequence[ExtraRequest] = ()
    coupon: str | None = None
    currency: str | None = None

    @property
    def party(self) -> pricing.Party:
        return pricing.Party(self.adults, self.children, self.infants, self.luggage)


@dataclass(frozen=True)
class TransferOption:
    vehicle: pricing.VehicleOption
    breakdown: pricing.Breakdown


@dataclass(frozen=True)
class TransferQuote:
    origin: Place
    destination: Place
    pickup_at: dt.datetime  # aware
    return_pickup_at: dt.datetime | None
    party: pricing.Party
    extras: tuple[tuple[Extra, int], ...]
    coupon: Coupon | None
    currency: str
    rate: Decimal
    options: tuple[TransferOption, ...]
    # Why ``options`` is empty, in words for the traveller; None when something fits.
    unavailable_reason: str | None = None

    def option_for(self, vehicle_class_code: str) -> TransferOption | None:
        return next((option for option in self.options if option.vehicle.code == vehicle_class_code), None)


@dataclass(frozen=True)
class TourQuoteRequest:
    departure_id: int
    adults: int
    children: int = 0
    infants: int = 0
    coupon: str | None = None
    currency: str | None = None

    @property
    def party(self) -> pricing.Party:
        return pricing.Party(self.adults, self.children, self.infants)


@dataclass(frozen=True)
class TourQuote:
    departure: TourDeparture
    party: pricing.Party
    coupon: Coupon | None
    currency: str
    rate: Decimal
    breakdown: pricing.Breakdown


@dataclass
class _Errors:
    items: list[tuple[str, str]] = field(default_factory=list)

    def add(self, field_name: str, message: str) -> None:
        self.items.append((field_name, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationFailed(self.items)


def currency_rates() -> dict[str, Decimal]:
    """Active display currencies and their rates (the base currency at 1), as of the last committed change."""
    return catalogue().currency_rates


def _check_party(errors: _Errors, *, adults: int, children: int, infants: int, luggage: int = 0) -> None:
    if adults < 1:
        errors.add("adults", _("At least one adult must travel."))
    for name, value in (("children", children), ("infants", infants), ("luggage", luggage)):
        if value < 0:
            errors.add(name, _("Cannot be negative."))
    if adults + children + infants > settings.GNB_MAX_PASSENGERS:
        errors.add(
            "adults",
            _("Too many passengers: at most %(max)s per booking. Please contact us for groups.")
            % {"max": settings.GNB_MAX_PASSENGERS},
        )
    if infants > adults:
        errors.add("infants", _("Each infant must travel with an adult."))


def _party_refuses(extra: Extra, quantity: int, request: TransferQuoteRequest) -> str | None:
    """Why the party cannot take ``quantity`` of ``extra`` (one per traveller it serves), or None."""
    count = extra.party_count(adults=request.adults, children=request.children, infants=request.infants)
    if count is None or quantity <= count:
        return None
    names = {"extra": extra.name, "max": count, "count": count}
    if count <= 0:
        empty: dict[str, str] = {
            Extra.For.CHILDREN: _("%(extra)s is for a child: add the child to the party first."),
            Extra.For.INFANTS: _("%(extra)s is for an infant: add the infant to the party first."),
            Extra.For.CHILDREN_INFANTS: _("%(extra)s is for a child or an infant: add them to the party first."),
        }
        return empty.get(extra.for_party, _("Choose between 1 and %(max)s.")) % names
    messages: dict[str, str] = {
        Extra.For.PASSENGERS: ngettext(
            "%(extra)s: at most %(max)s for %(count)s passenger.",
            "%(extra)s: at most %(max)s for %(count)s passengers.",
            count,
        ),
        Extra.For.CHILDREN: ngettext(
            "%(extra)s: at most %(max)s for %(count)s child.",
            "%(extra)s: at most %(max)s for %(count)s children.",
            count,
        ),
        Extra.For.INFANTS: ngettext(
            "%(extra)s: at most %(max)s for %(count)s infant.",
            "%(extra)s: at most %(max)s for %(count)s infants.",
            count,
        ),
        Extra.For.CHILDREN_INFANTS: ngettext(
            "%(extra)s: at most %(max)s for %(count)s child or infant.",
            "%(extra)s: at most %(max)s for %(count)s children and infants.",
            count,
        ),
    }
    return messages[extra.for_party] % names


def _check_shared_seats(
    errors: _Errors, request: TransferQuoteRequest, chosen: Sequence[tuple[int, Extra, int]]
) -> None:
    """Seats for children and infants together: each child or infant sits in one seat, whichever kind.

    Each extra alone is within its bound already; here a child seat and a booster for one child, or more seats in
    all than children and infants, are refused. The error is reported on the last extra of the group.
    """
    groups = (
        ({Extra.For.CHILDREN}, request.children),
        ({Extra.For.INFANTS}, request.infants),
        ({Extra.For.CHILDREN, Extra.For.INFANTS, Extra.For.CHILDREN_INFANTS}, request.children + request.infants),
    )
    for kinds, count in groups:
        members = [(index, extra, quantity) for index, extra, quantity in chosen if extra.for_party in kinds]
        if len(members) < 2 or sum(quantity for _index, _extra, quantity in members) <= count:
            continue
        names = " + ".join(extra.name for _index, extra, _quantity in members)
        if kinds == {Extra.For.CHILDREN}:
            message = ngettext(
                "%(extras)s: at most %(count)s together for %(count)s child.",
                "%(extras)s: at most %(count)s together for %(count)s children.",
                count,
            )
        elif kinds == {Extra.For.INFANTS}:
            message = ngettext(
                "%(extras)s: at most %(count)s together for %(count)s infant.",
                "%(extras)s: at most %(count)s together for %(count)s infants.",
                count,
            )
        else:
            message = ngettext(
                "%(extras)s: at most %(count)s together for %(count)s child or infant.",
                "%(extras)s: at most %(count)s together for %(count)s children and infants.",
                count,
            )
        errors.add(f"extras.{members[-1][0]}.quantity", message % {"extras": names, "count": count})
        return


def _resolve_currency(errors: _Errors, code: str | None, known: Catalogue) -> tuple[str, Decimal]:
    code = (code or settings.BASE_CURRENCY).upper()
    rates = known.currency_rates
    if code not in rates:
        errors.add("currency", _("Unknown currency %(code)s.") % {"code": code})
        return settings.BASE_CURRENCY, Decimal(1)
    return code, rates[code]


def _resolve_coupon(
    errors: _Errors, code: str | None, known: Catalogue, *, for_tours: bool, now: dt.datetime
) -> Coupon | None:
    if not code:
        return None
    coupon = known.coupons.get(code.strip().upper())
    scope = Coupon.AppliesTo.TOURS if for_tours else Coupon.AppliesTo.TRANSFERS
    if coupon is None:
        errors.add("coupon", _("This coupon code does not exist."))
    elif not (coupon.valid_from <= now < coupon.valid_until):
        errors.add("coupon", _("This coupon is not valid today."))
    elif coupon.applies_to not in (Coupon.AppliesTo.ALL, scope):
        errors.add("coupon", _("This coupon does not apply to this kind of booking."))
    else:
        return coupon
    return None


def coupon_terms(coupon: Coupon | None) -> pricing.CouponTerms | None:
    if coupon is None:
        return None
    return pricing.CouponTerms(code=coupon.code, kind=coupon.kind, value=coupon.value, min_total=coupon.min_total)


def _localise(errors: _Errors, field_name: str, value: dt.datetime, place: Place) -> dt.datetime | None:
    """A naive time is the wall-clock time at the place; an aware one is converted to it."""
    if timezone.is_naive(value):
        return value.replace(tzinfo=place.tzinfo)
    try:
        return value.astimezone(place.tzinfo)
    except OverflowError:
        # An offset that pushes year 1 or 9999 out of the calendar: report it like any other bad date.
        errors.add(field_name, _("This date is out of range."))
        return None


def route_places(
    errors: _Errors, origin_slug: str, destination_slug: str, known: Catalogue | None = None
) -> tuple[Place | None, Place | None]:
    """The active places of a route by their slugs, each unknown one and a route going nowhere as errors on
    ``origin`` / ``destination``."""
    places = (known or catalogue()).places
    origin, destination = places.get(origin_slug), places.get(destination_slug)
    if origin is None:
        errors.add("origin", _("Unknown place “%(slug)s”.") % {"slug": origin_slug})
    if destination is None:
        errors.add("destination", _("Unknown place “%(slug)s”.") % {"slug": destination_slug})
    if origin is not None and origin == destination:
        errors.add("destination", _("The destination must differ from the pickup place."))
    return origin, destination


def transfer_quote(request: TransferQuoteRequest, *, now: dt.datetime | None = None) -> TransferQuote:
    """Every vehicle class that fits the party, each with its full price breakdown.

    One query: the catalogue's version (:mod:`gnb.catalog.snapshot`); the catalogue itself is read once per change.
    """
    now = now or timezone.now()
    known = catalogue()
    errors = _Errors()
    _check_party(
        errors,
        adults=request.adults,
        children=request.children,
        infants=request.infants,
        luggage=request.luggage,
    )
    currency, rate = _resolve_currency(errors, request.currency, known)

    origin, destination = route_places(errors, request.origin, request.destination, known)

    pickup_at = return_at = None
    latest = now + dt.timedelta(days=settings.GNB_MAX_DAYS_AHEAD)
    if origin is not None:
        pickup_at = _localise(errors, "pickup_at", request.pickup_at, origin)
    if pickup_at is not None:
        earliest = now + dt.timedelta(minutes=settings.GNB_MIN_LEAD_MINUTES)
        if pickup_at < now:
            errors.add("pickup_at", _("The pickup time is in the past."))
        elif pickup_at < earliest:
            errors.add(
                "pickup_at",
                _("Transfers must be booked at least %(hours)s hours before pickup.")
                % {"hours": f"{settings.GNB_MIN_LEAD_MINUTES / 60:g}"},
            )
        elif pickup_at > latest:
            errors.add(
                "pickup_at",
                _("Transfers can be booked at most %(days)s days ahead.") % {"days": settings.GNB_MAX_DAYS_AHEAD},
            )
    if request.return_pickup_at is not None and destination is not None:
        return_at = _localise(errors, "return_pickup_at", request.return_pickup_at, destination)
    if return_at is not None:
        if pickup_at is not None and return_at - pickup_at <= dt.timedelta(hours=1):
            errors.add("return_pickup_at", _("The return pickup must be at least an hour after the first pickup."))
        elif return_at > latest:
            errors.add(
                "return_pickup_at",
                _("Transfers can be booked at most %(days)s days ahead.") % {"days": settings.GNB_MAX_DAYS_AHEAD},
            )

    extras: list[tuple[Extra, int]] = []
    if request.extras:
        codes = [item.code for item in request.extras]
        found = {code: known.extras[code] for code in codes if code in known.extras}
        seen: set[str] = set()
        chosen: list[tuple[int, Extra, int]] = []  # with the index of each in the request, to name the field
        for index, item in enumerate(request.extras):
            extra = found.get(item.code)
            if extra is None:
                errors.add(f"extras.{index}.code", _("Unknown extra “%(code)s”.") % {"code": item.code})
            elif item.code in seen:
                errors.add(f"extras.{index}.code", _("This extra is listed twice."))
            elif not 1 <= item.quantity <= extra.max_quantity:
                errors.add(
                    f"extras.{index}.quantity",
                    _("Choose between 1 and %(max)s.") % {"max": extra.max_quantity},
                )
            elif message := _party_refuses(extra, item.quantity, request):
                errors.add(f"extras.{index}.quantity", message)
            else:
                extras.append((extra, item.quantity))
                chosen.append((index, extra, item.quantity))
            seen.add(item.code)
        _check_shared_seats(errors, request, chosen)
    coupon = _resolve_coupon(errors, request.coupon, known, for_tours=False, now=now)
    errors.raise_if_any()
    assert origin is not None and destination is not None and pickup_at is not None

    prices = known.fares_between(origin.zone_id, destination.zone_id)
    vehicles: dict[int, pricing.VehicleOption] = {}
    for _start, _end, vehicle_id in prices:
        vc = known.vehicle_classes[vehicle_id]
        vehicles[vc.pk] = pricing.VehicleOption(
            vc.pk, vc.code, vc.name, vc.max_passengers, vc.max_luggage, vc.sort_order
        )

    def fare_between(start: int, end: int, vehicle_id: int) -> Decimal:
        # A fare applies both ways unless the other direction has a row of its own.
        return prices.get((start, end, vehicle_id)) or prices[(end, start, vehicle_id)]

    if not vehicles:
        raise ValidationFailed([("destination", _("We do not serve this route yet. Please contact us."))])

    days = [pickup_at.date()] + ([return_at.date()] if return_at else [])
    seasons = [
        pricing.SeasonTerms(s.name, s.starts_on, s.ends_on, s.fare_adjustment_percent)
        for s in known.seasons
        if s.starts_on <= max(days) and s.ends_on >= min(days)
    ]
    extra_choices = [
        pricing.ExtraChoice(extra.code, extra.name, extra.price, extra.pricing, quantity) for extra, quantity in extras
    ]
    terms = coupon_terms(coupon)
    party = request.party
    options = []
    # The operator's order (sort_order), then size: the same order as the vehicle list everywhere else.
    for vehicle in sorted(vehicles.values(), key=lambda v: (v.sort_order, v.max_passengers, v.code)):
        if not vehicle.fits(party):
            continue
        legs = [pricing.Leg(fare_between(origin.zone_id, destination.zone_id, vehicle.id), pickup_at.date())]
        if return_at is not None:
            legs.append(pricing.Leg(fare_between(destination.zone_id, origin.zone_id, vehicle.id), return_at.date()))
        breakdown = pricing.price_transfer(
            legs=legs,
            seasons=seasons,
            extras=extra_choices,
            coupon=terms,
            return_discount_percent=settings.GNB_RETURN_DISCOUNT_PERCENT if return_at else Decimal(0),
            currency=currency,
            rate=rate,
        )
        options.append(TransferOption(vehicle, breakdown))
    return TransferQuote(
        origin=origin,
        destination=destination,
        pickup_at=pickup_at,
        return_pickup_at=return_at,
        party=party,
        extras=tuple(extras),
        coupon=coupon,
        currency=currency,
        rate=rate,
        options=tuple(options),
        unavailable_reason=None
        if options
        else _("No vehicle takes %(seats)s passengers with %(bags)s bags. Please contact us for a group transfer.")
        % {"seats": party.seats, "bags": party.luggage},
    )


def tour_quote(request: TourQuoteRequest, *, now: dt.datetime | None = None) -> TourQuote:
    """The price of seats on one tour departure (availability is checked when the booking is placed)."""
    now = now or timezone.now()
    errors = _Errors()
    _check_party(errors, adults=request.adults, children=request.children, infants=request.infants)
    known = catalogue()
    currency, rate = _resolve_currency(errors, request.currency, known)
    departure = (
        TourDeparture.objects.select_related("tour")
        .filter(pk=request.departure_id, is_active=True, tour__is_active=True)
        .first()
    )
    if departure is None:
        errors.add("departure_id", _("Unknown tour departure."))
    elif departure.starts_at - dt.timedelta(hours=departure.tour.booking_cutoff_hours) <= now:
        errors.add("departure_id", _("Booking for this departure has closed."))
    coupon = _resolve_coupon(errors, request.coupon, known, for_tours=True, now=now)
    errors.raise_if_any()
    assert departure is not None
    tour = departure.tour
    breakdown = pricing.price_tour(
        prices=pricing.TourPrices(tour.adult_price, tour.child_price, tour.infant_price),
        party=request.party,
        coupon=coupon_terms(coupon),
        currency=currency,
        rate=rate,
    )
    return TourQuote(
        departure=departure,
        party=request.party,
        coupon=coupon,
        currency=currency,
        rate=rate,
        breakdown=breakdown,
    )
