"""Flight tracking through the real HTTP client (urllib3) against a local server that answers AeroDataBox's
documented JSON: parsing, the booking check, polling under the quota, and pickups and trips that follow the plane."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import zoneinfo
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from gnb.bookings.models import Booking
from gnb.bookings.orders import FlightInput
from gnb.core.errors import ValidationFailed
from gnb.fleet.flights import tracking
from gnb.fleet.flights.aerodatabox.provider import AeroDataBoxProvider
from gnb.fleet.flights.base import FlightProviderError, QuotaExceeded, Status
from gnb.fleet.models import DriverNotice, FlightProviderDay, FlightWatch, FlightWatchLeg, TripEvent
from gnb.fleet.push import notice_message
from gnb.fleet.services import Actor, RideRef, fleet_assign
from gnb.ops.models import AlertState
from gnb.testing.api import assert_error, booking_body, post
from gnb.testing.bookings import place_transfer, transfer_request
from gnb.testing.catalog import future_local
from gnb.testing.fleet import make_drive_times, make_driver, make_vehicle
from gnb.testing.servers import Received, RecordingHTTPServer
from gnb.testing.tasks import run_worker

ISTANBUL = zoneinfo.ZoneInfo("Europe/Istanbul")
KEY = "test-rapidapi-key-0123456789"


# --- the provider's documented answer ---------------------------------------------------------------------------
def stamp(moment: dt.datetime) -> dict[str, str]:
    """A DateTimeContract: ``utc`` with Z, ``local`` with Istanbul's +03:00, as AeroDataBox writes them."""
    utc = moment.astimezone(dt.UTC)
    local = moment.astimezone(ISTANBUL)
    return {"utc": f"{utc:%Y-%m-%d %H:%M}Z", "local": f"{local:%Y-%m-%d %H:%M}+03:00"}


def flight_leg(
    scheduled: dt.datetime,
    *,
    number: str = "TK 2412",
    status: str = "Expected",
    arrival: str = "AYT",
    revised: dt.datetime | None = None,
    predicted: dt.datetime | None = None,
    runway: dt.datetime | None = None,
) -> dict:
    leg: dict = {
        "number": number,
        "status": status,
        "departure": {"airport": {"iata": "IST", "name": "Istanbul", "municipalityName": "Istanbul"}},
        "arrival": {
            "airport": {
                "iata": arrival,
                "name": {"AYT": "Antalya", "ADB": "Izmir Adnan Menderes"}.get(arrival, arrival),
                "municipalityName": {"AYT": "Antalya", "ADB": "Izmir"}.get(arrival, arrival),
            },
            "scheduledTime": stamp(scheduled),
        },
        "airline": {"name": "Turkish Airlines", "iata": "TK"},
    }
    for name, moment in (("revisedTime", revised), ("predictedTime", predicted), ("runwayTime", runway)):
        if moment is not None:
            leg["arrival"][name] = stamp(moment)
    return leg


class AeroDataBox(RecordingHTTPServer):
    """AeroDataBox's ``/flights/number/{number}/{date}`` with an answer per flight number (204 when none)."""

    def __init__(self) -> None:
        self.answers: dict[str, tuple[int, dict[str, str], bytes]] = {}
        super().__init__(self.answer)

    def flight(self, number: str, *legs: dict) -> None:
        self.answers[number] = (200, {"Content-Type": "application/json"}, json.dumps(list(legs)).encode())

    def status(self, number: str, status: int, headers: dict[str, str] | None = None) -> None:
        self.answers[number] = (status, headers or {}, b'{"message": "no"}')

    def answer(self, received: Received) -> tuple[int, dict[str, str], bytes]:
        number = urlsplit(received.path).path.split("/")[3]
        return self.answers.get(number, (204, {}, b""))

    def calls(self, number: str | None = None) -> list[Received]:
        return [r for r in self.requests if number is None or f"/flights/number/{number}/" in r.path]


@pytest.fixture
def aerodatabox(settings):
    with AeroDataBox() as server:
        settings.GNB_FLIGHT_PROVIDER = "aerodatabox"
        settings.GNB_FLIGHT_API_KEY = KEY
        settings.GNB_FLIGHT_API_BASE_URL = server.url
        settings.GNB_FLIGHT_DAILY_QUOTA = 300
        settings.GNB_FLIGHT_POLL_INTERVAL_MINUTES = 10
        yield server


LANDING = dt.datetime(2026, 8, 12, 13, 45, tzinfo=ISTANBUL)


def legs_for(server: AeroDataBox, *legs: dict):
    server.flight("TK2412", *legs)
    return AeroDataBoxProvider().flight_legs(number="TK2412", date=LANDING.date())


# --- the provider over HTTP -------------------------------------------------------------------------------------
def test_a_lookup_asks_the_documented_path_with_the_key_and_reads_an_on_time_flight(aerodatabox):
    [leg] = legs_for(aerodatabox, flight_leg(LANDING, revised=LANDING))

    [request] = aerodatabox.requests
    url = urlsplit(request.path)
    assert (request.method, url.path) == ("GET", "/flights/number/TK2412/2026-08-12")
    assert parse_qs(url.query) == {"withAircraftImage": ["false"], "withLocation": ["false"]}
    assert request.headers["x-rapidapi-key"] == KEY
    assert request.headers["x-rapidapi-host"] == "aerodatabox.p.rapidapi.com"
    assert (leg.number, leg.date, leg.arrival_iata, leg.arrival_name, leg.departure_iata) == (
        "TK2412",
        dt.date(2026, 8, 12),
        "AYT",
        "Antalya",
        "IST",
    )
    assert leg.status == Status.ON_TIME
    assert leg.scheduled_landing == dt.datetime(2026, 8, 12, 10, 45, tzinfo=dt.UTC)
    assert leg.scheduled_landing.tzinfo == dt.UTC
    assert (leg.estimated_landing, leg.actual_landing) == (leg.scheduled_landing, None)


def test_a_75_minute_delay_and_a_20_minute_early_arrival_are_read(aerodatabox):
    [late] = legs_for(aerodatabox, flight_leg(LANDING, status="Delayed", revised=LANDING + dt.timedelta(minutes=75)))
    [early] = legs_for(aerodatabox, flight_leg(LANDING, status="EnRoute", predicted=LANDING - dt.timedelta(minutes=20)))

    assert (late.status, late.landing) == (Status.DELAYED, dt.datetime(2026, 8, 12, 12, 0, tzinfo=dt.UTC))
    assert (early.status, early.landing) == (Status.ON_TIME, dt.datetime(2026, 8, 12, 10, 25, tzinfo=dt.UTC))


def test_a_delay_the_provider_does_not_call_one_is_still_a_delay(aerodatabox):
    [leg] = legs_for(aerodatabox, flight_leg(LANDING, status="EnRoute", revised=LANDING + dt.timedelta(minutes=40)))

    assert leg.status == Status.DELAYED


def test_a_landed_flight_has_its_runway_time_as_the_actual_landing(aerodatabox):
    touchdown = LANDING + dt.timedelta(minutes=3)
    [leg] = legs_for(aerodatabox, flight_leg(LANDING, status="Arrived", revised=touchdown, runway=touchdown))

    assert (leg.status, leg.actual_landing) == (Status.LANDED, dt.datetime(2026, 8, 12, 10, 48, tzinfo=dt.UTC))


@pytest.mark.parametrize(
    ("answered", "status"),
    [("Canceled", Status.CANCELLED), ("CanceledUncertain", Status.CANCELLED), ("Diverted", Status.DIVERTED)],
)
def test_cancelled_and_diverted_flights(aerodatabox, answered, status):
    [leg] = legs_for(aerodatabox, flight_leg(LANDING, status=answered))

    assert leg.status == status


def test_the_local_time_with_its_istanbul_offset_is_the_same_moment_as_utc(aerodatabox):
    leg = flight_leg(LANDING)
    leg["arrival"]["scheduledTime"] = {"local": "2026-08-12 13:45+03:00"}
    [only_local] = legs_for(aerodatabox, leg)
    leg["arrival"]["scheduledTime"] = {"utc": "2026-08-12 10:45Z", "local": "2026-08-12 14:45+03:00"}

    assert only_local.scheduled_landing == dt.datetime(2026, 8, 12, 10, 45, tzinfo=dt.UTC)
    with pytest.raises(FlightProviderError) as caught:
        legs_for(aerodatabox, leg)
    assert caught.value.permanent
    assert "[0].arrival.scheduledTime with utc '2026-08-12 10:45Z' and local '2026-08-12 14:45+03:00'" in str(
        caught.value
    )


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda leg: leg["arrival"].update(revisedTime={"utc": "12/08/2026 14:05"}), "[0].arrival.revisedTime.utc"),
        (lambda leg: leg["arrival"].update(scheduledTime={"utc": "2026-08-12 10:45"}), "without its UTC offset"),
        (lambda leg: leg["arrival"].pop("scheduledTime"), "no [0].arrival.scheduledTime"),
        (lambda leg: leg.update(status="Teleported"), "[0].status='Teleported'"),
        (lambda leg: leg["arrival"]["airport"].pop("iata"), "[0].arrival.airport.iata=None"),
    ],
)
def test_a_malformed_field_is_a_permanent_error_naming_it(aerodatabox, change, named):
    leg = flight_leg(LANDING)
    change(leg)

    with pytest.raises(FlightProviderError) as caught:
        legs_for(aerodatabox, leg)

    assert caught.value.permanent
    assert named in caught.value.message


def test_429_says_how_long_to_wait_and_5xx_is_transient(aerodatabox):
    provider = AeroDataBoxProvider()
    aerodatabox.status("TK2412", 429, {"Retry-After": "120"})
    with pytest.raises(QuotaExceeded) as quota:
        provider.flight_legs(number="TK2412", date=LANDING.date())
    aerodatabox.status("TK2412", 503)
    with pytest.raises(FlightProviderError) as down:
        provider.flight_legs(number="TK2412", date=LANDING.date())
    aerodatabox.status("TK2412", 403)
    with pytest.raises(FlightProviderError) as refused:
        provider.flight_legs(number="TK2412", date=LANDING.date())

    assert (quota.value.retry_after, quota.value.permanent) == (120, False)
    assert (down.value.permanent, down.value.message) == (False, "AeroDataBox failed with HTTP 503")
    assert (refused.value.permanent, refused.value.message) == (True, "AeroDataBox refused with HTTP 403")


def test_no_such_flight_is_an_empty_answer(aerodatabox):
    assert AeroDataBoxProvider().flight_legs(number="XQ9999", date=LANDING.date()) == []
    assert len(aerodatabox.calls("XQ9999")) == 1


# --- checked at booking -----------------------------------------------------------------------------------------
def pickup_in(days: int = 3) -> dt.datetime:
    return future_local(days=days, hour=14, minute=30)


def aware(naive: dt.datetime) -> dt.datetime:
    return naive.replace(tzinfo=ISTANBUL)


def book(number: str = "TK2412", *, pickup: dt.datetime | None = None, **kwargs) -> Booking:
    pickup = pickup or pickup_in()
    landing = pickup - dt.timedelta(minutes=45)
    return place_transfer(transfer_request(pickup_at=pickup), flight=FlightInput(number, landing), **kwargs)


@pytest.mark.django_db
def test_a_flight_that_does_not_exist_that_day_is_refused_on_its_field(catalog, aerodatabox):
    with pytest.raises(ValidationFailed) as caught:
        book("XQ9999")

    day = aware(pickup_in()).date()
    assert caught.value.errors == [("flight.number", f"No flight XQ9999 on {day.day} {day:%B}.")]
    assert not Booking.objects.exists()
    # Asked again (the traveller fixing another field): refused again without spending a call.
    with pytest.raises(ValidationFailed):
        book("XQ9999")
    assert len(aerodatabox.calls("XQ9999")) == 1


@pytest.mark.django_db
def test_a_flight_landing_elsewhere_is_refused_naming_where_it_lands(catalog, aerodatabox):
    landing = aware(pickup_in()) - dt.timedelta(minutes=45)
    aerodatabox.flight("PC2012", flight_leg(landing, number="PC 2012", arrival="ADB"))

    with pytest.raises(ValidationFailed) as caught:
        book("PC2012")

    day = landing.date()
    assert caught.value.errors == [
        (
            "flight.number",
            f"PC2012 does not land at Antalya Airport (AYT) on {day.day} {day:%B}; it lands at Izmir (ADB).",
        )
    ]


@pytest.mark.django_db
def test_a_flight_landing_here_is_accepted_and_watched(catalog, aerodatabox):
    landing = aware(pickup_in()) - dt.timedelta(minutes=45)
    aerodatabox.flight("TK2412", flight_leg(landing))

    booking = book()

    watch = FlightWatch.objects.get()
    assert (watch.number, watch.date, watch.arrival_iata, watch.status) == ("TK2412", landing.date(), "AYT", "on_time")
    assert watch.scheduled_landing == landing
    assert booking.status == Booking.Status.CONFIRMED
    assert FlightProviderDay.objects.get().calls == 1


@pytest.mark.django_db
def test_the_provider_down_accepts_the_booking_with_its_flight_recorded_unchecked(catalog, aerodatabox):
    aerodatabox.status("TK2412", 502)

    booking = book()

    assert booking.status == Booking.Status.CONFIRMED
    watch = FlightWatch.objects.get(number="TK2412")
    assert (watch.status, watch.last_checked_at) == ("unchecked", None)
    assert watch.last_error == "Not checked at booking: the provider could not be asked"


@pytest.mark.django_db
def test_a_spent_quota_accepts_the_booking_unchecked_without_calling(catalog, aerodatabox, settings):
    settings.GNB_FLIGHT_DAILY_QUOTA = 1
    FlightProviderDay.objects.create(day=timezone.now().astimezone(dt.UTC).date(), calls=1)

    book()

    assert aerodatabox.requests == []
    assert FlightWatch.objects.get().status == "unchecked"


@pytest.mark.django_db
def test_with_tracking_off_nothing_is_asked(catalog, settings):
    settings.GNB_FLIGHT_PROVIDER = ""

    book("XQ9999")

    assert not FlightWatch.objects.exists()


# --- polling ------------------------------------------------------------------------------------------------
@pytest.fixture
def fleet(catalog):
    make_drive_times(catalog)  # 45 minutes between zones, 30 minutes' turnaround
    return catalog


def booked_unchecked(settings, number: str = "TK2412", *, pickup: dt.datetime | None = None) -> Booking:
    """A booking placed while tracking was off (no call counted), so the polling is the first to ask."""
    provider = settings.GNB_FLIGHT_PROVIDER
    settings.GNB_FLIGHT_PROVIDER = ""
    try:
        return book(number, pickup=pickup)
    finally:
        settings.GNB_FLIGHT_PROVIDER = provider


def queued_tasks(path: str) -> list[dict]:
    rows = DBTaskResult.objects.filter(task_path=path).order_by("enqueued_at")
    return [row.args_kwargs["kwargs"] for row in rows]


# The worker closes and reopens its database connection as in production, so it must find committed rows.
@pytest.mark.django_db(transaction=True)
def test_a_75_minute_delay_moves_the_pickup_and_flags_the_drivers_next_trip(
    fleet, aerodatabox, settings, dispatcher, mailoutbox
):
    pickup = pickup_in()
    landing = aware(pickup) - dt.timedelta(minutes=45)
    airport_pickup = booked_unchecked(settings, pickup=pickup)
    # The driver's next job: from Belek back to the airport at 16:00, 15 minutes after the first trip's busy range.
    next_ride = place_transfer(
        transfer_request(origin="regnum-carya", destination="ayt", pickup_at=pickup.replace(hour=16, minute=0)),
        flight=FlightInput(),
    )
    driver, vehicle = make_driver("Ayşe"), make_vehicle(fleet.sedan)
    actor = Actor.for_user(dispatcher)
    first = fleet_assign(
        ride=RideRef(leg_id=airport_pickup.legs.get().pk), driver_id=driver.pk, vehicle_id=vehicle.pk, actor=actor
    )
    second = fleet_assign(
        ride=RideRef(leg_id=next_ride.legs.get().pk), driver_id=driver.pk, vehicle_id=vehicle.pk, actor=actor
    )
    aerodatabox.flight("TK2412", flight_leg(landing, status="Delayed", revised=landing + dt.timedelta(minutes=75)))

    counts = tracking.flights_poll(now=landing - dt.timedelta(hours=4))

    assert counts == {"linked": 1, "polled": 1, "moved": 1, "errors": 0, "skipped": 0}
    leg = airport_pickup.legs.get()
    assert leg.flight_arrival_at == landing + dt.timedelta(minutes=75)
    assert leg.pickup_at == aware(pickup) + dt.timedelta(minutes=75)  # the traveller's pickup moves: 15:45
    airport_pickup.refresh_from_db()
    assert airport_pickup.starts_at == leg.pickup_at
    moved = airport_pickup.events.filter(actor_label="Flight tracking").order_by("pk")
    assert [e.reason for e in moved] == [
        "Flight TK2412 now lands at 15:00; pickup moved to 15:45",
        f"Flight TK2412 moved the pickup to 15:45; trip T{first.pk} now runs into trip T{second.pk}. "
        "The trip keeps its old time until a dispatcher settles it.",
    ]
    # The trip keeps its range (the rule of one trip at a time holds), and both trips carry the conflict.
    first.refresh_from_db()
    assert (first.starts_at, first.ends_at) == (aware(pickup), aware(pickup) + dt.timedelta(minutes=75))
    assert set(TripEvent.objects.filter(action="flight_conflict").values_list("trip_id", flat=True)) == {
        first.pk,
        second.pk,
    }
    assert FlightWatchLeg.objects.get(leg=leg).conflict_trip == second
    alert = AlertState.objects.get(key=f"flight.conflict.{first.pk}")
    assert (alert.severity, alert.title) == (
        "warning",
        f"Flight TK2412: trip T{first.pk} now runs into trip T{second.pk}",
    )
    # Within this poll, the traveller's and the driver's emails are queued ...
    [traveller] = queued_tasks("gnb.notifications.tasks.send_booking_email")[-1:]
    assert (traveller["kind"], traveller["booking_id"]) == ("pickup_moved", airport_pickup.pk)
    # (The driver was told of the assignments first; then once of the move.)
    [notice] = DriverNotice.objects.filter(kind="changed")
    assert (notice.trip_id, notice.driver_id) == (first.pk, driver.pk)
    queued = [task["notice_id"] for task in queued_tasks("gnb.fleet.push.driver_notice_send_task")]
    assert notice.pk in queued
    assert TripEvent.objects.filter(trip=first, action="driver_told").count() == 1

    # ... and the worker sends them (the driver has no phone taking push messages: by email).
    run_worker()
    [to_traveller] = [m for m in mailoutbox if m.subject.startswith("New pickup time")]
    assert to_traveller.to == ["anna@example.com"]
    assert "Your pickup time moved to 15:45." in to_traveller.body
    # In the driver's language (their first language the site offers): the trip, its new pickup, the trip in the way.
    [to_driver] = [m for m in mailoutbox if m.to == [driver.user.email] and m.subject.endswith("15:45")]
    said = notice_message(notice)
    assert to_driver.subject == said.title
    assert f"T{first.pk}" in said.title
    assert f"T{second.pk}" in said.body
    assert said.body in to_driver.body


@pytest.mark.django_db
def test_an_early_landing_moves_pickup_and_trip_together_and_a_small_move_tells_nobody(
    fleet, aerodatabox, settings, dispatcher
):
    pickup = pickup_in()
    landing = aware(pickup) - dt.timedelta(minutes=45)
    booking = booked_unchecked(settings, pickup=pickup)
    trip = fleet_assign(
        ride=RideRef(leg_id=booking.legs.get().pk),
        driver_id=make_driver().pk,
        vehicle_id=make_vehicle(fleet.sedan).pk,
        actor=Actor.for_user(dispatcher),
    )
    aerodatabox.flight("TK2412", flight_leg(landing, status="EnRoute", predicted=landing - dt.timedelta(minutes=20)))
    emails_before = len(queued_tasks("gnb.notifications.tasks.send_booking_email"))

    tracking.flights_poll(now=landing - dt.timedelta(hours=2))

    trip.refresh_from_db()
    assert trip.starts_at == aware(pickup) - dt.timedelta(minutes=20)
    assert trip.ends_at == aware(pickup) - dt.timedelta(minutes=20) + dt.timedelta(minutes=75)
    assert TripEvent.objects.filter(trip=trip, action="flight_moved").count() == 1
    assert queued_tasks("gnb.notifications.tasks.send_booking_email")[emails_before:][0]["kind"] == "pickup_moved"

    # Four minutes later than that: the pickup and trip move again, quietly.
    aerodatabox.flight("TK2412", flight_leg(landing, status="EnRoute", predicted=landing - dt.timedelta(minutes=16)))
    FlightWatch.objects.update(next_check_at=None)
    tracking.flights_poll(now=landing - dt.timedelta(hours=1))

    trip.refresh_from_db()
    assert trip.starts_at == aware(pickup) - dt.timedelta(minutes=16)
    assert len(queued_tasks("gnb.notifications.tasks.send_booking_email")) == emails_before + 1
    TripEvent.objects.get(trip=trip, action="driver_told")
    # Told once, of the first move; the four minutes after it are too small to disturb the driver.
    [notice] = DriverNotice.objects.filter(kind="changed")
    assert notice.trip_id == trip.pk
    assert notice.pk in [task["notice_id"] for task in queued_tasks("gnb.fleet.push.driver_notice_send_task")]


@pytest.mark.django_db
def test_an_on_time_flight_moves_nothing(fleet, aerodatabox, settings):
    pickup = pickup_in()
    landing = aware(pickup) - dt.timedelta(minutes=45)
    booking = booked_unchecked(settings, pickup=pickup)
    aerodatabox.flight("TK2412", flight_leg(landing, revised=landing))

    counts = tracking.flights_poll(now=landing - dt.timedelta(hours=2))

    assert (counts["polled"], counts["moved"]) == (1, 0)
    assert booking.legs.get().pickup_at == aware(pickup)
    assert not booking.events.filter(actor_label="Flight tracking").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("answered", ["Canceled", "Diverted"])
def test_a_cancelled_or_diverted_flight_alerts_the_dispatcher_and_cancels_nothing(
    fleet, aerodatabox, settings, answered
):
    pickup = pickup_in()
    landing = aware(pickup) - dt.timedelta(minutes=45)
    booking = booked_unchecked(settings, pickup=pickup)
    aerodatabox.flight("TK2412", flight_leg(landing, status=answered))

    tracking.flights_poll(now=landing - dt.timedelta(hours=2))
    tracking.flights_poll(now=landing - dt.timedelta(hours=1))

    status = {"Canceled": "cancelled", "Diverted": "diverted"}[answered]
    watch = FlightWatch.objects.get()
    assert (watch.status, watch.final) == (status, True)
    assert len(aerodatabox.calls()) == 1  # final: not asked again
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    [note] = booking.events.filter(actor_label="Flight tracking")
    assert note.reason == f"Flight TK2412 on {watch.date:%d %b} is {status}"
    alert = AlertState.objects.get(key=f"flight.{status}.{watch.pk}")
    assert booking.reference in alert.detail
    assert "Nothing was cancelled automatically." in alert.detail


@pytest.mark.django_db
def test_one_call_per_flight_however_many_bookings_meet_it(fleet, aerodatabox, settings):
    pickup = pickup_in()
    landing = aware(pickup) - dt.timedelta(minutes=45)
    first, second = booked_unchecked(settings, pickup=pickup), booked_unchecked(settings, pickup=pickup)
    aerodatabox.flight("TK2412", flight_leg(landing, revised=landing + dt.timedelta(minutes=30)))

    counts = tracking.flights_poll(now=landing - dt.timedelta(hours=2))

    assert (counts["polled"], counts["moved"]) == (1, 2)
    assert len(aerodatabox.calls()) == 1
    assert {b.legs.get().pickup_at for b in (first, second)} == {aware(pickup) + dt.timedelta(minutes=30)}


@pytest.mark.django_db
def test_the_quota_is_respected_and_spread_over_the_day(fleet, aerodatabox, settings):
    pickup = pickup_in()
    landing = aware(pickup) - dt.timedelta(minutes=45)
    numbers = ["TK2412", "PC2012", "XQ1234"]
    for number in numbers:
        booked_unchecked(settings, number, pickup=pickup)
        aerodatabox.flight(number, flight_leg(landing, number=number))
    settings.GNB_FLIGHT_DAILY_QUOTA = 2
    last_round = dt.datetime.combine(landing.date() - dt.timedelta(days=1), dt.time(23, 55), tzinfo=dt.UTC)

    counts = tracking.flights_poll(now=last_round)
    again = tracking.flights_poll(now=last_round + dt.timedelta(minutes=2))

    assert (counts["polled"], counts["skipped"]) == (2, 1)
    assert (again["polled"], again["skipped"]) == (0, 1)
    assert len(aerodatabox.requests) == 2
    assert FlightProviderDay.objects.get(day=last_round.date()).calls == 2
    # At midnight a quota of 300 over 144 rounds of 10 minutes allows 3 calls a round.
    settings.GNB_FLIGHT_DAILY_QUOTA = 300
    assert tracking.round_budget(dt.datetime(2026, 8, 12, 0, 0, tzinfo=dt.UTC)) == 3


@pytest.mark.django_db
def test_a_429_pauses_polling_for_its_retry_after(fleet, aerodatabox, settings):
    pickup = pickup_in()
    landing = aware(pickup) - dt.timedelta(minutes=45)
    booked_unchecked(settings, "TK2412", pickup=pickup)
    booked_unchecked(settings, "PC2012", pickup=pickup)
    aerodatabox.status("TK2412", 429, {"Retry-After": "900"})
    aerodatabox.status("PC2012", 429, {"Retry-After": "900"})
    now = landing - dt.timedelta(hours=2)

    counts = tracking.flights_poll(now=now)
    paused = tracking.flights_poll(now=now + dt.timedelta(minutes=10))
    aerodatabox.flight("TK2412", flight_leg(landing, number="TK 2412"))
    aerodatabox.flight("PC2012", flight_leg(landing, number="PC 2012"))
    resumed = tracking.flights_poll(now=now + dt.timedelta(minutes=16))

    assert (counts["polled"], counts["errors"]) == (1, 1)  # the round stops at the first 429
    assert paused["polled"] == 0
    assert resumed["polled"] >= 1
    assert len(aerodatabox.requests) == 1 + resumed["polled"]


@pytest.mark.django_db
def test_a_5xx_backs_off_that_flight_and_ends_the_round(fleet, aerodatabox, settings):
    pickup = pickup_in()
    landing = aware(pickup) - dt.timedelta(minutes=45)
    booked_unchecked(settings, "TK2412", pickup=pickup)
    booked_unchecked(settings, "PC2012", pickup=pickup)
    aerodatabox.status("TK2412", 503)
    aerodatabox.status("PC2012", 503)
    now = landing - dt.timedelta(hours=2)

    counts = tracking.flights_poll(now=now)

    assert (counts["polled"], counts["errors"]) == (1, 1)
    [failed] = FlightWatch.objects.filter(consecutive_errors=1)
    assert failed.last_error == "AeroDataBox failed with HTTP 503"
    assert failed.next_check_at == now + dt.timedelta(minutes=20)
    assert not AlertState.objects.filter(key="flights.provider_down").exists()

    # Three failures in a row: the dispatcher hears that pickups no longer follow the planes.
    tracking.flights_poll(now=now + dt.timedelta(minutes=20))
    tracking.flights_poll(now=now + dt.timedelta(minutes=60))
    failed.refresh_from_db()
    assert failed.consecutive_errors == 3
    assert failed.next_check_at == now + dt.timedelta(minutes=60 + 80)
    assert AlertState.objects.get(key="flights.provider_down").severity == "error"


@pytest.mark.django_db
def test_a_malformed_answer_moves_nothing_and_alerts(fleet, aerodatabox, settings):
    pickup = pickup_in()
    landing = aware(pickup) - dt.timedelta(minutes=45)
    booking = booked_unchecked(settings, pickup=pickup)
    leg = flight_leg(landing)
    leg["arrival"]["revisedTime"] = {"utc": "soon"}
    aerodatabox.flight("TK2412", leg)

    counts = tracking.flights_poll(now=landing - dt.timedelta(hours=2))

    assert counts["errors"] == 1
    assert booking.legs.get().pickup_at == aware(pickup)
    watch = FlightWatch.objects.get()
    assert watch.last_error == "AeroDataBox answered [0].arrival.revisedTime.utc='soon', not a time"
    assert AlertState.objects.get(key="flights.provider").severity == "error"


@pytest.mark.django_db
def test_polling_is_off_without_a_provider(fleet, settings):
    settings.GNB_FLIGHT_PROVIDER = ""

    assert tracking.flights_poll() == {"off": 1}


@pytest.mark.django_db
def test_a_landed_flight_moves_to_its_touchdown_and_is_not_asked_again(fleet, aerodatabox, settings):
    pickup = pickup_in()
    landing = aware(pickup) - dt.timedelta(minutes=45)
    booking = booked_unchecked(settings, pickup=pickup)
    touchdown = landing + dt.timedelta(minutes=3)
    aerodatabox.flight("TK2412", flight_leg(landing, status="Arrived", revised=touchdown, runway=touchdown))

    tracking.flights_poll(now=touchdown + dt.timedelta(minutes=5))
    tracking.flights_poll(now=touchdown + dt.timedelta(minutes=15))

    assert booking.legs.get().pickup_at == aware(pickup) + dt.timedelta(minutes=3)
    watch = FlightWatch.objects.get()
    assert (watch.status, watch.actual_landing, watch.final) == ("landed", touchdown, True)
    assert len(aerodatabox.calls()) == 1


@pytest.mark.django_db
def test_a_later_pickup_the_traveller_chose_stays_unless_the_plane_lands_too_late_for_it(fleet, aerodatabox, settings):
    pickup = pickup_in()
    landing = aware(pickup) - dt.timedelta(minutes=90)  # the traveller asked for a pickup 90 minutes after landing
    settings.GNB_FLIGHT_PROVIDER = ""
    booking = place_transfer(transfer_request(pickup_at=pickup), flight=FlightInput("TK2412", landing))
    settings.GNB_FLIGHT_PROVIDER = "aerodatabox"
    aerodatabox.flight("TK2412", flight_leg(landing, status="Delayed", revised=landing + dt.timedelta(minutes=30)))

    tracking.flights_poll(now=landing - dt.timedelta(hours=2))
    kept = booking.legs.get()
    aerodatabox.flight("TK2412", flight_leg(landing, status="Delayed", revised=landing + dt.timedelta(minutes=60)))
    FlightWatch.objects.update(next_check_at=None)
    tracking.flights_poll(now=landing - dt.timedelta(hours=1))
    moved = booking.legs.get()

    assert (kept.flight_arrival_at, kept.pickup_at) == (landing + dt.timedelta(minutes=30), aware(pickup))
    assert moved.pickup_at == landing + dt.timedelta(minutes=60 + 45)


@pytest.mark.django_db
def test_the_api_refuses_a_flight_that_lands_elsewhere_with_its_field_and_accepts_it_unchecked_when_down(
    client, catalog, aerodatabox
):
    body = booking_body(
        flight={"number": "PC 2012", "arrival_at": (pickup_in(20) - dt.timedelta(minutes=30)).isoformat()}
    )
    landing = aware(pickup_in(20)) - dt.timedelta(minutes=30)
    aerodatabox.flight("PC2012", flight_leg(landing, number="PC 2012", arrival="ADB"))

    refused = post(client, "/api/v1/bookings", body)
    error = assert_error(refused, 422, "validation_error", ["flight.number"])
    aerodatabox.status("PC2013", 500)
    body["flight"]["number"] = "PC 2013"
    accepted = post(client, "/api/v1/bookings", body)

    assert error["fields"][0]["message"].startswith("PC2012 does not land at Antalya Airport (AYT) on ")
    assert accepted.status_code == 201, accepted.content
    assert FlightWatch.objects.get(number="PC2013").status == "unchecked"


# --- settings, checked at start -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"GNB_FLIGHT_PROVIDER": "flightradar"},
            "GNB_FLIGHT_PROVIDER='flightradar' is not a flight provider; use aerodatabox (or leave it empty)",
        ),
        ({"GNB_FLIGHT_PROVIDER": "aerodatabox"}, "GNB_FLIGHT_PROVIDER=aerodatabox needs GNB_FLIGHT_API_KEY"),
        (
            {"GNB_FLIGHT_POLL_INTERVAL_MINUTES": "7"},
            "GNB_FLIGHT_POLL_INTERVAL_MINUTES=7 must divide 60 (e.g. 5, 10, 15)",
        ),
        (
            {"GNB_FLIGHT_API_BASE_URL": "ftp://flights.example.com"},
            "GNB_FLIGHT_API_BASE_URL='ftp://flights.example.com' must be an http(s):// URL",
        ),
        ({"GNB_FLIGHT_DAILY_QUOTA": "0"}, "GNB_FLIGHT_DAILY_QUOTA=0 must be at least 1"),
    ],
)
def test_a_wrong_flight_setting_stops_the_start_naming_it(changes, message):
    from tests.test_settings import BASE_DIR, environment

    started = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=BASE_DIR,
        env=environment(changes),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert started.returncode == 1
    assert started.stderr.strip().splitlines()[-1] == f"django.core.exceptions.ImproperlyConfigured: {message}"


def test_the_flight_key_can_come_from_a_file(tmp_path):
    from tests.test_settings import BASE_DIR, environment

    key_file = tmp_path / "flight_key"
    key_file.write_text(KEY + "\n", encoding="utf-8")
    started = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.GNB_FLIGHT_API_KEY)"],
        cwd=BASE_DIR,
        env=environment({"GNB_FLIGHT_PROVIDER": "aerodatabox", "GNB_FLIGHT_API_KEY_FILE": str(key_file)}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert (started.returncode, started.stdout.strip()) == (0, KEY)
