"""The rules of drivers' and vehicles' fields: each with good and bad values and its exact message, and the models'
``clean()`` applying them with every error under its field."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from gnb.fleet import validators
from gnb.fleet.models import Driver, Vehicle
from gnb.testing.fleet import make_driver, make_vehicle

PLATE_FORMAT = "Enter a Turkish plate: the province code 01–81, 1–3 letters and 2–4 digits, e.g. 07 ABC 123."
PHONE = "Enter the phone number with its country code, e.g. +90 532 123 45 67."
TC_FORMAT = "A T.C. identity number has 11 digits and does not start with 0."
TC_CHECKSUM = "This T.C. identity number is not valid: its check digits do not match; please check it."
TODAY = dt.date(2030, 6, 15)


def message_of(error: pytest.ExceptionInfo[ValidationError]) -> str:
    (message,) = error.value.messages
    return message


# --- plates --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("07 ABC 123", "07 ABC 123"),
        ("07 abc 12", "07 ABC 12"),
        ("34A1234", "34 A 1234"),
        ("  06   ab  123 ", "06 AB 123"),
        ("06 AB 1234", "06 AB 1234"),
        ("81 Z 0001", "81 Z 0001"),
        ("01\tYZ\t999", "01 YZ 999"),
    ],
)
def test_a_turkish_plate_is_stored_in_capitals_with_single_spaces(typed, stored):
    assert validators.plate_normalised(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "07",
        "ABC 123",
        "7 ABC 123",
        "07 ABCD 12",
        "07 ABC 1",
        "07 ABC 12345",
        "07 QWX 123",
        "07 ÇŞ 123",
        "07-ABC-123",
    ],
)
def test_anything_but_a_plates_shape_is_refused(typed):
    with pytest.raises(ValidationError) as error:
        validators.plate_normalised(typed)
    assert message_of(error) == PLATE_FORMAT
    assert error.value.code == "plate_format"


@pytest.mark.parametrize("province", ["00", "82", "99"])
def test_a_plate_names_a_province_from_01_to_81(province):
    with pytest.raises(ValidationError) as error:
        validators.plate_normalised(f"{province} ABC 123")
    assert message_of(error) == f"{province} is not a province code: Turkish plates start with 01–81."


@pytest.mark.parametrize(
    ("typed", "letters", "digits"),
    [("07 A 123", 1, 3), ("07 A 12", 1, 2), ("07 AB 12", 2, 2), ("07 ABC 1234", 3, 4)],
)
def test_letters_and_digits_come_in_the_allowed_combinations(typed, letters, digits):
    with pytest.raises(ValidationError) as error:
        validators.plate_normalised(typed)
    assert message_of(error) == (
        "A Turkish plate has 1 letter and 4 digits, 2 letters and 3 or 4 digits, or 3 letters and 2 or 3 digits; "
        f"“{typed}” has {letters} letter(s) and {digits} digits."
    )


# --- phone, nationality, languages ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "stored"),
    [("+90 532 123 45 67", "+905321234567"), ("+905321234567", "+905321234567"), ("+44 7911 123456", "+447911123456")],
)
def test_a_phone_is_stored_in_e164(typed, stored):
    assert validators.phone_normalised(typed) == stored


@pytest.mark.parametrize("typed", ["0532 123 45 67", "+90 123", "phone", "+9053212345678901"])
def test_a_phone_without_country_code_or_not_a_number_is_refused(typed):
    with pytest.raises(ValidationError) as error:
        validators.phone_normalised(typed)
    assert message_of(error) == PHONE


@pytest.mark.parametrize(("typed", "stored"), [("TR", "TR"), ("de", "DE"), (" gb ", "GB"), ("XK", "XK")])
def test_a_nationality_is_an_iso_country_code(typed, stored):
    assert validators.nationality_normalised(typed) == stored


@pytest.mark.parametrize("typed", ["TUR", "EU", "UN", "ZZ", "XX", "T1", ""])
def test_groupings_unknown_and_made_up_codes_are_not_nationalities(typed):
    with pytest.raises(ValidationError) as error:
        validators.nationality_normalised(typed)
    assert message_of(error) == f"“{typed}” is not a country code; use the two letters of ISO 3166, e.g. TR, DE, GB."


def test_languages_are_iso_639_1_codes_each_once_in_the_order_given():
    assert validators.languages_normalised(["TR", " en", "tr", "", "ru"]) == ["tr", "en", "ru"]
    assert validators.languages_normalised([]) == []
    with pytest.raises(ValidationError) as error:
        validators.languages_normalised(["tr", "eng", "xx", "english"])
    assert message_of(error) == (
        "Unknown language code(s): eng, xx, english. Use the two letters of ISO 639-1, e.g. tr, en, ru."
    )


# --- T.C. identity number ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("number", ["10000000146", "12345678950", " 11111111110 "])
def test_a_tc_identity_number_with_right_check_digits_passes(number):
    assert validators.tc_identity_number_checked(number) == number.strip()


@pytest.mark.parametrize("number", ["1000000014", "100000001460", "01234567890", "1000000014a", "１0000000146"])
def test_a_tc_identity_number_has_eleven_digits_not_starting_with_zero(number):
    with pytest.raises(ValidationError) as error:
        validators.tc_identity_number_checked(number)
    assert message_of(error) == TC_FORMAT


@pytest.mark.parametrize("number", ["10000000145", "10000000156", "12345678901"])
def test_a_tc_identity_number_with_wrong_check_digits_is_refused(number):
    with pytest.raises(ValidationError) as error:
        validators.tc_identity_number_checked(number)
    assert message_of(error) == TC_CHECKSUM


# --- year and capacity ------------------------------------------------------------------------------------------
def test_a_model_year_runs_to_next_year():
    assert validators.year_checked(2031, today=TODAY) == 2031
    assert validators.year_checked(1990, today=TODAY) == 1990
    for year in (2032, 1989):
        with pytest.raises(ValidationError) as error:
            validators.year_checked(year, today=TODAY)
        assert message_of(error) == "Enter a year from 1990 to 2031."


def test_seats_and_luggage_may_exceed_the_class_but_never_fall_below_it():
    minivan = validators.ClassCapacity("Minivan", 6, 6)
    assert validators.capacity_errors(seats=6, luggage=6, vehicle_class=minivan) == {}
    assert validators.capacity_errors(seats=8, luggage=10, vehicle_class=minivan) == {}
    assert validators.capacity_errors(seats=5, luggage=3, vehicle_class=minivan) == {
        "seats": "A Minivan carries 6 passengers: give it at least 6 seats.",
        "luggage": "A Minivan takes 6 pieces of luggage: give it room for at least 6.",
    }


# --- the models apply them ----------------------------------------------------------------------------------------
def test_a_drivers_clean_normalises_the_good_and_names_each_bad_field(db):
    driver = make_driver(nationality="DE", identity_number="C01X00T47")
    driver.phone, driver.nationality, driver.languages = "+90 532 123 45 67", "tr", ["TR", "en"]
    driver.identity_number = "10000000146"
    driver.full_clean()
    assert (driver.phone, driver.nationality, driver.identity_number, driver.languages) == (
        "+905321234567",
        "TR",
        "10000000146",
        ["tr", "en"],
    )

    driver.phone, driver.identity_number, driver.languages = "0532 123", "10000000145", ["tr", "klingon"]
    with pytest.raises(ValidationError) as error:
        driver.full_clean()
    assert error.value.message_dict == {
        "phone": [PHONE],
        "identity_number": [TC_CHECKSUM],
        "languages": ["Unknown language code(s): klingon. Use the two letters of ISO 639-1, e.g. tr, en, ru."],
    }

    driver.phone, driver.languages, driver.nationality = "+905321234567", ["tr"], "XX"
    with pytest.raises(ValidationError) as error:
        driver.full_clean()
    # The T.C. checksum applies to Turkish citizens only; another country's document number is free text.
    assert error.value.message_dict == {
        "nationality": ["“XX” is not a country code; use the two letters of ISO 3166, e.g. TR, DE, GB."]
    }
    driver.nationality = "DE"
    driver.full_clean()


def test_a_vehicles_clean_normalises_the_plate_and_names_each_bad_field(db, catalog):
    vehicle = make_vehicle(catalog.minivan, plate="07 GNB 901")
    vehicle.plate = "07gnb902"
    vehicle.full_clean()
    assert vehicle.plate == "07 GNB 902"

    next_year = dt.date.today().year + 1
    vehicle.plate, vehicle.year = "07 GNB 9", next_year + 1
    vehicle.seats, vehicle.luggage = catalog.minivan.max_passengers - 1, catalog.minivan.max_luggage - 1
    with pytest.raises(ValidationError) as error:
        vehicle.full_clean()
    assert error.value.message_dict == {
        "plate": [PLATE_FORMAT],
        "year": [f"Enter a year from 1990 to {next_year}."],
        "seats": [
            f"A {catalog.minivan.name} carries {catalog.minivan.max_passengers} passengers: give it at least "
            f"{catalog.minivan.max_passengers} seats."
        ],
        "luggage": [
            f"A {catalog.minivan.name} takes {catalog.minivan.max_luggage} pieces of luggage: give it room for at "
            f"least {catalog.minivan.max_luggage}."
        ],
    }


def test_a_plate_typed_differently_is_still_the_same_plate(db, catalog):
    make_vehicle(catalog.sedan, plate="07 ABC 123")
    twin = Vehicle(
        plate="07abc123",
        vehicle_class=catalog.sedan,
        seats=catalog.sedan.max_passengers,
        luggage=catalog.sedan.max_luggage,
        make="Fiat",
        model="Egea",
        colour="White",
        year=2022,
        insurance_expires_on=TODAY,
        inspection_expires_on=TODAY,
        route_permit_expires_on=TODAY,
    )
    with pytest.raises(ValidationError) as error:
        twin.full_clean()
    assert error.value.message_dict == {"plate": ["Vehicle with this Plate already exists."]}
    assert Driver.objects.count() == 0
