"""A tour's vehicle starts at the earliest hotel pickup of the bookings it carries, in that hotel's zone, and its
manifest and the driver's notice give each booking's hotel and pickup time."""

from __future__ import annotations

import datetime as dt

import pytest

from gnb.fleet import selectors
from gnb.fleet.manifests import manifest_csv_rows, manifest_of
from gnb.fleet.services import SYSTEM as FLEET_SYSTEM
from gnb.fleet.services import RideRef, fleet_assign
from gnb.notifications.rides import ride_notice
from gnb.testing.bookings import passengers_for, place_tour
from gnb.testing.catalog import IST
from gnb.testing.fleet import make_drive_times, make_driver, make_vehicle

pytestmark = pytest.mark.django_db


def test_a_tour_trip_starts_at_its_first_hotel_pickup_in_that_hotels_zone(catalog):
    make_drive_times(catalog)
    lara = place_tour(catalog.departure, pickup_place="titanic-lara")  # collected 30 minutes before
    ride = selectors.departure_ride(catalog.departure, [lara])
    assert (ride.starts_at, ride.origin_zone_id) == (
        catalog.departure.starts_at - dt.timedelta(minutes=30),
        catalog.lara.pk,
    )

    belek = place_tour(catalog.departure, adults=3, passengers=passengers_for(3), pickup_place="regnum-carya")
    ride = selectors.departure_ride(catalog.departure, [lara, belek])
    assert (ride.starts_at, ride.origin_zone_id, ride.passengers) == (
        catalog.departure.starts_at - dt.timedelta(minutes=45),
        catalog.belek.pk,
        5,
    )
    # The tour and the way back end as before: the departure plus its duration and the turnaround.
    assert ride.ends_at == catalog.departure.starts_at + dt.timedelta(minutes=480 + 30)


def test_the_manifest_and_each_travellers_notice_give_their_own_hotel_and_time(catalog):
    make_drive_times(catalog)
    belek = place_tour(catalog.departure, pickup_place="regnum-carya", pickup_point="lobby")
    lara = place_tour(catalog.departure, pickup_place="titanic-lara")
    trip = fleet_assign(
        ride=RideRef(departure_id=catalog.departure.pk),
        driver_id=make_driver().pk,
        vehicle_id=make_vehicle(catalog.minivan).pk,
        actor=FLEET_SYSTEM,
    )
    assert trip.starts_at == belek.pickup_at

    detail = selectors.trip_detail(trip_id=trip.pk)
    manifest = manifest_of(detail)

    def clock(moment: dt.datetime) -> str:
        return moment.astimezone(IST).strftime("%H:%M")

    assert manifest.pickups == (
        f"{clock(belek.pickup_at)} Regnum Carya · lobby ({belek.reference})",
        f"{clock(lara.pickup_at)} Titanic Beach Lara ({lara.reference})",
    )
    assert ["Pickup", manifest.pickups[1]] in manifest_csv_rows(manifest)

    notice = ride_notice(detail, lara, None)
    assert (notice.pickup_at, notice.meeting_point) == (lara.pickup_at, "Titanic Beach Lara")
