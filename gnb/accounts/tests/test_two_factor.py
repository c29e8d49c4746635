"""Staff two-factor authentication: enrolment, codes at login, recovery codes, throttling and the audit log."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from gnb.accounts.roles import MANAGER
from gnb.core.models import AuditEntry
from gnb.testing.personas import authenticator_code as code
from gnb.testing.personas import authenticator_enrol as enrolled
from gnb.testing.personas import persona

User = get_user_model()
PASSWORD = "Correct-Horse-7-Battery!"
LOGIN = "/admin/login/"
SETUP = "/admin/two-factor/setup/"
FROM = {"REMOTE_ADDR": "203.0.113.9"}


@pytest.fixture
def manager(db):
    return persona(MANAGER, "selin", password=PASSWORD, email="")


def login(client: Client, token: str = "", *, username: str = "selin", password: str = PASSWORD, **extra):
    data = {"username": username, "password": password, "otp_token": token}
    return client.post(f"{LOGIN}?next=/admin/bookings/booking/", data, **{**FROM, **extra})


def actions() -> list[str]:
    return list(AuditEntry.objects.filter(action__startswith="auth.").order_by("pk").values_list("action", flat=True))


# --- enrolment ----------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_staff_member_without_an_authenticator_enrols_after_the_password(client, manager):
    response = login(client)
    assert (response.status_code, response["Location"]) == (302, SETUP)
    # Signed in with the password only: no admin page opens, each sends back to the login, which sends to setup.
    for url in ("/admin/", "/admin/bookings/booking/", "/admin/two-factor/recovery-codes/"):
        assert client.get(url)["Location"].startswith(f"{LOGIN}?next="), url
    assert client.get(LOGIN)["Location"] == SETUP

    page = client.get(SETUP)
    assert page.status_code == 200
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=manager)
    assert device.confirmed is False
    svg = re.search(r"<svg\b.*?</svg>", html, re.S)
    assert svg is not None and "style" not in svg.group(0)
    assert 'style="' not in html and "<script>" not in html
    assert page.context["secret"].replace(" ", "") in device.config_url.upper().replace("%3D", "")
    assert client.get(SETUP).context["secret"] == page.context["secret"]  # a reload keeps the scanned secret

    wrong = client.post(SETUP, {"otp_token": "000000" if code(device) != "000000" else "111111"}, **FROM)
    assert wrong.status_code == 200
    assert wrong.context["form"].errors["otp_token"] == [
        "That code is not right. Enter the 6-digit code your app shows now."
    ]
    assert TOTPDevice.objects.get(pk=device.pk).confirmed is False
    # After a wrong code django-otp makes the next try wait (1 s, doubling with each further failure): even the
    # right code is refused at once.
    assert client.post(SETUP, {"otp_token": code(device)}, **FROM).context["form"].errors["otp_token"]
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)

    shown = client.post(SETUP, {"otp_token": code(device, steps_ahead=1)}, **FROM)
    assert shown.status_code == 200
    assert "no-store" in shown["Cache-Control"]
    codes = shown.context["codes"]
    assert len(codes) == len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-7]{4}-[a-z2-7]{4}", c) for c in codes)
    assert sorted(StaticToken.objects.filter(device__user=manager).values_list("token", flat=True)) == sorted(
        c.replace("-", "") for c in codes
    )
    assert TOTPDevice.objects.get(pk=device.pk).confirmed is True
    assert client.get("/admin/bookings/booking/").status_code == 200  # verified in this session
    assert client.get(SETUP)["Location"] == LOGIN  # enrolled: setting up again needs a reset
    assert actions() == ["auth.login", "auth.otp_failed", "auth.otp_failed", "auth.otp_enrolled"]
    failed = AuditEntry.objects.filter(action="auth.otp_failed").first()
    assert (failed.actor_label, failed.details, failed.ip_address) == ("selin", {"stage": "enrolment"}, "203.0.113.9")


@pytest.mark.django_db
def test_nobody_signed_out_or_without_staff_rights_reaches_setup(client, manager):
    assert client.get(SETUP)["Location"] == LOGIN
    customer = User.objects.create_user(username="anna", password=PASSWORD)
    client.force_login(customer)
    assert client.get(SETUP)["Location"] == LOGIN
    assert not TOTPDevice.objects.filter(user=customer).exists()


# --- login with a code --------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_valid_code_is_accepted_a_wrong_one_refused_and_a_used_one_never_again(manager):
    device, _codes = enrolled(manager)
    AuditEntry.objects.all().delete()

    refused = login(Client(), "123456" if code(device, steps_ahead=1) != "123456" else "654321")
    assert refused.status_code == 200
    assert refused.context["form"].non_field_errors() == [
        "That code is not right, or was already used. Enter the code your app shows now."
    ]
    missing = login(Client(), "")
    assert missing.context["form"].non_field_errors() == ["Enter the code from your authenticator app."]
    assert actions() == ["auth.otp_failed"]  # an empty code is no attempt

    # The wrong code made django-otp wait before the next try; a real person's next try comes seconds later.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    client = Client()
    token = code(device, steps_ahead=1)
    accepted = login(client, token)
    assert (accepted.status_code, accepted["Location"]) == (302, "/admin/bookings/booking/")
    assert client.get("/admin/bookings/booking/").status_code == 200
    assert actions() == ["auth.otp_failed", "auth.login"]

    replayed = login(Client(), token)
    assert replayed.status_code == 200
    assert replayed.context["form"].non_field_errors() == [
        "That code is not right, or was already used. Enter the code your app shows now."
    ]
    assert actions() == ["auth.otp_failed", "auth.login", "auth.otp_failed"]


@pytest.mark.django_db
def test_a_wrong_password_never_reaches_the_code(manager):
    enrolled(manager)
    AuditEntry.objects.all().delete()
    response = login(Client(), "123456", password="not-the-password-at-all")
    assert response.status_code == 200
    assert actions() == ["auth.login_failed"]


@pytest.mark.django_db
def test_a_recovery_code_works_once(manager):
    _device, codes = enrolled(manager)
    AuditEntry.objects.all().delete()
    client = Client()
    assert login(client, codes[3].upper())["Location"] == "/admin/bookings/booking/"  # typed as shown, any case
    used = AuditEntry.objects.get(action="auth.otp_recovery_used")
    assert (used.actor, used.details) == (manager, {"left": 9})
    assert StaticToken.objects.filter(device__user=manager).count() == 9

    again = login(Client(), codes[3])
    assert again.status_code == 200
    assert actions() == ["auth.otp_recovery_used", "auth.login", "auth.otp_failed"]


@pytest.mark.django_db
def test_new_recovery_codes_replace_the_old_ones(manager):
    device, old_codes = enrolled(manager)
    client = Client()
    login(client, code(device, steps_ahead=1))
    page = client.get("/admin/two-factor/recovery-codes/")
    assert page.status_code == 200
    shown = client.post("/admin/two-factor/recovery-codes/")
    new_codes = shown.context["codes"]
    assert len(new_codes) == 10 and not set(new_codes) & {f"{c[:4]}-{c[4:]}" for c in old_codes}
    assert login(Client(), new_codes[0])["Location"] == "/admin/bookings/booking/"
    assert login(Client(), old_codes[0]).status_code == 200  # refused: the form again
    assert AuditEntry.objects.filter(action="auth.otp_recovery_regenerated", actor=manager).count() == 1


@pytest.mark.django_db
def test_staff_without_a_verified_session_and_non_staff_reach_no_admin_page(manager, catalog):
    from gnb.testing.admin import admin_pages_without_arguments

    enrolled(manager)
    customer = User.objects.create_user(username="anna", password=PASSWORD)
    password_only = Client()
    password_only.force_login(manager)  # the password, not the code (as after a login on the website)
    customer_client = Client()
    customer_client.force_login(customer)
    pages = admin_pages_without_arguments()
    assert "/admin/bookings/booking/dashboard/" in pages and "/admin/catalog/tour/add/" in pages
    for client in (password_only, customer_client, Client()):
        for url in pages:
            response = client.get(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(f"{LOGIN}?next="), url


@pytest.mark.django_db
def test_the_login_never_sends_anyone_to_another_site(manager):
    device, _codes = enrolled(manager)
    client = Client()
    data = {"username": "selin", "password": PASSWORD, "otp_token": code(device, steps_ahead=1)}
    response = client.post(f"{LOGIN}?next=https://evil.example/admin/", data, **FROM)
    assert (response.status_code, response["Location"]) == (302, "/admin/")


# --- throttling ---------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_five_tries_per_account_from_one_address_in_15_minutes(manager):
    enrolled(manager)
    for _attempt in range(5):
        assert login(Client(), "000000", REMOTE_ADDR="198.51.100.7").status_code == 200
    blocked = login(Client(), "000000", REMOTE_ADDR="198.51.100.7")
    assert blocked.status_code == 429
    assert 0 < int(blocked["Retry-After"]) <= 900
    assert "Too many attempts. Please try again in 15 minutes." in blocked.content.decode()
    # Beyond the limit even the right password and code are not looked at.
    TOTPDevice.objects.filter(user=manager).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    device = TOTPDevice.objects.get(user=manager)
    assert login(Client(), code(device, steps_ahead=1), REMOTE_ADDR="198.51.100.7").status_code == 429
    assert not AuditEntry.objects.filter(action="auth.login").exists()
    # The owner, from their own address, is not kept out by someone else's guesses.
    assert login(Client(), code(device, steps_ahead=1), REMOTE_ADDR="192.0.2.44").status_code == 302
    # Another account from the same address is not affected.
    User.objects.create_user(username="ali", password=PASSWORD, is_staff=True)
    assert login(Client(), "", username="ali", REMOTE_ADDR="198.51.100.7").status_code == 302


@pytest.mark.django_db
def test_fifty_tries_per_account_from_anywhere_in_15_minutes(manager):
    enrolled(manager)
    for attempt in range(50):
        assert login(Client(), "000000", REMOTE_ADDR=f"198.51.{attempt // 200}.{attempt % 200}").status_code == 200
    assert login(Client(), "000000", REMOTE_ADDR="192.0.2.44").status_code == 429


@pytest.mark.django_db
def test_thirty_tries_per_address_in_15_minutes(db):
    for attempt in range(30):
        assert login(Client(), "", username=f"user{attempt}").status_code == 200
    blocked = login(Client(), "", username="someone-else")
    assert blocked.status_code == 429
    assert 0 < int(blocked["Retry-After"]) <= 900
    assert login(Client(), "", username="someone-else", REMOTE_ADDR="192.0.2.1").status_code == 200


@pytest.mark.django_db
def test_codes_at_enrolment_are_throttled_per_account(client, manager):
    login(client)
    for _attempt in range(5):
        assert client.post(SETUP, {"otp_token": "abcdef"}, **FROM).status_code == 200
    blocked = client.post(SETUP, {"otp_token": "abcdef"}, **FROM)
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0
    assert AuditEntry.objects.filter(action="auth.otp_failed").count() == 5


# --- a lost phone ---------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_reset_two_factor_removes_the_devices_and_the_next_login_enrols_again(manager):
    enrolled(manager)
    out = StringIO()
    call_command("reset_two_factor", "selin", stdout=out)
    assert out.getvalue().strip() == "selin: 2 device(s) removed; they enrol again at next login"
    assert not TOTPDevice.objects.filter(user=manager).exists()
    assert not StaticDevice.objects.filter(user=manager).exists()
    reset = AuditEntry.objects.get(action="auth.otp_reset")
    assert (reset.actor_label, reset.details) == ("system", {"authenticators": 1, "recovery_devices": 1})
    assert login(Client())["Location"] == SETUP


def test_the_devices_are_not_in_the_back_office():
    from django.contrib import admin

    assert not admin.site.is_registered(TOTPDevice)
    assert not admin.site.is_registered(StaticDevice)
    assert reverse("admin:two_factor_setup") == SETUP
