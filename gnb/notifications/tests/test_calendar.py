"""The booking's calendar file: one event per ride (or the tour), stable UIDs, local times, cancellations."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import icalendar
import pytest

from gnb.bookings.selectors import booking_detail
from gnb.bookings.services import Actor, Contact, LegDetails, booking_cancel, booking_update_details
from gnb.notifications.calendar import booking_ics, calendar_filename
from gnb.testing.bookings import place_tour, place_transfer, transfer_request
from gnb.testing.catalog import future_local

ISTANBUL = zoneinfo.ZoneInfo("Europe/Istanbul")
NOW = dt.datetime(2027, 5, 1, 6, 0, tzinfo=dt.UTC)


@pytest.fixture
def frozen(time_machine) -> None:
    time_machine.move_to(NOW, tick=False)


def calendar_of(booking) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(booking_ics(booking_detail(booking_id=booking.pk)))


def test_a_return_transfer_is_two_events_in_istanbul_time(frozen, catalog):
    request = transfer_request(return_pickup_at=future_local(days=37, hour=10))
    booking = place_transfer(
        request,
        language="en",
        pickup_point="Arrivals hall, exit 2",
    )
    calendar = calendar_of(booking)
    manage_url = f"http://testserver/en/manage/{booking.reference}/{booking.manage_token}/"

    assert (str(calendar["version"]), str(calendar["prodid"]), str(calendar["method"])) == (
        "2.0",
        "-//GNB Transfer//Bookings//EN",
        "PUBLISH",
    )
    assert [timezone["tzid"] for timezone in calendar.walk("VTIMEZONE")] == ["Europe/Istanbul"]
    outbound, inbound = calendar.walk("VEVENT")
    assert outbound["uid"] == f"{booking.reference}-1@testserver"
    assert outbound.decoded("dtstart") == dt.datetime(2027, 5, 31, 14, 30, tzinfo=ISTANBUL)
    assert outbound["dtstart"].params["TZID"] == "Europe/Istanbul"
    assert outbound.decoded("dtend") == dt.datetime(2027, 5, 31, 15, 30, tzinfo=ISTANBUL)
    assert outbound.decoded("dtstamp") == NOW
    assert str(outbound["summary"]) == f"Transfer {booking.reference}: Antalya Airport → Regnum Carya"
    assert str(outbound["location"]) == "Antalya Airport"
    assert (outbound["geo"].latitude, outbound["geo"].longitude) == (36.8987, 30.8005)
    assert str(outbound["url"]) == manage_url
    assert (str(outbound["status"]), outbound["sequence"]) == ("CONFIRMED", 0)
    assert str(outbound["description"]) == (
        f"Booking {booking.reference}\n"
        "Flight TK2412, lands 14:00\n"
        "Pickup point: Arrivals hall, exit 2\n"
        "2 passengers\n"
        "Vehicle: Sedan\n"
        f"View, change or cancel your booking: {manage_url}\n"
        "Questions: operations@gnbtransfer.com"
    )
    assert inbound["uid"] == f"{booking.reference}-2@testserver"
    assert inbound.decoded("dtstart") == dt.datetime(2027, 6, 7, 10, 30, tzinfo=ISTANBUL)
    assert str(inbound["summary"]) == f"Transfer {booking.reference}: Regnum Carya → Antalya Airport"
    assert str(inbound["location"]) == "Regnum Carya"
    assert calendar_filename(booking) == f"{booking.reference}.ics"


def test_a_tour_is_one_event_from_the_hotel_pickup_to_the_tours_end(frozen, catalog):
    booking = place_tour(catalog.departure, adults=2, children=1, pickup_place="regnum-carya", pickup_point="lobby")
    [event] = calendar_of(booking).walk("VEVENT")
    assert event["uid"] == f"{booking.reference}-tour@testserver"
    # The departure is at 09:00; Belek's hotels are collected 45 minutes before.
    assert event.decoded("dtstart") == dt.datetime(2027, 5, 11, 8, 15, tzinfo=ISTANBUL)
    assert event.decoded("dtend") == dt.datetime(2027, 5, 11, 17, 0, tzinfo=ISTANBUL)  # 480 minutes
    assert str(event["summary"]) == f"Tour {booking.reference}: Perge & Aspendos"
    assert str(event["location"]) == "Regnum Carya"
    assert "Pickup point: Regnum Carya · lobby" in str(event["description"])
    assert "Pickup: Tue, 11 May 2027, 08:15 (Europe/Istanbul)" in str(event["description"])
    assert "3 passengers" in str(event["description"])


def test_a_change_and_a_cancellation_update_the_same_events(frozen, catalog):
    booking = place_transfer(language="en")
    booking_update_details(booking_id=booking.pk, actor=Actor("traveller"), legs={1: LegDetails(pickup_point="Gate 3")})
    [changed] = calendar_of(booking).walk("VEVENT")
    assert (changed["uid"], changed["sequence"], str(changed["status"])) == (
        f"{booking.reference}-1@testserver",
        1,
        "CONFIRMED",
    )
    assert "Pickup point: Gate 3" in str(changed["description"])

    booking_cancel(booking_id=booking.pk, actor=Actor("traveller"), by_traveller=True)
    [cancelled] = calendar_of(booking).walk("VEVENT")
    assert (cancelled["uid"], cancelled["sequence"], str(cancelled["status"])) == (
        f"{booking.reference}-1@testserver",
        2,
        "CANCELLED",
    )
    assert cancelled.decoded("dtstart") == dt.datetime(2027, 5, 31, 14, 30, tzinfo=ISTANBUL)


def test_a_card_booking_waiting_for_payment_is_tentative(frozen, catalog):
    booking = place_transfer(payment_method="card")
    [event] = calendar_of(booking).walk("VEVENT")
    assert (booking.status, str(event["status"])) == ("pending_payment", "TENTATIVE")


def test_the_calendar_file_is_written_in_the_booking_language(frozen, catalog):
    booking = place_transfer(language="tr", contact=Contact("Ayşe Yılmaz", "ayse@example.com", "+905321234567"))
    [event] = calendar_of(booking).walk("VEVENT")
    manage_url = f"http://testserver/tr/manage/{booking.reference}/{booking.manage_token}/"
    assert str(event["url"]) == manage_url
    # "Araç" is the catalogue's Turkish for "Vehicle"; the other new lines get theirs with the next catalogue update.
    assert "\nAraç: Sedan\n" in str(event["description"])
