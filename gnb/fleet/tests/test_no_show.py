"""A no-show: not before the travellers had time to come, and only with evidence kept with the trip."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from gnb.bookings.models import Booking
from gnb.core.errors import InvalidTransition, ValidationFailed
from gnb.core.models import AuditEntry
from gnb.fleet import evidence, services
from gnb.fleet.evidence import Position
from gnb.fleet.models import Trip, TripEvidence
from gnb.fleet.services import Actor, RideRef
from gnb.privacy.services import privacy_retention_run, traveller_erase
from gnb.testing.bookings import place_transfer, place_transfer_to_the_airport_in, transfer_request
from gnb.testing.catalog import IST, future_local
from gnb.testing.fleet import at_the_pickup, make_drive_times, make_driver, make_vehicle
from gnb.testing.personas import staff_login

pytestmark = pytest.mark.django_db

REASON = "Waited at arrivals with the sign, called twice"


@pytest.fixture
def fleet(catalog, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    make_drive_times(catalog)
    return catalog


@pytest.fixture
def actor(dispatcher) -> Actor:
    return Actor.for_user(dispatcher)


def started(fleet, actor, booking: Booking) -> Trip:
    leg = booking.legs.get(sequence=1)
    trip = services.fleet_assign(
        ride=RideRef(leg_id=leg.pk), driver_id=make_driver().pk, vehicle_id=make_vehicle(fleet.sedan).pk, actor=actor
    )
    with time_machine.travel(leg.pickup_at - dt.timedelta(minutes=30), tick=False):
        services.trip_start(trip_id=trip.pk, actor=actor)
    return trip


def photo(image_format: str = "JPEG", size: tuple[int, int] = (64, 48), name: str = "sign.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, image_format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{image_format.lower()}")


def north_of(position: Position, metres: int, accuracy_m: int = 10) -> Position:
    # One degree of latitude is 111 195 m on the mean sphere.
    return Position(position.latitude + Decimal(metres) / Decimal(111195), position.longitude, accuracy_m)


def test_an_airport_pickup_waits_an_hour_after_the_landing_and_says_from_when(fleet, actor):
    # Pickup 09:00, landing 08:30 (the builder's flight): a no-show from 09:30.
    booking = place_transfer(transfer_request(pickup_at=future_local(days=2, hour=9, minute=0)))
    trip = started(fleet, actor, booking)
    landing = booking.legs.get().flight_arrival_at
    assert evidence.no_show_allowed_from(trip) == landing + dt.timedelta(minutes=60)

    with (
        time_machine.travel(landing + dt.timedelta(minutes=59), tick=False),
        pytest.raises(InvalidTransition) as early,
    ):
        services.trip_no_show(trip_id=trip.pk, actor=actor, reason=REASON, position=at_the_pickup(trip))
    # On the day itself the driver reads the time alone.
    assert (early.value.field, early.value.message) == (
        "status",
        "A no-show can be marked from 09:30, when the travellers have had time to come.",
    )
    assert not TripEvidence.objects.exists()

    with time_machine.travel(landing + dt.timedelta(minutes=60), tick=False):
        services.trip_no_show(trip_id=trip.pk, actor=actor, reason=REASON, position=at_the_pickup(trip, accuracy_m=20))
    trip.refresh_from_db()
    assert trip.status == Trip.Status.NO_SHOW
    kept = TripEvidence.objects.get(trip=trip)
    place = evidence.pickup_places(trip)[0]
    assert (kept.kind, kept.latitude, kept.longitude, kept.accuracy_m, kept.distance_m, kept.by_id, kept.photo) == (
        "position",
        place.latitude,
        place.longitude,
        20,
        0,
        actor.user_id,
        "",
    )


def test_a_pickup_without_a_flight_waits_half_an_hour_after_the_pickup_time(fleet, actor):
    booking = place_transfer_to_the_airport_in(hours=30)
    trip = started(fleet, actor, booking)
    pickup = booking.legs.get().pickup_at
    assert booking.legs.get().flight_arrival_at is None
    assert evidence.no_show_allowed_from(trip) == pickup + dt.timedelta(minutes=30)
    with time_machine.travel(pickup + dt.timedelta(minutes=29), tick=False), pytest.raises(InvalidTransition):
        services.trip_no_show(trip_id=trip.pk, actor=actor, reason=REASON, position=at_the_pickup(trip))
    with time_machine.travel(pickup + dt.timedelta(minutes=30), tick=False):
        services.trip_no_show(trip_id=trip.pk, actor=actor, reason=REASON, position=at_the_pickup(trip))
    assert Trip.objects.get(pk=trip.pk).status == Trip.Status.NO_SHOW


def test_the_position_must_be_near_the_pickup_and_accurate_enough(fleet, actor):
    booking = place_transfer(transfer_request(pickup_at=future_local(days=2, hour=9, minute=0)))
    trip = started(fleet, actor, booking)
    here = at_the_pickup(trip)
    with time_machine.travel(evidence.no_show_allowed_from(trip), tick=False):
        refusals = []
        for position in (
            None,
            north_of(here, 420),
            north_of(here, 100, accuracy_m=151),
            Position(here.latitude, here.longitude),
        ):
            with pytest.raises(ValidationFailed) as refused:
                services.trip_no_show(trip_id=trip.pk, actor=actor, reason=REASON, position=position)
            refusals += refused.value.errors
        assert refusals == [
            (
                "position",
                "A no-show needs evidence: your position within 150 m of the pickup place, or a photo of the name "
                "sign.",
            ),
            (
                "position",
                "You are 420 m from the pickup place; a no-show needs you within 150 m of it, or a photo of the name "
                "sign.",
            ),
            (
                "position",
                "Your position is not accurate enough (it must be within 150 m); wait for a better GPS fix or take a "
                "photo of the name sign.",
            ),
            (
                "position",
                "Your position is not accurate enough (it must be within 150 m); wait for a better GPS fix or take a "
                "photo of the name sign.",
            ),
        ]
        assert Trip.objects.get(pk=trip.pk).status == Trip.Status.ON_THE_WAY
        services.trip_no_show(trip_id=trip.pk, actor=actor, reason=REASON, position=north_of(here, 140, 150))
    assert TripEvidence.objects.get(trip=trip).distance_m == 140


def test_a_photo_of_the_name_sign_is_evidence_enough_and_is_kept_under_a_private_path(fleet, actor, settings):
    booking = place_transfer(transfer_request(pickup_at=future_local(days=2, hour=9, minute=0)))
    trip = started(fleet, actor, booking)
    far = north_of(at_the_pickup(trip), 2000)
    with time_machine.travel(evidence.no_show_allowed_from(trip), tick=False):
        services.trip_no_show(trip_id=trip.pk, actor=actor, reason=REASON, position=far, photo=photo())
    kept = TripEvidence.objects.get(trip=trip)
    assert (kept.kind, kept.distance_m, kept.accuracy_m) == ("photo", 2000, 10)
    assert kept.photo.name.startswith("private/no-show/")
    # A random name: it says nothing of the trip and cannot be guessed.
    assert re.fullmatch(r"private/no-show/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", kept.photo.name)
    with kept.photo.open("rb") as stored, Image.open(stored) as image:
        assert (image.format, image.size) == ("JPEG", (64, 48))
    assert (settings.MEDIA_ROOT / kept.photo.name).is_file()


def test_a_photo_must_be_an_image_of_at_most_8_mb(fleet, actor):
    booking = place_transfer(transfer_request(pickup_at=future_local(days=2, hour=9, minute=0)))
    trip = started(fleet, actor, booking)
    message = "Upload a photo (JPEG, PNG, WebP or HEIF) of the name sign at the meeting point, at most 8 MB."
    too_big = SimpleUploadedFile("sign.jpg", photo().read() + b"\0" * (8 * 1024 * 1024), content_type="image/jpeg")
    not_an_image = SimpleUploadedFile("sign.jpg", b"%PDF-1.7 not a photo", content_type="image/jpeg")
    gif = photo("GIF", name="sign.gif")
    with time_machine.travel(evidence.no_show_allowed_from(trip), tick=False):
        for upload in (too_big, not_an_image, gif, SimpleUploadedFile("empty.jpg", b"")):
            with pytest.raises(ValidationFailed) as refused:
                services.trip_no_show(trip_id=trip.pk, actor=actor, reason=REASON, photo=upload)
            assert refused.value.errors == [("photo", message)]
        services.trip_no_show(trip_id=trip.pk, actor=actor, reason=REASON, photo=photo("PNG", name="sign.png"))
    assert TripEvidence.objects.get(trip=trip).photo.name.endswith(".png")


def test_haversine_distances_match_known_values():
    # Antalya Airport to Antalya's clock tower (Saat Kulesi), about 10.1 km; one arc-minute of latitude, 1853 m.
    assert round(evidence.distance_m(36.8987, 30.8005, 36.8874, 30.7056) / 100) == 85
    assert round(evidence.distance_m(36.0, 30.0, 36.0 + 1 / 60, 30.0)) == 1853
    assert evidence.distance_m(36.0, 30.0, 36.0, 30.0) == 0


def test_local_time_text_gives_the_date_when_it_is_not_today(fleet, actor):
    booking = place_transfer(transfer_request(pickup_at=future_local(days=2, hour=9, minute=0)))
    trip = started(fleet, actor, booking)
    moment = dt.datetime(2030, 5, 4, 6, 30, tzinfo=dt.UTC)
    assert evidence.local_time_text(moment, trip) == "04.05.2030 09:30"
    with time_machine.travel(moment, tick=False):
        assert evidence.local_time_text(moment.astimezone(IST), trip) == "09:30"


def test_staff_see_the_evidence_on_the_trip_page_and_only_they_open_the_photo(fleet, actor, client, dispatcher):
    booking = place_transfer(transfer_request(pickup_at=future_local(days=2, hour=9, minute=0)))
    trip = started(fleet, actor, booking)
    with time_machine.travel(evidence.no_show_allowed_from(trip), tick=False):
        services.trip_no_show(
            trip_id=trip.pk, actor=actor, reason=REASON, position=at_the_pickup(trip, accuracy_m=8), photo=photo()
        )
    item = TripEvidence.objects.get(trip=trip, kind="position")
    shot = TripEvidence.objects.get(trip=trip, kind="photo")
    photo_url = reverse("admin:fleet_trip_evidence_photo", args=[trip.pk, shot.pk])

    staff_login(client, dispatcher)
    page = " ".join(client.get(reverse("admin:fleet_trip_change", args=[trip.pk])).content.decode().split())
    assert f"{item.latitude}, {item.longitude}</a>" in page
    assert f'<a href="{photo_url}" target="_blank">Open the photo</a>' in page
    response = client.get(photo_url)
    assert (response.status_code, response["Content-Type"]) == (200, "image/jpeg")
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}
    assert b"".join(response.streaming_content) == shot.photo.open("rb").read()
    assert AuditEntry.objects.filter(action="evidence.view", actor=dispatcher).count() == 1
    assert client.get(reverse("admin:fleet_trip_evidence_photo", args=[trip.pk, item.pk])).status_code == 404

    clerk = get_user_model().objects.create_user(username="clerk", is_staff=True)
    staff_login(client, clerk)
    assert client.get(photo_url).status_code == 403
    assert trip.driver is not None
    client.force_login(trip.driver.user)
    assert client.get(photo_url).status_code == 302  # to the back office's sign-in
    client.logout()
    assert client.get(photo_url).status_code == 302
    assert client.get(f"/media/{shot.photo.name}").status_code == 404  # nothing publishes the media directory


def test_photos_go_with_the_retention_and_with_the_travellers_erasure(
    fleet, actor, settings, django_capture_on_commit_callbacks
):
    settings.GNB_NO_SHOW_EVIDENCE_RETENTION_MONTHS = 12
    trips = []
    for days in (2, 6):
        booking = place_transfer(transfer_request(pickup_at=future_local(days=days, hour=9, minute=0)))
        trip = started(fleet, actor, booking)
        with time_machine.travel(evidence.no_show_allowed_from(trip), tick=False):
            # The first photo was taken where the phone knew its place, the second without a position.
            position = north_of(at_the_pickup(trip), 900) if days == 2 else None
            services.trip_no_show(trip_id=trip.pk, actor=actor, reason=REASON, position=position, photo=photo())
        trips.append(trip)
    first, second = (TripEvidence.objects.get(trip=trip) for trip in trips)
    files = [settings.MEDIA_ROOT / first.photo.name, settings.MEDIA_ROOT / second.photo.name]
    assert all(path.is_file() for path in files)

    # A year after the first photo, but not yet after the second.
    with (
        time_machine.travel(first.created_at + dt.timedelta(days=366), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        report = privacy_retention_run()
    assert report.evidence_photos == 1
    kept = TripEvidence.objects.get(trip=trips[0])
    assert (kept.kind, kept.photo.name, kept.distance_m) == ("position", "", 900)  # where the phone was stays
    assert not files[0].exists()
    assert files[1].is_file()

    # The traveller of the second asks to be forgotten: the photo with their name on it goes at once.
    with (
        time_machine.travel(second.created_at + dt.timedelta(days=2), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        traveller_erase(email=trips[1].riders.get().booking.lead_email, actor=None)
    assert not TripEvidence.objects.filter(trip=trips[1]).exists()
    assert not files[1].exists()
