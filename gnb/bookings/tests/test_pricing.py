"""The price engine on plain values: hand-checked examples, then properties that hold for any input."""

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from gnb.bookings.pricing import (
    FIXED,
    PER_BOOKING,
    PER_UNIT,
    PERCENT,
    CouponTerms,
    ExtraChoice,
    Leg,
    Party,
    SeasonTerms,
    TourPrices,
    VehicleOption,
    price_tour,
    price_transfer,
    season_for,
)

JULY_1 = date(2030, 7, 1)
SUMMER = SeasonTerms("Summer", date(2030, 6, 1), date(2030, 9, 30), Decimal("20"))
BAYRAM = SeasonTerms("Bayram week", date(2030, 6, 10), date(2030, 6, 17), Decimal("50"))
WINTER = SeasonTerms("Winter", date(2030, 11, 1), date(2031, 3, 31), Decimal("-10"))
CHILD_SEAT = ExtraChoice("child_seat", "Child seat", Decimal("5.00"), PER_UNIT, 2)
MEET_GREET = ExtraChoice("meet_greet", "Meet & greet", Decimal("15.00"), PER_BOOKING, 1)
WELCOME10 = CouponTerms("WELCOME10", PERCENT, Decimal("10"))
GBP = Decimal("0.850000")
EUR = Decimal("1")


def transfer(*, fares=("40.00",), days=(JULY_1,), seasons=(), extras=(), coupon=None, currency="EUR", rate=EUR):
    return price_transfer(
        legs=[Leg(Decimal(fare), day) for fare, day in zip(fares, days, strict=True)],
        seasons=seasons,
        extras=extras,
        coupon=coupon,
        return_discount_percent=Decimal("5"),
        currency=currency,
        rate=rate,
    )


def lines_of(breakdown):
    return [(line.code, line.amount, line.quantity) for line in breakdown.lines]


# --- hand-checked examples --------------------------------------------------------------------------------
def test_one_way_transfer_is_its_fare():
    breakdown = transfer()
    assert lines_of(breakdown) == [("fare", Decimal("40.00"), 1)]
    assert breakdown.lines[0].label == "Transfer"
    assert (breakdown.subtotal, breakdown.discount, breakdown.total) == (
        Decimal("40.00"),
        Decimal("0.00"),
        Decimal("40.00"),
    )
    assert breakdown.total_base == Decimal("40.00")


def test_return_trip_is_two_fares_less_the_return_discount():
    breakdown = transfer(fares=("40.00", "40.00"), days=(JULY_1, JULY_1 + timedelta(days=7)))
    assert lines_of(breakdown) == [
        ("fare", Decimal("40.00"), 1),
        ("return_fare", Decimal("40.00"), 1),
        ("return_discount", Decimal("-2.00"), 1),
    ]
    assert breakdown.lines[1].label == "Return transfer"
    assert breakdown.total == Decimal("78.00")


def test_season_adjusts_only_the_leg_whose_pickup_date_is_in_it():
    breakdown = transfer(fares=("40.00", "40.00"), days=(date(2030, 9, 30), date(2030, 10, 1)), seasons=[SUMMER])
    assert lines_of(breakdown) == [
        ("fare", Decimal("40.00"), 1),
        ("season", Decimal("8.00"), 1),
        ("return_fare", Decimal("40.00"), 1),
        ("return_discount", Decimal("-2.00"), 1),
    ]
    assert breakdown.lines[1].label == "Summer"
    assert breakdown.total == Decimal("86.00")


def test_return_discount_applies_to_the_season_adjusted_return_fare():
    breakdown = transfer(fares=("40.00", "40.00"), days=(JULY_1, JULY_1 + timedelta(days=3)), seasons=[SUMMER])
    assert lines_of(breakdown) == [
        ("fare", Decimal("40.00"), 1),
        ("season", Decimal("8.00"), 1),
        ("return_fare", Decimal("40.00"), 1),
        ("return_season", Decimal("8.00"), 1),
        ("return_discount", Decimal("-2.40"), 1),
    ]
    assert breakdown.total == Decimal("93.60")


def test_low_season_lowers_the_fare():
    breakdown = transfer(fares=("55.00",), days=(date(2030, 12, 1),), seasons=[SUMMER, WINTER])
    assert lines_of(breakdown) == [("fare", Decimal("55.00"), 1), ("season", Decimal("-5.50"), 1)]
    assert breakdown.total == Decimal("49.50")


def test_overlapping_seasons_use_the_one_that_starts_latest():
    assert season_for(date(2030, 6, 12), [SUMMER, BAYRAM]) == BAYRAM
    assert season_for(date(2030, 6, 18), [SUMMER, BAYRAM]) == SUMMER
    assert season_for(date(2030, 5, 31), [SUMMER, BAYRAM]) is None
    breakdown = transfer(days=(date(2030, 6, 12),), seasons=[BAYRAM, SUMMER])
    assert lines_of(breakdown) == [("fare", Decimal("40.00"), 1), ("season", Decimal("20.00"), 1)]
    assert breakdown.total == Decimal("60.00")


def test_extras_per_unit_and_per_booking_then_percent_coupon_on_the_subtotal():
    breakdown = transfer(fares=("55.00",), extras=[CHILD_SEAT, MEET_GREET], coupon=WELCOME10)
    assert lines_of(breakdown) == [
        ("fare", Decimal("55.00"), 1),
        ("extra:child_seat", Decimal("10.00"), 2),
        ("extra:meet_greet", Decimal("15.00"), 1),
        ("coupon", Decimal("-8.00"), 1),
    ]
    assert breakdown.lines[-1].label == "WELCOME10"
    assert (breakdown.subtotal, breakdown.discount, breakdown.total) == (
        Decimal("80.00"),
        Decimal("8.00"),
        Decimal("72.00"),
    )


def test_a_per_booking_extra_is_charged_once_whatever_the_quantity():
    breakdown = transfer(extras=[dataclasses.replace(MEET_GREET, quantity=3)])
    assert lines_of(breakdown) == [("fare", Decimal("40.00"), 1), ("extra:meet_greet", Decimal("15.00"), 1)]


def test_a_fixed_coupon_larger_than_the_price_makes_it_free_not_negative():
    breakdown = transfer(coupon=CouponTerms("BIGGIFT", FIXED, Decimal("100.00")))
    assert lines_of(breakdown) == [("fare", Decimal("40.00"), 1), ("coupon", Decimal("-40.00"), 1)]
    assert breakdown.total == Decimal("0.00")
    assert breakdown.total_base == Decimal("0.00")


def test_a_coupon_with_a_minimum_total_needs_that_total_in_euros():
    coupon = CouponTerms("TEN-OFF-50", FIXED, Decimal("10.00"), min_total=Decimal("50.00"))
    assert transfer(fares=("40.00",), coupon=coupon).total == Decimal("40.00")
    assert transfer(fares=("55.00",), coupon=coupon).total == Decimal("45.00")
    # 46.75 GBP is 55.00 EUR: the minimum is met and 10 EUR off is 8.50 GBP.
    in_pounds = transfer(fares=("55.00",), coupon=coupon, currency="GBP", rate=GBP)
    assert lines_of(in_pounds) == [("fare", Decimal("46.75"), 1), ("coupon", Decimal("-8.50"), 1)]
    assert in_pounds.total == Decimal("38.25")


def test_display_currency_prices_every_line_in_that_currency_and_keeps_the_euro_total():
    breakdown = transfer(fares=("55.00",), extras=[CHILD_SEAT, MEET_GREET], coupon=WELCOME10, currency="GBP", rate=GBP)
    assert breakdown.currency == "GBP"
    assert lines_of(breakdown) == [
        ("fare", Decimal("46.75"), 1),
        ("extra:child_seat", Decimal("8.50"), 2),
        ("extra:meet_greet", Decimal("12.75"), 1),
        ("coupon", Decimal("-6.80"), 1),
    ]
    assert breakdown.total == Decimal("61.20")
    assert breakdown.total_base == Decimal("72.00")


def test_breakdown_as_dict_keeps_decimals_as_exact_strings():
    assert transfer(fares=("55.00",), coupon=WELCOME10).as_dict() == {
        "currency": "EUR",
        "rate": "1",
        "lines": [
            {"code": "fare", "label": "Transfer", "quantity": 1, "amount": "55.00"},
            {"code": "coupon", "label": "WELCOME10", "quantity": 1, "amount": "-5.50"},
        ],
        "subtotal": "55.00",
        "discount": "5.50",
        "total": "49.50",
        "total_base": "49.50",
    }


def test_tour_is_priced_per_adult_child_and_infant():
    prices = TourPrices(adult=Decimal("45.00"), child=Decimal("25.00"), infant=Decimal("0.00"))
    breakdown = price_tour(prices=prices, party=Party(2, 1, 1), coupon=None, currency="EUR", rate=EUR)
    assert lines_of(breakdown) == [("adults", Decimal("90.00"), 2), ("children", Decimal("25.00"), 1)]
    assert breakdown.total == Decimal("115.00")
    paid_infants = dataclasses.replace(prices, infant=Decimal("10.00"))
    breakdown = price_tour(prices=paid_infants, party=Party(2, 0, 2), coupon=WELCOME10, currency="GBP", rate=GBP)
    assert lines_of(breakdown) == [
        ("adults", Decimal("76.50"), 2),
        ("infants", Decimal("17.00"), 2),
        ("coupon", Decimal("-9.35"), 1),
    ]
    assert breakdown.total == Decimal("84.15")
    assert breakdown.total_base == Decimal("99.00")


def test_infants_take_a_seat_and_luggage_must_fit_too():
    sedan = VehicleOption(1, "sedan", "Sedan", max_passengers=3, max_luggage=3)
    assert sedan.fits(Party(2, 0, 1, luggage=3))
    assert not sedan.fits(Party(2, 1, 1))
    assert not sedan.fits(Party(1, luggage=4))


# --- properties -------------------------------------------------------------------------------------------
money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000.00"), places=2)
rates = st.one_of(st.just(EUR), st.decimals(min_value=Decimal("0.000100"), max_value=Decimal("1000"), places=6))
days = st.dates(min_value=date(2030, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def seasons(draw):
    start = draw(days)
    return SeasonTerms(
        name=draw(st.sampled_from(["Summer", "Winter", "Holiday"])),
        starts_on=start,
        ends_on=start + timedelta(days=draw(st.integers(0, 120))),
        percent=draw(st.decimals(min_value=Decimal("-90"), max_value=Decimal("300"), places=2)),
    )


extras = st.builds(
    ExtraChoice,
    code=st.sampled_from(["child_seat", "booster", "meet_greet", "vip_lounge", "extra_stop"]),
    name=st.just("Extra"),
    unit_price=st.decimals(min_value=Decimal("0.00"), max_value=Decimal("300.00"), places=2),
    pricing=st.sampled_from([PER_UNIT, PER_BOOKING]),
    quantity=st.integers(1, 5),
)
coupons = st.one_of(
    st.none(),
    st.builds(
        CouponTerms,
        code=st.just("PROMO"),
        kind=st.just(PERCENT),
        value=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100"), places=2),
        min_total=st.decimals(min_value=Decimal("0"), max_value=Decimal("500"), places=2),
    ),
    st.builds(
        CouponTerms,
        code=st.just("GIFT"),
        kind=st.just(FIXED),
        value=money,
        min_total=st.decimals(min_value=Decimal("0"), max_value=Decimal("500"), places=2),
    ),
)


@st.composite
def transfer_breakdowns(draw):
    outbound = draw(days)
    legs = [Leg(draw(money), outbound)]
    if draw(st.booleans()):
        legs.append(Leg(draw(money), outbound + timedelta(days=draw(st.integers(0, 30)))))
    return price_transfer(
        legs=legs,
        seasons=draw(st.lists(seasons(), max_size=3)),
        extras=draw(st.lists(extras, max_size=4, unique_by=lambda extra: extra.code)),
        coupon=draw(coupons),
        return_discount_percent=draw(st.decimals(min_value=Decimal("0"), max_value=Decimal("50"), places=2)),
        currency="XXX",
        rate=draw(rates),
    )


@st.composite
def tour_breakdowns(draw):
    adults = draw(st.integers(1, 20))
    return price_tour(
        prices=TourPrices(draw(money), draw(money), draw(st.one_of(st.just(Decimal("0.00")), money))),
        party=Party(adults, draw(st.integers(0, 20)), draw(st.integers(0, adults))),
        coupon=draw(coupons),
        currency="XXX",
        rate=draw(rates),
    )


def assert_consistent(breakdown):
    assert sum(line.amount for line in breakdown.lines) == breakdown.total
    assert breakdown.subtotal - breakdown.discount == breakdown.total
    assert Decimal("0.00") <= breakdown.discount <= breakdown.subtotal
    assert breakdown.total >= 0
    assert breakdown.total_base >= 0
    for amount in [breakdown.subtotal, breakdown.discount, breakdown.total, breakdown.total_base]:
        assert amount.as_tuple().exponent == -2
    for line in breakdown.lines:
        assert line.amount.as_tuple().exponent == -2
        assert line.amount != 0
    if breakdown.rate == 1:
        assert breakdown.total_base == breakdown.total


@settings(max_examples=300)
@given(breakdown=transfer_breakdowns())
def test_transfer_lines_always_sum_to_a_total_that_is_never_negative(breakdown):
    assert_consistent(breakdown)


@settings(max_examples=200)
@given(breakdown=tour_breakdowns())
def test_tour_lines_always_sum_to_a_total_that_is_never_negative(breakdown):
    assert_consistent(breakdown)


vehicles = st.builds(
    VehicleOption,
    id=st.just(1),
    code=st.just("van"),
    name=st.just("Van"),
    max_passengers=st.integers(1, 20),
    max_luggage=st.integers(0, 20),
)
parties = st.builds(
    Party,
    adults=st.integers(1, 20),
    children=st.integers(0, 20),
    infants=st.integers(0, 20),
    luggage=st.integers(0, 25),
)


@settings(max_examples=300)
@given(vehicle=vehicles, party=parties, added=st.sampled_from(["adults", "children", "infants", "luggage"]))
def test_adding_a_passenger_or_a_bag_never_makes_a_vehicle_fit_that_did_not(vehicle, party, added):
    bigger = dataclasses.replace(party, **{added: getattr(party, added) + 1})
    assert not (vehicle.fits(bigger) and not vehicle.fits(party))
    if added != "luggage":
        assert bigger.seats == party.seats + 1
