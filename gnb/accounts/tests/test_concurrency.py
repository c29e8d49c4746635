"""Races on customer accounts, run for real on PostgreSQL: many threads, one barrier, exact counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from functools import partial

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection

from gnb.accounts.customers import MAX_SAVED_PASSENGERS, customer_sign_up, saved_passenger_create
from gnb.accounts.models import SavedPassenger
from gnb.core.errors import ValidationFailed
from gnb.testing import races
from gnb.testing.bookings import letters

THREADS = 12
PASSWORD = "sunny-harbour-lantern-42"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("tasks_run_at_once"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers are only real on PostgreSQL"),
]


def race(attempt: Callable[[int], object]) -> list[str]:
    return races.race([partial(attempt, number) for number in range(THREADS)], outcome=done)


def done(error: BaseException | None, _result: object) -> str:
    if error is None:
        return "done"
    if isinstance(error, ValidationFailed):
        return "refused"
    return repr(error)  # anything else fails the test with its repr


def test_many_sign_ups_with_one_address_at_once_open_one_account():
    addresses = ["anna@example.com", "ANNA@example.com", "Anna@Example.com"]
    outcomes = race(
        lambda n: customer_sign_up(name="Anna Smith", email=addresses[n % 3], password=PASSWORD, language="en")
    )
    assert outcomes == ["done"] * THREADS
    assert get_user_model().objects.filter(email__iexact="anna@example.com").count() == 1
    assert Counter(message.subject for message in mail.outbox) == {
        "Confirm your email address": 1,
        "You already have an account": THREADS - 1,
    }


def test_saving_passengers_at_once_never_passes_the_limit():
    user = get_user_model().objects.create_user(username="anna@example.com", email="anna@example.com")
    for number in range(MAX_SAVED_PASSENGERS - 3):
        SavedPassenger.objects.create(user=user, first_name=f"P{number}", last_name="Smith", category="adult")
    outcomes = race(
        lambda n: saved_passenger_create(
            user_id=user.pk, first_name=f"Racer{letters(n)}", last_name="Smith", category="adult"
        )
    )
    assert Counter(outcomes) == {"done": 3, "refused": THREADS - 3}
    assert SavedPassenger.objects.filter(user=user).count() == MAX_SAVED_PASSENGERS
