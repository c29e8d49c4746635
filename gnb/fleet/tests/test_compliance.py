"""The daily compliance run: documents expiring within the warning window, and trips that would run with expired
ones."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from gnb.fleet.compliance import fleet_compliance_check
from gnb.fleet.models import Driver, Vehicle
from gnb.fleet.services import SYSTEM, RideRef, fleet_assign
from gnb.fleet.tasks import fleet_compliance_task
from gnb.ops.models import AlertState
from gnb.testing.bookings import place_transfer, transfer_request
from gnb.testing.catalog import future_local
from gnb.testing.fleet import make_drive_times, make_driver, make_vehicle

IST = zoneinfo.ZoneInfo("Europe/Istanbul")
NOW = dt.datetime(2026, 6, 1, 3, 30, tzinfo=dt.UTC)  # 06:30 in Istanbul
TODAY = dt.date(2026, 6, 1)


def alerts() -> dict[str, tuple[str, str]]:
    return {a.key: (a.severity, a.title) for a in AlertState.objects.filter(key__startswith="fleet.").order_by("key")}


def test_documents_expiring_within_the_window_or_expired_alert_once_each(catalog, settings):
    settings.GNB_FLEET_EXPIRY_WARNING_DAYS = 30
    driver = make_driver(
        "Mehmet",
        "Demir",
        licence_expires_on=TODAY + dt.timedelta(days=10),
        psychotechnical_expires_on=TODAY - dt.timedelta(days=1),
        src_expires_on=TODAY + dt.timedelta(days=31),
    )
    vehicle = make_vehicle(
        catalog.sedan,
        plate="07 GNB 101",
        insurance_expires_on=TODAY + dt.timedelta(days=30),
        route_permit_expires_on=TODAY + dt.timedelta(days=1),
    )
    make_driver("Retired", "Driver", licence_expires_on=TODAY, is_active=False)

    assert fleet_compliance_check(now=NOW) == {"documents": 4, "trips": 0}

    assert alerts() == {
        f"fleet.document.driver{driver.pk}.driving-licence": (
            "warning",
            "Driver Mehmet Demir: driving licence expires on 2026-06-11 (in 10 days)",
        ),
        f"fleet.document.driver{driver.pk}.psychotechnical-report": (
            "error",
            "Driver Mehmet Demir: psychotechnical report expired on 2026-05-31",
        ),
        f"fleet.document.vehicle{vehicle.pk}.insurance": (
            "warning",
            "Vehicle 07 GNB 101: insurance expires on 2026-07-01 (in 30 days)",
        ),
        f"fleet.document.vehicle{vehicle.pk}.route-permit": (
            "warning",
            "Vehicle 07 GNB 101: route permit expires on 2026-06-02 (in 1 day)",
        ),
    }
    # The next day: the same incidents fire again (not new ones), and the SRC certificate enters the window.
    assert fleet_compliance_check(now=NOW + dt.timedelta(days=1)) == {"documents": 5, "trips": 0}
    assert alerts()[f"fleet.document.driver{driver.pk}.src-certificate"] == (
        "warning",
        "Driver Mehmet Demir: SRC certificate expires on 2026-07-02 (in 30 days)",
    )
    assert AlertState.objects.get(key=f"fleet.document.vehicle{vehicle.pk}.insurance").fire_count == 2


@pytest.mark.parametrize("owner", ["driver", "vehicle"])
def test_an_assigned_trip_whose_driver_or_vehicle_will_be_expired_on_its_day_alerts(catalog, owner):
    make_drive_times(catalog)
    driver = make_driver("Mehmet", "Demir")
    vehicle = make_vehicle(catalog.sedan, plate="07 GNB 101")
    booking = place_transfer(transfer_request(pickup_at=future_local(days=20, hour=14, minute=30)))
    trip = fleet_assign(
        ride=RideRef(leg_id=booking.legs.get().pk), driver_id=driver.pk, vehicle_id=vehicle.pk, actor=SYSTEM
    )
    trip_day = trip.starts_at.astimezone(IST).date()
    # Renewed too short after the assignment was made.
    if owner == "driver":
        Driver.objects.filter(pk=driver.pk).update(src_expires_on=trip_day - dt.timedelta(days=1))
    else:
        Vehicle.objects.filter(pk=vehicle.pk).update(inspection_expires_on=trip_day - dt.timedelta(days=1))

    result = fleet_compliance_task.call()

    assert result["trips"] == 1
    alert = AlertState.objects.get(key=f"fleet.trip_documents.T{trip.pk}")
    assert alert.title == (
        f"Trip T{trip.pk} on {trip.starts_at.astimezone(IST):%Y-%m-%d} 14:30 has an out-of-date driver or vehicle"
    )
    expected = "Mehmet Demir's SRC certificate" if owner == "driver" else "07 GNB 101's inspection (muayene)"
    assert expected in alert.detail
    assert alert.detail.startswith(f"T{trip.pk} Antalya Airport → Belek: ")


def test_a_trip_with_valid_documents_raises_nothing(catalog):
    make_drive_times(catalog)
    driver = make_driver("Mehmet", "Demir")
    vehicle = make_vehicle(catalog.sedan, plate="07 GNB 101")
    booking = place_transfer(transfer_request(pickup_at=future_local(days=20, hour=14, minute=30)))
    fleet_assign(ride=RideRef(leg_id=booking.legs.get().pk), driver_id=driver.pk, vehicle_id=vehicle.pk, actor=SYSTEM)

    assert fleet_compliance_check() == {"documents": 0, "trips": 0}
    assert alerts() == {}
