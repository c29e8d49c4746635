"""The booking flow, one class per page: the transfer results, the details forms (transfer, tour), the review and
the pay page. Each step knows its form and template and what it hands on to the next (the search in the link, the
checked order in the session's draft, the placed booking in the session).

A step prices once per request: a details form sent is priced by the check of its order (the search or party is
priced again only to show the form with its errors); the review and pay pages check the draft's order once and show
that quote; a pay POST leaves the pricing to the placing service (which checks the order as it places it) and prices
again only to show the page after a refused placement.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from gnb.accounts.customers import customer_bookings_link
from gnb.accounts.selectors import customer_booking_prefill, customer_saved_passengers
from gnb.bookings import policies
from gnb.bookings.models import Booking
from gnb.bookings.orders import TourOrder, TransferOrder
from gnb.bookings.quotes import TransferQuote, tour_quote, transfer_quote
from gnb.bookings.services import (
    booking_check_tour,
    booking_check_transfer,
    booking_place_idempotent,
    booking_place_tour,
    booking_place_transfer,
    request_fingerprint,
)
from gnb.catalog.models import Extra, Tour
from gnb.catalog.selectors import extra_list
from gnb.catalog.snapshot import catalogue
from gnb.catalog.translation import translated_columns
from gnb.core.errors import DomainError, SoldOut, ValidationFailed
from gnb.payments.services import payment_start
from gnb.website import selectors
from gnb.website.checkout.draft import PLACED_KEY, Draft, draft_finish, draft_get, draft_start
from gnb.website.checkout.methods import payment_methods
from gnb.website.forms import (
    GroupQuoteForm,
    TourDetailsForm,
    TourPartyForm,
    TransferDetailsForm,
    TransferSearchForm,
)
from gnb.website.links import booking_payment_url
from gnb.website.pages import display_currency, render_page, tour_or_404, with_query


class Step:
    """One page of the booking flow: ``respond`` answers its GET or POST."""

    template: ClassVar[str]

    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    def respond(self) -> HttpResponse:
        return self.post() if self.request.method == "POST" else self.get()

    def get(self) -> HttpResponse:
        raise NotImplementedError

    def post(self) -> HttpResponse:
        return self.get()

    def render(self, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
        return render_page(self.request, self.template, context, status=status)


# --- shared -----------------------------------------------------------------------------------------------
def _extras() -> list[Extra]:
    return list(
        extra_list().only(
            "code",
            "price",
            "pricing",
            "max_quantity",
            "for_party",
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


def _saved_passengers(request: HttpRequest) -> list[Any]:
    """A signed-in customer's saved passengers, offered on the details form in one tap."""
    user = request.user
    if not user.is_authenticated or user.is_staff or user.is_superuser:
        return []
    return customer_saved_passengers(user=user)


def _traveller_initial(order: TransferOrder | TourOrder) -> dict[str, Any]:
    """The details form filled in from a draft's order, to change it."""
    initial: dict[str, Any] = {
        "email": order.contact.email,
        "phone": order.contact.phone,
        "coupon": order.quote_request.coupon or "",
        "notes": order.notes,
        "pickup_point": order.pickup_point,
    }
    for index, passenger in enumerate(order.passengers):
        initial[f"passenger_{index}_first_name"] = passenger.first_name
        initial[f"passenger_{index}_last_name"] = passenger.last_name
    return initial


def _transfer_initial(order: TransferOrder) -> dict[str, Any]:
    initial = _traveller_initial(order) | {"return_pickup_point": order.return_pickup_point}
    for prefix, flight in (("", order.flight), ("return_", order.return_flight)):
        initial |= {f"{prefix}flight_number": flight.number, f"{prefix}flight_arrival": flight.arrival_at}
    for extra in order.quote_request.extras:
        initial[f"extra_{extra.code}"] = extra.quantity
    initial["pickup_time"] = order.quote_request.pickup_at.time()  # a drop-off's, as the traveller set it
    if order.quote_request.return_pickup_at is not None:
        initial["return_pickup_time"] = order.quote_request.return_pickup_at.time()
    return initial


def payment_redirect(request: HttpRequest, booking: Booking, provider: str, *, key: str) -> HttpResponse:
    """Open a payment attempt at ``provider`` (one per ``key``) and send the browser there, or render its form."""
    # On the public site address (SITE_URL), never built from the request's Host header.
    status_url = booking_payment_url(booking)
    _payment, result = payment_start(
        booking_id=booking.pk, provider=provider, idempotency_key=key, return_url=status_url, cancel_url=status_url
    )
    if result.redirect_url:
        return redirect(result.redirect_url)
    return render_page(request, result.template, result.context | {"booking": booking, "status_url": status_url})


# --- transfers: results and details -----------------------------------------------------------------------
def transfer_search(
    request: HttpRequest, data: QueryDict, *, form: TransferSearchForm | None = None
) -> tuple[TransferSearchForm, TransferQuote | None]:
    """The search form (``form`` when it is already bound to ``data``) and, when it is valid, its quote in the
    visitor's currency (errors land on the form)."""
    form = form or TransferSearchForm(data)
    if not form.is_valid():
        return form, None
    try:
        quote = transfer_quote(form.quote_request(currency=display_currency(request)))
    except ValidationFailed as error:
        form.add_domain_errors(error)
        return form, None
    return form, quote


class TransferResults(Step):
    """The vehicles for a search, each with its price and a link to its details form (the search in the link)."""

    template = "website/results.html"

    def get(self) -> HttpResponse:
        form, quote = transfer_search(self.request, self.request.GET)
        options = []
        if quote is not None:
            codes = [option.vehicle.code for option in quote.options]
            vehicles = {v.code: v for v in catalogue().vehicle_classes.values() if v.code in codes}
            query = form.canonical_query()
            for option in quote.options:
                vehicle = vehicles[option.vehicle.code]
                book_url = with_query(
                    reverse("website:transfer_book"), query | {"vehicle": vehicle.code, "currency": quote.currency}
                )
                options.append({"vehicle": vehicle, "breakdown": option.breakdown, "book_url": book_url})
        return self.render(
            {
                "form": form,
                "quote": quote,
                "options": options,
                "places": selectors.place_choices,
                "change_form": (
                    self._change_search_form(quote, form.timing.kind, form.return_kind) if quote is not None else None
                ),
                "timing": form.timing if quote is not None else None,
                "minutes_after_landing": settings.GNB_PICKUP_MINUTES_AFTER_LANDING,
                # No vehicle takes the party: the search becomes a request for an offer, not a dead end.
                "group_form": group_quote_form_for(form, quote) if quote is not None and not options else None,
            }
        )

    def _change_search_form(self, quote: TransferQuote, time_kind: str, return_kind: str) -> TransferSearchForm:
        """The search again, filled in with places by their names, to adjust it without starting over."""
        request = self.request
        initial: dict[str, Any] = request.GET.dict() | {
            "origin": str(quote.origin),
            "destination": str(quote.destination),
        }
        initial["return_trip"] = bool(request.GET.get("return_trip"))
        form = TransferSearchForm(initial=initial)
        form.label_time(time_kind, return_kind)
        return form


def group_quote_form_for(search: TransferSearchForm, quote: TransferQuote) -> GroupQuoteForm:
    """The request for an offer, filled in with the search the party made (places by their names)."""
    data = search.cleaned_data
    # The pickup the search worked out (after the landing, before a departure), not the flight time typed.
    pickup_at = search.timing.pickup_at
    return GroupQuoteForm(
        initial={
            "origin": str(quote.origin),
            "destination": str(quote.destination),
            "date": pickup_at.date(),
            "time": pickup_at.strftime("%H:%M"),
            "adults": data["adults"],
            "children": data["children"],
            "infants": data["infants"],
            "bags": data["bags"],
        }
    )


class TransferDetails(Step):
    """The traveller's details for a chosen vehicle; hands on a draft (the checked order) to the review."""

    template = "website/transfer_book.html"

    def respond(self) -> HttpResponse:
        request = self.request
        vehicle_code = request.GET.get("vehicle", "")
        search = TransferSearchForm(request.GET)
        details: TransferDetailsForm | None = None
        refused: ValidationFailed | None = None
        # A form sent is priced once, by the check of its order; the search is priced again only to show the form.
        if request.method == "POST" and search.is_valid():
            details = self._form(search, data=request.POST, saved=_saved_passengers(request))
            if details.is_valid():
                currency = display_currency(request)
                order = self._order(search, details, vehicle=vehicle_code, currency=currency)
                try:
                    booking_check_transfer(order=order)
                except ValidationFailed as error:
                    refused = error
                else:
                    trip = search.canonical_query() | {"vehicle": vehicle_code}
                    draft_start(request.session, query=trip, currency=currency, order=order)
                    return redirect("website:review")
        search, quote = transfer_search(request, request.GET, form=search)
        option = quote.option_for(vehicle_code) if quote is not None else None
        if quote is None or option is None:
            messages.error(request, _("Choose a vehicle for your trip first."))
            return redirect(with_query(reverse("website:results"), request.GET.dict()))
        currency = quote.currency
        trip = search.canonical_query() | {"vehicle": vehicle_code}
        if request.method == "POST":
            if details is None:
                details = self._form(search, data=request.POST, saved=_saved_passengers(request))
                details.is_valid()
            if refused is not None:
                details.add_domain_errors(refused)
        else:
            draft = draft_get(request.session)
            if draft is not None and draft.kind == "transfer" and draft.query == trip:
                assert isinstance(draft.order, TransferOrder)
                details = self._form(search, initial=_transfer_initial(draft.order), saved=_saved_passengers(request))
            else:
                # The landings were given with the search: they are shown filled in, not asked again.
                initial = {"flight_arrival": search.timing.flight_at} if search.timing.kind == "landing" else {}
                if search.return_timing is not None and search.return_timing.kind == "landing":
                    initial["return_flight_arrival"] = search.return_timing.flight_at
                details = self._form(search, initial=initial, saved=_saved_passengers(request))
                details.initial.update(_account_prefill(request, details.categories))
        vehicle = next(vc for vc in catalogue().vehicle_classes.values() if vc.code == vehicle_code)
        return self.render(
            {
                "search": search,
                "quote": quote,
                "option": option,
                "vehicle": vehicle,
                "form": details,
                "currency": currency,
            }
        )

    @staticmethod
    def _form(search: TransferSearchForm, data=None, initial=None, saved=()) -> TransferDetailsForm:
        """The details form for a valid search: its fields follow the party, the places and whether it returns."""
        party = search.cleaned_data
        return TransferDetailsForm(
            data,
            initial=initial,
            origin=search.origin_place,
            destination=search.destination_place,
            has_return=bool(party.get("return_trip")),
            dropoff=search.timing if search.timing.kind == "departure" else None,
            return_dropoff=search.return_timing if search.return_kind == "departure" else None,
            extras=_extras(),
            adults=party["adults"],
            children=party["children"],
            infants=party["infants"],
            saved_passengers=saved,
        )

    @staticmethod
    def _order(
        search: TransferSearchForm, details: TransferDetailsForm, *, vehicle: str, currency: str
    ) -> TransferOrder:
        data = details.cleaned_data
        return TransferOrder(
            quote_request=search.quote_request(
                extras=details.extra_requests(),
                coupon=data.get("coupon"),
                currency=currency,
                pickup_at=details.pickup_at(search.timing.pickup_at),
                return_pickup_at=(
                    details.pickup_at(search.return_timing.pickup_at, prefix="return_")
                    if search.return_timing is not None
                    else None
                ),
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
        )


# --- tours: details ---------------------------------------------------------------------------------------
class TourDetails(Step):
    """The traveller's details for seats on a departure; hands on a draft (the checked order) to the review."""

    template = "website/tour_book.html"

    def __init__(self, request: HttpRequest, slug: str) -> None:
        super().__init__(request)
        self.slug = slug

    def respond(self) -> HttpResponse:
        request = self.request
        tour = tour_or_404(self.slug)
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
            return render_page(request, "website/tour_unavailable.html", context, status=409)
        currency = display_currency(request)
        counts: dict[str, Any] = {name: party.cleaned_data[name] for name in ("adults", "children", "infants")}
        counts["saved_passengers"] = _saved_passengers(request)
        trip = party.canonical_query() | {"tour": tour.slug}
        refused: ValidationFailed | None = None
        if request.method == "POST":
            # The order is priced once, by its check; the party is priced again only to show the form again.
            details = TourDetailsForm(request.POST, tour=tour, **counts)
            if details.is_valid():
                data = details.cleaned_data
                order = TourOrder(
                    quote_request=party.quote_request(coupon=data.get("coupon"), currency=currency),
                    contact=details.contact(),
                    passengers=details.passengers(),
                    pickup_place=details.pickup_place_slug(),
                    notes=data.get("notes", ""),
                    language=translation.get_language(),
                )
                try:
                    booking_check_tour(order=order)
                except ValidationFailed as error:
                    refused = error
                else:
                    draft_start(request.session, query=trip, currency=currency, order=order)
                    return redirect("website:review")
        try:
            quote = tour_quote(party.quote_request(currency=currency))
        except ValidationFailed as error:
            messages.error(request, error.message)
            return redirect("website:tour", slug=tour.slug)
        if request.method == "POST":
            if refused is not None:
                details.add_domain_errors(refused)
        else:
            draft = draft_get(request.session)
            if draft is not None and isinstance(draft.order, TourOrder) and draft.query == trip:
                initial = _traveller_initial(draft.order) | {"pickup_place": draft.order.pickup_place}
                details = TourDetailsForm(initial=initial, tour=tour, **counts)
            else:
                details = TourDetailsForm(tour=tour, **counts)
                details.initial.update(_account_prefill(request, details.categories))
        context |= {
            "quote": quote,
            "form": details,
            "currency": currency,
            "pickup_times": selectors.tour_pickup_times(tour=tour, departure=departure),
            "pickup_places": selectors.tour_pickup_places(tour=tour),
        }
        return self.render(context)


# --- review and pay ---------------------------------------------------------------------------------------
class DraftInvalid(Exception):
    """The draft's order no longer passes the services' checks: back to its form, with the reasons."""

    def __init__(self, edit_url: str, error: DomainError | None = None) -> None:
        self.edit_url = edit_url
        self.error = error


def _summary(draft: Draft) -> dict[str, Any]:
    """Check the draft's order once, as placing it would, and what the review and pay pages show of it."""
    order = draft.order_for(language=translation.get_language())
    details = {"pickup_point": order.pickup_point}
    if isinstance(order, TransferOrder):
        try:
            checked = booking_check_transfer(order=order)
        except ValidationFailed as error:
            raise DraftInvalid(draft.edit_url, error) from None
        return {
            "kind": "transfer",
            "quote": checked.quote,
            "breakdown": checked.option.breakdown,
            "vehicle": checked.option.vehicle,
            "traveller": checked.traveller,
            "flight": checked.outbound_flight,
            "return_flight": checked.inbound_flight,
            "details": details | {"return_pickup_point": order.return_pickup_point},
            "starts_at": checked.quote.pickup_at,
            "edit_url": draft.edit_url,
        }
    tour: Tour = tour_or_404(draft.query["tour"])
    try:
        checked_tour = booking_check_tour(order=order)
    except ValidationFailed as error:
        raise DraftInvalid(draft.edit_url, error) from None
    return {
        "kind": "tour",
        "tour": tour,
        "quote": checked_tour.quote,
        "breakdown": checked_tour.quote.breakdown,
        "traveller": checked_tour.traveller,
        "details": details,
        "pickup": checked_tour.pickup,
        "starts_at": checked_tour.quote.departure.starts_at,
        "edit_url": draft.edit_url,
    }


def _session_ended(request: HttpRequest) -> HttpResponse:
    messages.info(request, _("Your booking session has ended. Please search again."))
    return redirect("website:home")


def _invalid_draft_response(request: HttpRequest, invalid: DraftInvalid) -> HttpResponse:
    if invalid.error is not None:
        items = invalid.error.errors if isinstance(invalid.error, ValidationFailed) else [("", invalid.error.message)]
        for _field, message in items:
            messages.error(request, message)
    else:
        messages.error(request, _("Please check your details again."))
    return redirect(invalid.edit_url)


class Review(Step):
    """The order as it will be booked, priced now, with the cancellation terms as they stand now and the choice of
    payment; its POST places the booking, once per draft (its id is the idempotency key), and hands the placed
    booking on to its confirmation page or to the card provider."""

    template = "website/review.html"

    def respond(self) -> HttpResponse:
        request = self.request
        draft = draft_get(request.session)
        placed = request.session.get(PLACED_KEY)
        if draft is None and placed and request.method == "POST":
            # The booking was placed by an earlier submit of this page (a double click, a reload): show it.
            return redirect("website:confirmation", reference=placed[0], token=placed[1])
        if draft is None:
            return _session_ended(request)
        methods = payment_methods(draft.currency)
        chosen = request.POST.get("payment_method", "")
        error = None
        if request.method == "POST":
            method = next((m for m in methods if m.code == chosen), None)
            if method is None:
                error = _("Choose how you want to pay.")
            else:
                try:
                    return self._place(draft, method.code)
                except DraftInvalid as invalid:
                    return _invalid_draft_response(request, invalid)
                except SoldOut as sold_out:
                    messages.error(request, sold_out.message)
                    return redirect("website:tour", slug=draft.query.get("tour", ""))
                except DomainError as failed:
                    error = failed.message
        try:
            summary = _summary(draft)
        except DraftInvalid as invalid:
            return _invalid_draft_response(request, invalid)
        breakdown = summary["breakdown"]
        return self.render(
            summary
            | {
                "terms": policies.cancellation_terms(total=breakdown.total, starts_at=summary["starts_at"]),
                "methods": methods,
                "chosen": chosen or methods[0].code,
                "error": error,
                "currency": draft.currency,
            },
            status=422 if error else 200,
        )

    def _place(self, draft: Draft, method_code: str) -> HttpResponse:
        """Place the draft's order (priced once, by the placing service) and send the traveller on."""
        request = self.request
        by_card = method_code != Booking.PaymentMethod.CASH
        booking_method = Booking.PaymentMethod.CARD if by_card else Booking.PaymentMethod.CASH
        order = draft.order_for(language=translation.get_language(), payment_method=booking_method)

        def place() -> Booking:
            try:
                if isinstance(order, TransferOrder):
                    return booking_place_transfer(order=order)
                return booking_place_tour(order=order)
            except ValidationFailed as error:
                # The order no longer passes the checks the review showed it passing: back to its form.
                raise DraftInvalid(draft.edit_url, error) from None

        booking, _created = booking_place_idempotent(
            key=f"web-{draft.id}",
            # The draft's id lives in this visitor's session alone, so the site is the key's one client.
            scope="website",
            fingerprint=request_fingerprint(draft.data() | {"method": booking_method}),
            place=place,
        )
        draft_finish(request.session)
        if request.user.is_authenticated:
            # A signed-in customer's booking joins "my bookings" when its lead email is their verified
            # address (and only then: an address nobody proved is never a reason to link).
            customer_bookings_link(user_id=request.user.pk, booking_id=booking.pk)
        request.session[PLACED_KEY] = [booking.reference, booking.manage_token]
        if by_card:
            # The booking now holds its seats; the card payment opens at the provider. Should that fail,
            # the payment page says so and offers to try again while the hold lasts.
            try:
                return payment_redirect(request, booking, method_code, key=f"web-{draft.id}")
            except DomainError as failed:
                messages.error(request, failed.message)
                return redirect("website:payment", reference=booking.reference, token=booking.manage_token)
        return redirect("website:confirmation", reference=booking.reference, token=booking.manage_token)
