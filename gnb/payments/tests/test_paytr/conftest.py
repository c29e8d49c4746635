"""Fixtures for PayTR: the local PayTR (gnb.testing.paytr) configured, Turkish lira, callbacks posted."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gnb.catalog.models import Currency
from gnb.testing.payments import apply_queued_events
from gnb.testing.paytr import MERCHANT_ID, MERCHANT_KEY, MERCHANT_SALT, PaytrServer, paytr_server_start


@pytest.fixture
def paytr_server():
    state, server = paytr_server_start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def paytr(settings, paytr_server) -> PaytrServer:
    """PayTR configured (test mode) and pointed at the local server."""
    settings.PAYTR_MERCHANT_ID = MERCHANT_ID
    settings.PAYTR_MERCHANT_KEY = MERCHANT_KEY
    settings.PAYTR_MERCHANT_SALT = MERCHANT_SALT
    settings.PAYTR_TEST_MODE = True
    settings.PAYTR_MAX_INSTALLMENT = 0
    settings.PAYTR_CURRENCIES = frozenset({"TRY"})
    settings.PAYTR_API_BASE = paytr_server.url
    return paytr_server


@pytest.fixture
def lira(catalog) -> Currency:
    return Currency.objects.create(code="TRY", name="Turkish lira", symbol="₺", rate=Decimal("36.500000"))


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    """POST a callback form as PayTR does, then let the worker apply what it queued (emails are queued)."""

    def post(form: dict[str, str]):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/payments/paytr/callback", form)
            apply_queued_events()
        return response

    return post
