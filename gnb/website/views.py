"""Public website views. Thin: they read through selectors, write through services and show errors next to the
fields the services name; each page of the booking flow is a step of ``gnb.website.checkout.steps``. Every step
works without JavaScript."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gnb.bookings import policies
from gnb.bookings.models import Booking
from gnb.bookings.selectors import booking_for_manage_token
from gnb.bookings.services import (
    DOCUMENTS_OPEN,
    TRAVELLER,
    booking_cancel,
    booking_passenger_documents_set,
    booking_update_details,
    group_quote_request_create,
)
from gnb.catalog.snapshot import catalogue
from gnb.core.errors import DomainError, NotFound, ValidationFailed
from gnb.core.ratelimit import client_ip, rate_limit_hit
from gnb.fleet.selectors import booking_driver_progress
from gnb.notifications.calendar import booking_ics
from gnb.notifications.services import contact_message_send
from gnb.notifications.vouchers import booking_voucher_pdf
from gnb.payments.models import Payment
from gnb.payments.selectors import PaymentStatus, booking_payment_status
from gnb.payments.services import booking_refund_after_cancel
from gnb.website import selectors, throttling
from gnb.website.checkout import steps
from gnb.website.checkout.methods import payment_methods
from gnb.website.context_processors import CONSENT_COOKIE
from gnb.website.forms import (
    ContactForm,
    GroupQuoteForm,
    ManageChangeForm,
    ManageLookupForm,
    PassengerDocumentsForm,
    TourPartyForm,
    TransferSearchForm,
)
from gnb.website.pagecache import cached_page
from gnb.website.pages import display_currency, render_page, tour_or_404, with_query
from gnb.website.services import manage_link_request


# --- shared -----------------------------------------------------------------------------------------------
def _default_pickup() -> dt.datetime:
    """Tomorrow at noon, local time: a sensible first value for the search form."""
    tomorrow = timezone.localtime() + dt.timedelta(days=1)
    return tomorrow.replace(hour=12, minute=0, second=0, microsecond=0)


def _visitor_and_catalogue(request: HttpRequest) -> tuple[str, ...]:
    """What a stateless page depends on besides its address and language: the currency shown, whether analytics may
    run, and the catalogue's version."""
    return display_currency(request), request.COOKIES.get(CONSENT_COOKIE, ""), catalogue().token


def _tour_page_version(request: HttpRequest, slug: str) -> tuple[str, ...] | None:
    parts = _visitor_and_catalogue(request)
    tour_id = catalogue().tour_ids.get(slug)
    if tour_id is None:
        return None  # an unknown or inactive tour: the view answers 404 itself
    return *parts, selectors.departure_calendar_version(tour_id=tour_id)


# --- home and transfers -----------------------------------------------------------------------------------
# The home page changes with the catalogue and the day (its default pickup is tomorrow).
@cached_page(seconds=600, version=_visitor_and_catalogue)
def home(request: HttpRequest) -> HttpResponse:
    currency = display_currency(request)
    pickup = _default_pickup()
    form = TransferSearchForm(
        initial={"date": pickup.date(), "time": pickup.time(), "adults": 2, "children": 0, "infants": 0, "bags": 2}
    )
    return render_page(
        request,
        "website/home.html",
        {
            "form": form,
            # Callables: the template calls them only when its cached fragment has expired (see home.html).
            "places": selectors.place_choices,
            "routes": lambda: _popular_route_links(currency, pickup.date()),
            "tours": lambda: selectors.tour_cards()[:3],
            "today": pickup.date().isoformat(),
            "free_hours": settings.GNB_FREE_CANCELLATION_HOURS,
            "currency": currency,
        },
    )


def _popular_route_links(currency: str, day: dt.date) -> list[dict[str, Any]]:
    """Popular routes with their "from" price and a link to tomorrow's prices for two adults."""
    results = reverse("website:results")
    query = {"date": day.isoformat(), "time": "12:00", "adults": "2", "children": "0", "infants": "0", "bags": "2"}
    return [
        {
            "route": route,
            "url": with_query(results, {"origin": route.origin.slug, "destination": route.destination.slug} | query),
        }
        for route in selectors.popular_routes(currency=currency)
    ]


# Prices change only with the catalogue; a minute's expiry bounds how long a search nearing its lead time shows.
@cached_page(seconds=60, version=_visitor_and_catalogue)
def transfer_results(request: HttpRequest) -> HttpResponse:
    return steps.TransferResults(request).respond()


@require_http_methods(["GET", "POST"])
# The details form of a search: the same for every stateless visitor but for its CSRF token (see pagecache).
@cached_page(seconds=60, version=_visitor_and_catalogue)
def transfer_book(request: HttpRequest) -> HttpResponse:
    return steps.TransferDetails(request).respond()


GROUP_QUOTE_FIELDS = ("origin", "destination", "date", "time", "adults", "children", "infants", "bags")


@require_http_methods(["GET", "POST"])
def group_quote(request: HttpRequest) -> HttpResponse:
    """A party larger than any vehicle asks for an offer (the results page sends its form here). Stored and
    emailed to the operator by the booking service; limited per address like the contact form."""
    if request.method == "GET":
        if request.GET.get("sent"):
            return render_page(request, "website/group_quote.html", {"sent": True})
        initial = {name: request.GET[name] for name in GROUP_QUOTE_FIELDS if name in request.GET}
        return render_page(
            request,
            "website/group_quote.html",
            {"form": GroupQuoteForm(initial=initial), "places": selectors.place_choices},
        )
    form = GroupQuoteForm(request.POST)
    context = {"form": form, "places": selectors.place_choices}
    wait = rate_limit_hit(scope="group_quote", identity=client_ip(request), limit=5, window_seconds=3600)
    if wait is not None:
        form.add_error(None, _("Too many requests from your connection. Please try again later or call us."))
        response = render_page(request, "website/group_quote.html", context, status=429)
        response["Retry-After"] = str(wait)
        return response
    if form.is_valid():
        try:
            group_quote_request_create(request=form.quote_input(language=translation.get_language()))
        except ValidationFailed as error:
            form.add_domain_errors(error)
        else:
            return redirect(reverse("website:group_quote") + "?sent=1")
    return render_page(request, "website/group_quote.html", context, status=422)


# --- tours ------------------------------------------------------------------------------------------------
def tour_list(request: HttpRequest) -> HttpResponse:
    currency = display_currency(request)
    tours = selectors.tour_cards()
    cards = [{"tour": tour, "price": selectors.in_currency(tour.adult_price, currency)} for tour in tours]
    return render_page(request, "website/tours.html", {"cards": cards, "currency": currency})


# The calendar's version changes with every booking and departure change of the tour, and every ten minutes.
@cached_page(seconds=600, version=_tour_page_version)
def tour_detail(request: HttpRequest, slug: str) -> HttpResponse:
    tour = tour_or_404(slug)
    currency = display_currency(request)
    prices = {
        "adult": selectors.in_currency(tour.adult_price, currency),
        "child": selectors.in_currency(tour.child_price, currency),
        "infant": selectors.in_currency(tour.infant_price, currency),
    }
    return render_page(
        request,
        "website/tour_detail.html",
        {
            "tour": tour,
            "prices": prices,
            # The calendar is the costliest part of the page: its rendered fragment is cached under a key that
            # changes with every booking or departure change of this tour (tour_detail.html), so the departures are
            # read only when the template needs them.
            "months": functools.partial(selectors.departure_calendar, tour=tour),
            "calendar_version": selectors.departure_calendar_version(tour_id=tour.pk),
            "party": TourPartyForm(initial={"adults": 2, "children": 0, "infants": 0}),
            "currency": currency,
            "pictures": selectors.tour_pictures(tour),
            "pickup_times": selectors.tour_pickup_times(tour=tour),
        },
    )


@require_http_methods(["GET", "POST"])
def tour_book(request: HttpRequest, slug: str) -> HttpResponse:
    return steps.TourDetails(request, slug).respond()


# --- review and pay ---------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def checkout_review(request: HttpRequest) -> HttpResponse:
    return steps.Review(request).respond()


# --- manage my booking ------------------------------------------------------------------------------------
def _booking_or_404(reference: str, token: str, *, with_details: bool = True) -> Booking:
    try:
        return booking_for_manage_token(reference=reference, token=token, with_details=with_details)
    except NotFound:
        raise Http404(_("Booking not found.")) from None


def _manage_context(booking: Booking) -> dict[str, Any]:
    fee = policies.fee_if_cancelled_now(booking)
    changeable = (
        booking.status in policies.TRAVELLER_CANCELLABLE
        and timezone.now() <= booking.starts_at - dt.timedelta(minutes=settings.GNB_MIN_LEAD_MINUTES)
    )
    return {
        "booking": booking,
        "legs": list(booking.legs.all()),
        "passengers": list(booking.passengers.all()),
        "extras": list(booking.extras.all()),
        "cancel_fee": fee,
        "can_cancel": fee is not None,
        "can_change": changeable,
        "terms": policies.cancellation_terms(total=booking.total, starts_at=booking.starts_at),
        "currency": booking.currency,
        "rides": selectors.booking_rides(booking=booking),
        "driver_progress": booking_driver_progress(booking_id=booking.pk),
    }


@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    """The booking, who comes for it, and (POST) the passport details U-ETDS needs."""
    booking = _booking_or_404(reference, token)
    documents_form = None
    if booking.status in DOCUMENTS_OPEN:
        passengers = list(booking.passengers.all())
        if request.method == "POST":
            documents_form = PassengerDocumentsForm(request.POST, passengers=passengers)
            if documents_form.is_valid():
                try:
                    booking_passenger_documents_set(
                        booking_id=booking.pk, documents=documents_form.documents(), actor=TRAVELLER
                    )
                except DomainError as error:
                    documents_form.add_domain_errors(error)
                else:
                    messages.success(request, _("Thank you: the passport details are saved."))
                    path = reverse("website:manage", kwargs={"reference": booking.reference, "token": token})
                    return redirect(f"{path}#passports")
        else:
            documents_form = PassengerDocumentsForm(passengers=passengers)
    status = 200
    if request.method == "POST" and documents_form is None:
        messages.error(request, _("Passport details can no longer be given for this booking."))
        status = 409
    elif documents_form is not None and documents_form.errors:
        status = 422
    context = _manage_context(booking) | {"documents_form": documents_form}
    return render_page(request, "website/manage.html", context, status=status)


def confirmation(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    booking = _booking_or_404(reference, token)
    if booking.status == Booking.Status.PENDING_PAYMENT:  # not confirmed yet: its payment page says where it is
        return redirect("website:payment", reference=booking.reference, token=token)
    return render_page(request, "website/manage.html", _manage_context(booking) | {"just_booked": True})


@require_http_methods(["GET", "POST"])
def manage_change(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    booking = _booking_or_404(reference, token)
    if request.method == "POST":
        form = ManageChangeForm(request.POST, booking=booking)
        if form.is_valid():
            try:
                booking_update_details(
                    booking_id=booking.pk,
                    actor=TRAVELLER,
                    by_traveller=True,
                    contact=form.contact(),
                    passengers=form.passenger_names(),
                    notes=form.cleaned_data.get("notes", ""),
                    legs=form.legs() or None,
                    tour_pickup_place=form.pickup_place_slug() if booking.kind == Booking.Kind.TOUR else None,
                )
            except DomainError as error:
                form.add_domain_errors(error)
            else:
                messages.success(request, _("Your changes are saved."))
                return redirect("website:manage", reference=booking.reference, token=token)
    else:
        initial: dict[str, Any] = {
            "name": booking.lead_name,
            "email": booking.lead_email,
            "phone": booking.lead_phone,
            "notes": booking.notes,
            "pickup_place": booking.pickup_place.slug if booking.pickup_place else "",
        }
        for index, passenger in enumerate(booking.passengers.all()):
            initial |= {f"p{index}_first_name": passenger.first_name, f"p{index}_last_name": passenger.last_name}
        for leg in booking.legs.all():
            # Wall clock at the airport, as the fields read it.
            arrival = leg.flight_arrival_at.astimezone(leg.origin.tzinfo) if leg.flight_arrival_at else None
            departure = leg.flight_departure_at.astimezone(leg.destination.tzinfo) if leg.flight_departure_at else None
            initial |= {
                f"leg_{leg.sequence}_flight_number": leg.flight_number,
                f"leg_{leg.sequence}_flight_arrival": arrival.replace(tzinfo=None) if arrival else None,
                f"leg_{leg.sequence}_flight_departure": departure.replace(tzinfo=None) if departure else None,
                f"leg_{leg.sequence}_pickup_point": leg.pickup_point,
            }
        form = ManageChangeForm(initial=initial, booking=booking)
    pickup_places = selectors.tour_pickup_places(tour=booking.tour_departure.tour) if booking.tour_departure else []
    context = {"booking": booking, "form": form, "token": token, "pickup_places": pickup_places}
    return render_page(request, "website/manage_change.html", context)


# While a payment is open the page reloads itself: every 2 s in the first minutes after the attempt started (the
# worker applies the provider's event within about a second of its arrival, so "paid" shows about as soon as it is
# true), then every 10 s (a delayed method such as a bank debit can take days; a tab left open costs little).
PAYMENT_REFRESH_SECONDS = 2
PAYMENT_REFRESH_SLOW_SECONDS = 10
PAYMENT_REFRESH_FAST_FOR = dt.timedelta(minutes=5)


def _payment_refresh_seconds(payment: Payment | None) -> int:
    started = payment.created_at if payment is not None else None
    if started is not None and timezone.now() - started > PAYMENT_REFRESH_FAST_FOR:
        return PAYMENT_REFRESH_SLOW_SECONDS
    return PAYMENT_REFRESH_SECONDS


@require_http_methods(["GET", "POST"])
def manage_payment(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    """The payment's status, read from our database only: the provider's return URL points here and this page
    never confirms anything (only the provider's verified message does). While waiting it reloads itself; after a
    failure, and while the hold lasts, the traveller can try again (a new payment attempt)."""
    booking = _booking_or_404(reference, token, with_details=False)
    error = None
    if request.method == "POST":
        # One attempt per form shown (its random "attempt" field): a double submit gives the same attempt, a new
        # visit after a failure a new one.
        attempt = request.POST.get("attempt", "")[:64] or secrets.token_hex(8)
        try:
            return steps.payment_redirect(
                request, booking, request.POST.get("provider", ""), key=f"web-{booking.pk}-retry-{attempt}"
            )
        except DomainError as failed:
            error = failed.message
    view = booking_payment_status(booking)
    waiting = view.status == PaymentStatus.WAITING
    # While waiting the page reloads itself; the retry form is shown only when asked for (?retry=1), so a reload
    # does not reset it under the traveller's finger.
    show_form = view.can_retry and (not waiting or request.GET.get("retry") == "1" or error is not None)
    methods = payment_methods(booking.currency, online_only=True) if show_form else []
    return render_page(
        request,
        "website/payment.html",
        {
            "booking": booking,
            "payment": view,
            "methods": methods,
            "error": error,
            "attempt": secrets.token_hex(8),
            "offer_restart": waiting and view.can_retry and not show_form,
            "refresh_seconds": _payment_refresh_seconds(view.last_payment) if waiting and not show_form else None,
        },
        status=422 if error else 200,
    )


@require_http_methods(["GET", "POST"])
def manage_cancel(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    booking = _booking_or_404(reference, token)
    fee = policies.fee_if_cancelled_now(booking)
    error = None
    if request.method == "POST" and fee is not None:
        try:
            booking_cancel(booking_id=booking.pk, actor=TRAVELLER, by_traveller=True, reason="Cancelled on the website")
        except DomainError as failed:
            error = failed.message
        else:
            booking_refund_after_cancel(booking_id=booking.pk)
            messages.success(request, _("Your booking is cancelled. We have emailed you a confirmation."))
            return redirect("website:manage", reference=booking.reference, token=token)
    return render_page(
        request,
        "website/manage_cancel.html",
        {"booking": booking, "fee": fee, "error": error, "token": token, "currency": booking.currency},
        status=409 if error or (request.method == "POST" and fee is None) else 200,
    )


def manage_voucher(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    booking = _booking_or_404(reference, token)
    response = HttpResponse(booking_voucher_pdf(booking), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{booking.reference}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def manage_calendar(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    booking = _booking_or_404(reference, token)
    response = HttpResponse(booking_ics(booking), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{booking.reference}.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def manage_lookup(request: HttpRequest) -> HttpResponse:
    """Reference + email → the manage link by email. The answer is the same whether or not a booking matches."""
    form = ManageLookupForm(request.POST or None)
    sent = False
    status = 200
    if request.method == "POST":
        # Per address and per booking reference (settings GNB_AUTH_LIMIT_*): enough for typos, too few to guess.
        wait = throttling.throttle_hit(
            request, flow=throttling.MANAGE_LOOKUP, account=request.POST.get("reference", "").strip().upper()
        )
        if wait is not None:
            # An empty form: the answer is the same whatever was sent.
            context = {"form": ManageLookupForm(), "wait_minutes": (wait + 59) // 60}
            response = render_page(request, "website/manage_lookup.html", context, status=429)
            response["Retry-After"] = str(wait)
            return response
        if form.is_valid():
            manage_link_request(reference=form.cleaned_data["reference"], email=form.cleaned_data["email"])
            sent = True
        else:
            status = 422
    return render_page(request, "website/manage_lookup.html", {"form": form, "sent": sent}, status=status)


# --- pages ------------------------------------------------------------------------------------------------
PAGES = {"about", "terms", "privacy", "cookies", "cancellation"}


def page(request: HttpRequest, page: str) -> HttpResponse:
    if page not in PAGES:
        raise Http404
    return render_page(
        request,
        f"website/pages/{page}.html",
        {
            "free_hours": settings.GNB_FREE_CANCELLATION_HOURS,
            "fee_percent": settings.GNB_LATE_CANCELLATION_FEE_PERCENT,
            "lead_minutes": settings.GNB_MIN_LEAD_MINUTES,
            "operator_email": settings.GNB_OPERATOR_EMAIL,
        },
    )


@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    form = ContactForm(request.POST or None)
    status = 200
    if request.method == "POST":
        wait = rate_limit_hit(scope="contact", identity=client_ip(request), limit=5, window_seconds=3600)
        if wait is not None:
            form.add_error(None, _("Too many messages from your connection. Please try again later or email us."))
            response = render_page(
                request,
                "website/contact.html",
                {"form": form, "operator_email": settings.GNB_OPERATOR_EMAIL},
                status=429,
            )
            response["Retry-After"] = str(wait)
            return response
        if form.is_valid():
            try:
                contact_message_send(**form.cleaned_data, language=translation.get_language())
            except ValidationFailed as error:
                form.add_domain_errors(error)
            else:
                messages.success(request, _("Thank you. Your message has reached us; we answer within a day."))
                return redirect("website:contact")
        status = 422
    return render_page(
        request, "website/contact.html", {"form": form, "operator_email": settings.GNB_OPERATOR_EMAIL}, status=status
    )


def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /api/",
        *[f"Disallow: /{code}/manage/" for code, _name in settings.LANGUAGES],
        *[f"Disallow: /{code}/checkout/" for code, _name in settings.LANGUAGES],
        f"Sitemap: {settings.SITE_URL}/sitemap.xml",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def error_404(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", {"currency": settings.BASE_CURRENCY, "currencies": []}, status=404)
