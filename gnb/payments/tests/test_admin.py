"""The payments back office: the booking's payments panel, the lists, refunds and money received by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gnb.bookings.models import Booking
from gnb.core.audit import audit_entries
from gnb.payments.models import Payment, Refund
from gnb.payments.reports import dashboard_url
from gnb.payments.services import refund_request, refund_submit
from gnb.testing.payments import card_booking, paid_by_card
from gnb.testing.personas import staff_login

PAYMENTS = "/admin/payments/payment/"
REFUNDS = "/admin/payments/refund/"
RETURN = "http://testserver/en/manage/x/y/payment/"


def staff_client(client, django_user_model, *codenames: str, username: str = "selin"):
    user = django_user_model.objects.create_user(username, password="x", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label__in=["payments", "bookings"], codename__in=codenames)
    )
    staff_login(client, user)
    return client, user


def make_payment(booking: Booking, n: int, **fields) -> Payment:
    values = {
        "provider": "stripe",
        "amount": Decimal("10.00"),
        "currency": "EUR",
        "state": Payment.State.CONFIRMED,
        "confirmed_at": timezone.now(),
        "provider_reference": f"cs_test_{n}",
        "provider_payment_id": f"pi_{n}",
    }
    values.update(fields)
    return Payment.objects.create(booking=booking, **values)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- links to the provider ------------------------------------------------------------------------------------
def test_dashboard_links_follow_the_provider_and_its_mode(catalog):
    booking = card_booking()
    test_mode = make_payment(booking, 1)
    live = make_payment(booking, 2, provider_reference="cs_live_2")
    not_yet = make_payment(booking, 3, provider_payment_id="", state=Payment.State.PENDING, confirmed_at=None)
    paytr = make_payment(booking, 4, provider="paytr", provider_reference="GNB4", provider_payment_id="")
    cash = make_payment(booking, 5, provider="cash", provider_reference="", provider_payment_id="")
    assert [dashboard_url(p) for p in (test_mode, live, not_yet, paytr, cash)] == [
        "https://dashboard.stripe.com/test/payments/pi_1",
        "https://dashboard.stripe.com/payments/pi_2",
        "",
        "https://www.paytr.com/magaza/islemler",
        "",
    ]


# --- the booking's page ---------------------------------------------------------------------------------------
def test_the_booking_page_shows_payments_refunds_links_and_totals(admin_client, catalog, card_provider):
    booking = card_booking()
    payment = paid_by_card(booking)
    refund = refund_request(
        payment_id=payment.pk, amount="15.00", reason="Child seat not fitted", actor=None, idempotency_key="r1"
    )
    refund_submit(refund_id=refund.pk)
    refund.refresh_from_db()
    assert (refund.state, refund.provider_reference) == (Refund.State.SUCCEEDED, "re_r1")

    response = admin_client.get(reverse("admin:bookings_booking_change", args=[booking.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    panel = html[html.index('id="booking-payments"') :]
    panel = panel[: panel.index("</fieldset>")]
    assert 'id="payments-paid">40.00 EUR<' in panel
    assert 'id="payments-refunded">15.00 EUR<' in panel
    assert 'id="payments-balance">15.00 EUR<' in panel
    assert 'href="https://dashboard.stripe.com/test/payments/pi_1"' in panel
    assert "−15.00 EUR" in panel
    assert "Child seat not fitted" in panel
    assert "re_r1" in panel
    assert reverse("admin:payments_payment_refund", args=[payment.pk]) in panel  # 25.00 left to refund
    # The booking is confirmed and still owes 15.00: money received by hand may be recorded.
    assert reverse("admin:payments_payment_mark_paid", args=[booking.pk]) in panel
    assert reverse("admin:payments_payment_record_cash", args=[booking.pk]) in panel


def test_without_the_permissions_the_booking_page_offers_no_payment_action(client, django_user_model, catalog):
    booking = card_booking(payment_method="cash")
    make_payment(booking, 1, provider="cash", amount=Decimal("20.00"), provider_reference="", provider_payment_id="")
    client, _user = staff_client(client, django_user_model, "view_booking", "view_payment")
    html = client.get(reverse("admin:bookings_booking_change", args=[booking.pk])).content.decode()
    assert 'id="payments-paid">20.00 EUR<' in html
    assert 'id="payments-balance">20.00 EUR<' in html
    assert "/refund/" not in html
    assert "/mark-paid/" not in html
    assert "/record-cash/" not in html


def test_the_payments_panel_needs_the_view_payment_permission(client, django_user_model, catalog):
    booking = card_booking(payment_method="cash")
    client, _user = staff_client(client, django_user_model, "view_booking")
    response = client.get(reverse("admin:bookings_booking_change", args=[booking.pk]))
    assert response.status_code == 200
    assert 'id="booking-payments"' not in response.content.decode()


# --- lists ----------------------------------------------------------------------------------------------------
def test_the_payments_list_filters_and_searches(admin_client, catalog):
    first, second = card_booking(), card_booking()
    stripe = make_payment(first, 1)
    paytr = make_payment(
        second, 2, provider="paytr", provider_reference="GNBOID2", provider_payment_id="", currency="TRY"
    )
    flagged = make_payment(
        second, 3, state=Payment.State.FAILED, confirmed_at=None, needs_attention=True, amount=Decimal("5.00")
    )
    old = make_payment(first, 4, created_at=timezone.now() - dt.timedelta(days=40))

    def listed(query: str) -> list[int]:
        response = admin_client.get(PAYMENTS + query)
        assert response.status_code == 200
        return [payment.pk for payment in response.context["cl"].result_list]

    assert listed("") == [flagged.pk, paytr.pk, stripe.pk, old.pk]
    assert listed("?provider__exact=paytr") == [paytr.pk]
    assert listed("?state__exact=failed") == [flagged.pk]
    assert listed("?needs_attention__exact=1") == [flagged.pk]
    assert listed("?currency=TRY") == [paytr.pk]
    # As the date filter's "Past 7 days" link gives it: an aware midnight in the current time zone.
    since = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0) - dt.timedelta(days=7)
    assert listed("?" + urlencode({"created_at__gte": str(since)})) == [flagged.pk, paytr.pk, stripe.pk]
    assert listed(f"?q={second.reference}") == [flagged.pk, paytr.pk]
    assert listed("?q=GNBOID2") == [paytr.pk]
    assert listed("?q=pi_4") == [old.pk]


def test_the_currency_filter_offers_each_currency_paid_in_once_alphabetically(admin_client, catalog):
    booking = card_booking()
    for n, currency in enumerate(["TRY", "EUR", "GBP", "EUR", "TRY", "USD"]):
        make_payment(booking, n, currency=currency)
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(PAYMENTS)
    (currency_filter,) = [f for f in response.context["cl"].filter_specs if f.field_path == "currency"]
    assert list(currency_filter.lookup_choices) == ["EUR", "GBP", "TRY", "USD"]
    html = response.content.decode()
    assert all(f'href="?currency={code}"' in html for code in ("EUR", "GBP", "TRY", "USD"))
    assert not [q for q in queries if "DISTINCT" in q["sql"].upper()]


def test_the_payments_list_shows_refunded_totals_without_a_query_per_row(
    admin_client, catalog, django_assert_max_num_queries
):
    bookings = [card_booking(), card_booking()]
    for n in range(3):
        make_payment(bookings[n % 2], n)
    with CaptureQueriesContext(connection) as three:
        assert admin_client.get(PAYMENTS).status_code == 200
    for n in range(3, 50):
        payment = make_payment(bookings[n % 2], n)
        Refund.objects.create(
            payment=payment,
            provider="stripe",
            amount=Decimal("2.50"),
            currency="EUR",
            state=Refund.State.SUCCEEDED,
            reason="r",
            provider_reference=f"re_{n}",
        )
        Refund.objects.create(
            payment=payment, provider="stripe", amount=Decimal("1.00"), currency="EUR", state="failed", reason="r"
        )
    with django_assert_max_num_queries(len(three)), CaptureQueriesContext(connection) as fifty:
        response = admin_client.get(PAYMENTS)
    assert len(response.context["cl"].result_list) == 50
    assert len(fifty) == len(three)
    html = response.content.decode()
    assert html.count('<td class="field-refunded_total">2.50</td>') == 47
    assert html.count('<td class="field-refunded_total">0.00</td>') == 3
    assert html.count('href="https://dashboard.stripe.com/test/payments/pi_') == 50

    with django_assert_max_num_queries(len(three)):
        response = admin_client.get(REFUNDS)
    assert len(response.context["cl"].result_list) == 50


def test_the_refunds_list_filters_and_searches(admin_client, catalog):
    first, second = card_booking(), card_booking()
    p1, p2 = make_payment(first, 1), make_payment(second, 2)
    r1 = Refund.objects.create(payment=p1, provider="stripe", amount=Decimal("4.00"), currency="EUR", reason="a")
    r2 = Refund.objects.create(
        payment=p2,
        provider="stripe",
        amount=Decimal("6.00"),
        currency="EUR",
        reason="b",
        state="succeeded",
        provider_reference="re_two",
    )

    def listed(query: str) -> list[int]:
        response = admin_client.get(REFUNDS + query)
        assert response.status_code == 200
        return [refund.pk for refund in response.context["cl"].result_list]

    assert listed("") == [r2.pk, r1.pk]
    assert listed("?state__exact=succeeded") == [r2.pk]
    assert listed(f"?q={first.reference}") == [r1.pk]
    assert listed("?q=re_two") == [r2.pk]


def test_payment_and_refund_rows_cannot_be_added_edited_or_deleted(admin_client, catalog):
    payment = make_payment(card_booking(), 1)
    refund = Refund.objects.create(
        payment=payment, provider="stripe", amount=Decimal("4.00"), currency="EUR", reason="a"
    )
    assert admin_client.get(PAYMENTS + "add/").status_code == 403
    assert admin_client.post(f"{PAYMENTS}{payment.pk}/change/", {"amount": "1.00"}).status_code == 403
    assert admin_client.post(f"{PAYMENTS}{payment.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.post(f"{REFUNDS}{refund.pk}/change/", {"amount": "1.00"}).status_code == 403
    assert admin_client.post(f"{REFUNDS}{refund.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.get(f"{PAYMENTS}{payment.pk}/change/").status_code == 200
    assert admin_client.get(f"{REFUNDS}{refund.pk}/change/").status_code == 200
    payment.refresh_from_db()
    assert payment.amount == Decimal("10.00")
    assert Refund.objects.count() == 1


# --- refunds --------------------------------------------------------------------------------------------------
def test_the_refund_action_opens_the_form_of_one_payment(admin_client, catalog):
    booking = card_booking()
    one, two = make_payment(booking, 1), make_payment(booking, 2)
    response = admin_client.post(PAYMENTS, {"action": "refund_payment", "index": 0, "_selected_action": [one.pk]})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:payments_payment_refund", args=[one.pk])
    response = admin_client.post(
        PAYMENTS, {"action": "refund_payment", "index": 0, "_selected_action": [one.pk, two.pk]}, follow=True
    )
    assert messages_of(response) == ["Choose exactly one payment to refund."]


def test_a_refund_is_partial_or_full_never_more_than_is_left(client, django_user_model, catalog, card_provider):
    booking = card_booking()
    payment = paid_by_card(booking)
    client, user = staff_client(client, django_user_model, "view_booking", "view_payment", "add_refund")
    url = reverse("admin:payments_payment_refund", args=[payment.pk])

    response = client.get(url)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["amount"] == Decimal("40.00")
    key = form.initial["idempotency_key"]

    response = client.post(url, {"amount": "40.01", "reason": "Too much", "idempotency_key": key})
    assert response.status_code == 200
    assert response.context["form"].errors == {"amount": ["At most 40.00 EUR can be refunded."]}
    response = client.post(url, {"amount": "10.00", "reason": " ", "idempotency_key": key})
    assert response.context["form"].errors == {"reason": ["Give a reason for the refund."]}
    response = client.post(url, {"amount": "0", "reason": "x", "idempotency_key": key})
    assert response.context["form"].errors == {"amount": ["Ensure this value is greater than or equal to 0.01."]}
    response = client.post(url, {"amount": "ten", "reason": "x", "idempotency_key": key})
    assert response.context["form"].errors == {"amount": ["Enter a number."]}
    assert Refund.objects.count() == 0

    response = client.post(
        url,
        {"amount": "15.00", "reason": "Late pickup", "idempotency_key": key},
        follow=True,
        REMOTE_ADDR="198.51.100.23",
    )
    assert response.redirect_chain == [(reverse("admin:bookings_booking_change", args=[booking.pk]), 302)]
    assert messages_of(response) == [
        f"A refund of 15.00 EUR on booking {booking.reference} was requested; its state follows the provider's answer."
    ]
    # The same form sent again (a double click) asks for no second refund.
    client.post(url, {"amount": "15.00", "reason": "Late pickup", "idempotency_key": key})
    refund = Refund.objects.get()
    assert (refund.amount, refund.reason, refund.requested_by, refund.state) == (
        Decimal("15.00"),
        "Late pickup",
        user,
        Refund.State.REQUESTED,
    )
    [entry] = audit_entries(action="refund.issued")
    # The request that asked is recorded too: where from, and its request id.
    assert (entry.actor, entry.target_id, entry.ip_address) == (user, str(refund.pk), "198.51.100.23")
    assert entry.details == {
        "booking": booking.reference,
        "amount": "15.00",
        "currency": "EUR",
        "reason": "Late pickup",
    }

    # The rest: the requested refund already counts against the payment.
    response = client.get(url)
    assert response.context["form"].initial["amount"] == Decimal("25.00")
    response = client.post(
        url, {"amount": "25.00", "reason": "Cancelled by phone", "idempotency_key": "k2"}, follow=True
    )
    assert messages_of(response) == [
        f"A refund of 25.00 EUR on booking {booking.reference} was requested; its state follows the provider's answer."
    ]
    assert sorted(Refund.objects.values_list("amount", flat=True)) == [Decimal("15.00"), Decimal("25.00")]
    response = client.get(url, follow=True)
    assert messages_of(response) == ["Nothing is left to refund on this payment."]


def test_refunds_need_the_refund_permission(client, django_user_model, catalog, card_provider):
    payment = paid_by_card(card_booking())
    client, _user = staff_client(client, django_user_model, "view_booking", "view_payment")
    url = reverse("admin:payments_payment_refund", args=[payment.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"amount": "5.00", "reason": "x", "idempotency_key": "k"}).status_code == 403
    response = client.get(PAYMENTS)
    assert "refund_payment" not in response.context["cl"].model_admin.get_actions(response.wsgi_request)
    assert "Refund…" not in response.content.decode()
    response = client.get(f"{PAYMENTS}{payment.pk}/change/")
    assert "refund_url" not in response.context
    assert Refund.objects.count() == 0


# --- money received by hand -----------------------------------------------------------------------------------
def test_mark_paid_records_a_bank_transfer_with_a_reason(client, django_user_model, catalog):
    booking = card_booking(payment_method="cash")
    client, user = staff_client(client, django_user_model, "view_booking", "view_payment", "mark_paid")
    url = reverse("admin:payments_payment_mark_paid", args=[booking.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["form"].initial == {"amount": Decimal("40.00"), "provider": "bank"}

    response = client.post(url, {"provider": "bank", "amount": "40.00", "reason": ""})
    assert response.context["form"].errors == {"reason": ["Give a reason."]}
    response = client.post(url, {"provider": "stripe", "amount": "40.00", "reason": "x"})
    assert list(response.context["form"].errors) == ["provider"]
    response = client.post(url, {"provider": "bank", "amount": "40.50", "reason": "Transfer"})
    assert response.context["form"].errors == {"amount": ["At most 40.00 EUR is due."]}
    assert Payment.objects.count() == 0

    response = client.post(url, {"provider": "bank", "amount": "40.00", "reason": "Transfer ref 778812"}, follow=True)
    assert messages_of(response) == [f"Booking {booking.reference}: 40.00 EUR recorded as paid (Bank transfer)."]
    payment = Payment.objects.get()
    assert (payment.provider, payment.amount, payment.state, payment.recorded_by, payment.note) == (
        "bank",
        Decimal("40.00"),
        Payment.State.CONFIRMED,
        user,
        "Transfer ref 778812",
    )
    booking.refresh_from_db()
    assert booking.payment_state == Booking.PaymentState.PAID
    [entry] = audit_entries(action="payment.marked_paid")
    assert (entry.actor, entry.target_id) == (user, str(payment.pk))
    assert entry.details["reason"] == "Transfer ref 778812"
    assert entry.details["amount"] == "40.00"
    # Nothing is owed any more: the booking page offers no manual payment.
    html = client.get(reverse("admin:bookings_booking_change", args=[booking.pk])).content.decode()
    assert "/mark-paid/" not in html
    assert 'id="payments-balance">0.00 EUR<' in html


def test_record_cash_collected(client, django_user_model, catalog):
    booking = card_booking(payment_method="cash")
    client, user = staff_client(client, django_user_model, "view_booking", "mark_paid")
    url = reverse("admin:payments_payment_record_cash", args=[booking.pk])
    response = client.post(url, {"amount": "25.00", "note": "Driver Mehmet"}, follow=True)
    assert messages_of(response) == [f"Booking {booking.reference}: 25.00 EUR cash collected."]
    assert client.get(url).context["form"].initial == {"amount": Decimal("15.00")}
    response = client.post(url, {"amount": "15.01", "note": ""})
    assert response.context["form"].errors == {"amount": ["At most 15.00 EUR is due."]}
    payment = Payment.objects.get()
    assert (payment.provider, payment.amount, payment.note, payment.recorded_by) == (
        "cash",
        Decimal("25.00"),
        "Driver Mehmet",
        user,
    )


@pytest.mark.parametrize("name", ["payments_payment_mark_paid", "payments_payment_record_cash"])
def test_money_received_by_hand_needs_the_mark_paid_permission(client, django_user_model, catalog, name):
    booking = card_booking(payment_method="cash")
    client, _user = staff_client(client, django_user_model, "view_booking", "view_payment", "add_payment")
    url = reverse(f"admin:{name}", args=[booking.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"provider": "cash", "amount": "40.00", "reason": "x", "note": ""}).status_code == 403
    assert Payment.objects.count() == 0


def test_manual_payment_pages_of_a_missing_booking_are_not_found(admin_client, db):
    assert admin_client.get(reverse("admin:payments_payment_mark_paid", args=[999])).status_code == 404
    assert admin_client.get(reverse("admin:payments_payment_refund", args=[999])).status_code == 404
    assert admin_client.get(f"{PAYMENTS}abc/refund/").status_code == 404
