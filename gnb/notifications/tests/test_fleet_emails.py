"""Who comes: the traveller's email when a driver and vehicle are assigned or changed, the reminder before pickup,
and the request for the passport details U-ETDS needs, each sent once, in the booking's language."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from gnb.bookings.models import Booking
from gnb.bookings.orders import PassengerDocuments
from gnb.bookings.services import SYSTEM, booking_passenger_documents_set
from gnb.core.links import booking_manage_url
from gnb.fleet import services as fleet
from gnb.fleet.models import TripBooking
from gnb.fleet.services import Actor, RideRef
from gnb.notifications.models import SentEmail
from gnb.notifications.reminders import driver_reminders_queue, travel_documents_requests_queue
from gnb.notifications.services import booking_email_send
from gnb.testing.bookings import place_tour, place_transfer, place_transfer_to_the_airport_in, transfer_request
from gnb.testing.catalog import IST, future_local
from gnb.testing.fleet import make_drive_times, make_driver, make_vehicle

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_run_at_once")]

PICKUP = {"days": 5, "hour": 14, "minute": 30}


@pytest.fixture
def fleet_ready(catalog):
    make_drive_times(catalog)
    return catalog


@pytest.fixture
def actor(dispatcher) -> Actor:
    return Actor.for_user(dispatcher)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run ``call`` and the tasks it queued after its commit (the immediate task backend sends at once)."""

    def run(call):
        with django_capture_on_commit_callbacks(execute=True):
            return call()

    return run


def kind_of(message) -> str:
    return message.subject


def about(mailoutbox, reference: str, subject_start: str) -> list:
    return [
        # The traveller's emails (the driver is told too, by an email of their own when no phone takes the push).
        m
        for m in mailoutbox
        if m.extra_headers.get("X-GNB-Reference") == reference and m.subject.startswith(subject_start)
    ]


def html_of(message) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


def assign(booking: Booking, driver, vehicle, actor: Actor, committed, sequence: int = 1):
    leg = booking.legs.get(sequence=sequence)
    return committed(
        lambda: fleet.fleet_assign(ride=RideRef(leg_id=leg.pk), driver_id=driver.pk, vehicle_id=vehicle.pk, actor=actor)
    )


# --- driver assigned --------------------------------------------------------------------------------------
def test_an_assignment_tells_the_traveller_who_comes_in_english(fleet_ready, actor, committed, mailoutbox):
    booking = committed(lambda: place_transfer(transfer_request(pickup_at=future_local(**PICKUP)), language="en"))
    driver = make_driver("Ayşe", phone="+905321112233")
    vehicle = make_vehicle(fleet_ready.sedan, plate="07 ABC 123", make="Mercedes-Benz", colour="Black")

    assign(booking, driver, vehicle, actor, committed)

    [message] = about(mailoutbox, booking.reference, "Your driver for booking")
    assert message.subject == f"Your driver for booking {booking.reference}"
    assert message.to == ["anna@example.com"]
    text = message.body
    assert text.startswith("Dear Anna Smith,\n")
    assert f"A driver and a vehicle are now assigned to your booking {booking.reference}." in text
    pickup_day = future_local(**PICKUP).replace(tzinfo=IST)
    assert (
        "Antalya Airport → Regnum Carya\n"
        f"Pickup: {pickup_day:%a}, {pickup_day.day} {pickup_day:%b %Y}, 14:30 (Europe/Istanbul)\n"
        "Your driver: Ayşe · +905321112233\n"
        "Vehicle: Mercedes-Benz, Black · Plate 07 ABC 123\n"
        "Meeting point: At the exit of the arrivals hall, with a sign with your name.\n"
    ) in text
    assert booking_manage_url(booking) in text
    html = html_of(message)
    assert '<a href="tel:+905321112233" style="color:#0b5c7a">+905321112233</a>' in html
    assert '<strong><bdi dir="ltr">07 ABC 123</bdi></strong>' in html
    assert SentEmail.objects.get(booking=booking, kind="driver_assigned").sent_at is not None


def test_a_turkish_booking_is_told_in_turkish_with_the_same_data(fleet_ready, actor, committed, mailoutbox):
    booking = committed(lambda: place_transfer(transfer_request(pickup_at=future_local(**PICKUP)), language="tr"))
    driver = make_driver("Mehmet", phone="+905329998877")
    vehicle = make_vehicle(fleet_ready.sedan, plate="07 TR 4455", make="Volkswagen", colour="Beyaz")

    assign(booking, driver, vehicle, actor, committed)

    [message] = [m for m in mailoutbox if "Mehmet" in m.body and "X-GNB-Reference" in m.extra_headers]
    assert message.body.startswith("Sayın Anna Smith,\n")
    for data in ("Antalya Airport → Regnum Carya", "14:30 (Europe/Istanbul)", "Mehmet · +905329998877"):
        assert data in message.body
    assert "Volkswagen, Beyaz" in message.body
    assert "07 TR 4455" in message.body
    assert '<html lang="tr" dir="ltr">' in html_of(message)
    assert SentEmail.objects.get(booking=booking, kind="driver_assigned").language == "tr"


def test_each_change_is_told_once_and_a_superseded_change_not_at_all(fleet_ready, actor, committed, mailoutbox):
    booking = committed(lambda: place_transfer(transfer_request(pickup_at=future_local(**PICKUP))))
    driver = make_driver("Ayşe")
    first, second = (
        make_vehicle(fleet_ready.sedan, plate="07 AA 111"),
        make_vehicle(fleet_ready.sedan, plate="07 BB 222"),
    )
    trip = assign(booking, driver, first, actor, committed)
    committed(lambda: fleet.fleet_reassign(trip_id=trip.pk, driver_id=driver.pk, vehicle_id=second.pk, actor=actor))

    told = about(mailoutbox, booking.reference, "Your driver for booking")
    assert ["07 AA 111" in m.body for m in told] == [True, False]
    assert ["07 BB 222" in m.body for m in told] == [False, True]
    events = list(booking.events.filter(details__has_key="trip").order_by("pk"))
    assert len(events) == 2
    # The task run again sends nothing twice.
    assert booking_email_send(booking_id=booking.pk, kind="driver_assigned", event_id=events[1].pk) is False
    # A change whose email had not gone out before the next change is not sent: the later one says who comes.
    SentEmail.objects.filter(event=events[0]).delete()
    assert booking_email_send(booking_id=booking.pk, kind="driver_assigned", event_id=events[0].pk) is False
    assert len(about(mailoutbox, booking.reference, "Your driver for booking")) == 2


def test_a_tour_traveller_is_told_to_meet_at_the_pickup_point(fleet_ready, actor, committed, mailoutbox):
    booking = committed(lambda: place_tour(fleet_ready.departure, pickup_place="titanic-lara", pickup_point="lobby"))
    vehicle = make_vehicle(fleet_ready.minivan, plate="07 TUR 77", make="Ford", colour="Silver")
    committed(
        lambda: fleet.fleet_assign(
            ride=RideRef(departure_id=fleet_ready.departure.pk),
            driver_id=make_driver("Kemal").pk,
            vehicle_id=vehicle.pk,
            actor=actor,
        )
    )

    [message] = about(mailoutbox, booking.reference, "Your driver for booking")
    assert f"{fleet_ready.departure.tour.name}\nPickup: " in message.body
    assert "Vehicle: Ford, Silver · Plate 07 TUR 77\n" in message.body
    assert "Meeting point: Titanic Beach Lara · lobby\n" in message.body


# --- the reminder before pickup -----------------------------------------------------------------------------
def test_the_reminder_goes_once_within_the_hours_before_pickup(fleet_ready, actor, committed, mailoutbox, settings):
    settings.GNB_DRIVER_REMINDER_HOURS = 8
    booking = committed(lambda: place_transfer_to_the_airport_in(30))
    trip = assign(
        booking, make_driver("Ayşe", phone="+905321112233"), make_vehicle(fleet_ready.sedan), actor, committed
    )
    rider = TripBooking.objects.get(trip=trip)

    with time_machine.travel(trip.starts_at - dt.timedelta(hours=8, minutes=1), tick=False):
        assert committed(driver_reminders_queue) == 0
    with time_machine.travel(trip.starts_at - dt.timedelta(hours=7, minutes=55), tick=False):
        assert committed(driver_reminders_queue) == 1
        assert committed(driver_reminders_queue) == 0
    with time_machine.travel(trip.starts_at - dt.timedelta(hours=1), tick=False):
        assert committed(driver_reminders_queue) == 0

    [message] = about(mailoutbox, booking.reference, "Reminder: your pickup")
    assert message.subject == f"Reminder: your pickup for booking {booking.reference}"
    assert f"A reminder of your pickup for booking {booking.reference}:" in message.body
    assert "Regnum Carya → Antalya Airport\n" in message.body
    assert "Your driver: Ayşe · +905321112233\n" in message.body
    assert "Meeting point: At the entrance of Regnum Carya, by the reception. (Main entrance)\n" in message.body
    record = SentEmail.objects.get(kind="driver_reminder")
    assert (record.booking_id, record.object_id, record.sent_at is not None) == (booking.pk, rider.pk, True)


def test_no_reminder_for_a_ride_unassigned_or_without_a_vehicle(fleet_ready, actor, committed, mailoutbox):
    unassigned = committed(lambda: place_transfer_to_the_airport_in(5))
    trip = assign(unassigned, make_driver(), make_vehicle(fleet_ready.sedan), actor, committed)
    rider_id = TripBooking.objects.get(trip=trip).pk
    committed(lambda: fleet.fleet_unassign(trip_id=trip.pk, actor=actor))
    driver_only = committed(lambda: place_transfer_to_the_airport_in(6))
    committed(
        lambda: fleet.fleet_assign(
            ride=RideRef(leg_id=driver_only.legs.get().pk), driver_id=make_driver().pk, vehicle_id=None, actor=actor
        )
    )

    assert committed(driver_reminders_queue) == 0
    # A reminder queued just before the ride was unassigned finds nothing to tell.
    assert booking_email_send(booking_id=unassigned.pk, kind="driver_reminder", object_id=rider_id) is False
    assert not [m for m in mailoutbox if m.subject.startswith("Reminder")]


# --- passport details ---------------------------------------------------------------------------------------
def test_the_passport_request_goes_once_to_bookings_starting_soon_with_details_missing(
    fleet_ready, committed, mailoutbox, settings
):
    settings.GNB_TRAVEL_DOCUMENTS_REMINDER_HOURS = 72
    soon = committed(lambda: place_transfer(transfer_request(pickup_at=future_local(days=2, hour=14)), language="en"))
    later = committed(lambda: place_transfer(transfer_request(pickup_at=future_local(days=5, hour=14))))
    complete = committed(lambda: place_transfer(transfer_request(pickup_at=future_local(days=2, hour=15))))
    booking_passenger_documents_set(
        booking_id=complete.pk,
        documents=[PassengerDocuments(0, "GB", "123456789"), PassengerDocuments(1, "DE", "C01X00T47")],
        actor=SYSTEM,
    )
    half = committed(lambda: place_transfer(transfer_request(pickup_at=future_local(days=2, hour=16))))
    booking_passenger_documents_set(
        booking_id=half.pk, documents=[PassengerDocuments(0, "GB", "123456789")], actor=SYSTEM
    )

    assert committed(travel_documents_requests_queue) == 2
    assert committed(travel_documents_requests_queue) == 0

    assert set(SentEmail.objects.filter(kind="travel_documents").values_list("booking_id", flat=True)) == {
        soon.pk,
        half.pk,
    }
    [message] = about(mailoutbox, soon.reference, "Passport details needed")
    assert message.subject == f"Passport details needed for booking {soon.reference}"
    assert "Turkish law requires every passenger" in message.body
    assert "We still need them for:\n  - Anna Smith\n  - John Smith\n" in message.body
    assert f"{booking_manage_url(soon)}#passports" in message.body
    [message] = about(mailoutbox, half.reference, "Passport details needed")
    assert "We still need them for:\n  - John Smith\n\n" in message.body
    assert not about(mailoutbox, later.reference, "Passport details needed")
    assert not about(mailoutbox, complete.reference, "Passport details needed")


def test_the_passport_request_in_turkish_names_the_passengers(fleet_ready, committed, mailoutbox):
    booking = committed(
        lambda: place_transfer(transfer_request(pickup_at=future_local(days=1, hour=14)), language="tr")
    )
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=10), tick=False):
        assert committed(travel_documents_requests_queue) == 1
    [message] = [
        m for m in mailoutbox if m.extra_headers["X-GNB-Reference"] == booking.reference and "#passports" in m.body
    ]
    assert message.body.startswith("Sayın Anna Smith,\n")
    assert "  - Anna Smith\n  - John Smith\n" in message.body
    assert '<html lang="tr" dir="ltr">' in html_of(message)
