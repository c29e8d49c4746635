"""A one-time code used by many requests at the same instant is accepted exactly once (PostgreSQL row locks)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django_otp.oath import totp

from gnb.accounts.two_factor import two_factor_enroll, two_factor_pending_device, two_factor_verify
from gnb.testing import races

THREADS = 20

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are only real on PostgreSQL"),
]


def race(attempt: Callable[[], object]) -> Counter:
    return Counter(races.race([attempt] * THREADS, outcome=accepted))


def accepted(error: BaseException | None, device: object) -> str:
    if error is None:
        return "accepted" if device is not None else "refused"
    return repr(error)  # anything else fails the test with its repr


@pytest.fixture
def enrolled_user():
    user = get_user_model().objects.create_user(username="selin", password=None, is_staff=True)
    device = two_factor_pending_device(user=user)
    device, codes = two_factor_enroll(user=user, device_id=device.pk, token=f"{totp(device.bin_key):06d}")
    return user, device, codes


def test_one_recovery_code_sent_twenty_times_at_once_signs_in_once(enrolled_user):
    user, _device, codes = enrolled_user
    assert race(lambda: two_factor_verify(user=user, token=codes[0])) == {"accepted": 1, "refused": THREADS - 1}


def test_one_app_code_sent_twenty_times_at_once_signs_in_once(enrolled_user):
    user, device, _codes = enrolled_user
    token = f"{totp(device.bin_key, drift=1):06d}"  # the next step's code: the one used to enrol is spent
    assert race(lambda: two_factor_verify(user=user, token=token)) == {"accepted": 1, "refused": THREADS - 1}
