"""Refund forms sent at the same moment by several staff members: the payment is never refunded beyond its amount."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.urls import reverse

from gnb.payments.models import Refund
from gnb.testing.payments import card_booking, paid_by_card
from gnb.testing.personas import staff_login
from gnb.testing.races import race

THREADS = 8

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are only real on PostgreSQL"),
]


def send_together(user, url: str, forms: list[dict]) -> list[int]:
    """Post each form from its own signed-in client, all released at once; return the status codes."""
    clients = [Client() for _ in forms]
    for client in clients:
        staff_login(client, user)
    attempts = [partial(client.post, url, data) for client, data in zip(clients, forms, strict=True)]
    statuses = race(attempts, outcome=lambda error, response: repr(error) if error else response.status_code)
    return sorted(statuses, key=str)


@pytest.fixture
def refunder(django_user_model):
    user = django_user_model.objects.create_user("selin", password="x", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_payment", "add_refund"]))
    return user


def test_concurrent_refund_forms_refund_at_most_the_payment(catalog, card_provider, refunder):
    payment = paid_by_card(card_booking())
    url = reverse("admin:payments_payment_refund", args=[payment.pk])
    forms = [{"amount": "30.00", "reason": f"Staff {n}", "idempotency_key": f"k{n}"} for n in range(THREADS)]
    # One redirect (refund requested); every other form is shown again with the amount refused.
    assert send_together(refunder, url, forms) == [200] * (THREADS - 1) + [302]
    assert list(Refund.objects.values_list("amount", flat=True)) == [Decimal("30.00")]


def test_the_same_refund_form_sent_many_times_at_once_refunds_once(catalog, card_provider, refunder):
    payment = paid_by_card(card_booking())
    url = reverse("admin:payments_payment_refund", args=[payment.pk])
    forms = [{"amount": "10.00", "reason": "Double click", "idempotency_key": "same"}] * THREADS
    assert send_together(refunder, url, forms) == [302] * THREADS
    assert list(Refund.objects.values_list("amount", "idempotency_key")) == [(Decimal("10.00"), "same")]
