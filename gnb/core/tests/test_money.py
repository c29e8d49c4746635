from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gnb.core.money import CENT, Money, convert, convert_back, percent_of, quantize

cent_amounts = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("100000.00"), places=2)
# Units of a display currency per EUR. A currency whose unit is worth less than 3 EUR (GBP 0.85, USD 1.08,
# TRY 35, RUB 100 ...) has a rate above 1/3; every currency GNB sells in does.
display_rates = st.decimals(min_value=Decimal("0.340000"), max_value=Decimal("500.000000"), places=6)


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (Decimal("2.675"), Decimal("2.68")),
        (Decimal("2.665"), Decimal("2.67")),
        (Decimal("2.6749"), Decimal("2.67")),
        (Decimal("-2.675"), Decimal("-2.68")),
        (Decimal("10"), Decimal("10.00")),
    ],
)
def test_quantize_rounds_half_up_to_cents(amount, expected):
    assert quantize(amount) == expected
    assert quantize(amount).as_tuple().exponent == -2


def test_percent_of_rounds_half_up():
    assert percent_of(Decimal("40.00"), Decimal("5")) == Decimal("2.00")
    assert percent_of(Decimal("33.30"), Decimal("5")) == Decimal("1.67")  # 1.665
    assert percent_of(Decimal("55.00"), Decimal("10")) == Decimal("5.50")


def test_convert_uses_units_of_the_target_currency_per_euro():
    assert convert(Decimal("40.00"), Decimal("0.850000")) == Decimal("34.00")
    assert convert(Decimal("5.00"), Decimal("36.123456")) == Decimal("180.62")
    assert convert_back(Decimal("34.00"), Decimal("0.850000")) == Decimal("40.00")
    assert convert_back(Decimal("180.62"), Decimal("36.123456")) == Decimal("5.00")


def test_money_prints_amount_and_currency():
    assert str(Money(Decimal("1234.5"), "EUR")) == "1,234.50 EUR"


@given(amount=cent_amounts, rate=display_rates)
def test_converting_to_a_display_currency_and_back_is_within_a_cent(amount, rate):
    shown = convert(amount, rate)
    back = convert_back(shown, rate)
    assert abs(back - amount) <= CENT
    assert back.as_tuple().exponent == -2
