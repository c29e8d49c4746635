"""Drivers with accounts that sign in, and their trips: Ayşe drives two trips today and one tomorrow, Kemal one
today. "Today" is the day after the bookings were placed (the clock travels there), so each booking keeps its lead
time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from gnb.bookings.models import Booking
from gnb.bookings.quotes import ExtraRequest
from gnb.fleet import services
from gnb.fleet.models import Driver, Trip
from gnb.fleet.services import Actor, RideRef
from gnb.testing.bookings import place_sedan_transfer
from gnb.testing.catalog import IST, future_local
from gnb.testing.fleet import make_drive_times, make_driver, make_vehicle
from gnb.testing.personas import persona

PASSWORD = "sürücü-parola-2026"


@pytest.fixture
def fleet(catalog):
    make_drive_times(catalog)  # 45 minutes between zones, a turnaround of 30
    return catalog


@pytest.fixture
def dispatch_user(db):
    """A dispatcher with the fleet's permissions on trips and drivers."""
    user = persona("dispatcher", "dilek")
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="fleet", codename__regex=r"_(trip|driver)$")
    )
    return get_user_model().objects.get(pk=user.pk)


def driver_with_password(first_name: str, last_name: str, **fields) -> Driver:
    driver = make_driver(first_name, last_name, **fields)
    driver.user.set_password(PASSWORD)
    driver.user.email = f"{last_name.lower().replace('ö', 'o')}@drivers.example.com"
    driver.user.save()
    return driver


@dataclass
class Day:
    ayse: Driver
    kemal: Driver
    morning: Trip  # Ayşe, today 10:00
    afternoon: Trip  # Ayşe, today 16:00
    tomorrow: Trip  # Ayşe, tomorrow 09:00
    kemals: Trip  # Kemal, today 12:00
    booking: Booking  # the morning's
    today: dt.datetime  # 07:00 today, local


def _assign(booking: Booking, driver: Driver, vehicle, actor: Actor) -> Trip:
    return services.fleet_assign(
        ride=RideRef(leg_id=booking.legs.get().pk), driver_id=driver.pk, vehicle_id=vehicle.pk, actor=actor
    )


@pytest.fixture
def day(fleet, dispatch_user) -> Day:
    actor = Actor.for_user(dispatch_user)
    ayse = driver_with_password("Ayşe", "Kaya", languages=["en", "tr"])
    kemal = driver_with_password("Kemal", "Öz", languages=["en"])
    sedan, other = make_vehicle(fleet.sedan, plate="07 ABC 123"), make_vehicle(fleet.sedan, plate="07 ABC 124")
    morning_booking = place_sedan_transfer(days=2, hour=10, extras=(ExtraRequest("child_seat", 1),))
    afternoon_booking = place_sedan_transfer(days=2, hour=16, lead="Olga Petrova", email="olga@example.com")
    tomorrow_booking = place_sedan_transfer(days=3, hour=9, lead="Hans Berg", email="hans@example.com")
    kemals_booking = place_sedan_transfer(days=2, hour=12, lead="Pierre Roux", email="pierre@example.com")
    # Assigned out of order: the list sorts them.
    afternoon = _assign(afternoon_booking, ayse, sedan, actor)
    tomorrow = _assign(tomorrow_booking, ayse, sedan, actor)
    morning = _assign(morning_booking, ayse, sedan, actor)
    kemals = _assign(kemals_booking, kemal, other, actor)
    today = future_local(days=2, hour=7, minute=0).replace(tzinfo=IST)
    return Day(ayse, kemal, morning, afternoon, tomorrow, kemals, morning_booking, today)


@pytest.fixture
def on_the_day(day):
    """The clock at 07:00 on the day of the morning trip, ticking."""
    with time_machine.travel(day.today, tick=True) as traveller:
        yield traveller


def sign_in(client: Client, driver: Driver, **headers) -> None:
    response = client.post(
        "/driver/sign-in/",
        {"email": driver.user.email, "password": PASSWORD},
        headers={"User-Agent": "test", **headers},
    )
    assert response.status_code == 302, response.content[:500]
    assert response["Location"] == "/driver/"


@pytest.fixture
def ayse_client(client, day, on_the_day) -> Client:
    sign_in(client, day.ayse)
    return client
