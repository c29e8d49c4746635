"""The same press sent by several requests at the same instant (a double tap, the outbox replaying while the first
answer is still on its way) is applied once: the other requests wait for the first one's commit and answer its
outcome as a replay. Raced on PostgreSQL."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest
from django.db import connection
from django.test import Client

from gnb.driver.models import DriverCommand
from gnb.driver.tests.conftest import sign_in
from gnb.fleet.models import Trip, TripEvent
from gnb.testing import races

REQUESTS = 8

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions: PostgreSQL"),
]


def outcome(error: BaseException | None, response) -> tuple[object, ...]:
    if error is not None:
        return ("error", repr(error))
    data = response.json()
    return (response.status_code, data.get("outcome"), data.get("replay"))


def test_requests_racing_with_one_key_apply_it_once(day, on_the_day):
    phone = Client()
    sign_in(phone, day.ayse)
    key = str(uuid.uuid4())
    body = {"status": "on_the_way", "key": key, "expected_status": "assigned"}
    url = f"/driver/trips/{day.morning.pk}/status"

    def send() -> object:
        # Each request on its own connection, with the phone's session cookie.
        client = Client()
        client.cookies = phone.cookies
        return client.post(url, body, HTTP_ACCEPT="application/json")

    outcomes = races.race([send] * REQUESTS, outcome=outcome)

    assert Counter(outcomes) == {(200, "applied", False): 1, (200, "applied", True): REQUESTS - 1}
    assert TripEvent.objects.filter(trip=day.morning, action="on_the_way").count() == 1
    assert DriverCommand.objects.get().key == key
    assert Trip.objects.get(pk=day.morning.pk).status == Trip.Status.ON_THE_WAY
