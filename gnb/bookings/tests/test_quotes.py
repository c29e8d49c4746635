"""Quotes from the catalogue: which classes fit, at what price, and every wrong input named by its field."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gnb.bookings.quotes import (
    ExtraRequest,
    TourQuoteRequest,
    TransferQuoteRequest,
    currency_rates,
    tour_quote,
    transfer_quote,
)
from gnb.catalog import snapshot
from gnb.catalog.models import Coupon, Extra, Fare, Place, Season, TourDeparture, VehicleClass
from gnb.core.errors import ValidationFailed
from gnb.testing.catalog import future_local, seats_for_children

ISTANBUL = zoneinfo.ZoneInfo("Europe/Istanbul")


def request_for(**overrides) -> TransferQuoteRequest:
    values = {"origin": "ayt", "destination": "regnum-carya", "pickup_at": future_local(), "adults": 2}
    values.update(overrides)
    return TransferQuoteRequest(**values)


def prices(quote) -> dict[str, Decimal]:
    return {option.vehicle.code: option.breakdown.total for option in quote.options}


def errors_of(excinfo) -> list[tuple[str, str]]:
    return excinfo.value.errors


def fields_of(excinfo) -> list[str]:
    return [field for field, _message in excinfo.value.errors]


# --- what is offered --------------------------------------------------------------------------------------
def test_quote_offers_every_class_that_fits_smallest_first(catalog):
    quote = transfer_quote(request_for())
    assert prices(quote) == {"sedan": Decimal("40.00"), "minivan": Decimal("55.00"), "minibus": Decimal("90.00")}
    assert [option.vehicle.code for option in quote.options] == ["sedan", "minivan", "minibus"]
    assert quote.currency == "EUR"
    assert quote.rate == Decimal(1)


def test_infants_count_as_seats_and_luggage_must_fit(catalog):
    assert list(prices(transfer_quote(request_for(adults=2, children=1, infants=1)))) == ["minivan", "minibus"]
    assert list(prices(transfer_quote(request_for(adults=2, luggage=4)))) == ["minivan", "minibus"]
    assert list(prices(transfer_quote(request_for(adults=8)))) == ["minibus"]
    assert transfer_quote(request_for(adults=17)).options == ()


def test_inactive_vehicle_class_is_not_offered(catalog):
    VehicleClass.objects.filter(code="sedan").update(is_active=False)
    assert list(prices(transfer_quote(request_for()))) == ["minivan", "minibus"]


def test_fare_applies_both_ways_unless_the_reverse_direction_has_its_own(catalog):
    back = request_for(origin="regnum-carya", destination="ayt")
    assert prices(transfer_quote(back))["sedan"] == Decimal("40.00")
    Fare.objects.create(
        origin_zone=catalog.belek, destination_zone=catalog.airport_zone, vehicle_class=catalog.sedan, price=45
    )
    assert prices(transfer_quote(back))["sedan"] == Decimal("45.00")
    round_trip = transfer_quote(request_for(return_pickup_at=future_local(days=37)))
    sedan = round_trip.option_for("sedan").breakdown
    assert [(line.code, line.amount) for line in sedan.lines] == [
        ("fare", Decimal("40.00")),
        ("return_fare", Decimal("45.00")),
        ("return_discount", Decimal("-2.25")),
    ]
    assert sedan.total == Decimal("82.75")


def test_return_discount_is_a_setting(catalog, settings):
    settings.GNB_RETURN_DISCOUNT_PERCENT = Decimal("10")
    quote = transfer_quote(request_for(return_pickup_at=future_local(days=37)))
    assert prices(quote)["minivan"] == Decimal("104.50")


def test_pickup_time_is_wall_clock_time_at_the_place_and_decides_the_season(catalog):
    pickup_local = future_local(days=30, hour=1, minute=0)
    Season.objects.create(
        name="Summer",
        starts_on=pickup_local.date(),
        ends_on=pickup_local.date() + dt.timedelta(days=10),
        fare_adjustment_percent=Decimal("20"),
    )
    as_utc = pickup_local.replace(tzinfo=ISTANBUL).astimezone(dt.UTC)
    assert as_utc.date() < pickup_local.date()
    for given_as in (pickup_local, as_utc):
        quote = transfer_quote(request_for(pickup_at=given_as))
        assert quote.pickup_at == pickup_local.replace(tzinfo=ISTANBUL)
        assert quote.pickup_at.utcoffset() == dt.timedelta(hours=3)
        assert prices(quote)["sedan"] == Decimal("48.00")


def test_quote_in_a_display_currency(catalog):
    quote = transfer_quote(request_for(currency="gbp"))
    assert quote.currency == "GBP"
    assert quote.rate == Decimal("0.850000")
    assert prices(quote) == {"sedan": Decimal("34.00"), "minivan": Decimal("46.75"), "minibus": Decimal("76.50")}
    assert quote.option_for("minivan").breakdown.total_base == Decimal("55.00")


def test_extras_and_coupon_are_priced_in_every_option(catalog):
    quote = transfer_quote(
        request_for(
            extras=[ExtraRequest("child_seat", 2), ExtraRequest("meet_greet", 1)],
            coupon=" welcome10 ",
        )
    )
    assert quote.coupon == catalog.coupon
    assert [(extra.code, quantity) for extra, quantity in quote.extras] == [("child_seat", 2), ("meet_greet", 1)]
    # (fare + 10.00 + 15.00) less 10 %
    assert prices(quote) == {"sedan": Decimal("58.50"), "minivan": Decimal("72.00"), "minibus": Decimal("103.50")}


# --- what is refused --------------------------------------------------------------------------------------
def test_extras_are_checked_one_by_one(catalog):
    with pytest.raises(ValidationFailed) as excinfo:
        transfer_quote(
            request_for(
                extras=[
                    ExtraRequest("jetpack", 1),
                    ExtraRequest("child_seat", 4),
                    ExtraRequest("meet_greet", 1),
                    ExtraRequest("meet_greet", 1),
                ]
            )
        )
    assert errors_of(excinfo) == [
        ("extras.0.code", "Unknown extra “jetpack”."),
        ("extras.1.quantity", "Choose between 1 and 3."),
        ("extras.3.code", "This extra is listed twice."),
    ]


# Seats for children are bounded by the children and infants they are for (issue 13: three child seats and three
# baby seats were accepted for one child and one infant).
def test_seats_beyond_the_children_and_infants_they_are_for_are_refused_naming_the_extra_and_the_bound(catalog):
    seats_for_children(catalog)
    with pytest.raises(ValidationFailed) as excinfo:
        transfer_quote(
            request_for(children=1, infants=1, extras=[ExtraRequest("child_seat", 3), ExtraRequest("baby_seat", 3)])
        )
    assert errors_of(excinfo) == [
        ("extras.0.quantity", "Child seat: at most 1 for 1 child."),
        ("extras.1.quantity", "Baby seat: at most 1 for 1 infant."),
    ]


def test_a_seat_for_a_kind_of_traveller_not_in_the_party_is_refused(catalog):
    seats_for_children(catalog)
    with pytest.raises(ValidationFailed) as excinfo:
        transfer_quote(request_for(children=2, extras=[ExtraRequest("baby_seat", 1)]))
    assert errors_of(excinfo) == [
        ("extras.0.quantity", "Baby seat is for an infant: add the infant to the party first."),
    ]


def test_seats_of_two_kinds_for_the_same_children_count_together(catalog):
    seats_for_children(catalog)
    with pytest.raises(ValidationFailed) as excinfo:
        transfer_quote(request_for(children=1, extras=[ExtraRequest("child_seat", 1), ExtraRequest("booster", 1)]))
    assert errors_of(excinfo) == [
        ("extras.1.quantity", "Child seat + Booster seat: at most 1 together for 1 child."),
    ]


def test_seats_within_the_party_are_sold_and_an_extra_for_the_booking_keeps_its_own_maximum(catalog):
    seats_for_children(catalog)
    quote = transfer_quote(
        request_for(
            children=2,
            infants=1,
            extras=[ExtraRequest("child_seat", 1), ExtraRequest("booster", 1), ExtraRequest("baby_seat", 1)],
        )
    )
    assert [(extra.code, quantity) for extra, quantity in quote.extras] == [
        ("child_seat", 1),
        ("booster", 1),
        ("baby_seat", 1),
    ]
    with pytest.raises(ValidationFailed) as excinfo:
        transfer_quote(request_for(extras=[ExtraRequest("meet_greet", 2)]))
    assert errors_of(excinfo) == [("extras.0.quantity", "Choose between 1 and 1.")]


@pytest.mark.parametrize(
    ("for_party", "party", "limit"),
    [
        ("", {"adults": 2, "children": 1, "infants": 1}, 3),
        ("passengers", {"adults": 1, "children": 0, "infants": 0}, 1),
        ("passengers", {"adults": 4, "children": 2, "infants": 1}, 3),
        ("children", {"adults": 2, "children": 2, "infants": 1}, 2),
        ("infants", {"adults": 2, "children": 2, "infants": 0}, 0),
        ("children_infants", {"adults": 2, "children": 1, "infants": 1}, 2),
    ],
)
def test_an_extras_limit_is_one_per_traveller_it_serves_within_its_maximum(catalog, for_party, party, limit):
    extra = catalog.child_seat  # max_quantity 3
    extra.for_party = for_party
    assert extra.limit_for(**party) == limit


def test_the_database_refuses_an_unknown_party_category(catalog):
    with pytest.raises(IntegrityError), transaction.atomic():
        Extra.objects.filter(pk=catalog.child_seat.pk).update(for_party="pets")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"code": "NOSUCH"}, "This coupon code does not exist."),
        ({"is_active": False}, "This coupon code does not exist."),
        ({"valid_from_days": 2}, "This coupon is not valid today."),
        ({"valid_until_days": -1}, "This coupon is not valid today."),
        ({"applies_to": Coupon.AppliesTo.TOURS}, "This coupon does not apply to this kind of booking."),
    ],
)
def test_a_coupon_that_cannot_be_used_is_refused(catalog, change, message):
    now = timezone.now()
    coupon = catalog.coupon
    coupon.is_active = change.get("is_active", True)
    coupon.applies_to = change.get("applies_to", Coupon.AppliesTo.ALL)
    if "valid_from_days" in change:
        coupon.valid_from = now + dt.timedelta(days=change["valid_from_days"])
    if "valid_until_days" in change:
        coupon.valid_from = now - dt.timedelta(days=10)
        coupon.valid_until = now + dt.timedelta(days=change["valid_until_days"])
    coupon.save()
    with pytest.raises(ValidationFailed) as excinfo:
        transfer_quote(request_for(coupon=change.get("code", "WELCOME10")))
    assert errors_of(excinfo) == [("coupon", message)]


def test_pickup_must_respect_the_minimum_lead_time_setting(catalog, settings):
    now = timezone.now()
    in_two_hours = (now + dt.timedelta(hours=2)).astimezone(ISTANBUL).replace(tzinfo=None)
    settings.GNB_MIN_LEAD_MINUTES = 180
    with pytest.raises(ValidationFailed) as excinfo:
        transfer_quote(request_for(pickup_at=in_two_hours), now=now)
    assert errors_of(excinfo) == [("pickup_at", "Transfers must be booked at least 3 hours before pickup.")]
    settings.GNB_MIN_LEAD_MINUTES = 90
    assert prices(transfer_quote(request_for(pickup_at=in_two_hours), now=now))["sedan"] == Decimal("40.00")


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"pickup_at": dt.datetime(2001, 1, 1, 12, 0)}, ("pickup_at", "The pickup time is in the past.")),
        ({"pickup_at": dt.datetime(1, 1, 1, 0, 0)}, ("pickup_at", "The pickup time is in the past.")),
        (
            {"pickup_at": dt.datetime(1, 1, 1, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=14)))},
            ("pickup_at", "This date is out of range."),
        ),
        (
            {"pickup_at": dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=-12)))},
            ("pickup_at", "This date is out of range."),
        ),
        (
            {"pickup_at": future_local(days=600)},
            ("pickup_at", "Transfers can be booked at most 540 days ahead."),
        ),
        (
            {"return_pickup_at": dt.datetime(9999, 12, 31, 23, 59)},
            ("return_pickup_at", "Transfers can be booked at most 540 days ahead."),
        ),
        (
            {"return_pickup_at": future_local(days=30, hour=15, minute=0)},
            ("return_pickup_at", "The return pickup must be at least an hour after the first pickup."),
        ),
        ({"origin": "atlantis"}, ("origin", "Unknown place “atlantis”.")),
        ({"destination": "ayt"}, ("destination", "The destination must differ from the pickup place.")),
        ({"currency": "XYZ"}, ("currency", "Unknown currency XYZ.")),
        ({"adults": 0}, ("adults", "At least one adult must travel.")),
        ({"children": -1}, ("children", "Cannot be negative.")),
        ({"luggage": -1}, ("luggage", "Cannot be negative.")),
        ({"adults": 1, "infants": 2}, ("infants", "Each infant must travel with an adult.")),
        (
            {"adults": 40, "children": 11},
            ("adults", "Too many passengers: at most 50 per booking. Please contact us for groups."),
        ),
    ],
)
def test_a_wrong_input_is_named_by_its_field(catalog, overrides, error):
    with pytest.raises(ValidationFailed) as excinfo:
        transfer_quote(request_for(**overrides))
    assert errors_of(excinfo) == [error]


def test_every_wrong_input_is_reported_at_once(catalog):
    with pytest.raises(ValidationFailed) as excinfo:
        transfer_quote(request_for(origin="atlantis", currency="XYZ", adults=1, infants=2, coupon="NOSUCH"))
    assert fields_of(excinfo) == ["infants", "currency", "origin", "coupon"]
    assert excinfo.value.field == "infants"


def test_a_route_without_fares_is_refused_on_the_destination(catalog):
    with pytest.raises(ValidationFailed) as excinfo:
        transfer_quote(request_for(origin="titanic-lara", destination="regnum-carya"))
    assert errors_of(excinfo) == [("destination", "We do not serve this route yet. Please contact us.")]


def test_inactive_place_is_unknown(catalog):
    Place.objects.filter(slug="regnum-carya").update(is_active=False)
    with pytest.raises(ValidationFailed) as excinfo:
        transfer_quote(request_for())
    assert errors_of(excinfo) == [("destination", "Unknown place “regnum-carya”.")]


# --- tours ------------------------------------------------------------------------------------------------
def test_tour_quote_prices_adults_children_and_infants(catalog):
    quote = tour_quote(TourQuoteRequest(departure_id=catalog.departure.pk, adults=2, children=1, infants=1))
    assert quote.departure == catalog.departure
    assert quote.party.seats == 4
    assert [(line.code, line.amount, line.quantity) for line in quote.breakdown.lines] == [
        ("adults", Decimal("90.00"), 2),
        ("children", Decimal("25.00"), 1),
    ]
    assert quote.breakdown.total == Decimal("115.00")


def test_tour_quote_in_pounds_with_a_coupon(catalog):
    quote = tour_quote(
        TourQuoteRequest(departure_id=catalog.departure.pk, adults=2, coupon="WELCOME10", currency="GBP")
    )
    assert quote.breakdown.total == Decimal("68.85")  # 2 × 38.25 less 10 %
    assert quote.breakdown.total_base == Decimal("81.00")


def test_tour_booking_closes_at_the_cutoff(catalog):
    now = timezone.now()
    soon = TourDeparture.objects.create(tour=catalog.tour, starts_at=now + dt.timedelta(hours=11), capacity=10)
    with pytest.raises(ValidationFailed) as excinfo:
        tour_quote(TourQuoteRequest(departure_id=soon.pk, adults=1), now=now)
    assert errors_of(excinfo) == [("departure_id", "Booking for this departure has closed.")]
    an_hour_and_a_bit_earlier = now - dt.timedelta(hours=1, minutes=1)
    quote = tour_quote(TourQuoteRequest(departure_id=soon.pk, adults=1), now=an_hour_and_a_bit_earlier)
    assert quote.breakdown.total == Decimal("45.00")


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"departure_id": 999999}, ("departure_id", "Unknown tour departure.")),
        ({"coupon": "TRANSFERS5"}, ("coupon", "This coupon does not apply to this kind of booking.")),
        ({"adults": 1, "infants": 2}, ("infants", "Each infant must travel with an adult.")),
    ],
)
def test_tour_quote_refuses_wrong_inputs_by_field(catalog, overrides, error):
    Coupon.objects.create(
        code="TRANSFERS5",
        kind=Coupon.Kind.FIXED,
        value=Decimal("5"),
        applies_to=Coupon.AppliesTo.TRANSFERS,
        valid_from=catalog.coupon.valid_from,
        valid_until=catalog.coupon.valid_until,
    )
    values = {"departure_id": catalog.departure.pk, "adults": 2, **overrides}
    with pytest.raises(ValidationFailed) as excinfo:
        tour_quote(TourQuoteRequest(**values))
    assert errors_of(excinfo) == [error]


def test_closed_departure_or_tour_is_unknown(catalog):
    TourDeparture.objects.filter(pk=catalog.departure.pk).update(is_active=False)
    with pytest.raises(ValidationFailed):
        tour_quote(TourQuoteRequest(departure_id=catalog.departure.pk, adults=1))
    TourDeparture.objects.filter(pk=catalog.departure.pk).update(is_active=True)
    catalog.tour.is_active = False
    catalog.tour.save()
    with pytest.raises(ValidationFailed):
        tour_quote(TourQuoteRequest(departure_id=catalog.departure.pk, adults=1))


# --- properties and budgets -------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    adults=st.integers(1, 17),
    children=st.integers(0, 8),
    infants=st.integers(0, 4),
    luggage=st.integers(0, 17),
    added=st.sampled_from(["adults", "children", "infants"]),
)
def test_adding_a_passenger_never_makes_a_class_fit_that_did_not(catalog, adults, children, infants, luggage, added):
    assume(infants + (added == "infants") <= adults)
    party = {"adults": adults, "children": children, "infants": infants, "luggage": luggage}
    bigger = {**party, added: party[added] + 1}
    before = set(prices(transfer_quote(request_for(**party))))
    after = set(prices(transfer_quote(request_for(**bigger))))
    assert after <= before


@pytest.mark.parametrize("language", ["en", "tr", "ar"])
def test_a_full_quote_takes_at_most_five_queries(catalog, django_assert_max_num_queries, language):
    currency_rates()  # cached across requests, as in production
    request = request_for(
        return_pickup_at=future_local(days=37),
        extras=[ExtraRequest("child_seat", 1), ExtraRequest("meet_greet", 1)],
        coupon="WELCOME10",
        currency="GBP",
    )
    # Translated names are read in every language (and fall back to English) without deferred loads.
    with translation.override(language), django_assert_max_num_queries(5):
        quote = transfer_quote(request)
        names = [option.vehicle.name for option in quote.options] + [extra.name for extra, _ in quote.extras]
        names += [quote.origin.name, quote.destination.name, quote.origin.tzinfo.key]
    assert names == [
        "Sedan",
        "Minivan",
        "Minibus",
        "Child seat",
        "Meet & greet",
        "Antalya Airport",
        "Regnum Carya",
        "Europe/Istanbul",
    ]


def test_a_quote_in_a_process_that_has_not_read_the_catalogue_reads_it_in_nine_queries(
    catalog, django_assert_max_num_queries
):
    # The version, then each catalogue table once (gnb.catalog.snapshot); later quotes read the version only
    # (gnb/catalog/tests/test_snapshot.py).
    snapshot._current = None
    with django_assert_max_num_queries(9):
        transfer_quote(request_for(currency="GBP"))
