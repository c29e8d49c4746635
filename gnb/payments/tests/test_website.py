"""The website's pay step by card, the payment status page (read from our rows only) and retrying a payment."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from gnb.bookings.models import Booking
from gnb.payments.models import Payment, Refund
from gnb.payments.providers.base import ProviderError
from gnb.payments.services import holds_expire, payment_confirm, payment_fail
from gnb.testing.payments import card_booking
from gnb.testing.website import book_url, details
from gnb.website.checkout import payment_methods

pytestmark = pytest.mark.django_db


def payment_url(booking: Booking, language: str = "en") -> str:
    return f"/{language}/manage/{booking.reference}/{booking.manage_token}/payment/"


def status_of(response) -> str:
    return re.search(r'data-payment-status="(\w+)"', response.content.decode()).group(1)


def test_the_pay_step_offers_cash_and_each_enabled_card_provider(catalog, card_provider):
    assert [m.code for m in payment_methods("EUR")] == ["cash", "stripe"]
    assert [m.code for m in payment_methods("TRY")] == ["cash"]
    assert [m.code for m in payment_methods("EUR", online_only=True)] == ["stripe"]


def test_without_card_providers_only_cash_is_offered(catalog):
    assert [m.code for m in payment_methods("EUR")] == ["cash"]


def test_paying_by_card_places_a_held_booking_and_sends_the_browser_to_the_provider(client, catalog, card_provider):
    client.post(book_url(), details())
    response = client.post(reverse("website:review"), {"payment_method": "stripe"})
    booking = Booking.objects.get()
    payment = Payment.objects.get()
    assert (booking.status, booking.payment_method, booking.total) == ("pending_payment", "card", Decimal("60.00"))
    assert (payment.amount, payment.state) == (Decimal("60.00"), "pending")
    back = f"http://testserver{payment_url(booking)}"
    assert response.status_code == 302
    assert response.url == f"https://pay.example/{payment.provider_reference}?back={back}"
    # A second submit (double tap) places nothing more and opens no second payment.
    again = client.post(reverse("website:review"), {"payment_method": "stripe"})
    assert again.url == reverse(
        "website:confirmation", kwargs={"reference": booking.reference, "token": booking.manage_token}
    )
    assert client.get(again.url).url == payment_url(booking)
    assert (Booking.objects.count(), Payment.objects.count()) == (1, 1)


def test_a_provider_that_cannot_start_leaves_the_booking_held_and_shows_the_retry(client, catalog, card_provider):
    card_provider.fail_start = ProviderError("down")
    client.post(book_url(), details())
    response = client.post(reverse("website:review"), {"payment_method": "stripe"})
    booking = Booking.objects.get()
    assert response.url == payment_url(booking)
    page = client.get(response.url)
    assert status_of(page) == "failed"
    assert "The payment could not be started. Please try again in a moment." in page.content.decode()


def test_the_status_page_waits_refreshing_itself_until_the_provider_confirms(client, catalog, card_provider):
    client.post(book_url(), details())
    client.post(reverse("website:review"), {"payment_method": "stripe"})
    booking = Booking.objects.get()
    # The provider sends the traveller back before its message arrives: the page waits, and confirms nothing.
    waiting = client.get(payment_url(booking), {"session_id": "cs_anything", "status": "paid"})
    assert status_of(waiting) == "waiting"
    # Every 2 s while the worker is about to apply the provider's event; every 10 s once the attempt is old (a
    # delayed method can take days).
    assert '<meta http-equiv="refresh" content="2">' in waiting.content.decode()
    Payment.objects.update(created_at=timezone.now() - dt.timedelta(minutes=6))
    assert '<meta http-equiv="refresh" content="10">' in client.get(payment_url(booking)).content.decode()
    assert Payment.objects.get().state == "pending"
    booking.refresh_from_db()
    assert booking.status == "pending_payment"
    assert waiting.context["methods"] == []
    assert 'href="?retry=1"' in waiting.content.decode()
    # Left the provider's page without paying: the form to start again, without the reload.
    restart = client.get(payment_url(booking), {"retry": "1"})
    assert [m.code for m in restart.context["methods"]] == ["stripe"]
    assert 'http-equiv="refresh"' not in restart.content.decode()

    payment_confirm(payment_id=Payment.objects.get().pk, amount="60.00", currency="EUR")
    paid = client.get(payment_url(booking))
    assert status_of(paid) == "paid"
    assert 'http-equiv="refresh"' not in paid.content.decode()
    assert "<script>" not in paid.content.decode()


def test_a_failed_payment_is_retried_from_the_status_page_as_a_new_attempt(client, catalog, card_provider):
    booking = card_booking()
    client.post(payment_url(booking), {"provider": "stripe", "attempt": "a1"})
    first = Payment.objects.get()
    payment_fail(payment_id=first.pk, reason="card_declined")
    page = client.get(payment_url(booking))
    assert status_of(page) == "failed"
    assert [m.code for m in page.context["methods"]] == ["stripe"]
    attempt = page.context["attempt"]
    response = client.post(payment_url(booking), {"provider": "stripe", "attempt": attempt})
    second = Payment.objects.exclude(pk=first.pk).get()
    assert response.url.startswith(f"https://pay.example/{second.provider_reference}")
    assert second.idempotency_key == f"web-{booking.pk}-retry-{attempt}"
    # The same form sent twice: the same attempt.
    client.post(payment_url(booking), {"provider": "stripe", "attempt": attempt})
    assert Payment.objects.count() == 2


def test_the_manage_page_links_a_waiting_booking_to_its_payment(client, catalog, card_provider):
    booking = card_booking()
    page = client.get(f"/en/manage/{booking.reference}/{booking.manage_token}/")
    assert f'href="{payment_url(booking)}"' in page.content.decode()
    cash = card_booking(payment_method="cash")
    assert "/payment/" not in client.get(f"/en/manage/{cash.reference}/{cash.manage_token}/").content.decode()


def test_an_expired_hold_cannot_be_paid(client, catalog, card_provider):
    booking = card_booking()
    holds_expire(now=booking.hold_expires_at)
    page = client.get(payment_url(booking))
    assert status_of(page) == "expired"
    assert page.context["methods"] == []
    response = client.post(payment_url(booking), {"provider": "stripe", "attempt": "x"})
    assert response.status_code == 422
    assert "This booking is not waiting for a payment." in response.content.decode()
    assert not Payment.objects.exists()


def test_a_hold_past_its_time_offers_no_retry_even_before_the_expiry_task_runs(client, catalog, card_provider):
    booking = card_booking()
    Booking.objects.filter(pk=booking.pk).update(hold_expires_at=timezone.now() - dt.timedelta(seconds=1))
    page = client.get(payment_url(booking))
    assert status_of(page) == "expired"
    assert page.context["methods"] == []


def test_the_status_page_needs_the_right_token(client, catalog):
    booking = card_booking()
    assert client.get(f"/en/manage/{booking.reference}/{'x' * 32}/payment/").status_code == 404


def test_cancelling_a_paid_card_booking_on_the_website_refunds_it(client, catalog, card_provider):
    booking = card_booking()
    client.post(payment_url(booking), {"provider": "stripe", "attempt": "a"})
    payment_confirm(payment_id=Payment.objects.get().pk, amount="40.00", currency="EUR")
    client.post(f"/en/manage/{booking.reference}/{booking.manage_token}/cancel/")
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    assert Refund.objects.get().amount == Decimal("40.00")
