"""The website's pay step offers PayTR for a lira booking when it is configured, and shows its card form."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from gnb.bookings.models import Booking
from gnb.payments.models import Payment
from gnb.testing.catalog import future_local
from gnb.testing.paytr import lira_booking


def book_url() -> str:
    pickup = future_local(days=20, hour=14, minute=0)
    query = {
        "origin": "ayt",
        "destination": "regnum-carya",
        "date": pickup.date().isoformat(),
        "time": "14:00",
        "adults": "1",
        "children": "0",
        "infants": "0",
        "bags": "1",
        "currency": "TRY",
        "vehicle": "sedan",
    }
    return reverse("website:transfer_book") + "?" + urlencode(query)


DETAILS = {
    "name": "Ayşe Yılmaz",
    "email": "ayse@example.com",
    "phone": "+90 532 123 45 67",
    "passenger_0_first_name": "Ayşe",
    "passenger_0_last_name": "Yılmaz",
    "flight_number": "TK 2412",
    "flight_arrival": future_local(days=20, hour=13, minute=40).strftime("%Y-%m-%dT%H:%M"),
    "pickup_point": "",
    "coupon": "",
    "notes": "",
}


def methods_offered(client) -> list[str]:
    response = client.get(reverse("website:review"))
    assert response.status_code == 200
    return [method.code for method in response.context["methods"]]


def test_the_pay_step_offers_paytr_for_lira_only_when_configured(client, lira, settings):
    settings.PAYTR_MERCHANT_ID = settings.PAYTR_MERCHANT_KEY = settings.PAYTR_MERCHANT_SALT = ""
    assert client.post(book_url(), DETAILS).status_code == 302
    assert "paytr" not in methods_offered(client)
    assert "frame-src" not in client.get(reverse("website:review"))["Content-Security-Policy"]

    settings.PAYTR_MERCHANT_ID, settings.PAYTR_MERCHANT_KEY, settings.PAYTR_MERCHANT_SALT = "1", "k", "s"
    assert methods_offered(client) == ["cash", "paytr"]


def test_paying_with_paytr_shows_its_card_form_in_a_frame_the_csp_allows(client, lira, paytr):
    assert client.post(book_url(), DETAILS).status_code == 302
    assert "paytr" in methods_offered(client)
    # The booking the pay step places for a card method: pending payment, holding its seat, in lira.
    booking = lira_booking()
    assert (booking.currency, booking.status) == ("TRY", Booking.Status.PENDING_PAYMENT)

    payment_page = reverse("website:payment", kwargs={"reference": booking.reference, "token": booking.manage_token})
    assert "paytr" in [method.code for method in client.get(payment_page).context["methods"]]
    response = client.post(payment_page, {"provider": "paytr", "attempt": "1"})

    assert response.status_code == 200
    assert response.templates[0].name == "paytr/iframe.html"
    body = response.content.decode()
    assert '<iframe class="paytr-frame" src="https://www.paytr.com/odeme/guvenli/a1b2c3d4e5f6"' in body
    assert "/static/paytr/paytr.css" in body
    assert "style=" not in body
    directives = [part.strip().partition(" ") for part in response["Content-Security-Policy"].split(";")]
    policy = {name: value for name, _space, value in directives}
    assert policy["frame-src"] == "'self' https://www.paytr.com"
    assert "'unsafe-inline'" not in policy["script-src"]
    assert Payment.objects.get(booking=booking).state == Payment.State.PENDING


def test_the_card_form_page_and_the_method_read_in_turkish(rf, lira):
    from django.template.loader import render_to_string
    from django.utils import translation

    from gnb.payments.providers.paytr.provider import PaytrProvider

    booking = lira_booking()
    request = rf.get("/tr/")
    request.csp_nonce = "n"
    with translation.override("tr"):
        html = render_to_string(
            "paytr/iframe.html",
            {"booking": booking, "paytr_iframe_url": "https://www.paytr.com/odeme/guvenli/x", "status_url": "/"},
            request=request,
        )
        label, description = str(PaytrProvider.label), str(PaytrProvider.description)
    assert "Kartla ödeyin" in html
    assert f"Rezervasyon {booking.reference}. Aşağıdaki kart formu PayTR" in html
    assert 'title="PayTR güvenli kart ödemesi"' in html
    assert "Ödemenizin durumunu görün" in html
    assert (label, description) == (
        "Kart (PayTR, taksitli)",
        "Türk ve yabancı kartlar; Türk kartlarıyla taksitle ödenebilir.",
    )
