"""The demo fleet: loaded twice, the same drivers, vehicles and drive times; a dispatched day with no overlap."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.management import call_command
from django.utils import timezone

from gnb.accounts.roles import DRIVER
from gnb.bookings.models import Booking, Passenger
from gnb.fleet import demo, rules
from gnb.fleet.models import Driver, DriverShift, Trip, Vehicle, ZoneDriveTime

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(db):
    """The demo, loaded twice."""
    call_command("load_demo", verbosity=0)
    call_command("load_demo", verbosity=0)


def test_the_fleet_loads_once_however_often_the_demo_runs(loaded):
    assert Driver.objects.count() == 14
    assert Vehicle.objects.count() == 16
    assert ZoneDriveTime.objects.count() == 81
    assert set(Vehicle.objects.values_list("vehicle_class__code", flat=True)) == {
        "sedan",
        "minivan",
        "vip-minivan",
        "minibus",
        "midibus",
    }
    assert all(plate.startswith("07 ") for plate in Vehicle.objects.values_list("plate", flat=True))


def test_drivers_have_driver_users_without_a_password(loaded):
    for driver in Driver.objects.select_related("user"):
        assert list(driver.user.groups.values_list("name", flat=True)) == [DRIVER]
        assert not driver.user.has_usable_password()
        assert not driver.user.is_staff


def test_shifts_six_days_a_week_two_of_them_at_night(loaded):
    for driver in Driver.objects.all():
        assert driver.shifts.count() == 6
    night = DriverShift.objects.filter(starts_at=dt.time(19), ends_at=dt.time(7))
    assert sorted({s.driver.first_name for s in night}) == ["Kemal", "Serkan"]
    assert DriverShift.objects.filter(starts_at=dt.time(7), ends_at=dt.time(23)).count() == 12 * 6


def test_one_driver_is_off_tomorrow_and_one_vehicles_insurance_ends_in_ten_days(loaded):
    today = timezone.localdate(timezone=rules.LOCAL)
    tomorrow = today + dt.timedelta(days=1)
    off = Driver.objects.filter(time_off__starts_on__lte=tomorrow, time_off__ends_on__gte=tomorrow)
    assert [d.full_name for d in off] == ["Hasan Aydın"]
    soon = Vehicle.objects.filter(insurance_expires_on__lte=today + dt.timedelta(days=30))
    assert [(v.plate, v.insurance_expires_on) for v in soon] == [("07 DMR 940", today + dt.timedelta(days=10))]


def test_the_drive_time_table(loaded):
    minutes = {
        (o, d): m for o, d, m in ZoneDriveTime.objects.values_list("origin__code", "destination__code", "minutes")
    }
    assert minutes[("antalya-airport", "lara")] == 25
    assert minutes[("antalya-airport", "belek")] == 35
    assert minutes[("antalya-airport", "side")] == 65
    assert minutes[("antalya-airport", "alanya")] == 120
    assert minutes[("antalya-airport", "kemer")] == 60
    assert minutes[("kemer", "antalya-airport")] == 60
    assert {m for (o, d), m in minutes.items() if o == d} == {20}
    assert len(minutes) == len(demo.ZONE_ORDER) ** 2


def test_tomorrow_is_partly_dispatched_without_overlap(loaded):
    today = timezone.localdate(timezone=rules.LOCAL)
    start = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(0), tzinfo=rules.LOCAL)
    end = start + dt.timedelta(days=1)
    board = Booking.objects.filter(lead_email__in=demo.BOARD_BY_EMAIL)
    assert board.count() == len(demo.BOARD_BOOKINGS) == 12

    trips = list(Trip.objects.exclude(status=Trip.Status.RELEASED).filter(starts_at__gte=start, starts_at__lt=end))
    on_trips = set(board.filter(trip_rides__isnull=False).values_list("lead_email", flat=True))
    # Every ride the demo dispatches has its trip; the others wait for the dispatcher.
    assert on_trips == {email for email, spec in demo.BOARD_BY_EMAIL.items() if spec["dispatch"]}
    assert len(on_trips) == 7
    assert board.filter(trip_rides__isnull=True).count() == 5
    assert set(board.filter(trip_rides__isnull=False).values_list("status", flat=True)) == {Booking.Status.ASSIGNED}
    assert len(trips) >= 7
    # Hasan is off tomorrow: none of tomorrow's trips are his.
    assert not [t for t in trips if t.driver and t.driver.first_name == "Hasan"]
    for first, second in itertools.combinations(
        Trip.objects.exclude(status=Trip.Status.RELEASED).order_by("starts_at"), 2
    ):
        overlapping = first.starts_at < second.ends_at and second.starts_at < first.ends_at
        if overlapping:
            assert first.driver_id != second.driver_id
            assert first.vehicle_id != second.vehicle_id


def test_some_passengers_have_passports_and_some_do_not(loaded):
    board = Passenger.objects.filter(booking__lead_email__in=demo.BOARD_BY_EMAIL)
    with_documents = board.exclude(document_number="")
    # Every passenger of seven bookings (15 people), the first passenger of three; two bookings none yet.
    assert with_documents.count() == 15 + 3
    assert board.filter(document_number="").count() == board.count() - 18 == 17
    turkish = with_documents.filter(booking__lead_email="ahmet.celik@example.com").order_by("position").first()
    assert turkish is not None
    assert (turkish.nationality, len(turkish.document_number)) == ("TR", 11)
