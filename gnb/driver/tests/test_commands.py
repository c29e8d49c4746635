"""One tap, exactly once: a status press or cash taken is applied once however often the phone sends it; a press
the trip no longer allows is refused with the reason, and the refusal is what every repeat gets."""

from __future__ import annotations

import datetime as dt
import inspect
import io
import uuid
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gnb.catalog.models import Place
from gnb.driver.models import DriverCommand
from gnb.fleet import services
from gnb.fleet.models import Trip, TripEvent
from gnb.fleet.services import Actor
from gnb.payments.models import Payment

pytestmark = pytest.mark.django_db

T = Trip.Status
JSON = {"HTTP_ACCEPT": "application/json"}


def press(client, trip: Trip, status: str, *, key: str | None = None, expected: str = "", **fields):
    body = {"status": status, "key": key or str(uuid.uuid4()), "expected_status": expected, **fields}
    return client.post(f"/driver/trips/{trip.pk}/status", body, **JSON)


def steps(trip: Trip) -> list[str]:
    return list(TripEvent.objects.filter(trip=trip).exclude(action="assigned").values_list("action", flat=True))


def test_a_press_is_applied_once_and_its_repeat_is_a_replay(ayse_client, day):
    key = str(uuid.uuid4())
    first = press(
        ayse_client,
        day.morning,
        "on_the_way",
        key=key,
        expected="assigned",
        latitude="36.9",
        longitude="30.8",
        accuracy_m="12",
    )
    assert first.status_code == 200
    assert first.json() == {
        "outcome": "applied",
        "replay": False,
        "message": "Saved: On the way.",
        "trip_status": "on_the_way",
        "trip_status_label": "On the way",
    }
    again = press(ayse_client, day.morning, "on_the_way", key=key, expected="assigned")
    assert again.status_code == 200
    assert again.json() == {**first.json(), "replay": True}
    assert steps(day.morning) == ["on_the_way"]
    event = TripEvent.objects.get(trip=day.morning, action="on_the_way")
    assert (event.latitude, event.longitude, event.accuracy_m, event.actor) == (
        Decimal("36.900000"),
        Decimal("30.800000"),
        12,
        day.ayse.user,
    )
    command = DriverCommand.objects.get()
    assert (command.kind, command.outcome, command.http_status, command.trip) == ("status", "applied", 200, day.morning)


def test_the_same_press_with_a_new_key_is_refused_naming_the_status(ayse_client, day):
    press(ayse_client, day.morning, "on_the_way", expected="assigned")
    second = press(ayse_client, day.morning, "on_the_way", expected="assigned")
    assert second.status_code == 409
    assert second.json()["message"] == "This trip is already on the way."
    assert steps(day.morning) == ["on_the_way"]


def test_a_wrong_order_press_is_refused_with_the_fleet_message_and_the_refusal_is_kept(ayse_client, day, on_the_day):
    key = str(uuid.uuid4())
    response = press(ayse_client, day.morning, "completed", key=key)
    assert response.status_code == 409
    assert response.json() == {
        "outcome": "refused",
        "replay": False,
        "message": f"Trip T{day.morning.pk} is assigned; it cannot be marked completed.",
        "trip_status": "assigned",
        "trip_status_label": "Assigned",
    }
    # Once the trip could take it, the same key still answers what it answered.
    on_the_day.shift(dt.timedelta(hours=4))  # past the pickup time
    services.trip_start(trip_id=day.morning.pk, actor=Actor.for_user(day.ayse.user))
    services.trip_pick_up(trip_id=day.morning.pk, actor=Actor.for_user(day.ayse.user))
    replay = press(ayse_client, day.morning, "completed", key=key)
    assert (replay.status_code, replay.json()["replay"], replay.json()["message"]) == (
        409,
        True,
        response.json()["message"],
    )
    assert Trip.objects.get(pk=day.morning.pk).status == T.PICKED_UP


def test_a_press_after_the_dispatcher_gave_the_trip_to_another_driver_is_refused_with_the_reason(
    ayse_client, day, dispatch_user
):
    services.fleet_reassign(
        trip_id=day.morning.pk,
        driver_id=day.kemal.pk,
        vehicle_id=day.morning.vehicle_id,
        actor=Actor.for_user(dispatch_user),
    )
    moved_at = timezone.localtime(TripEvent.objects.get(trip=day.morning, action="reassigned").created_at)
    # The phone was offline: its outbox sends the press made on the page it had.
    response = press(ayse_client, day.morning, "on_the_way", expected="assigned")
    assert response.status_code == 409
    assert response.json()["message"] == (f"The dispatcher gave this trip to another driver at {moved_at:%H:%M}.")
    assert Trip.objects.get(pk=day.morning.pk).status == T.ASSIGNED
    assert DriverCommand.objects.get().outcome == "refused"
    # Her page of it is gone (404), and it is off her list.
    assert ayse_client.get(f"/driver/trips/{day.morning.pk}/").status_code == 404


def test_a_press_on_a_trip_taken_off_the_driver_or_cancelled_is_refused(ayse_client, day, dispatch_user):
    services.fleet_unassign(trip_id=day.morning.pk, actor=Actor.for_user(dispatch_user), reason="Sick")
    at = timezone.localtime(TripEvent.objects.get(trip=day.morning, action="unassigned").created_at)
    response = press(ayse_client, day.morning, "on_the_way", expected="assigned")
    assert (response.status_code, response.json()["message"]) == (
        409,
        f"The dispatcher took this trip off you at {at:%H:%M}.",
    )
    from gnb.bookings.services import SYSTEM, booking_cancel

    booking = day.afternoon.riders.get().booking
    booking_cancel(booking_id=booking.pk, actor=SYSTEM, reason="Plans changed")
    response = press(ayse_client, day.afternoon, "on_the_way", expected="assigned")
    assert (response.status_code, response.json()["message"]) == (409, "This trip was cancelled.")


def test_a_press_made_on_a_page_that_showed_an_older_status_is_refused(ayse_client, day, on_the_day):
    on_the_day.shift(dt.timedelta(hours=4))  # past the pickup time
    services.trip_start(trip_id=day.morning.pk, actor=Actor.for_user(day.ayse.user))
    services.trip_pick_up(trip_id=day.morning.pk, actor=Actor.for_user(day.ayse.user))
    # Pressed "arrived" on a page still showing "on the way".
    response = press(ayse_client, day.morning, "arrived", expected="on_the_way")
    assert (response.status_code, response.json()["message"]) == (409, "This trip is already picked up.")


def _at_the_pickup_long_after(day, on_the_day) -> dict[str, str]:
    """On the way and arrived, long after the landing, with the position of the pickup place."""
    on_the_day.shift(dt.timedelta(hours=6))  # 13:00: well past the landing and any wait
    services.trip_start(trip_id=day.morning.pk, actor=Actor.for_user(day.ayse.user))
    services.trip_arrive(trip_id=day.morning.pk, actor=Actor.for_user(day.ayse.user))
    airport = Place.objects.get(slug="ayt")
    return {"latitude": str(airport.latitude), "longitude": str(airport.longitude), "accuracy_m": "10"}


def test_a_no_show_needs_a_reason(ayse_client, day, on_the_day):
    position = _at_the_pickup_long_after(day, on_the_day)
    response = press(ayse_client, day.morning, "no_show", expected="arrived", **position)
    assert response.status_code == 422
    assert response.json()["fields"] == {"reason": ["Say what happened (how long you waited, where)."]}
    assert not DriverCommand.objects.exists()
    response = press(
        ayse_client, day.morning, "no_show", expected="arrived", reason="Waited 60 minutes at the exit.", **position
    )
    assert response.status_code == 200, response.content
    assert response.json()["trip_status"] == "no_show"
    event = TripEvent.objects.get(trip=day.morning, action="no_show")
    assert (event.reason, event.accuracy_m) == ("Waited 60 minutes at the exit.", 10)


@pytest.mark.skipif(
    "photo" not in inspect.signature(services.trip_no_show).parameters,
    reason="the no-show service takes no photo yet",
)
def test_a_no_show_photo_goes_to_the_service(ayse_client, day, on_the_day):
    _at_the_pickup_long_after(day, on_the_day)
    photo = SimpleUploadedFile("meeting-point.png", png(), content_type="image/png")
    response = press(
        ayse_client, day.morning, "no_show", expected="arrived", reason="Waited 60 minutes at the exit.", photo=photo
    )
    assert response.status_code == 200, response.content
    assert response.json()["trip_status"] == "no_show"
    assert DriverCommand.objects.get().payload["photo"] == "meeting-point.png"


def test_invalid_input_is_named_and_nothing_is_stored(ayse_client, day):
    response = ayse_client.post(
        f"/driver/trips/{day.morning.pk}/status", {"status": "flying", "latitude": "91"}, **JSON
    )
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"key", "status", "latitude"}
    assert not DriverCommand.objects.exists()


def test_a_form_post_without_scripts_redirects_back_with_a_message(ayse_client, day):
    response = ayse_client.post(
        f"/driver/trips/{day.morning.pk}/status",
        {"status": "on_the_way", "key": str(uuid.uuid4()), "expected_status": "assigned"},
        follow=True,
    )
    assert response.redirect_chain == [(f"/driver/trips/{day.morning.pk}/", 302)]
    assert "Saved: On the way." in response.content.decode()


def cash(client, trip: Trip, reference: str, amount: str, *, key: str):
    return client.post(f"/driver/trips/{trip.pk}/cash", {"booking": reference, "amount": amount, "key": key}, **JSON)


def test_cash_is_recorded_once_through_the_payment_service(ayse_client, day):
    services.trip_start(trip_id=day.morning.pk, actor=Actor.for_user(day.ayse.user))
    key = str(uuid.uuid4())
    first = cash(ayse_client, day.morning, day.booking.reference.lower(), "45.00", key=key)
    assert first.status_code == 200
    assert first.json()["message"] == "Cash recorded: 45.00 EUR."
    again = cash(ayse_client, day.morning, day.booking.reference, "45.00", key=key)
    assert (again.status_code, again.json()["replay"]) == (200, True)
    payment = Payment.objects.get()
    assert (payment.booking, payment.amount, payment.provider, payment.state) == (
        day.booking,
        Decimal("45.00"),
        "cash",
        "confirmed",
    )
    # Nothing is due any more: the page offers no cash form, and more cash is refused.
    assert (
        f'/driver/trips/{day.morning.pk}/cash"'
        not in ayse_client.get(f"/driver/trips/{day.morning.pk}/").content.decode()
    )
    more = cash(ayse_client, day.morning, day.booking.reference, "1.00", key=str(uuid.uuid4()))
    assert more.status_code == 422
    assert Payment.objects.count() == 1


def test_cash_for_a_booking_not_on_the_trip_is_named(ayse_client, day):
    services.trip_start(trip_id=day.morning.pk, actor=Actor.for_user(day.ayse.user))
    response = cash(ayse_client, day.morning, "GNB-AAAA-AAAA", "10.00", key=str(uuid.uuid4()))
    assert response.status_code == 422
    assert response.json()["fields"] == {"booking": ["This booking is not on this trip."]}
    assert not Payment.objects.exists()


def test_cash_before_the_trip_started_is_refused(ayse_client, day):
    response = cash(ayse_client, day.morning, day.booking.reference, "45.00", key=str(uuid.uuid4()))
    assert (response.status_code, response.json()["message"]) == (409, "Cash is recorded once the trip has started.")
    assert not Payment.objects.exists()


def test_keys_belong_to_one_driver(ayse_client, day, client):
    # Kemal's phone sending a key Ayşe used is its own command, for his own trip.
    from gnb.driver.tests.conftest import sign_in

    key = str(uuid.uuid4())
    assert press(ayse_client, day.morning, "on_the_way", key=key).status_code == 200
    from django.test import Client

    kemal = Client()
    sign_in(kemal, day.kemal)
    response = press(kemal, day.kemals, "on_the_way", key=key)
    assert (response.status_code, response.json()["replay"]) == (200, False)
    assert DriverCommand.objects.count() == 2
    assert dt.timedelta(0) <= timezone.now() - DriverCommand.objects.first().created_at < dt.timedelta(minutes=1)


def png() -> bytes:
    """A small photo, as a phone's camera would send one (smaller)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 120, 40)).save(buffer, "PNG")
    return buffer.getvalue()
