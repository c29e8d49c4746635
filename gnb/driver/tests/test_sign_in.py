"""Signing a phone in to the drivers' app: by password or an emailed one-time link, drivers only, 30 days per
device (not 31), a device ended by a dispatcher or by signing out is signed out on its next request."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client
from django.utils import timezone

from gnb.driver.middleware import SESSION_DEVICE
from gnb.driver.models import DriverDevice
from gnb.driver.services import driver_device_end
from gnb.driver.tests.conftest import PASSWORD, sign_in
from gnb.fleet.models import Driver
from gnb.testing.personas import persona, staff_login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_run_at_once")]

LINK = re.compile(r"http://testserver(/driver/sign-in/link/[^/\s]+/)")
CHROME_ANDROID = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"


def test_a_driver_signs_in_with_email_and_password_and_the_device_is_recorded(client, day):
    sign_in(client, day.ayse, **{"User-Agent": CHROME_ANDROID})
    device = DriverDevice.objects.get()
    assert (device.driver, device.label, device.ended_at) == (day.ayse, "Chrome / Android", None)
    assert device.expires_at - device.created_at == dt.timedelta(days=30)
    assert client.session[SESSION_DEVICE] == device.pk
    assert client.get("/driver/").status_code == 200


def test_a_wrong_password_is_refused_with_a_message(client, day):
    response = client.post("/driver/sign-in/", {"email": day.ayse.user.email, "password": "wrong-one"})
    assert response.status_code == 422
    assert "This email address and password do not match a driver&#x27;s account." in response.content.decode()
    assert not DriverDevice.objects.exists()


def test_an_account_without_a_driver_record_cannot_sign_in(client, db):
    persona("customer", "anna", password=PASSWORD, email="anna@example.com")
    response = client.post("/driver/sign-in/", {"email": "anna@example.com", "password": PASSWORD})
    assert response.status_code == 422
    assert not DriverDevice.objects.exists()
    assert client.get("/driver/")["Location"] == "/driver/sign-in/?next=%2Fdriver%2F"


def test_an_inactive_driver_cannot_sign_in(client, day):
    Driver.objects.filter(pk=day.ayse.pk).update(is_active=False)
    response = client.post("/driver/sign-in/", {"email": day.ayse.user.email, "password": PASSWORD})
    assert response.status_code == 422
    assert not DriverDevice.objects.exists()


def test_password_guesses_are_throttled(client, day, settings):
    settings.GNB_AUTH_LIMIT_PER_ACCOUNT = 2
    for _attempt in range(2):
        assert client.post("/driver/sign-in/", {"email": day.ayse.user.email, "password": "x"}).status_code == 422
    response = client.post("/driver/sign-in/", {"email": day.ayse.user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= settings.GNB_AUTH_LIMIT_WINDOW_SECONDS


def test_a_driver_signs_in_with_the_emailed_link_once(client, day, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/driver/sign-in/link/", {"email": day.ayse.user.email.upper()})
    assert response.status_code == 200
    [message] = mail.outbox
    assert message.to == [day.ayse.user.email]
    assert message.subject == "Your sign-in link for the drivers' app"
    (path,) = set(LINK.findall(message.body))
    # Opening the link shows a button (a mail scanner fetching it signs nobody in) …
    assert client.get(path).status_code == 200
    assert not DriverDevice.objects.exists()
    # … which signs this phone in.
    assert client.post(path)["Location"] == "/driver/"
    assert DriverDevice.objects.get().driver == day.ayse
    assert client.get("/driver/").status_code == 200
    # Used once: the same link no longer works, on this phone or another.
    assert Client().post(path).status_code == 400
    assert Client().get(path).status_code == 400


def test_a_sign_in_link_is_sent_only_to_drivers_and_answers_the_same(client, db, django_capture_on_commit_callbacks):
    persona("customer", "anna", email="anna@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        for email in ("anna@example.com", "nobody@example.com"):
            response = client.post("/driver/sign-in/link/", {"email": email})
            assert response.status_code == 200
            assert "a sign-in link is on its way" in response.content.decode()
    assert mail.outbox == []


def test_a_sign_in_link_expires_after_15_minutes(client, day, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/driver/sign-in/link/", {"email": day.ayse.user.email})
    (path,) = set(LINK.findall(mail.outbox[0].body))
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
        assert client.post(path).status_code == 400
    assert not DriverDevice.objects.exists()


def test_link_requests_are_throttled(client, day, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for _attempt in range(settings.GNB_SIGNIN_LINK_LIMIT_PER_ACCOUNT):
            assert client.post("/driver/sign-in/link/", {"email": day.ayse.user.email}).status_code == 200
        assert client.post("/driver/sign-in/link/", {"email": day.ayse.user.email}).status_code == 429
    assert len(mail.outbox) == settings.GNB_SIGNIN_LINK_LIMIT_PER_ACCOUNT


def test_the_session_lasts_30_days_and_not_31(client, day):
    with time_machine.travel(day.today, tick=False) as clock:
        sign_in(client, day.ayse)
        clock.shift(dt.timedelta(days=29, hours=23))
        assert client.get("/driver/").status_code == 200
        clock.shift(dt.timedelta(hours=2))  # 30 days and an hour after signing in
        response = client.get("/driver/")
    assert response.status_code == 302
    assert response["Location"].startswith("/driver/sign-in/")


def test_only_the_app_session_lasts_30_days(client, day):
    sign_in(client, day.ayse)
    expiry = client.session.get_expiry_date()
    assert dt.timedelta(days=29, hours=23) < expiry - timezone.now() <= dt.timedelta(days=30)
    # Every other session keeps the site's 12 hours.
    other = Client()
    other.force_login(day.kemal.user)
    assert other.session.get_expiry_age() == 12 * 60 * 60


def test_a_device_ended_by_a_dispatcher_is_signed_out_on_its_next_request(client, day, dispatch_user):
    sign_in(client, day.ayse)
    device = DriverDevice.objects.get()
    driver_device_end(device_id=device.pk, actor=dispatch_user, reason="Phone lost")
    response = client.get(f"/driver/trips/{day.morning.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/driver/sign-in/")
    assert "_auth_user_id" not in client.session
    device.refresh_from_db()
    assert (device.ended_by, device.end_reason) == (dispatch_user, "Phone lost")
    # Another phone of hers stays signed in.
    other_phone = Client()
    sign_in(other_phone, day.ayse)
    assert other_phone.get("/driver/").status_code == 200


def test_a_dispatcher_ends_a_session_in_the_back_office(client, day, dispatch_user):
    phone = Client()
    sign_in(phone, day.ayse)
    device = DriverDevice.objects.get()
    staff_login(client, dispatch_user)
    listing = client.get("/admin/driver/driverdevice/")
    assert listing.status_code == 200
    assert "Ayşe Kaya" in listing.content.decode()
    response = client.post(
        "/admin/driver/driverdevice/", {"action": "end_sessions", "_selected_action": [device.pk]}, follow=True
    )
    assert "Sessions ended: 1." in response.content.decode()
    device.refresh_from_db()
    assert (device.ended_by, device.end_reason) == (dispatch_user, "Ended by a dispatcher")
    assert phone.get("/driver/")["Location"].startswith("/driver/sign-in/")


def test_staff_without_the_fleet_change_permission_cannot_end_a_session(client, day, dispatch_user):
    phone = Client()
    sign_in(phone, day.ayse)
    device = DriverDevice.objects.get()
    dispatch_user.user_permissions.remove(Permission.objects.get(codename="change_driver"))
    dispatch_user.groups.clear()
    reader = type(dispatch_user).objects.get(pk=dispatch_user.pk)
    staff_login(client, reader)
    listing = client.get("/admin/driver/driverdevice/")
    assert listing.status_code == 200
    assert 'value="end_sessions"' not in listing.content.decode()
    client.post("/admin/driver/driverdevice/", {"action": "end_sessions", "_selected_action": [device.pk]})
    device.refresh_from_db()
    assert device.ended_at is None


def test_signing_out_ends_the_device_and_clears_the_phone(client, day):
    sign_in(client, day.ayse)
    response = client.post("/driver/sign-out/")
    assert response.status_code == 302
    assert response["Location"] == "/driver/sign-in/"
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    device = DriverDevice.objects.get()
    assert device.ended_at is not None
    assert (device.ended_by, device.end_reason) == (day.ayse.user, "Signed out on the device")
    assert client.get(f"/driver/trips/{day.morning.pk}/")["Location"].startswith("/driver/sign-in/")


def test_a_driver_made_inactive_is_signed_out_on_every_phone(client, day):
    sign_in(client, day.ayse)
    Driver.objects.filter(pk=day.ayse.pk).update(is_active=False)
    assert client.get("/driver/")["Location"].startswith("/driver/sign-in/")
    assert "_auth_user_id" not in client.session
