"""Drivers told of their trips: the notices each dispatcher action records, Web Push against a local push service
that checks the VAPID signature and decrypts the message as a browser would, and the email when no phone took it."""

from __future__ import annotations

import base64
import json
import time
from io import StringIO
from urllib.parse import urlsplit

import http_ece
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core import mail
from django.core.checks import WARNING
from django.core.management import call_command
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from gnb.bookings.services import SYSTEM, LegDetails, booking_cancel, booking_update_details
from gnb.core.errors import ValidationFailed
from gnb.fleet import checks, notices, push, services
from gnb.fleet.models import DriverNotice, DriverPushSubscription
from gnb.fleet.services import Actor, RideRef
from gnb.testing.bookings import place_transfer, transfer_request
from gnb.testing.catalog import future_local
from gnb.testing.fleet import make_drive_times, make_driver, make_vehicle
from gnb.testing.servers import Received, RecordingHTTPServer

pytestmark = pytest.mark.django_db


def run_worker() -> None:
    """Run what is queued, in order, as the worker would (its rows are deleted as they run; a task may queue more).
    The database worker itself is covered with a committed database in gnb/notifications/tests/test_outbox.py."""
    while row := DBTaskResult.objects.order_by("enqueued_at", "id").first():
        row.delete()
        import_string(row.task_path).call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])


K = DriverNotice.Kind
SUBJECT = "mailto:dispatch@gnb.example"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Browser:
    """The browser's side of a push subscription: its own P-256 key pair and auth secret (RFC 8291)."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = b"0123456789abcdef"

    @property
    def p256dh(self) -> str:
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)

    def subscribe(self, driver, endpoint: str) -> DriverPushSubscription:
        # Made directly: the service refuses endpoints on this machine, which the local push service must be.
        return DriverPushSubscription.objects.create(
            driver=driver, endpoint=endpoint, p256dh=self.p256dh, auth=b64url(self.auth), created_at=driver.created_at
        )

    def read(self, received: Received) -> dict:
        clear = http_ece.decrypt(received.body, private_key=self.key, auth_secret=self.auth, version="aes128gcm")
        return json.loads(clear)


def check_push_request(received: Received, *, endpoint: str, public_key: str) -> None:
    """What every push service checks (RFC 8030, 8291, 8292): the VAPID JWT signed by the operator's key for this
    push service's origin, expiring within a day, naming the operator; the encoding, the TTL and the size."""
    scheme, _, params = received.headers["authorization"].partition(" ")
    assert scheme == "vapid"
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    assert fields["k"] == public_key
    point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(fields["k"]))
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(endpoint))
    claims = jwt.decode(fields["t"], key=point, algorithms=["ES256"], audience=origin)
    assert claims["sub"] == SUBJECT
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600
    assert received.headers["content-encoding"] == "aes128gcm"
    assert received.headers["ttl"] == "21600"
    assert received.headers["urgency"] == "high"
    assert len(received.body) <= 4096
    assert received.method == "POST"
    assert received.path == urlsplit(endpoint).path


@pytest.fixture
def vapid(settings) -> str:
    private, public = push.vapid_keys_generate()
    settings.GNB_VAPID_PRIVATE_KEY, settings.GNB_VAPID_PUBLIC_KEY = private, public
    settings.GNB_VAPID_SUBJECT = SUBJECT
    return public


@pytest.fixture
def fleet(catalog):
    make_drive_times(catalog)
    return catalog


@pytest.fixture
def actor(dispatcher) -> Actor:
    return Actor.for_user(dispatcher)


def assign(fleet, actor, driver, **request):
    booking = place_transfer(transfer_request(pickup_at=future_local(days=5, hour=14, minute=30), **request))
    ride = RideRef(leg_id=booking.legs.get().pk)
    trip = services.fleet_assign(ride=ride, driver_id=driver.pk, vehicle_id=make_vehicle(fleet.sedan).pk, actor=actor)
    return booking, trip


def driver_emails() -> list:
    """The emails to drivers (the travellers' booking emails, also queued, are not these tests' subject)."""
    return [email for email in mail.outbox if "X-GNB-Trip" in email.extra_headers]


def told(trip) -> list[tuple[str, str, list[str]]]:
    return [
        (notice.driver.first_name, notice.kind, notice.details.get("changes", []))
        for notice in DriverNotice.objects.filter(trip=trip).select_related("driver").order_by("pk")
    ]


# --- Web Push against a local push service ------------------------------------------------------------------
def test_an_assignment_reaches_the_drivers_phone_signed_encrypted_and_once(fleet, actor, vapid):
    driver = make_driver("Ayşe", languages=["en"])
    browser = Browser()
    with RecordingHTTPServer(lambda received: (201, {}, b"")) as service:
        endpoint = f"{service.url}/wpush/v2/abc123"
        subscription = browser.subscribe(driver, endpoint)
        _booking, trip = assign(fleet, actor, driver)
        notice = DriverNotice.objects.get(trip=trip)
        # Queued in the assignment's transaction, as the outbox does for emails.
        queued = DBTaskResult.objects.filter(task_path="gnb.fleet.push.driver_notice_send_task")
        assert [row.args_kwargs["kwargs"] for row in queued] == [{"notice_id": notice.pk}]

        run_worker()
        assert push.driver_notice_deliver(notice_id=notice.pk) is False  # sent: a second run sends nothing

    assert len(service.requests) == 1
    check_push_request(service.requests[0], endpoint=endpoint, public_key=vapid)
    when = push.notice_message(notice).title.removeprefix(f"New trip T{trip.pk}: ")
    assert browser.read(service.requests[0]) == {
        "title": f"New trip T{trip.pk}: {when}",
        "body": "Pickup at Antalya Airport. Open the app for the passengers and the details.",
        "url": push.notice_message(notice).url,
    }
    notice.refresh_from_db()
    assert (notice.channel, notice.sent_at is not None) == ("push", True)
    subscription.refresh_from_db()
    assert (subscription.failures, subscription.last_success_at is not None) == (0, True)
    assert driver_emails() == []


def test_a_subscription_the_push_service_forgot_is_deleted_and_the_driver_gets_the_email(fleet, actor, vapid, settings):
    driver = make_driver("Ayşe", languages=["en"])
    with RecordingHTTPServer(lambda received: (410, {}, b"gone")) as service:
        Browser().subscribe(driver, f"{service.url}/gone")
        _booking, trip = assign(fleet, actor, driver)
        run_worker()

    assert len(service.requests) == 1
    assert not DriverPushSubscription.objects.filter(driver=driver).exists()
    notice = DriverNotice.objects.get(trip=trip)
    assert notice.channel == "email"
    [email] = driver_emails()
    said = push.notice_message(notice)
    assert (email.subject, email.to, email.extra_headers["X-GNB-Trip"]) == (
        said.title,
        [driver.user.email],
        f"T{trip.pk}",
    )
    assert said.body in email.body
    assert f"{settings.SITE_URL}{said.url}" in email.body


def test_a_failing_push_service_counts_the_failure_and_the_email_goes_out_once(fleet, actor, vapid, settings):
    driver = make_driver("Ayşe", languages=["en"])
    with RecordingHTTPServer(lambda received: (500, {}, b"busy")) as service:
        subscription = Browser().subscribe(driver, f"{service.url}/busy")
        _booking, trip = assign(fleet, actor, driver)
        run_worker()
        run_worker()

    subscription.refresh_from_db()
    assert (subscription.failures, subscription.last_success_at) == (1, None)
    notice = DriverNotice.objects.get(trip=trip)
    assert notice.channel == "email"
    assert [email.to for email in driver_emails()] == [[driver.user.email]]
    assert f"{settings.SITE_URL}{push.notice_message(notice).url}" in driver_emails()[0].body


def test_without_vapid_keys_drivers_are_told_by_email_and_the_deploy_check_says_so(fleet, actor, settings):
    settings.GNB_VAPID_PUBLIC_KEY = settings.GNB_VAPID_PRIVATE_KEY = ""
    driver = make_driver("Ayşe", languages=["en"])
    _booking, trip = assign(fleet, actor, driver)
    run_worker()

    assert [email.subject for email in driver_emails()] == [
        push.notice_message(DriverNotice.objects.get(trip=trip)).title
    ]
    [warning] = checks.driver_push_check()
    assert (warning.id, warning.level) == ("gnb.W101", WARNING)
    settings.GNB_VAPID_PUBLIC_KEY = settings.GNB_VAPID_PRIVATE_KEY = "set"
    assert checks.driver_push_check() == []


def test_the_message_is_in_the_first_language_of_the_driver_the_site_offers_else_turkish():
    class Someone:
        languages: list[str] = []

    someone = Someone()
    for spoken, expected in ((["ku", "de", "en"], "de"), (["ru"], "ru"), (["ku"], "tr"), ([], "tr")):
        someone.languages = spoken
        assert push.driver_language(someone) == expected  # type: ignore[arg-type]


def test_generate_vapid_keys_prints_a_pair_the_settings_accept():
    out = StringIO()
    call_command("generate_vapid_keys", stdout=out)
    lines = dict(line.split("=", 1) for line in out.getvalue().splitlines()[:2])
    private = ec.derive_private_key(int.from_bytes(unb64url(lines["GNB_VAPID_PRIVATE_KEY"]), "big"), ec.SECP256R1())
    point = private.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    assert b64url(point) == lines["GNB_VAPID_PUBLIC_KEY"]


# --- what each dispatcher action tells whom ------------------------------------------------------------------
def test_each_dispatcher_action_tells_the_drivers_concerned(fleet, actor):
    first, second = make_driver("Ayşe"), make_driver("Burak")
    booking, trip = assign(fleet, actor, first)
    assert told(trip) == [("Ayşe", K.ASSIGNED, [])]

    services.fleet_reassign(trip_id=trip.pk, driver_id=second.pk, vehicle_id=trip.vehicle_id, actor=actor)
    assert told(trip)[1:] == [("Ayşe", K.REMOVED, []), ("Burak", K.ASSIGNED, [])]

    other_vehicle = make_vehicle(fleet.sedan)
    services.fleet_reassign(trip_id=trip.pk, driver_id=second.pk, vehicle_id=other_vehicle.pk, actor=actor)
    assert told(trip)[3:] == [("Burak", K.CHANGED, ["vehicle"])]

    booking_update_details(booking_id=booking.pk, actor=SYSTEM, legs={1: LegDetails(pickup_point="Gate 3")})
    assert told(trip)[4:] == [("Burak", K.CHANGED, ["pickup_point"])]

    services.fleet_unassign(trip_id=trip.pk, actor=actor)
    assert told(trip)[5:] == [("Burak", K.REMOVED, [])]
    # Every notice knows when and where, though the released trip no longer has its ride.
    place = booking.legs.get().origin_id
    assert {(n.details["starts_at"], n.details["place"]) for n in DriverNotice.objects.filter(trip=trip)} == {
        (trip.starts_at.isoformat(), place)
    }


def test_a_cancelled_booking_tells_its_driver_not_to_go(fleet, actor):
    driver = make_driver("Ayşe", languages=["en"])
    booking, trip = assign(fleet, actor, driver)
    booking_cancel(booking_id=booking.pk, actor=SYSTEM, reason="plans changed")

    assert told(trip) == [("Ayşe", K.ASSIGNED, []), ("Ayşe", K.CANCELLED, [])]
    notice = DriverNotice.objects.get(trip=trip, kind=K.CANCELLED)
    said = push.notice_message(notice)
    assert said.title == f"Trip T{trip.pk} cancelled"
    assert "from Antalya Airport was cancelled; do not go to it." in said.body


def test_a_vehicle_without_a_driver_tells_nobody_and_a_change_nobody_drives_is_not_told(fleet, actor):
    booking = place_transfer(transfer_request(pickup_at=future_local(days=5, hour=14, minute=30)))
    ride = RideRef(leg_id=booking.legs.get().pk)
    trip = services.fleet_assign(ride=ride, driver_id=None, vehicle_id=make_vehicle(fleet.sedan).pk, actor=actor)
    booking_update_details(booking_id=booking.pk, actor=SYSTEM, notes="Two big suitcases")
    assert told(trip) == []


# --- subscribing ----------------------------------------------------------------------------------------------
def test_subscribing_checks_each_field_and_one_phone_belongs_to_one_driver(db):
    first, second = make_driver("Ayşe"), make_driver("Burak")
    browser = Browser()
    endpoint = "https://fcm.googleapis.com/fcm/send/abc:def"

    with pytest.raises(ValidationFailed) as caught:
        notices.driver_push_subscribe(driver_id=first.pk, endpoint="http://10.0.0.5/push", p256dh="xyz", auth="")
    assert [field for field, _message in caught.value.errors] == ["endpoint", "keys.p256dh", "keys.auth"]
    for local in ("https://127.0.0.1/push", "https://localhost/push", "https://192.168.1.2/push"):
        with pytest.raises(ValidationFailed):
            notices.driver_push_subscribe(
                driver_id=first.pk, endpoint=local, p256dh=browser.p256dh, auth=b64url(browser.auth)
            )

    kept = notices.driver_push_subscribe(
        driver_id=first.pk, endpoint=endpoint, p256dh=browser.p256dh, auth=b64url(browser.auth), user_agent="Firefox"
    )
    again = notices.driver_push_subscribe(
        driver_id=second.pk, endpoint=endpoint, p256dh=browser.p256dh, auth=b64url(browser.auth)
    )
    assert again.pk == kept.pk
    assert list(DriverPushSubscription.objects.values_list("driver_id", flat=True)) == [second.pk]

    assert notices.driver_push_unsubscribe(driver_id=first.pk, endpoint=endpoint) is False  # not theirs
    assert notices.driver_push_unsubscribe(driver_id=second.pk, endpoint=endpoint) is True
    assert not DriverPushSubscription.objects.exists()
