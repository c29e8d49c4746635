"""Throttles on quotes, booking placement and sign-in: 429 in the error shape with Retry-After, separate budgets."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from gnb.accounts.api_tokens import token_issue
from gnb.accounts.apikeys import api_key_create
from gnb.accounts.models import TokenFamily, User
from gnb.bookings.models import Booking
from gnb.testing.api import assert_error, booking_body, quote_body, tour_body

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple 42"
ALL = ["catalogue:read", "quotes", "bookings:write", "bookings:read"]


def assert_throttled(response) -> int:
    error = assert_error(response, 429, "too_many_requests", [])
    wait = int(response["Retry-After"])
    assert 1 <= wait <= 60 * 15
    assert error["message"].startswith("Too many")
    return wait


@pytest.fixture
def small_budgets(settings):
    settings.API_RATE_QUOTES_PER_IP = 3
    settings.API_RATE_QUOTES_PER_CLIENT = 5
    settings.API_RATE_BOOKINGS_PER_IP = 2
    settings.API_RATE_BOOKINGS_PER_CLIENT = 3
    return settings


def quote(client, ip="203.0.113.7", **headers):
    return client.post(
        "/api/v1/quotes", data=quote_body(), content_type="application/json", REMOTE_ADDR=ip, headers=headers
    )


def test_the_defaults_are_sixty_quotes_and_ten_bookings_a_minute_per_address():
    from django.conf import settings

    assert (settings.API_RATE_QUOTES_PER_IP, settings.API_RATE_BOOKINGS_PER_IP) == (60, 10)
    assert (settings.API_RATE_QUOTES_PER_CLIENT, settings.API_RATE_BOOKINGS_PER_CLIENT) == (600, 120)
    assert (settings.API_RATE_TOKEN_PER_ACCOUNT, settings.API_RATE_TOKEN_PER_IP) == (5, 30)


def test_anonymous_quotes_are_limited_per_address(client, catalog, small_budgets):
    assert [quote(client).status_code for _ in range(3)] == [200, 200, 200]
    wait = assert_throttled(quote(client))
    assert 59 <= wait <= 60
    # Another address has its own budget, and so do tour quotes' callers (the same budget: "quotes").
    assert quote(client, ip="198.51.100.1").status_code == 200
    tour = client.post(
        "/api/v1/tour-quotes",
        data={"departure_id": catalog.departure.pk, "adults": 1},
        content_type="application/json",
        REMOTE_ADDR="203.0.113.7",
    )
    assert_throttled(tour)
    # The window ends: the address may quote again.
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61), tick=False):
        assert quote(client).status_code == 200


def test_a_key_has_its_own_budget_separate_from_its_address_and_other_keys(client, catalog, small_budgets):
    sunny = api_key_create(name="Sunny", scopes=ALL).key
    blue = api_key_create(name="Blue", scopes=ALL).key
    for _ in range(3):
        quote(client)
    assert_throttled(quote(client))
    # From the same (exhausted) address, the key still quotes: five times, its own budget.
    auth = {"Authorization": f"Bearer {sunny}"}
    assert [quote(client, **auth).status_code for _ in range(5)] == [200] * 5
    assert_throttled(quote(client, **auth))
    assert_throttled(quote(client, ip="192.0.2.200", **auth))  # per key, wherever it comes from
    assert quote(client, **{"X-API-Key": blue}).status_code == 200


def test_placement_is_limited_per_address_and_per_key(client, catalog, small_budgets):
    def place(ip="203.0.113.7", **headers):
        return client.post(
            "/api/v1/bookings",
            data=booking_body(),
            content_type="application/json",
            REMOTE_ADDR=ip,
            headers=headers,
        )

    assert [place().status_code for _ in range(2)] == [201, 201]
    assert_throttled(place())
    tour = client.post(
        "/api/v1/tour-bookings",
        data=tour_body(catalog.departure.pk),
        content_type="application/json",
        REMOTE_ADDR="203.0.113.7",
    )
    assert_throttled(tour)
    assert Booking.objects.count() == 2
    # Quotes have their own budget: placement's being used up does not stop them.
    assert quote(client).status_code == 200

    key = api_key_create(name="Sunny", scopes=ALL).key
    assert [place(**{"X-API-Key": key}).status_code for _ in range(3)] == [201, 201, 201]
    assert_throttled(place(**{"X-API-Key": key}))
    assert Booking.objects.count() == 5


def test_a_signed_in_user_is_limited_per_user(client, catalog, small_budgets):
    user = User.objects.create_user("anna", "anna@example.com", PASSWORD, email_verified_at=timezone.now())
    auth = {"Authorization": f"Bearer {token_issue(user=user).access_token}"}
    assert [quote(client, **auth).status_code for _ in range(5)] == [200] * 5
    assert_throttled(quote(client, ip="198.51.100.9", **auth))


def sign_in(client, username="anna", password=PASSWORD, ip="203.0.113.7"):
    return client.post(
        "/api/v1/auth/token",
        data={"username": username, "password": password},
        content_type="application/json",
        REMOTE_ADDR=ip,
    )


def test_five_failed_sign_ins_lock_the_account_for_fifteen_minutes(client, db):
    User.objects.create_user("anna", "anna@example.com", PASSWORD, email_verified_at=timezone.now())
    for number in range(5):
        # From different addresses, and by username or email: the account's count is one.
        username = "anna" if number % 2 else "ANNA@example.com"
        assert sign_in(client, username, "wrong password", ip=f"198.51.100.{number}").status_code == 401
    wait = assert_throttled(sign_in(client, ip="192.0.2.1"))
    assert 899 <= wait <= 900
    assert TokenFamily.objects.count() == 0  # even the right password is not checked while locked
    # Another account is not affected.
    User.objects.create_user("bob", "bob@example.com", PASSWORD, email_verified_at=timezone.now())
    assert sign_in(client, "bob", ip="192.0.2.1").status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=15, seconds=1), tick=False):
        assert sign_in(client, ip="192.0.2.1").status_code == 200


def test_successful_sign_ins_do_not_count_against_the_account(client, db):
    User.objects.create_user("anna", "anna@example.com", PASSWORD, email_verified_at=timezone.now())
    assert [sign_in(client, ip=f"198.51.100.{n}").status_code for n in range(7)] == [200] * 7


def test_thirty_sign_in_attempts_per_address_in_fifteen_minutes(client, db, settings):
    for number in range(30):
        assert sign_in(client, f"user{number}", "wrong password").status_code == 401
    assert_throttled(sign_in(client, "someone-else", "wrong password"))
    assert sign_in(client, "someone-else", "wrong password", ip="198.51.100.50").status_code == 401
