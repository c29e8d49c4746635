"""Public website views. Thin: they read through selectors, write through services and show errors next to the
fields the services name. Every step works without JavaScript."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gnb.accounts.customers import customer_bookings_link
from gnb.accounts.selectors import customer_booking_prefill
from gnb.bookings import policies
from gnb.bookings.models import Booking
from gnb.bookings.orders import TourOrder, TransferOrder
from gnb.bookings.quotes import currency_rates, tour_quote, transfer_quote
from gnb.bookings.selectors import booking_for_manage_token
from gnb.bookings.services import (
    TRAVELLER,
    booking_cancel,
    booking_check_tour,
    booking_check_transfer,
    booking_place_idempotent,
    booking_place_tour,
    booking_place_transfer,
    booking_update_details,
    request_fingerprint,
)
from gnb.catalog.models import Extra, VehicleClass
from gnb.catalog.selectors import extra_list, tour_get
from gnb.catalog.translation import translated_columns
from gnb.core.errors import DomainError, NotFound, SoldOut, ValidationFailed
from gnb.core.formats import language_currency
from gnb.core.ratelimit import client_ip, rate_limit_hit
from gnb.payments.selectors import PaymentStatus, booking_payment_status
from gnb.payments.services import booking_refund_after_cancel, payment_start
from gnb.website import checkout, selectors, throttling
from gnb.website.forms import (
    ContactForm,
    ManageChangeForm,
    ManageLookupForm,
    TourDetailsForm,
    TourPartyForm,
    TransferDetailsForm,
    TransferSearchForm,
    form_add_domain_errors,
)
from gnb.website.links import booking_payment_url
from gnb.website.services import manage_link_request

CURRENCY_COOKIE = "gnb_currency"
PLACED_KEY = "gnb_placed"


# --- shared -----------------------------------------------------------------------------------------------
def _currency(request: HttpRequest) -> str:
    # The traveller's own choice (this link, then the switcher's cookie) before the one preselected for the language.
    return selectors.display_currency(
        request.GET.get("currency") or request.COOKIES.get(CURRENCY_COOKIE) or language_currency()
    )


def _remember_currency(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    requested = request.GET.get("currency")
    if requested and selectors.display_currency(requested) == requested.upper():
        response.set_cookie(
            CURRENCY_COOKIE, requested.upper(), max_age=365 * 24 * 3600, samesite="Lax", secure=request.is_secure()
        )
    return response


def _page(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    context.setdefault("currency", _currency(request))
    context.setdefault("currencies", sorted(currency_rates()))
    return _remember_currency(request, render(request, template, context, status=status))


def _with_query(url: str, query: dict[str, str]) -> str:
    return f"{url}?{urlencode(query)}" if query else url


def _default_pickup() -> dt.datetime:
    """Tomorrow at noon, local time: a sensible first value for the search form."""
    tomorrow = timezone.localtime() + dt.timedelta(days=1)
    return tomorrow.replace(hour=12, minute=0, second=0, microsecond=0)


def _vehicle_columns() -> tuple[str, ...]:
    return (
        "code",
        "icon",
        "example_models",
        "max_passengers",
        "max_luggage",
        *translated_columns("name"),
        *translated_columns("description"),
        *translated_columns("included"),
    )


def _extras() -> list[Extra]:
    return list(
        extra_list().only(
            "code",
            "price",
            "pricing",
            "max_quantity",
            "sort_order",
            *translated_columns("name"),
            *translated_columns("description"),
        )
    )


def _account_prefill(request: HttpRequest, categories: list[str]) -> dict[str, str]:
    """A signed-in customer's name, verified address and saved passengers, to start the booking form with."""
    user = request.user
    if not user.is_authenticated or user.is_staff or user.is_superuser:
        return {}
    return customer_booking_prefill(user=user, categories=categories)


# --- home and transfers -----------------------------------------------------------------------------------
def home(request: HttpRequest) -> HttpResponse:
    currency = _currency(request)
    pickup = _default_pickup()
    form = TransferSearchForm(
        initial={"date": pickup.date(), "time": pickup.time(), "adults": 2, "children": 0, "infants": 0, "bags": 2}
    )
    return _page(
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
            "url": _with_query(results, {"origin": route.origin.slug, "destination": route.destination.slug} | query),
        }
        for route in selectors.popular_routes(currency=currency)
    ]


def _search(request: HttpRequest, data: QueryDict) -> tuple[TransferSearchForm, Any]:
    """The search form and, when it is valid, its quote in the visitor's currency (errors land on the form)."""
    form = TransferSearchForm(data)
    if not form.is_valid():
        return form, None
    try:
        quote = transfer_quote(form.quote_request(currency=_currency(request)))
    except ValidationFailed as error:
        form_add_domain_errors(form, error, mapping=TransferSearchForm.DOMAIN_FIELDS)
        return form, None
    return form, quote


def transfer_results(request: HttpRequest) -> HttpResponse:
    form, quote = _search(request, request.GET)
    options = []
    if quote is not None:
        codes = [option.vehicle.code for option in quote.options]
        vehicles = {v.code: v for v in VehicleClass.objects.filter(code__in=codes).only(*_vehicle_columns())}
        query = form.canonical_query()
        for option in quote.options:
            vehicle = vehicles[option.vehicle.code]
            book_url = _with_query(
                reverse("website:transfer_book"), query | {"vehicle": vehicle.code, "currency": quote.currency}
            )
            options.append({"vehicle": vehicle, "breakdown": option.breakdown, "book_url": book_url})
    return _page(
        request,
        "website/results.html",
        {
            "form": form,
            "quote": quote,
            "options": options,
            "places": selectors.place_choices,
            "change_form": _change_search_form(request, quote) if quote is not None else None,
        },
    )


def _change_search_form(request: HttpRequest, quote) -> TransferSearchForm:
    """The search again, filled in with places by their names, to adjust it without starting over."""
    initial: dict[str, Any] = request.GET.dict() | {"origin": str(quote.origin), "destination": str(quote.destination)}
    initial["return_trip"] = bool(request.GET.get("return_trip"))
    return TransferSearchForm(initial=initial)


def _transfer_details_form(search: TransferSearchForm, data=None, initial=None) -> TransferDetailsForm:
    """The details form for a valid search: its fields follow the party, the places and whether it returns."""
    party = search.cleaned_data
    return TransferDetailsForm(
        data,
        initial=initial,
        origin=search.origin_place,
        destination=search.destination_place,
        has_return=bool(party.get("return_trip")),
        extras=_extras(),
        adults=party["adults"],
        children=party["children"],
        infants=party["infants"],
    )


def _transfer_order(
    search: TransferSearchForm,
    details: TransferDetailsForm,
    *,
    vehicle: str,
    currency: str,
    payment_method=Booking.PaymentMethod.CASH,
) -> TransferOrder:
    data = details.cleaned_data
    return TransferOrder(
        quote_request=search.quote_request(
            extras=details.extra_requests(), coupon=data.get("coupon"), currency=currency
        ),
        vehicle_class=vehicle,
        contact=details.contact(),
        passengers=details.passengers(),
        flight=details.flight(),
        return_flight=details.flight("return_"),
        pickup_point=data.get("pickup_point", ""),
        return_pickup_point=data.get("return_pickup_point", ""),
        notes=data.get("notes", ""),
        language=translation.get_language(),
        payment_method=payment_method,
    )


@require_http_methods(["GET", "POST"])
def transfer_book(request: HttpRequest) -> HttpResponse:
    search, quote = _search(request, request.GET)
    vehicle_code = request.GET.get("vehicle", "")
    option = quote.option_for(vehicle_code) if quote is not None else None
    if option is None:
        messages.error(request, _("Choose a vehicle for your trip first."))
        return redirect(_with_query(reverse("website:results"), request.GET.dict()))
    currency = quote.currency
    if request.method == "POST":
        details = _transfer_details_form(search, data=request.POST)
        if details.is_valid():
            try:
                booking_check_transfer(order=_transfer_order(search, details, vehicle=vehicle_code, currency=currency))
            except ValidationFailed as error:
                form_add_domain_errors(details, error)
            else:
                posted = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
                checkout.draft_start(
                    request.session,
                    kind="transfer",
                    query=search.canonical_query() | {"vehicle": vehicle_code},
                    details=posted,
                    currency=currency,
                )
                return redirect("website:review")
    else:
        draft = checkout.draft_get(request.session)
        same_trip = (
            draft
            and draft["kind"] == "transfer"
            and draft["query"] == search.canonical_query() | {"vehicle": vehicle_code}
        )
        initial = (
            draft["details"]
            if draft and same_trip
            else {"flight_arrival": timezone.localtime(quote.pickup_at).replace(tzinfo=None)}
        )
        details = _transfer_details_form(search, initial=initial)
        if not (draft and same_trip):
            details.initial.update(_account_prefill(request, details.categories))
    vehicle = VehicleClass.objects.only(*_vehicle_columns()).get(code=vehicle_code)
    return _page(
        request,
        "website/transfer_book.html",
        {"search": search, "quote": quote, "option": option, "vehicle": vehicle, "form": details, "currency": currency},
    )


# --- tours ------------------------------------------------------------------------------------------------
def tour_list(request: HttpRequest) -> HttpResponse:
    currency = _currency(request)
    tours = selectors.tour_cards()
    cards = [{"tour": tour, "price": selectors.in_currency(tour.adult_price, currency)} for tour in tours]
    return _page(request, "website/tours.html", {"cards": cards, "currency": currency})


def _tour_or_404(slug: str):
    try:
        return tour_get(slug=slug)
    except NotFound:
        raise Http404(_("Tour not found.")) from None


def tour_detail(request: HttpRequest, slug: str) -> HttpResponse:
    tour = _tour_or_404(slug)
    currency = _currency(request)
    prices = {
        "adult": selectors.in_currency(tour.adult_price, currency),
        "child": selectors.in_currency(tour.child_price, currency),
        "infant": selectors.in_currency(tour.infant_price, currency),
    }
    return _page(
        request,
        "website/tour_detail.html",
        {
            "tour": tour,
            "prices": prices,
            # The calendar is the costliest part of the page: its rendered fragment is cached under a key that
            # changes with every booking or departure change of this tour (tour_detail.html), so the departures are
            # read only when the template needs them.
            "months": functools.partial(selectors.departure_calendar, tour=tour),
            "calendar_version": selectors.departure_calendar_version(tour=tour),
            "party": TourPartyForm(initial={"adults": 2, "children": 0, "infants": 0}),
            "currency": currency,
        },
    )


@require_http_methods(["GET", "POST"])
def tour_book(request: HttpRequest, slug: str) -> HttpResponse:
    tour = _tour_or_404(slug)
    party = TourPartyForm(request.GET)
    if not party.is_valid():
        messages.error(request, _("Choose a departure and the number of travellers."))
        return redirect("website:tour", slug=tour.slug)
    departure = selectors.departure_with_seats(tour=tour, departure_id=party.cleaned_data["departure"])
    seats_wanted = sum(party.cleaned_data[name] for name in ("adults", "children", "infants"))
    seats_left: int = getattr(departure, "seats_left", 0)  # annotated by the selector
    context: dict[str, Any] = {"tour": tour, "departure": departure, "party": party}
    if departure is None or seats_left < seats_wanted:
        context["sold_out"] = seats_left <= 0
        return _page(request, "website/tour_unavailable.html", context, status=409)
    currency = _currency(request)
    try:
        quote = tour_quote(party.quote_request(currency=currency))
    except ValidationFailed as error:
        messages.error(request, error.message)
        return redirect("website:tour", slug=tour.slug)
    counts = {name: party.cleaned_data[name] for name in ("adults", "children", "infants")}
    if request.method == "POST":
        details = TourDetailsForm(request.POST, **counts)
        if details.is_valid():
            try:
                booking_check_tour(
                    order=TourOrder(
                        quote_request=party.quote_request(coupon=details.cleaned_data.get("coupon"), currency=currency),
                        contact=details.contact(),
                        passengers=details.passengers(),
                        pickup_point=details.cleaned_data["pickup_point"],
                        notes=details.cleaned_data.get("notes", ""),
                        language=translation.get_language(),
                    )
                )
            except ValidationFailed as error:
                form_add_domain_errors(details, error)
            else:
                posted = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
                checkout.draft_start(
                    request.session,
                    kind="tour",
                    query=party.canonical_query() | {"tour": tour.slug},
                    details=posted,
                    currency=currency,
                )
                return redirect("website:review")
    else:
        draft = checkout.draft_get(request.session)
        same = draft and draft["kind"] == "tour" and draft["query"] == party.canonical_query() | {"tour": tour.slug}
        details = TourDetailsForm(initial=draft["details"] if draft and same else None, **counts)
        if not (draft and same):
            details.initial.update(_account_prefill(request, details.categories))
    context |= {"quote": quote, "form": details, "currency": currency}
    return _page(request, "website/tour_book.html", context)


# --- review and pay ---------------------------------------------------------------------------------------
class _DraftInvalid(Exception):
    def __init__(self, edit_url: str, error: DomainError | None = None) -> None:
        self.edit_url = edit_url
        self.error = error


def _draft_checked(request: HttpRequest, draft: dict, *, payment_method: str = Booking.PaymentMethod.CASH):
    """Re-check the booking in progress exactly as placing it would; returns (summary context, place callable)."""
    query = QueryDict(mutable=True)
    query.update(draft["query"])
    details_data = QueryDict(mutable=True)
    for key, value in draft["details"].items():
        details_data[key] = value
    currency: str = draft.get("currency") or settings.BASE_CURRENCY
    language = translation.get_language()
    if draft["kind"] == "transfer":
        edit_url = _with_query(reverse("website:transfer_book"), draft["query"])
        search = TransferSearchForm(query)
        if not search.is_valid():
            raise _DraftInvalid(edit_url)
        details = _transfer_details_form(search, data=details_data)
        if not details.is_valid():
            raise _DraftInvalid(edit_url)
        order = _transfer_order(
            search, details, vehicle=draft["query"]["vehicle"], currency=currency, payment_method=payment_method
        )
        try:
            checked = booking_check_transfer(order=order)
        except ValidationFailed as error:
            raise _DraftInvalid(edit_url, error) from None
        data = details.cleaned_data

        def place() -> Booking:
            return booking_place_transfer(order=order)

        summary = {
            "kind": "transfer",
            "quote": checked.quote,
            "breakdown": checked.option.breakdown,
            "vehicle": checked.option.vehicle,
            "traveller": checked.traveller,
            "flight": checked.outbound_flight,
            "return_flight": checked.inbound_flight,
            "details": data,
            "starts_at": checked.quote.pickup_at,
            "edit_url": edit_url,
        }
        return summary, place
    tour = _tour_or_404(draft["query"]["tour"])
    edit_url = _with_query(
        reverse("website:tour_book", kwargs={"slug": tour.slug}),
        {k: v for k, v in draft["query"].items() if k != "tour"},
    )
    party = TourPartyForm(query)
    if not party.is_valid():
        raise _DraftInvalid(reverse("website:tour", kwargs={"slug": tour.slug}))
    counts = {name: party.cleaned_data[name] for name in ("adults", "children", "infants")}
    tour_details = TourDetailsForm(details_data, **counts)
    if not tour_details.is_valid():
        raise _DraftInvalid(edit_url)
    data = tour_details.cleaned_data

    tour_order = TourOrder(
        quote_request=party.quote_request(coupon=data.get("coupon"), currency=currency),
        contact=tour_details.contact(),
        passengers=tour_details.passengers(),
        pickup_point=data["pickup_point"],
        notes=data.get("notes", ""),
        language=language,
        payment_method=payment_method,
    )
    try:
        checked_tour = booking_check_tour(order=tour_order)
    except ValidationFailed as error:
        raise _DraftInvalid(edit_url, error) from None

    def place_tour() -> Booking:
        return booking_place_tour(order=tour_order)

    summary = {
        "kind": "tour",
        "tour": tour,
        "quote": checked_tour.quote,
        "breakdown": checked_tour.quote.breakdown,
        "traveller": checked_tour.traveller,
        "details": data,
        "starts_at": checked_tour.quote.departure.starts_at,
        "edit_url": edit_url,
    }
    return summary, place_tour


def _draft_or_home(request: HttpRequest):
    draft = checkout.draft_get(request.session)
    if draft is None:
        messages.info(request, _("Your booking session has ended. Please search again."))
    return draft


def _invalid_draft_response(request: HttpRequest, invalid: _DraftInvalid) -> HttpResponse:
    if invalid.error is not None:
        items = invalid.error.errors if isinstance(invalid.error, ValidationFailed) else [("", invalid.error.message)]
        for _field, message in items:
            messages.error(request, message)
    else:
        messages.error(request, _("Please check your details again."))
    return redirect(invalid.edit_url)


def checkout_review(request: HttpRequest) -> HttpResponse:
    draft = _draft_or_home(request)
    if draft is None:
        return redirect("website:home")
    try:
        summary, _place = _draft_checked(request, draft)
    except _DraftInvalid as invalid:
        return _invalid_draft_response(request, invalid)
    return _page(
        request,
        "website/review.html",
        summary
        | {
            "free_until": policies.free_cancellation_until(summary["starts_at"]),
            "fee_percent": settings.GNB_LATE_CANCELLATION_FEE_PERCENT,
            "free_hours": settings.GNB_FREE_CANCELLATION_HOURS,
            "currency": summary["breakdown"].currency,
        },
    )


@require_http_methods(["GET", "POST"])
def checkout_pay(request: HttpRequest) -> HttpResponse:
    draft = checkout.draft_get(request.session)
    placed = request.session.get(PLACED_KEY)
    if draft is None and placed:
        # The booking was placed by an earlier submit of this page (a double click, a reload): show it.
        return redirect("website:confirmation", reference=placed[0], token=placed[1])
    if _draft_or_home(request) is None:
        return redirect("website:home")
    assert draft is not None
    currency = draft.get("currency") or settings.BASE_CURRENCY
    methods = checkout.payment_methods(currency)
    chosen = request.POST.get("payment_method", "")
    error = None
    if request.method == "POST":
        method = next((m for m in methods if m.code == chosen), None)
        if method is None:
            error = _("Choose how you want to pay.")
        else:
            by_card = method.code != Booking.PaymentMethod.CASH
            booking_method = Booking.PaymentMethod.CARD if by_card else Booking.PaymentMethod.CASH
            try:
                summary, place = _draft_checked(request, draft, payment_method=booking_method)
                booking, _created = booking_place_idempotent(
                    key=f"web-{draft['id']}",
                    # The draft's id lives in this visitor's session alone, so the site is the key's one client.
                    scope="website",
                    fingerprint=request_fingerprint(draft | {"method": booking_method}),
                    place=place,
                )
            except _DraftInvalid as invalid:
                return _invalid_draft_response(request, invalid)
            except SoldOut as sold_out:
                messages.error(request, sold_out.message)
                return redirect("website:tour", slug=draft["query"].get("tour", ""))
            except DomainError as failed:
                error = failed.message
            else:
                checkout.draft_finish(request.session)
                if request.user.is_authenticated:
                    # A signed-in customer's booking joins "my bookings" when its lead email is their verified
                    # address (and only then: an address nobody proved is never a reason to link).
                    customer_bookings_link(user_id=request.user.pk, booking_id=booking.pk)
                request.session[PLACED_KEY] = [booking.reference, booking.manage_token]
                if by_card:
                    # The booking now holds its seats; the card payment opens at the provider. Should that fail,
                    # the payment page says so and offers to try again while the hold lasts.
                    try:
                        return _payment_redirect(request, booking, method.code, key=f"web-{draft['id']}")
                    except DomainError as failed:
                        messages.error(request, failed.message)
                        return redirect("website:payment", reference=booking.reference, token=booking.manage_token)
                return redirect("website:confirmation", reference=booking.reference, token=booking.manage_token)
    try:
        summary, _place = _draft_checked(request, draft)
    except _DraftInvalid as invalid:
        return _invalid_draft_response(request, invalid)
    return _page(
        request,
        "website/pay.html",
        summary | {"methods": methods, "chosen": chosen or methods[0].code, "error": error, "currency": currency},
        status=422 if error else 200,
    )


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
        "free_until": policies.free_cancellation_until(booking.starts_at),
        "currency": booking.currency,
    }


def manage(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    booking = _booking_or_404(reference, token)
    return _page(request, "website/manage.html", _manage_context(booking))


def confirmation(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    booking = _booking_or_404(reference, token)
    if booking.status == Booking.Status.PENDING_PAYMENT:  # not confirmed yet: its payment page says where it is
        return redirect("website:payment", reference=booking.reference, token=token)
    return _page(request, "website/manage.html", _manage_context(booking) | {"just_booked": True})


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
                    notes=form.cleaned_data.get("notes", ""),
                    legs=form.legs() or None,
                    tour_pickup_point=form.cleaned_data.get("pickup_point")
                    if booking.kind == Booking.Kind.TOUR
                    else None,
                )
            except DomainError as error:
                form_add_domain_errors(form, error)
            else:
                messages.success(request, _("Your changes are saved."))
                return redirect("website:manage", reference=booking.reference, token=token)
    else:
        initial: dict[str, Any] = {
            "name": booking.lead_name,
            "email": booking.lead_email,
            "phone": booking.lead_phone,
            "notes": booking.notes,
            "pickup_point": booking.pickup_point,
        }
        for leg in booking.legs.all():
            arrival = (
                leg.flight_arrival_at.astimezone(leg.origin.tzinfo).replace(tzinfo=None)
                if leg.flight_arrival_at
                else None
            )
            initial |= {
                f"leg_{leg.sequence}_flight_number": leg.flight_number,
                f"leg_{leg.sequence}_flight_arrival": arrival,
                f"leg_{leg.sequence}_pickup_point": leg.pickup_point,
            }
        form = ManageChangeForm(initial=initial, booking=booking)
    return _page(request, "website/manage_change.html", {"booking": booking, "form": form, "token": token})


PAYMENT_REFRESH_SECONDS = 5


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
            return _payment_redirect(
                request, booking, request.POST.get("provider", ""), key=f"web-{booking.pk}-retry-{attempt}"
            )
        except DomainError as failed:
            error = failed.message
    view = booking_payment_status(booking)
    waiting = view.status == PaymentStatus.WAITING
    # While waiting the page reloads itself; the retry form is shown only when asked for (?retry=1), so a reload
    # does not reset it under the traveller's finger.
    show_form = view.can_retry and (not waiting or request.GET.get("retry") == "1" or error is not None)
    methods = checkout.payment_methods(booking.currency, online_only=True) if show_form else []
    return _page(
        request,
        "website/payment.html",
        {
            "booking": booking,
            "payment": view,
            "methods": methods,
            "error": error,
            "attempt": secrets.token_hex(8),
            "offer_restart": waiting and view.can_retry and not show_form,
            "refresh_seconds": PAYMENT_REFRESH_SECONDS if waiting and not show_form else None,
        },
        status=422 if error else 200,
    )


def _payment_redirect(request: HttpRequest, booking: Booking, provider: str, *, key: str) -> HttpResponse:
    """Open a payment attempt at ``provider`` (one per ``key``) and send the browser there, or render its form."""
    # On the public site address (SITE_URL), never built from the request's Host header.
    status_url = booking_payment_url(booking)
    _payment, result = payment_start(
        booking_id=booking.pk, provider=provider, idempotency_key=key, return_url=status_url, cancel_url=status_url
    )
    if result.redirect_url:
        return redirect(result.redirect_url)
    return _page(request, result.template, result.context | {"booking": booking, "status_url": status_url})


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
    return _page(
        request,
        "website/manage_cancel.html",
        {"booking": booking, "fee": fee, "error": error, "token": token, "currency": booking.currency},
        status=409 if error or (request.method == "POST" and fee is None) else 200,
    )


def manage_voucher(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    from gnb.notifications.vouchers import booking_voucher_pdf

    booking = _booking_or_404(reference, token)
    response = HttpResponse(booking_voucher_pdf(booking), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{booking.reference}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def manage_calendar(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    from gnb.notifications.calendar import booking_ics

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
            response = _page(request, "website/manage_lookup.html", context, status=429)
            response["Retry-After"] = str(wait)
            return response
        if form.is_valid():
            manage_link_request(reference=form.cleaned_data["reference"], email=form.cleaned_data["email"])
            sent = True
        else:
            status = 422
    return _page(request, "website/manage_lookup.html", {"form": form, "sent": sent}, status=status)


# --- pages ------------------------------------------------------------------------------------------------
PAGES = {"about", "terms", "privacy", "cookies", "cancellation"}


def page(request: HttpRequest, page: str) -> HttpResponse:
    if page not in PAGES:
        raise Http404
    return _page(
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
    from gnb.notifications.services import contact_message_send

    form = ContactForm(request.POST or None)
    status = 200
    if request.method == "POST":
        wait = rate_limit_hit(scope="contact", identity=client_ip(request), limit=5, window_seconds=3600)
        if wait is not None:
            form.add_error(None, _("Too many messages from your connection. Please try again later or email us."))
            response = _page(
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
                form_add_domain_errors(form, error, mapping={name: name for name in form.fields})
            else:
                messages.success(request, _("Thank you. Your message has reached us; we answer within a day."))
                return redirect("website:contact")
        status = 422
    return _page(
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
