"""Races on customer accounts, run for real on PostgreSQL: many threads, one barrier, exact counts."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection

from gnb.accounts.customers import MAX_SAVED_PASSENGERS, customer_sign_up, saved_passenger_create
from gnb.accounts.models import SavedPassenger
from gnb.core.errors import ValidationFailed

THREADS = 12
PASSWORD = "sunny-harbour-lantern-42"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers are only real on PostgreSQL"),
]


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def race(attempt: Callable[[int], object]) -> list[str]:
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(number: int) -> None:
        try:
            barrier.wait(timeout=30)
            try:
                attempt(number)
                outcome = "done"
            except ValidationFailed:
                outcome = "refused"
            except Exception as exc:  # anything else fails the test with its repr
                outcome = repr(exc)
            with lock:
                outcomes.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


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
        lambda n: saved_passenger_create(user_id=user.pk, first_name=f"Racer{n}", last_name="Smith", category="adult")
    )
    assert Counter(outcomes) == {"done": 3, "refused": THREADS - 3}
    assert SavedPassenger.objects.filter(user=user).count() == MAX_SAVED_PASSENGERS
