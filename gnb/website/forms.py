"""Forms of the public website. They shape and label what the traveller types; every business rule stays in the
booking services, whose errors are put back next to the field they name (``DomainErrorsFormMixin``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gnb.bookings import policies
from gnb.bookings.quotes import ExtraRequest, TourQuoteRequest, TransferQuoteRequest
from gnb.bookings.services import (
    COUNTRY_CODES,
    GROUP_MAX_SEATS,
    NAME_MAX,
    Contact,
    FlightInput,
    GroupQuoteInput,
    LegDetails,
    PassengerDocuments,
    PassengerInput,
    mask_document_number,
)
from gnb.catalog.models import Extra, Place
from gnb.catalog.selectors import place_search
from gnb.core.formats import babel_locale
from gnb.core.forms import DomainErrorsFormMixin
from gnb.website.selectors import PickupTiming, pickup_timing, place_resolve

PLACE_OPTIONS = 8  # places offered for a name that matches several

CATEGORY_LABELS = {
    "adult": pgettext_lazy("passenger", "Adult"),
    "child": pgettext_lazy("passenger", "Child"),
    "infant": pgettext_lazy("passenger", "Infant"),
}


def _count_field(label, *, minimum: int, initial: int) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=minimum,
        max_value=settings.GNB_MAX_PASSENGERS,
        initial=initial,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class DateAndTimeWidget(forms.SplitDateTimeWidget):
    """A date input and a time input side by side: one datetime-local input is clipped on a phone (the time
    disappears)."""

    template_name = "website/widgets/date_and_time.html"

    def __init__(self, *, date_label, time_label) -> None:
        super().__init__(
            date_attrs={"type": "date", "aria-label": date_label},
            time_attrs={"type": "time", "aria-label": time_label},
            date_format="%Y-%m-%d",
            time_format="%H:%M",
        )

    def decompress(self, value):
        if isinstance(value, str):  # a combined value sent back with the form's errors
            parts = value.replace("T", " ").split(" ", 1)
            return parts if len(parts) == 2 else [value, ""]
        return super().decompress(value)

    def value_from_datadict(self, data, files, name):
        if name in data and f"{name}_0" not in data:
            return data.get(name)  # one combined value, from a client that posts it so
        return super().value_from_datadict(data, files, name)


class LandingField(forms.SplitDateTimeField):
    """A flight's landing as a date and a time; one combined value (``2026-12-27T12:30``) is taken too."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("widget", DateAndTimeWidget(date_label=_("Landing date"), time_label=_("Landing time")))
        super().__init__(**kwargs)

    def clean(self, value):
        if isinstance(value, str):
            value = value.replace("T", " ").split(" ", 1) if value.strip() else ["", ""]
        return super().clean(value)


def resolve_places(form: forms.Form, data: dict[str, Any], *, options: dict[str, list[Place]] | None = None) -> None:
    """Set ``form.origin_place`` and ``form.destination_place`` from the names typed, or put an error on the field.
    With ``options``, the places a text matches are kept there, to be offered as a list to choose from."""
    for name in ("origin", "destination"):
        text = data.get(name)
        if text is None:
            continue
        place = place_resolve(text)
        if place is not None:
            setattr(form, f"{name}_place", place)
            continue
        matches = [] if options is None else list(place_search(query=" ".join(text.split()), limit=PLACE_OPTIONS))
        if options is not None and matches:
            options[name] = matches
            form.add_error(name, _("“%(text)s” matches several places: choose one below.") % {"text": text})
        else:
            form.add_error(name, _("Choose a place from the list, e.g. “Antalya Airport (AYT)” or a hotel name."))


class TransferSearchForm(DomainErrorsFormMixin, forms.Form):
    """Where from, where to, when and who: the search on the home page, carried through the whole booking flow."""

    origin = forms.CharField(
        label=_("From"),
        max_length=150,
        widget=forms.TextInput(attrs={"list": "places", "autocomplete": "off", "placeholder": _("Airport or hotel")}),
    )
    destination = forms.CharField(
        label=_("To"),
        max_length=150,
        widget=forms.TextInput(attrs={"list": "places", "autocomplete": "off", "placeholder": _("Hotel or airport")}),
    )
    date = forms.DateField(label=_("Pickup date"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(
        label=_("Pickup time"),
        help_text=_("From the airport: your landing time. To the airport: your flight's departure time."),
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    adults = _count_field(_("Adults"), minimum=1, initial=2)
    children = _count_field(_("Children (2–11)"), minimum=0, initial=0)
    infants = _count_field(_("Infants (0–1)"), minimum=0, initial=0)
    bags = forms.IntegerField(
        label=_("Suitcases"),
        min_value=0,
        max_value=60,
        initial=2,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    return_trip = forms.BooleanField(label=_("Return trip"), required=False)
    return_date = forms.DateField(
        label=_("Return date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    return_time = forms.TimeField(
        label=_("Return pickup time"),
        required=False,
        help_text=_("From the airport: your landing time. To the airport: your flight's departure time."),
        widget=forms.TimeInput(attrs={"type": "time"}),
    )

    # Service field names → this form's fields.
    DOMAIN_FIELDS = {
        "origin": "origin",
        "destination": "destination",
        "pickup_at": "date",
        "return_pickup_at": "return_date",
        "adults": "adults",
        "children": "children",
        "infants": "infants",
        "luggage": "bags",
    }

    origin_place: Place
    destination_place: Place

    # What the typed time means, by the places (gnb.website.selectors.pickup_timing); site.js switches the label
    # as the places change, and the server labels it once it knows them.
    TIME_LABELS = {
        "pickup": _("Pickup time"),
        "landing": _("Landing time"),
        "departure": _("Flight departure time"),
    }

    RETURN_TIME_LABELS = {
        "pickup": _("Return pickup time"),
        "landing": _("Return landing time"),
        "departure": _("Return flight departure time"),
    }

    timing: PickupTiming
    return_timing: PickupTiming | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.place_options: dict[str, list[Place]] = {}

    def label_time(self, kind: str, return_kind: str = "pickup") -> None:
        self.fields["time"].label = self.TIME_LABELS[kind]
        self.fields["date"].label = _("Flight date") if kind != "pickup" else _("Pickup date")
        self.fields["return_time"].label = self.RETURN_TIME_LABELS[return_kind]

    def place_option_links(self) -> list[tuple[Any, list[tuple[Place, str]]]]:
        """For each place that did not resolve, the places its text matches, each with the search's query string
        with that place chosen (a link: one tap, no script)."""
        links = []
        for name, places in self.place_options.items():
            query = {key: value for key, value in self.data.items() if key != "csrfmiddlewaretoken"}
            links.append(
                (self.fields[name].label, [(place, urlencode(query | {name: place.slug})) for place in places])
            )
        return links

    def clean(self):
        data = super().clean() or {}
        # Without scripts there are no suggestions as one types: the places the text matches are offered as a list
        # to pick from instead.
        resolve_places(self, data, options=self.place_options)
        if data.get("return_trip"):
            for name in ("return_date", "return_time"):
                if not data.get(name):
                    self.add_error(name, _("Enter the return date and time, or untick “Return trip”."))
        places = hasattr(self, "origin_place") and hasattr(self, "destination_place")
        if places and data.get("date") and data.get("time"):
            typed = dt.datetime.combine(data["date"], data["time"])
            self.timing = pickup_timing(origin=self.origin_place, destination=self.destination_place, typed=typed)
            self.return_timing = self._return_timing(data)
            self.label_time(self.timing.kind, self.return_kind)
        return data

    def _return_timing(self, data) -> PickupTiming | None:
        """The return ride's timing, by the same owner as the first ride's (pickup_timing): the return runs from
        the destination back to the origin, so from an airport the time typed is its landing, to an airport its
        flight's departure, and the pickup follows from either."""
        if not (data.get("return_trip") and data.get("return_date") and data.get("return_time")):
            return None
        typed = dt.datetime.combine(data["return_date"], data["return_time"])
        return pickup_timing(origin=self.destination_place, destination=self.origin_place, typed=typed)

    @property
    def return_kind(self) -> str:
        return self.return_timing.kind if self.return_timing is not None else "pickup"

    def quote_request(
        self,
        *,
        extras: Sequence[ExtraRequest] = (),
        coupon: str | None = None,
        currency: str | None = None,
        pickup_at: dt.datetime | None = None,
        return_pickup_at: dt.datetime | None = None,
    ) -> TransferQuoteRequest:
        """The search's quote request; ``pickup_at`` (``return_pickup_at``) when the details form moved a pickup (a
        corrected landing, a changed drop-off proposal), else the pickup the search implies."""
        return_at = None
        if self.return_timing is not None:
            return_at = return_pickup_at or self.return_timing.pickup_at
        data = self.cleaned_data
        return TransferQuoteRequest(
            origin=self.origin_place.slug,
            destination=self.destination_place.slug,
            pickup_at=pickup_at or self.timing.pickup_at,
            adults=data["adults"],
            children=data["children"],
            infants=data["infants"],
            luggage=data["bags"],
            return_pickup_at=return_at,
            extras=extras,
            coupon=coupon or None,
            currency=currency,
        )

    def canonical_query(self) -> dict[str, str]:
        """The search as query parameters with places by slug, for links to the next step."""
        data = self.cleaned_data
        query = {
            "origin": self.origin_place.slug,
            "destination": self.destination_place.slug,
            "date": data["date"].isoformat(),
            "time": data["time"].strftime("%H:%M"),
            "adults": str(data["adults"]),
            "children": str(data["children"]),
            "infants": str(data["infants"]),
            "bags": str(data["bags"]),
        }
        if data.get("return_trip"):
            query |= {
                "return_trip": "on",
                "return_date": data["return_date"].isoformat(),
                "return_time": data["return_time"].strftime("%H:%M"),
            }
        return query


def _lead_name_field() -> forms.CharField:
    return forms.CharField(label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"}))


class TravellerForm(DomainErrorsFormMixin, forms.Form):
    """Every passenger's name, the lead's email and phone, a coupon and notes: what both transfers and tours ask
    for. The lead contact is passenger 1: their name is not asked a second time."""

    DOMAIN_FIELDS: dict[str, str] = {
        "contact.name": "passenger_0_first_name",
        "contact.email": "email",
        "contact.phone": "phone",
        "coupon": "coupon",
        "notes": "notes",
        "pickup_point": "pickup_point",
    }

    email = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"})
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=40,
        help_text=_("With the country code, e.g. +44 7911 123456. The driver calls this number."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )

    def __init__(
        self, *args, adults: int, children: int, infants: int, saved_passengers: Sequence[Any] = (), **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.categories = ["adult"] * adults + ["child"] * children + ["infant"] * infants
        # A signed-in customer's saved passengers of the party's age groups: buttons that fill a row in one tap
        # (site.js), and without scripts a choice per row that fills it when the form is sent.
        self.saved_passengers = [p for p in saved_passengers if p.category in self.categories]
        for index, category in enumerate(self.categories):
            self.fields[f"passenger_{index}_first_name"] = forms.CharField(
                label=_("First name"),
                max_length=60,
                # Passenger 1 is the lead contact, whose name the phone fills in; the others' are typed.
                widget=forms.TextInput(attrs={"autocomplete": "given-name" if index == 0 else "off"}),
            )
            self.fields[f"passenger_{index}_last_name"] = forms.CharField(
                label=_("Last name"),
                max_length=60,
                widget=forms.TextInput(attrs={"autocomplete": "family-name" if index == 0 else "off"}),
            )
            saved = [
                (str(p.pk), f"{p.first_name} {p.last_name}") for p in self.saved_passengers if p.category == category
            ]
            if saved:
                self.fields[f"passenger_{index}_saved"] = forms.ChoiceField(
                    label=_("Saved passenger"),
                    required=False,
                    choices=[("", _("Someone else (type the name)")), *saved],
                )
        if self.is_bound:
            self.data = self._with_saved_names(self.data)
        self.fields["coupon"] = forms.CharField(label=_("Coupon code"), max_length=40, required=False)
        self.fields["notes"] = forms.CharField(
            label=_("Notes for the driver"),
            max_length=1000,
            required=False,
            widget=forms.Textarea(attrs={"rows": 3}),
        )

    def _with_saved_names(self, data):
        """The form's data with the names of the saved passenger chosen for a row: the choice wins over what the
        row held (the prefilled name it replaces)."""
        by_id = {str(p.pk): p for p in self.saved_passengers}
        chosen = {
            index: by_id[data[f"passenger_{index}_saved"]]
            for index in range(len(self.categories))
            if data.get(f"passenger_{index}_saved") in by_id
        }
        if not chosen:
            return data
        data = data.copy()
        for index, passenger in chosen.items():
            data[f"passenger_{index}_first_name"] = passenger.first_name
            data[f"passenger_{index}_last_name"] = passenger.last_name
        return data

    def passenger_rows(self) -> list[tuple[int, Any, forms.BoundField, forms.BoundField, str, Any]]:
        """Each row: its number, age group (label), first and last name, age group (code), saved-passenger choice."""
        return [
            (
                index + 1,
                CATEGORY_LABELS[category],
                self[f"passenger_{index}_first_name"],
                self[f"passenger_{index}_last_name"],
                category,
                self[f"passenger_{index}_saved"] if f"passenger_{index}_saved" in self.fields else None,
            )
            for index, category in enumerate(self.categories)
        ]

    def contact(self) -> Contact:
        data = self.cleaned_data
        lead = f"{data['passenger_0_first_name']} {data['passenger_0_last_name']}"
        return Contact(name=lead, email=data["email"], phone=data["phone"])

    def passengers(self) -> list[PassengerInput]:
        data = self.cleaned_data
        return [
            PassengerInput(data[f"passenger_{i}_first_name"], data[f"passenger_{i}_last_name"], category)
            for i, category in enumerate(self.categories)
        ]

    def domain_field(self, service_field: str) -> str | None:
        parts = service_field.split(".")
        if len(parts) == 3 and parts[0] == "passengers":
            return f"passenger_{parts[1]}_{parts[2]}"
        return super().domain_field(service_field)


class TransferDetailsForm(TravellerForm):
    """Traveller details for a transfer: the flight for an airport pickup, pickup points and extras."""

    DOMAIN_FIELDS = TravellerForm.DOMAIN_FIELDS | {
        "flight.number": "flight_number",
        "flight.arrival_at": "flight_arrival",
        "return_flight.number": "return_flight_number",
        "return_flight.arrival_at": "return_flight_arrival",
        "return_pickup_point": "return_pickup_point",
        # A drop-off's pickup is what the traveller may move to catch the flight they gave.
        "flight.departure_at": "pickup_time",
    }

    def __init__(
        self,
        *args,
        origin: Place,
        destination: Place,
        has_return: bool,
        extras: Iterable[Extra],
        adults: int,
        children: int,
        infants: int,
        dropoff: PickupTiming | None = None,
        return_dropoff: PickupTiming | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, adults=adults, children=children, infants=infants, **kwargs)
        # The select offers no more than the party may take (a baby seat only when an infant travels); the quote
        # checks the same bound for every client.
        offered = list(extras)
        limits = {extra.code: extra.limit_for(adults=adults, children=children, infants=infants) for extra in offered}
        self.extras = [extra for extra in offered if limits[extra.code] > 0]
        self.has_return = has_return
        self.dropoff = dropoff
        for prefix, place, needed in (("", origin, True), ("return_", destination, has_return)):
            if needed and place.is_airport:
                self.fields[f"{prefix}flight_number"] = forms.CharField(
                    label=_("Flight number"),
                    max_length=12,
                    help_text=_("We follow the flight and wait if it lands late."),
                    widget=forms.TextInput(attrs={"autocapitalize": "characters", "placeholder": "TK2412"}),
                )
                self.fields[f"{prefix}flight_arrival"] = LandingField(
                    label=_("Landing (local time)"),
                    help_text=_("The pickup is %(minutes)s minutes after the landing.")
                    % {"minutes": settings.GNB_PICKUP_MINUTES_AFTER_LANDING},
                )
            if needed:
                self.fields[f"{prefix}pickup_point"] = forms.CharField(
                    label=_("Meeting point") if place.is_airport else _("Pickup point"),
                    max_length=255,
                    required=False,
                    help_text=(
                        _("The driver waits in the arrivals hall with a sign bearing your name.")
                        if place.is_airport
                        else _("E.g. the hotel's main entrance or lobby.")
                    ),
                )
        self.return_dropoff = return_dropoff if has_return else None
        for prefix, timing in (("", dropoff), ("return_", self.return_dropoff)):
            if timing is not None:
                self._add_dropoff_fields(prefix, timing)
        if dropoff is not None:
            self.DOMAIN_FIELDS = self.DOMAIN_FIELDS | {"pickup_at": "pickup_time"}
        elif "flight_arrival" in self.fields:
            self.DOMAIN_FIELDS = self.DOMAIN_FIELDS | {"pickup_at": "flight_arrival"}
        if "return_flight_arrival" in self.fields:
            self.DOMAIN_FIELDS = self.DOMAIN_FIELDS | {"return_pickup_at": "return_flight_arrival"}
        elif self.return_dropoff is not None:
            self.DOMAIN_FIELDS = self.DOMAIN_FIELDS | {
                "return_pickup_at": "return_pickup_time",
                "return_flight.departure_at": "return_pickup_time",
            }
        for extra in self.extras:
            self.fields[f"extra_{extra.code}"] = forms.TypedChoiceField(
                label=extra.name,
                coerce=int,
                choices=[(n, str(n)) for n in range(limits[extra.code] + 1)],
                initial=0,
                required=False,
                empty_value=None,
            )

    def _add_dropoff_fields(self, prefix: str, dropoff: PickupTiming) -> None:
        """A ride to the airport (``prefix="return_"`` for the return): its departure flight's number, and the
        pickup proposed from the flight's departure, which the traveller may move."""
        departure = dropoff.flight_at.strftime("%H:%M") if dropoff.flight_at else ""
        self.fields[f"{prefix}flight_number"] = forms.CharField(
            label=_("Return departure flight number") if prefix else _("Departure flight number"),
            max_length=12,
            help_text=_("Your flight at %(departure)s: the driver keeps an eye on it.") % {"departure": departure},
            widget=forms.TextInput(attrs={"autocapitalize": "characters", "placeholder": "TK2413"}),
        )
        # The proposal from the flight's departure; the traveller knows their hotel and may leave earlier or later.
        self.fields[f"{prefix}pickup_time"] = forms.TimeField(
            label=_("Return pickup time") if prefix else _("Pickup time"),
            initial=dropoff.pickup_at.time(),
            help_text=_(
                "Proposed for your flight at %(departure)s: about %(drive)s minutes' drive and %(check_in)s "
                "minutes at the airport. Change it if you like."
            )
            % {
                "departure": departure,
                "drive": dropoff.drive_minutes,
                "check_in": settings.GNB_AIRPORT_CHECK_IN_MINUTES,
            },
            widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        )

    def extra_fields(self) -> list[tuple[Extra, forms.BoundField]]:
        return [(extra, self[f"extra_{extra.code}"]) for extra in self.extras]

    def extra_requests(self) -> list[ExtraRequest]:
        return [
            ExtraRequest(extra.code, self.cleaned_data.get(f"extra_{extra.code}") or 0)
            for extra in self.extras
            if self.cleaned_data.get(f"extra_{extra.code}")
        ]

    def pickup_at(self, search_pickup: dt.datetime, prefix: str = "") -> dt.datetime:
        """The pickup this form asks for: after the landing it gives (an airport pickup), at the time it gives on
        the proposal's day (a drop-off), else the search's. ``prefix="return_"`` for the return ride."""
        data = self.cleaned_data
        if data.get(f"{prefix}flight_arrival"):
            # Back to the wall clock the field read it on, as the search gives its pickup.
            landing = data[f"{prefix}flight_arrival"]
            return policies.pickup_after_landing(
                timezone.make_naive(landing) if timezone.is_aware(landing) else landing
            )
        if data.get(f"{prefix}pickup_time"):
            return dt.datetime.combine(search_pickup.date(), data[f"{prefix}pickup_time"])
        return search_pickup

    def domain_field(self, service_field: str) -> str | None:
        # "extras.1.quantity" is about the second extra asked for (extra_requests), not the second on the form.
        parts = service_field.split(".")
        if len(parts) == 3 and parts[0] == "extras" and parts[1].isdigit():
            asked = self.extra_requests()
            index = int(parts[1])
            return f"extra_{asked[index].code}" if index < len(asked) else None
        return super().domain_field(service_field)

    def flight(self, prefix: str = "") -> FlightInput:
        data = self.cleaned_data
        if f"{prefix}flight_number" not in self.fields:
            return FlightInput()
        if f"{prefix}flight_arrival" not in self.fields:  # a drop-off: the flight leaves when the search said
            dropoff = self.return_dropoff if prefix else self.dropoff
            assert dropoff is not None
            return FlightInput(number=data.get(f"{prefix}flight_number", ""), departure_at=dropoff.flight_at)
        return FlightInput(
            number=data.get(f"{prefix}flight_number", ""), arrival_at=data.get(f"{prefix}flight_arrival")
        )


class PickupPlaceMixin(forms.Form):
    """A tour's ``pickup_place`` field: the hotel, found as the transfer search finds places (the same
    suggestions, the same resolving of what was typed); the booking services check it is in the tour's pickup
    zones and derive its pickup time."""

    pickup_place: Place | None = None

    def add_pickup_place_field(self, tour_slug: str) -> None:
        self.fields["pickup_place"] = forms.CharField(
            label=_("Your hotel"),
            max_length=150,
            help_text=_("Type its name and choose it from the list; we collect you there."),
            widget=forms.TextInput(
                attrs={
                    "list": "tour-places",
                    "autocomplete": "off",
                    "placeholder": _("Hotel name"),
                    "data-place-tour": tour_slug,
                }
            ),
        )
        chosen = self.initial.get("pickup_place")
        if chosen:  # a slug from a draft or a booking: shown as its name
            place = place_resolve(chosen)
            self.initial["pickup_place"] = str(place) if place else chosen

    def clean_pickup_place(self) -> str:
        text = self.cleaned_data["pickup_place"]
        self.pickup_place = place_resolve(text)
        if self.pickup_place is None:
            raise forms.ValidationError(_("Choose your hotel from the list (type part of its name)."))
        return text

    def pickup_place_slug(self) -> str:
        return self.pickup_place.slug if self.pickup_place else ""


class TourDetailsForm(PickupPlaceMixin, TravellerForm):
    """Traveller details for a tour: the hotel to be picked up at."""

    DOMAIN_FIELDS = TravellerForm.DOMAIN_FIELDS | {"pickup_place": "pickup_place"}

    def __init__(self, *args, tour, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_pickup_place_field(tour.slug)


class TourPartyForm(DomainErrorsFormMixin, forms.Form):
    """A departure and a party, chosen on a tour's page."""

    departure = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    adults = _count_field(_("Adults"), minimum=1, initial=2)
    children = _count_field(_("Children (2–11)"), minimum=0, initial=0)
    infants = _count_field(_("Infants (0–1)"), minimum=0, initial=0)

    DOMAIN_FIELDS = {"departure_id": "departure", "adults": "adults", "children": "children", "infants": "infants"}

    def quote_request(self, *, coupon: str | None = None, currency: str | None = None) -> TourQuoteRequest:
        data = self.cleaned_data
        return TourQuoteRequest(
            departure_id=data["departure"],
            adults=data["adults"],
            children=data["children"],
            infants=data["infants"],
            coupon=coupon or None,
            currency=currency,
        )

    def canonical_query(self) -> dict[str, str]:
        return {name: str(self.cleaned_data[name]) for name in ("departure", "adults", "children", "infants")}


class ManageLookupForm(forms.Form):
    reference = forms.CharField(
        label=_("Booking reference"),
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "GNB-XXXX-XXXX", "autocapitalize": "characters"}),
    )
    email = forms.EmailField(label=_("Email used for the booking"))


class ManageChangeForm(PickupPlaceMixin, DomainErrorsFormMixin, forms.Form):
    """What a traveller may change online: contact, passenger names, flights, pickup points and notes (never the
    price). Which passengers there are (and their categories) stays as booked; only their names change here."""

    name = _lead_name_field()
    email = TravellerForm.base_fields["email"]
    phone = TravellerForm.base_fields["phone"]
    notes = forms.CharField(
        label=_("Notes for the driver"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    DOMAIN_FIELDS = {
        "contact.name": "name",
        "contact.email": "email",
        "contact.phone": "phone",
        "notes": "notes",
        "pickup_point": "pickup_point",
        "pickup_place": "pickup_place",
    }

    def __init__(self, *args, booking, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.booking = booking
        self.leg_sequences: list[int] = []
        self.passengers = list(booking.passengers.all())
        for index in range(len(self.passengers)):
            self.fields[f"p{index}_first_name"] = forms.CharField(
                label=_("First name"), max_length=NAME_MAX, widget=forms.TextInput(attrs={"autocomplete": "off"})
            )
            self.fields[f"p{index}_last_name"] = forms.CharField(
                label=_("Last name"), max_length=NAME_MAX, widget=forms.TextInput(attrs={"autocomplete": "off"})
            )
            self.DOMAIN_FIELDS = self.DOMAIN_FIELDS | {
                f"passengers.{index}.first_name": f"p{index}_first_name",
                f"passengers.{index}.last_name": f"p{index}_last_name",
            }
        if booking.kind == booking.Kind.TOUR:
            self.add_pickup_place_field(booking.tour_departure.tour.slug)
            return
        for leg in booking.legs.all():
            self.leg_sequences.append(leg.sequence)
            if leg.origin.is_airport:
                self.fields[f"leg_{leg.sequence}_flight_number"] = forms.CharField(
                    label=_("Flight number"), max_length=12
                )
                # The details page's date and time inputs: one datetime-local input is clipped on a phone.
                self.fields[f"leg_{leg.sequence}_flight_arrival"] = LandingField(label=_("Landing (local time)"))
            elif leg.destination.is_airport:
                # A drop-off's flight is optional, as when booking; the booking service checks that the pickup
                # still reaches it.
                self.fields[f"leg_{leg.sequence}_flight_number"] = forms.CharField(
                    label=_("Departure flight number"), max_length=12, required=False
                )
                self.fields[f"leg_{leg.sequence}_flight_departure"] = LandingField(
                    label=_("Flight departure (local time)"),
                    required=False,
                    widget=DateAndTimeWidget(date_label=_("Departure date"), time_label=_("Departure time")),
                )
            self.fields[f"leg_{leg.sequence}_pickup_point"] = forms.CharField(
                label=_("Meeting point") if leg.origin.is_airport else _("Pickup point"), max_length=255, required=False
            )
            # The service names a ride's fields by its role: the outbound ride plain, the return one "return_".
            role = "" if leg.sequence == 1 else "return_"
            self.DOMAIN_FIELDS = self.DOMAIN_FIELDS | {
                f"{role}flight.number": f"leg_{leg.sequence}_flight_number",
                f"{role}flight.arrival_at": f"leg_{leg.sequence}_flight_arrival",
                f"{role}flight.departure_at": f"leg_{leg.sequence}_flight_departure",
                f"{role}pickup_point": f"leg_{leg.sequence}_pickup_point",
            }

    def passenger_rows(self) -> list[tuple[int, Any, forms.BoundField, forms.BoundField, str, Any]]:
        """The booking form's rows (``_passengers.html``) in the booking's order: number, age group (label), first and
        last name, age group (code), and no saved-passenger choice (the names are corrected, not replaced)."""
        return [
            (
                index + 1,
                CATEGORY_LABELS[passenger.category],
                self[f"p{index}_first_name"],
                self[f"p{index}_last_name"],
                passenger.category,
                None,
            )
            for index, passenger in enumerate(self.passengers)
        ]

    def passenger_names(self) -> list[PassengerInput]:
        """Every passenger's name as typed, in the booking's order and categories (the service judges them)."""
        data = self.cleaned_data
        return [
            PassengerInput(data[f"p{index}_first_name"], data[f"p{index}_last_name"], passenger.category)
            for index, passenger in enumerate(self.passengers)
        ]

    def leg_fields(self):
        rows = []
        for leg in self.booking.legs.all():
            parts = ("flight_number", "flight_arrival", "flight_departure", "pickup_point")
            names = [f"leg_{leg.sequence}_{part}" for part in parts]
            rows.append((leg, [self[name] for name in names if name in self.fields]))
        return rows

    def contact(self) -> Contact:
        return Contact(
            name=self.cleaned_data["name"], email=self.cleaned_data["email"], phone=self.cleaned_data["phone"]
        )

    def legs(self) -> dict[int, LegDetails]:
        data = self.cleaned_data
        details = {}
        for sequence in self.leg_sequences:
            flight = None
            if f"leg_{sequence}_flight_number" in self.fields:
                flight = FlightInput(
                    data[f"leg_{sequence}_flight_number"],
                    arrival_at=data.get(f"leg_{sequence}_flight_arrival"),
                    departure_at=data.get(f"leg_{sequence}_flight_departure"),
                )
            details[sequence] = LegDetails(flight=flight, pickup_point=data.get(f"leg_{sequence}_pickup_point", ""))
        return details


class ContactForm(DomainErrorsFormMixin, forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    # Optional fields get "(optional)" from the field template (_field.html): their labels do not say it again.
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    booking_reference = forms.CharField(label=_("Booking reference"), max_length=20, required=False)
    message = forms.CharField(label=_("Message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))


def country_choices(language: str | None = None) -> list[tuple[str, str]]:
    """Every country U-ETDS knows, named in ``language`` (the active one by default) and sorted by that name."""
    names = babel_locale(language).territories
    return sorted(((code, names.get(code, code)) for code in COUNTRY_CODES), key=lambda choice: choice[1].casefold())


class PassengerDocumentsForm(DomainErrorsFormMixin, forms.Form):
    """Nationality and passport number of every passenger, which U-ETDS needs before the trip. A passenger left
    blank stays as they are; the rules (country list, number format, T.C. checksum) are the service's."""

    def __init__(self, *args, passengers: Sequence[Any], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.passengers = list(passengers)
        choices = [("", _("Choose…")), *country_choices()]
        mapping = {}
        for index, passenger in enumerate(self.passengers):
            self.fields[f"p{index}_nationality"] = forms.ChoiceField(
                label=_("Nationality"), choices=choices, required=False, initial=passenger.nationality
            )
            # The number on file is never shown in full (the page's link travels in emails): left empty, it stays.
            help_text = str(_("T.C. identity number for Turkish citizens."))
            if passenger.document_number:
                help_text = _("On file: %(number)s. Leave empty to keep it.") % {
                    "number": mask_document_number(passenger.document_number)
                }
            self.fields[f"p{index}_document_number"] = forms.CharField(
                label=_("Passport number"),
                help_text=help_text,
                max_length=30,
                required=False,
                widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off", "dir": "ltr"}),
            )
            mapping[f"passengers.{index}.nationality"] = f"p{index}_nationality"
            mapping[f"passengers.{index}.document_number"] = f"p{index}_document_number"
        self.DOMAIN_FIELDS = mapping

    def rows(self) -> list[tuple[Any, list[forms.BoundField]]]:
        """Each passenger with their two fields, for the template."""
        return [
            (passenger, [self[f"p{index}_nationality"], self[f"p{index}_document_number"]])
            for index, passenger in enumerate(self.passengers)
        ]

    def documents(self) -> list[PassengerDocuments]:
        """What was given for each passenger; an empty field keeps what is on file."""
        return [
            PassengerDocuments(
                index,
                self.cleaned_data[f"p{index}_nationality"] or passenger.nationality,
                self.cleaned_data[f"p{index}_document_number"] or passenger.document_number,
            )
            for index, passenger in enumerate(self.passengers)
        ]


class GroupQuoteForm(DomainErrorsFormMixin, forms.Form):
    """A party too large for any vehicle asks for an offer: the search (route, date, party, luggage) as it was
    made, and how to reach them. The rules are the booking service's (``group_quote_request_create``)."""

    origin = forms.CharField(
        label=_("From"), max_length=150, widget=forms.TextInput(attrs={"list": "places", "autocomplete": "off"})
    )
    destination = forms.CharField(
        label=_("To"), max_length=150, widget=forms.TextInput(attrs={"list": "places", "autocomplete": "off"})
    )
    date = forms.DateField(label=_("Pickup date"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label=_("Pickup time"), widget=forms.TimeInput(attrs={"type": "time"}))
    adults = forms.IntegerField(label=_("Adults"), min_value=1, max_value=GROUP_MAX_SEATS)
    children = forms.IntegerField(label=_("Children (2–11)"), min_value=0, max_value=GROUP_MAX_SEATS, initial=0)
    infants = forms.IntegerField(label=_("Infants (0–1)"), min_value=0, max_value=GROUP_MAX_SEATS, initial=0)
    bags = forms.IntegerField(label=_("Suitcases"), min_value=0, max_value=GROUP_MAX_SEATS, initial=0)
    name = forms.CharField(label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=40,
        help_text=_("With the country code, e.g. +44 7911 123456."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    message = forms.CharField(
        label=_("Anything else we should know"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("E.g. a return trip, golf bags, a wheelchair, several hotels.")}
        ),
    )

    TRIP_FIELDS = ("origin", "destination", "date", "time", "adults", "children", "infants", "bags")
    DOMAIN_FIELDS = {
        "pickup_at": "date",
        "luggage": "bags",
        "contact.name": "name",
        "contact.email": "email",
        "contact.phone": "phone",
    }

    origin_place: Place
    destination_place: Place

    def clean(self):
        data = super().clean() or {}
        resolve_places(self, data)
        return data

    def trip_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.TRIP_FIELDS]

    def trip_has_errors(self) -> bool:
        return any(self[name].errors for name in self.TRIP_FIELDS)

    def quote_input(self, *, language: str) -> GroupQuoteInput:
        data = self.cleaned_data
        return GroupQuoteInput(
            origin=self.origin_place.slug,
            destination=self.destination_place.slug,
            pickup_at=dt.datetime.combine(data["date"], data["time"]),
            adults=data["adults"],
            children=data["children"],
            infants=data["infants"],
            luggage=data["bags"],
            contact=Contact(name=data["name"], email=data["email"], phone=data["phone"]),
            message=data.get("message", ""),
            language=language,
        )
