"""Simultaneous wrong passwords for one account: no more than the limit is ever checked (PostgreSQL, threads).

Each attempt is counted before its password is checked, so of 30 guesses sent at the same instant exactly the
limit's worth reach the password hasher; the others are answered 429 without it. ``user_login_failed`` is sent by
Django for every password that was checked and refused, so it counts the checks.
"""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.db import connection
from django.test import Client
from django.utils import timezone

from gnb.testing.races import race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent requests need PostgreSQL"),
]

GUESSES = 30
PASSWORD = "sunny-harbour-lantern-42"


@pytest.fixture
def checked_passwords():
    """The number of passwords checked and refused while the test runs."""
    count = [0]
    lock = threading.Lock()

    def counted(**_kwargs) -> None:
        with lock:
            count[0] += 1

    user_login_failed.connect(counted, dispatch_uid="test-sign-in-races")
    yield count
    user_login_failed.disconnect(dispatch_uid="test-sign-in-races")


@pytest.fixture
def anna():
    return get_user_model().objects.create_user(
        username="anna", email="anna@example.com", password=PASSWORD, email_verified_at=timezone.now()
    )


def status(error: BaseException | None, response) -> str:
    return repr(error) if error is not None else str(response.status_code)


def test_thirty_wrong_passwords_at_once_on_the_website_check_five(anna, checked_passwords, settings):
    settings.GNB_AUTH_LIMIT_PER_IP = 1000  # the account's limit is the one under test
    guesses = [
        lambda number=number: Client().post(
            "/en/account/sign-in/",
            {"email": "anna@example.com", "password": f"guess-{number}"},
            REMOTE_ADDR=f"198.51.100.{number}",
        )
        for number in range(GUESSES)
    ]
    outcomes = race(guesses, outcome=status)
    assert sorted(outcomes) == ["422"] * 5 + ["429"] * 25
    assert checked_passwords[0] == settings.GNB_AUTH_LIMIT_PER_ACCOUNT == 5


def test_thirty_wrong_passwords_at_once_on_the_api_token_endpoint_check_five(anna, checked_passwords, settings):
    settings.API_RATE_TOKEN_PER_IP = 1000
    guesses = [
        lambda number=number: Client().post(
            "/api/v1/auth/token",
            {"username": "anna", "password": f"guess-{number}"},
            content_type="application/json",
            REMOTE_ADDR=f"198.51.100.{number}",
        )
        for number in range(GUESSES)
    ]
    outcomes = race(guesses, outcome=status)
    limit = settings.API_RATE_TOKEN_PER_ACCOUNT
    assert sorted(outcomes) == ["401"] * limit + ["429"] * (GUESSES - limit)
    assert checked_passwords[0] == limit


def test_thirty_wrong_passwords_at_once_in_the_back_office_check_five(checked_passwords):
    get_user_model().objects.create_user(username="selin", password=PASSWORD, is_staff=True)
    guesses = [
        lambda number=number: Client().post(
            "/admin/login/",
            {"username": "selin", "password": f"guess-{number}", "otp_token": ""},
            REMOTE_ADDR="203.0.113.9",
        )
        for number in range(GUESSES)
    ]
    outcomes = race(guesses, outcome=status)
    assert sorted(outcomes) == ["200"] * 5 + ["429"] * 25
    assert checked_passwords[0] == 5
