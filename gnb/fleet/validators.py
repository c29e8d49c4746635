"""What a driver's and a vehicle's fields must look like, checked by the models' ``clean()`` (so every form that
saves one, the back office's included, applies the same rules) and usable on their own.

Each ``*_normalised`` function returns the value as it is stored (plate in capitals with single spaces, phone in
E.164, codes in their canonical case) or raises a ``ValidationError`` saying what is wrong and what is expected.
:func:`driver_errors` and :func:`vehicle_errors` check a whole row and map every error to its field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import phonenumbers
from babel import Locale
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Turkish plates (Karayolları Trafik Yönetmeliği; checked against the public descriptions of the numbering system):
# the province code 01–81, then a letter group, then a number, the letters and digits together at most six and the
# number at least two digits. So: 1 letter + 4 digits ("34 A 1234"), 2 letters + 3 or 4 digits ("06 AB 123",
# "07 AB 1234"), 3 letters + 2 or 3 digits ("07 ABC 12", "07 ABC 123"). The letters are the Turkish alphabet's
# without Ç, Ğ, İ, Ö, Ş and Ü, i.e. the Latin capitals without Q, W and X, which Turkish does not have. Official,
# diplomatic and police series with other shapes never carry paying passengers, so they are refused.
PLATE_LETTERS = "ABCDEFGHIJKLMNOPRSTUVYZ"
PLATE_SHAPES = {1: (4,), 2: (3, 4), 3: (2, 3)}  # letters → allowed digit counts
PLATE = re.compile(rf"^(\d{{2}})\s*([{PLATE_LETTERS}]{{1,3}})\s*(\d{{2,4}})$")
PROVINCES = range(1, 82)

# Codes Babel lists as territories that are not a country a passport is issued by: exceptionally reserved areas
# (Ascension, Clipperton, Sark, Diego Garcia, Ceuta and Melilla, Canary Islands, Tristan da Cunha), groupings
# (European Union, Eurozone, United Nations) and the user-assigned and unknown codes (QO, XA, XB, ZZ). Kosovo's XK
# stays: it is user-assigned in ISO 3166 but is the code the European Union and travel documents use.
NOT_NATIONALITIES = frozenset({"AC", "CP", "CQ", "DG", "EA", "IC", "TA", "EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})
TURKEY = "TR"
OLDEST_YEAR = 1990
YEAR_FIELD_MAX = 2100


@cache
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes of the countries (and Kosovo) from Babel's territory list."""
    territories = [str(code) for code in Locale("en").territories]
    return frozenset(code for code in territories if len(code) == 2 and code.isalpha() and code.isupper()) - (
        NOT_NATIONALITIES
    )


@cache
def language_codes() -> frozenset[str]:
    """ISO 639-1 (two-letter) language codes from Babel's language list."""
    languages = [str(code) for code in Locale("en").languages]
    return frozenset(code for code in languages if len(code) == 2 and code.isalpha() and code.islower())


def plate_normalised(value: str) -> str:
    """``"07abc123"`` or ``" 07  abc 123 "`` → ``"07 ABC 123"``; refuses any other shape or province."""
    text = " ".join(value.split()).upper()
    match = PLATE.match(text)
    example = _("Enter a Turkish plate: the province code 01–81, 1–3 letters and 2–4 digits, e.g. 07 ABC 123.")
    if match is None:
        raise ValidationError(example, code="plate_format")
    province, letters, digits = match.groups()
    if int(province) not in PROVINCES:
        raise ValidationError(
            _("%(code)s is not a province code: Turkish plates start with 01–81.") % {"code": province},
            code="plate_province",
        )
    if len(digits) not in PLATE_SHAPES[len(letters)]:
        raise ValidationError(
            _(
                "A Turkish plate has 1 letter and 4 digits, 2 letters and 3 or 4 digits, or 3 letters and 2 or 3 "
                "digits; “%(plate)s” has %(letters)s letter(s) and %(digits)s digits."
            )
            % {"plate": f"{province} {letters} {digits}", "letters": len(letters), "digits": len(digits)},
            code="plate_shape",
        )
    return f"{province} {letters} {digits}"


def phone_normalised(value: str) -> str:
    """Any written form of an international number → E.164 (``+905321234567``)."""
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            _("Enter the phone number with its country code, e.g. +90 532 123 45 67."), code="phone_invalid"
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def nationality_normalised(value: str) -> str:
    """``"tr"`` → ``"TR"``: a country's ISO 3166-1 alpha-2 code."""
    code = value.strip().upper()
    if code not in country_codes():
        raise ValidationError(
            _("“%(code)s” is not a country code; use the two letters of ISO 3166, e.g. TR, DE, GB.")
            % {"code": value.strip()},
            code="nationality_unknown",
        )
    return code


def languages_normalised(values: Iterable[str]) -> list[str]:
    """``["TR", " en", "tr"]`` → ``["tr", "en"]``: ISO 639-1 codes, in the order given, each once."""
    codes: list[str] = []
    unknown: list[str] = []
    for value in values:
        if not isinstance(value, str):
            unknown.append(str(value))
            continue
        code = value.strip().lower()
        if not code:
            continue
        if code not in language_codes():
            unknown.append(value.strip())
        elif code not in codes:
            codes.append(code)
    if unknown:
        raise ValidationError(
            _("Unknown language code(s): %(codes)s. Use the two letters of ISO 639-1, e.g. tr, en, ru.")
            % {"codes": ", ".join(unknown)},
            code="languages_unknown",
        )
    return codes


def tc_identity_number_checked(value: str) -> str:
    """A T.C. identity number: 11 digits, the first not 0, the 10th and 11th the public checksums.

    The 10th digit is (7 × the sum of the 1st, 3rd, 5th, 7th and 9th − the sum of the 2nd, 4th, 6th and 8th) mod 10;
    the 11th is the sum of the first ten mod 10.
    """
    number = value.strip()
    if not (len(number) == 11 and number.isascii() and number.isdigit()) or number[0] == "0":
        raise ValidationError(
            _("A T.C. identity number has 11 digits and does not start with 0."), code="tc_identity_format"
        )
    digits = [int(char) for char in number]
    tenth = (7 * sum(digits[0:9:2]) - sum(digits[1:8:2])) % 10
    eleventh = sum(digits[:10]) % 10
    if digits[9] != tenth or digits[10] != eleventh:
        raise ValidationError(
            _("This T.C. identity number is not valid: its check digits do not match; please check it."),
            code="tc_identity_checksum",
        )
    return number


def year_checked(year: int, *, today: dt.date) -> int:
    """A model year from 1990 to next year (next year's models are sold from the autumn)."""
    if not OLDEST_YEAR <= year <= today.year + 1:
        raise ValidationError(
            _("Enter a year from %(oldest)s to %(latest)s.") % {"oldest": OLDEST_YEAR, "latest": today.year + 1},
            code="year_out_of_range",
        )
    return year


@dataclass(frozen=True)
class ClassCapacity:
    """What a vehicle class promises: a vehicle sold as it holds at least this much."""

    name: str
    max_passengers: int
    max_luggage: int


def capacity_errors(*, seats: int | None, luggage: int | None, vehicle_class: ClassCapacity) -> dict[str, str]:
    """Seats and luggage never below what the class promises (more is allowed)."""
    errors = {}
    if seats is not None and seats < vehicle_class.max_passengers:
        errors["seats"] = _("A %(class)s carries %(count)s passengers: give it at least %(count)s seats.") % {
            "class": vehicle_class.name,
            "count": vehicle_class.max_passengers,
        }
    if luggage is not None and luggage < vehicle_class.max_luggage:
        errors["luggage"] = _("A %(class)s takes %(count)s pieces of luggage: give it room for at least %(count)s.") % {
            "class": vehicle_class.name,
            "count": vehicle_class.max_luggage,
        }
    return errors


def _apply(errors: dict[str, list[ValidationError]], field: str, check, value):
    """``check(value)``, or the value unchanged with its error kept under ``field``."""
    try:
        return check(value)
    except ValidationError as error:
        errors.setdefault(field, []).append(error)
        return value


@dataclass(frozen=True)
class DriverValues:
    phone: str
    nationality: str
    identity_number: str
    languages: list[str]


def driver_values(*, phone: str, nationality: str, identity_number: str, languages: object) -> DriverValues:
    """A driver's checked fields, normalised; raises one ``ValidationError`` mapping every bad field to its errors.

    Empty values are left to the fields' own "required" check, so a missing phone is reported once.
    """
    errors: dict[str, list[ValidationError]] = {}
    if phone:
        phone = _apply(errors, "phone", phone_normalised, phone)
    if nationality:
        nationality = _apply(errors, "nationality", nationality_normalised, nationality)
    identity_number = identity_number.strip()
    if identity_number and nationality == TURKEY:
        identity_number = _apply(errors, "identity_number", tc_identity_number_checked, identity_number)
    codes: list[str] = []
    if not isinstance(languages, list):
        errors["languages"] = [
            ValidationError(_("Give the languages as a list of codes, e.g. tr, en."), code="languages_not_list")
        ]
    else:
        codes = _apply(errors, "languages", languages_normalised, languages)
    if errors:
        raise ValidationError(errors)  # type: ignore[arg-type]
    return DriverValues(phone, nationality, identity_number, codes)


@dataclass(frozen=True)
class VehicleValues:
    plate: str


def vehicle_values(
    *,
    plate: str,
    seats: int | None,
    luggage: int | None,
    year: int | None,
    vehicle_class: ClassCapacity | None,
    today: dt.date,
) -> VehicleValues:
    """A vehicle's checked fields (the plate normalised); raises one ``ValidationError`` mapping fields to errors."""
    errors: dict[str, list[ValidationError]] = {}
    if plate:
        plate = _apply(errors, "plate", plate_normalised, plate)
    # Years outside the field's own bounds (1990–2100) are reported by its validators, once.
    if year is not None and OLDEST_YEAR <= year <= YEAR_FIELD_MAX:
        _apply(errors, "year", lambda value: year_checked(value, today=today), year)
    if vehicle_class is not None:
        for field, message in capacity_errors(seats=seats, luggage=luggage, vehicle_class=vehicle_class).items():
            errors.setdefault(field, []).append(ValidationError(message, code=f"{field}_below_class"))
    if errors:
        raise ValidationError(errors)  # type: ignore[arg-type]
    return VehicleValues(plate)
