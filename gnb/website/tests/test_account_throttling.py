"""Throttling of the website's sign-in and account flows: per account and per address, 429 with Retry-After,
reset after the window, and the emailed sign-in link that still works while password sign-in is throttled."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_run_at_once")]

User = get_user_model()
PASSWORD = "sunny-harbour-lantern-42"
WRONG = "not-the-password-at-all"
LINK = re.compile(r"http://testserver(/en/account/[^\s\"<]+)")


@pytest.fixture
def anna():
    return User.objects.create_user(
        username="anna@example.com", email="anna@example.com", password=PASSWORD, email_verified_at=timezone.now()
    )


def login(client, email="anna@example.com", password=WRONG, address="203.0.113.7"):
    return client.post(reverse("website:account_login"), {"email": email, "password": password}, REMOTE_ADDR=address)


def assert_throttled(response, *, at_most: int = 900) -> None:
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= at_most
    assert b"Too many attempts" in response.content


def test_password_sign_in_allows_five_failures_per_account_then_answers_429(client, anna):
    for _attempt in range(5):
        assert login(client).status_code == 422
    blocked = login(client, password=PASSWORD)  # even the right password: the account is throttled
    assert_throttled(blocked)
    assert b"Email me a sign-in link" in blocked.content
    # From another address too: the limit is the account's, normalised.
    assert_throttled(login(client, email=" ANNA@example.com", password=PASSWORD, address="198.51.100.9"))
    assert "_auth_user_id" not in client.session
    # Another account from the same address is not affected.
    User.objects.create_user(username="bob@example.com", email="bob@example.com", password=PASSWORD)
    assert login(client, email="bob@example.com", password=PASSWORD).status_code == 302


def test_successful_sign_ins_do_not_count(client, anna):
    for _attempt in range(8):
        assert login(client, password=PASSWORD).status_code == 302
        client.post(reverse("website:account_logout"))


def test_the_limit_resets_after_the_window(client, anna):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _attempt in range(5):
            login(client)
        assert_throttled(login(client, password=PASSWORD))
    with time_machine.travel(start + dt.timedelta(minutes=14), tick=False):
        assert_throttled(login(client, password=PASSWORD), at_most=60)
    with time_machine.travel(start + dt.timedelta(minutes=15, seconds=1), tick=False):
        assert login(client, password=PASSWORD).status_code == 302


def test_one_address_gets_thirty_attempts_over_any_accounts(client):
    for index in range(30):
        assert login(client, email=f"guess{index}@example.com").status_code == 422
    assert_throttled(login(client, email="guess-next@example.com"))
    assert login(client, email="guess-next@example.com", address="198.51.100.9").status_code == 422


def test_limits_come_from_the_settings(client, anna, settings):
    settings.GNB_AUTH_LIMIT_PER_ACCOUNT = 2
    settings.GNB_AUTH_LIMIT_WINDOW_SECONDS = 60
    login(client)
    login(client)
    assert_throttled(login(client), at_most=60)


def test_the_emailed_sign_in_link_works_while_password_sign_in_is_throttled(
    client, anna, django_capture_on_commit_callbacks
):
    from django.test import Client

    attacker = Client()
    for _attempt in range(6):
        login(attacker)
    assert_throttled(login(attacker))
    # The real owner, on a fresh device and another network, is throttled for passwords too …
    device = Client()
    assert_throttled(login(device, password=PASSWORD, address="198.51.100.20"))
    # … but asks for a link, which has its own budget, and signs in with it.
    with django_capture_on_commit_callbacks(execute=True):
        with_link = device.post(
            reverse("website:account_sign_in_link_request"),
            {"email": "anna@example.com"},
            REMOTE_ADDR="198.51.100.20",
        )
    assert with_link.status_code == 200
    (path,) = set(LINK.findall(mail.outbox[-1].body))
    assert device.post(path, REMOTE_ADDR="198.51.100.20")["Location"] == reverse("website:account")
    assert int(device.session["_auth_user_id"]) == anna.pk
    assert device.get(reverse("website:account_bookings")).status_code == 200


def test_sign_in_link_requests_have_their_own_budget(client, anna, settings, django_capture_on_commit_callbacks):
    url = reverse("website:account_sign_in_link_request")
    for _attempt in range(settings.GNB_SIGNIN_LINK_LIMIT_PER_ACCOUNT):
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(url, {"email": "anna@example.com"}).status_code == 200
    assert_throttled(client.post(url, {"email": "anna@example.com"}))
    assert len(mail.outbox) == 3
    # Using up the link budget leaves password sign-in alone.
    assert login(client, password=PASSWORD).status_code == 302


def test_sign_in_link_requests_per_address(client, settings):
    url = reverse("website:account_sign_in_link_request")
    for index in range(settings.GNB_SIGNIN_LINK_LIMIT_PER_IP):
        assert client.post(url, {"email": f"x{index}@example.com"}).status_code == 200
    assert_throttled(client.post(url, {"email": "another@example.com"}))


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("website:account_password_reset", {"email": "anna@example.com"}),
        ("website:account_verify_resend", {"email": "anna@example.com"}),
        ("website:account_signup", {"name": "Anna Smith", "email": "anna@example.com", "password": PASSWORD}),
    ],
)
def test_reset_resend_and_sign_up_allow_five_per_account(client, name, data):
    url = reverse(name)
    for _attempt in range(5):
        assert client.post(url, data).status_code == 200
    blocked = client.post(url, data | {"email": "Anna@Example.com"})
    assert_throttled(blocked)
    assert b"Email me a sign-in link" not in blocked.content
    other = data | {"email": "bob@example.com"}
    assert client.post(url, other).status_code == 200


def test_password_reset_allows_thirty_per_address(client):
    url = reverse("website:account_password_reset")
    for index in range(30):
        assert client.post(url, {"email": f"x{index}@example.com"}).status_code == 200
    assert_throttled(client.post(url, {"email": "y@example.com"}))


def test_manage_lookup_allows_five_per_reference_and_thirty_per_address(client):
    url = reverse("website:manage_lookup")
    for _attempt in range(5):
        assert client.post(url, {"reference": "GNB-AAAA-AAAA", "email": "a@example.com"}).status_code == 200
    blocked = client.post(url, {"reference": "gnb-aaaa-aaaa ", "email": "b@example.com"}, REMOTE_ADDR="198.51.100.9")
    assert blocked.status_code == 429
    assert 1 <= int(blocked["Retry-After"]) <= 900
    for index in range(25):
        reference = f"GNB-AAAA-AA{'23456789'[index % 8]}{'ABCDEFGH'[index // 8]}"
        assert client.post(url, {"reference": reference, "email": "a@example.com"}).status_code == 200
    assert client.post(url, {"reference": "GNB-BBBB-BBBB", "email": "a@example.com"}).status_code == 429
