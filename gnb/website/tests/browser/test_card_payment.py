"""A traveller books a transfer, pays by card on Stripe Checkout, and the site says "paid" only once the worker
applied the webhook's event.

Stripe is the local stand-in (``gnb/testing/stripe.py``): the site opens the Checkout Session through
the official library against it, and the browser follows the redirect to its Checkout page. Its "Pay" button holds
the signed ``checkout.session.completed`` event back and sends the browser to the success URL at once, so the page
the traveller returns to is seen before Stripe's message has come; the test then lets the stand-in deliver it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from gnb.bookings.models import Booking
from gnb.payments.models import Payment, ProviderEvent
from gnb.testing.browser import fill_transfer_details, run_worker, search_transfer
from gnb.testing.catalog import future_local
from gnb.testing.stripe import SECRET_KEY, WEBHOOK_SECRET, StripeStandIn


@pytest.fixture
def stripe_api(site, settings) -> Iterator[StripeStandIn]:
    with StripeStandIn(webhook_url=f"{site.url}/payments/stripe/webhook", hold_webhooks=True) as server:
        settings.STRIPE_SECRET_KEY = SECRET_KEY
        settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        settings.STRIPE_API_BASE = server.base_url
        settings.STRIPE_CURRENCIES = ["EUR"]
        yield server


def test_a_card_payment_shows_paid_only_after_the_webhook(site, stripe_api, traveller):
    anna = traveller("anna")
    page = anna.page
    landing = future_local(days=20, hour=14, minute=0)
    search_transfer(anna, site.url, landing, children=1)
    page.get_by_role("link", name="Book this car — Minivan").click()
    fill_transfer_details(page, child_seats=1)
    page.get_by_role("button", name="Continue to review").click()
    # The payment choice is on the review page.
    expect(page.get_by_role("heading", level=1)).to_have_text("Review and pay")
    page.get_by_role("radio", name=re.compile(r"^Card \(Stripe\)")).check()
    anna.shot("pay-by-card")
    page.get_by_role("button", name="Book now · €60.00").click()

    # The booking is placed (holding its seats) and the browser goes straight on to Stripe's Checkout page.
    checkout = re.compile(re.escape(stripe_api.base_url) + r"/checkout/cs_test_\w+$")
    expect(page).to_have_url(checkout)
    booking = Booking.objects.get()
    assert (booking.status, booking.payment_method) == (Booking.Status.PENDING_PAYMENT, "card")
    payment = Payment.objects.get(booking=booking)
    assert page.url == f"{stripe_api.base_url}/checkout/{payment.provider_reference}"
    [create] = stripe_api.calls("/v1/checkout/sessions")
    assert create.params["line_items[0][price_data][unit_amount]"] == "6000"
    assert create.params["line_items[0][price_data][currency]"] == "eur"
    assert create.params["metadata[payment_id]"] == str(payment.pk)
    expect(page.get_by_role("heading", level=1)).to_have_text("Pay 60.00 EUR")
    anna.shot("stripe-checkout")

    # Paid at "Stripe"; back on the success URL before the webhook: the page waits, it does not trust the return.
    page.get_by_role("button", name="Pay").click()
    expect(page).to_have_url(re.compile(rf"/en/manage/{booking.reference}/[\w-]+/payment/$"))
    status = page.locator("[data-payment-status]")
    expect(status).to_have_attribute("data-payment-status", "waiting")
    anna.shot("waiting-for-webhook")
    booking.refresh_from_db()
    assert (booking.status, booking.payment_state) == (Booking.Status.PENDING_PAYMENT, Booking.PaymentState.UNPAID)
    assert ProviderEvent.objects.count() == 0
    # Loading the success URL again, as often as one likes, still confirms nothing.
    page.reload()
    expect(status).to_have_attribute("data-payment-status", "waiting")
    expect(page.get_by_text("Paid — thank you.")).to_have_count(0)

    # Stripe's signed message arrives and is stored; until the worker applied it the page still waits.
    assert stripe_api.release() == [200]
    assert ProviderEvent.objects.get().processed_at is None
    page.reload()
    expect(status).to_have_attribute("data-payment-status", "waiting")
    # The worker applies it; the page (it reloads itself while waiting) then shows the payment.
    run_worker()
    expect(status).to_have_attribute("data-payment-status", "paid", timeout=15_000)
    expect(status).to_contain_text("Paid — thank you.")
    anna.shot("paid")
    booking.refresh_from_db()
    payment.refresh_from_db()
    assert (booking.status, booking.payment_state) == (Booking.Status.CONFIRMED, Booking.PaymentState.PAID)
    assert payment.state == Payment.State.CONFIRMED
    run_worker()
    assert anna.problems == []
