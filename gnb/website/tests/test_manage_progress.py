"""The manage page on the day: once the driver presses "on the way" or "arrived", the traveller reads it, with the
driver's first name and phone and the vehicle to look for (no live position)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from gnb.fleet import selectors
from gnb.fleet import services as fleet
from gnb.fleet.services import Actor, RideRef
from gnb.testing.bookings import place_transfer, transfer_request
from gnb.testing.catalog import IST, future_local
from gnb.testing.fleet import at_the_pickup, make_drive_times, make_driver, make_vehicle

pytestmark = pytest.mark.django_db


def manage_url(booking, language: str = "en") -> str:
    with translation.override(language):
        return reverse("website:manage", kwargs={"reference": booking.reference, "token": booking.manage_token})


@pytest.fixture
def ride(catalog, dispatcher):
    make_drive_times(catalog)
    booking = place_transfer(transfer_request(pickup_at=future_local(days=5, hour=14, minute=30)))
    trip = fleet.fleet_assign(
        ride=RideRef(leg_id=booking.legs.get().pk),
        driver_id=make_driver("Ayşe", phone="+905321112233").pk,
        vehicle_id=make_vehicle(
            catalog.sedan, plate="07 ABC 123", make="Mercedes-Benz", model="Vito", colour="Black"
        ).pk,
        actor=Actor.for_user(dispatcher),
    )
    return booking, trip, Actor.for_user(trip.driver.user)


def pickup_day(hour: int, minute: int) -> dt.datetime:
    return future_local(days=5, hour=hour, minute=minute).replace(tzinfo=IST)


def test_before_the_driver_sets_off_there_is_no_progress(client, ride):
    booking, _trip, _driver = ride
    page = client.get(manage_url(booking)).content.decode()
    assert "driver-progress" not in page
    assert "Your driver is on the way" not in page


def test_on_the_way_then_arrived_with_the_driver_and_the_vehicle(client, ride, django_assert_max_num_queries):
    booking, trip, driver = ride
    with time_machine.travel(pickup_day(13, 50), tick=False):
        fleet.trip_start(trip_id=trip.pk, actor=driver)
    page = " ".join(client.get(manage_url(booking)).content.decode().split())
    assert '<h2 id="progress-1">Your driver is on the way</h2>' in page
    assert "<p><bdi>Ayşe</bdi> set off to pick you up at 13:50.</p>" in page
    assert '<dd><bdi>Ayşe</bdi> · <a href="tel:+905321112233"><bdi dir="ltr">+905321112233</bdi></a></dd>' in page
    assert "<dd><bdi>Mercedes-Benz Vito</bdi>, <bdi>Black</bdi></dd>" in page
    assert '<strong class="plate"><bdi dir="ltr">07 ABC 123</bdi></strong>' in page
    assert 'class="card driver-progress driver-progress--on_the_way" role="status"' in page

    with time_machine.travel(pickup_day(14, 25), tick=False):
        fleet.trip_arrive(trip_id=trip.pk, actor=driver)
    page = " ".join(client.get(manage_url(booking)).content.decode().split())
    assert '<h2 id="progress-1">Your driver has arrived</h2>' in page
    assert "<p><bdi>Ayşe</bdi> has been waiting at the meeting point since 14:25.</p>" in page
    assert "Your driver is on the way" not in page
    # One query for the progress, whatever the number of rides.
    with django_assert_max_num_queries(1):
        assert [p.status for p in selectors.booking_driver_progress(booking_id=booking.pk)] == ["arrived"]


def test_progress_in_turkish_and_arabic(client, ride):
    booking, trip, driver = ride
    with time_machine.travel(pickup_day(13, 50), tick=False):
        fleet.trip_start(trip_id=trip.pk, actor=driver)
    for language in ("tr", "ar"):
        page = client.get(manage_url(booking, language)).content.decode()
        assert 'class="card driver-progress driver-progress--on_the_way"' in page
        assert 'href="tel:+905321112233"' in page
        assert f'<html lang="{language}"' in page


def test_once_picked_up_or_a_no_show_the_progress_is_gone(client, ride):
    booking, trip, driver = ride
    with time_machine.travel(pickup_day(13, 50), tick=False):
        fleet.trip_start(trip_id=trip.pk, actor=driver)
    with time_machine.travel(pickup_day(14, 40), tick=False):
        fleet.trip_pick_up(trip_id=trip.pk, actor=driver)
    assert "driver-progress" not in client.get(manage_url(booking)).content.decode()
    assert selectors.booking_driver_progress(booking_id=booking.pk) == []


def test_a_no_show_ends_the_progress(client, ride):
    booking, trip, driver = ride
    with time_machine.travel(pickup_day(13, 50), tick=False):
        fleet.trip_start(trip_id=trip.pk, actor=driver)
    with time_machine.travel(pickup_day(15, 30), tick=False):
        fleet.trip_no_show(trip_id=trip.pk, actor=driver, reason="Waited an hour", position=at_the_pickup(trip))
    assert "driver-progress" not in client.get(manage_url(booking)).content.decode()
