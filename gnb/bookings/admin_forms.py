"""Back-office forms: placing a booking for a caller and giving the reason for a cancellation.

The forms only collect and shape the input. The booking services validate it, price it on the server and
write it; their errors (each naming its field) are put back next to the input they are about.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from django import forms
from django.conf import settings
from django.contrib.admin import widgets
from django.contrib.admin.sites import AdminSite
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gnb.bookings.models import Booking, Passenger, TransferLeg
from gnb.bookings.quotes import ExtraRequest, TourQuoteRequest, TransferQuoteRequest, currency_rates
from gnb.bookings.reports import annotated_int, bookable_departures, local_time
from gnb.bookings.services import Contact, FlightInput, PassengerInput
from gnb.catalog.models import Extra, Place, TourDeparture, VehicleClass
from gnb.core.errors import DomainError, ValidationFailed


class LocalDateTimeField(forms.SplitDateTimeField):
    """A date and a time as the clock at the place shows them.

    The result stays naive on purpose: the booking service reads a naive pickup time in the time zone of the
    pickup place, which is what the caller gives on the phone.
    """

    widget = widgets.AdminSplitDateTime

    def compress(self, data_list):
        if not data_list:
            return None
        day, time = data_list
        if day in self.empty_values:
            raise forms.ValidationError(self.error_messages["invalid_date"], code="invalid_date")
        if time in self.empty_values:
            raise forms.ValidationError(self.error_messages["invalid_time"], code="invalid_time")
        return dt.datetime.combine(day, time)


class DepartureChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, departure: TourDeparture) -> str:
        label = _("%(tour)s · %(start)s · %(left)s of %(capacity)s seats left") % {
            "tour": departure.tour,
            "start": local_time(departure.starts_at),
            "left": annotated_int(departure, "seats_left"),  # the choices come from bookable_departures()
            "capacity": departure.capacity,
        }
        closes = departure.starts_at - dt.timedelta(hours=departure.tour.booking_cutoff_hours)
        # Still listed, so staff see it exists; the booking service refuses it with its own message.
        return f"{label} · {_('booking closed')}" if closes <= timezone.now() else label


def _party_field(label, *, minimum: int, initial: int) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, min_value=minimum, max_value=settings.GNB_MAX_PASSENGERS, initial=initial, required=minimum > 0
    )


class _PlaceBookingForm(forms.Form):
    """Fields shared by transfers and tours: party, lead contact, payment and language."""

    adults = _party_field(_("Adults"), minimum=1, initial=2)
    children = _party_field(_("Children"), minimum=0, initial=0)
    infants = _party_field(_("Infants"), minimum=0, initial=0)
    lead_name = forms.CharField(label=_("Lead traveller"), max_length=150)
    lead_email = forms.CharField(label=_("Email"), max_length=254)
    lead_phone = forms.CharField(
        label=_("Phone"), max_length=30, help_text=_("With the country code, e.g. +90 532 123 45 67.")
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, initial="en")
    currency = forms.ChoiceField(label=_("Currency"))
    payment_method = forms.ChoiceField(
        label=_("Payment"), choices=Booking.PaymentMethod.choices, initial=Booking.PaymentMethod.CASH
    )
    coupon = forms.CharField(label=_("Coupon"), max_length=30, required=False)
    notes = forms.CharField(label=_("Notes"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    # Service field names that differ from the form's.
    aliases = {"contact.name": "lead_name", "contact.email": "lead_email", "contact.phone": "lead_phone"}

    def __init__(self, *args, admin_site: AdminSite, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.admin_site = admin_site
        codes = sorted(currency_rates(), key=lambda code: (code != settings.BASE_CURRENCY, code))
        currency = cast(forms.ChoiceField, self.fields["currency"])  # a copy of the ChoiceField declared above
        currency.choices = [(code, code) for code in codes]
        currency.initial = settings.BASE_CURRENCY

    def fieldset_rows(self):
        """(title, bound fields) per section, in the order the template shows them."""
        return [(title, [self[name] for name in names]) for title, names in self.sections()]

    def sections(self) -> list[tuple[str, list[str]]]:
        raise NotImplementedError

    def contact(self) -> Contact:
        data = self.cleaned_data
        return Contact(name=data["lead_name"], email=data["lead_email"], phone=data["lead_phone"])

    def common_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "contact": self.contact(),
            "notes": data["notes"],
            "language": data["language"],
            "payment_method": data["payment_method"],
        }

    def field_for(self, service_field: str | None) -> str | None:
        """The form field a service error is about, or None for an error about the booking as a whole."""
        if not service_field:
            return None
        name = self.aliases.get(service_field, service_field)
        return name if name in self.fields else None


class TransferBookingForm(_PlaceBookingForm):
    aliases = {
        **_PlaceBookingForm.aliases,
        "flight.number": "flight_number",
        "flight.arrival_at": "flight_arrival_at",
        "return_flight.number": "return_flight_number",
        "return_flight.arrival_at": "return_flight_arrival_at",
    }

    origin: forms.ModelChoiceField[Place] = forms.ModelChoiceField(
        label=_("From"), queryset=Place.objects.filter(is_active=True)
    )
    destination: forms.ModelChoiceField[Place] = forms.ModelChoiceField(
        label=_("To"), queryset=Place.objects.filter(is_active=True)
    )
    pickup_at = LocalDateTimeField(label=_("Pickup"), help_text=_("Local time at the pickup place."))
    return_pickup_at = LocalDateTimeField(
        label=_("Return pickup"), required=False, help_text=_("Leave empty for a one-way transfer.")
    )
    luggage = forms.IntegerField(label=_("Suitcases"), min_value=0, max_value=99, initial=0)
    vehicle_class: forms.ModelChoiceField[VehicleClass] = forms.ModelChoiceField(
        label=_("Vehicle"), queryset=VehicleClass.objects.filter(is_active=True), to_field_name="code"
    )
    flight_number = forms.CharField(label=_("Flight number"), max_length=10, required=False)
    flight_arrival_at = LocalDateTimeField(
        label=_("Flight lands"), required=False, help_text=_("Needed when the pickup is at an airport.")
    )
    pickup_point = forms.CharField(label=_("Pickup point"), max_length=255, required=False)
    return_flight_number = forms.CharField(label=_("Return flight number"), max_length=10, required=False)
    return_flight_arrival_at = LocalDateTimeField(label=_("Return flight lands"), required=False)
    return_pickup_point = forms.CharField(label=_("Return pickup point"), max_length=255, required=False)

    def __init__(self, *args, admin_site: AdminSite, **kwargs) -> None:
        super().__init__(*args, admin_site=admin_site, **kwargs)
        # The same search-as-you-type place picker as on a transfer leg (hundreds of hotels do not fit a list).
        for name in ("origin", "destination"):
            field = cast("forms.ModelChoiceField[Place]", self.fields[name])  # copies of the place fields above
            widget = widgets.AutocompleteSelect(
                TransferLeg._meta.get_field(name), admin_site, attrs={"data-width": "32em"}
            )
            field.widget = widget
            widget.choices = field.choices
            widget.is_required = True
        self.extras = list(Extra.objects.filter(is_active=True))
        for extra in self.extras:
            self.fields[f"extra_{extra.code}"] = forms.IntegerField(
                label=f"{extra.name} ({extra.price} EUR, {extra.get_pricing_display()})",
                min_value=0,
                max_value=extra.max_quantity,
                initial=0,
                required=False,
            )
        self._extras_sent: list[str] = []

    def sections(self):
        return [
            (_("Route"), ["origin", "destination", "pickup_at", "return_pickup_at"]),
            (_("Party and vehicle"), ["adults", "children", "infants", "luggage", "vehicle_class"]),
            (_("Outbound"), ["flight_number", "flight_arrival_at", "pickup_point"]),
            (_("Return"), ["return_flight_number", "return_flight_arrival_at", "return_pickup_point"]),
            (_("Extras"), [f"extra_{extra.code}" for extra in self.extras]),
            (_("Lead traveller"), ["lead_name", "lead_email", "lead_phone", "language"]),
            (_("Price and payment"), ["currency", "coupon", "payment_method", "notes"]),
        ]

    def service_arguments(self) -> dict:
        """Keyword arguments for ``services.booking_place_transfer`` (without passengers and actor)."""
        data = self.cleaned_data
        extras = []
        self._extras_sent = []
        for extra in self.extras:
            quantity = data.get(f"extra_{extra.code}") or 0
            if quantity:
                extras.append(ExtraRequest(code=extra.code, quantity=quantity))
                self._extras_sent.append(f"extra_{extra.code}")
        request = TransferQuoteRequest(
            origin=data["origin"].slug,
            destination=data["destination"].slug,
            pickup_at=data["pickup_at"],
            return_pickup_at=data["return_pickup_at"],
            adults=data["adults"],
            children=data["children"] or 0,
            infants=data["infants"] or 0,
            luggage=data["luggage"] or 0,
            extras=tuple(extras),
            coupon=data["coupon"].strip() or None,
            currency=data["currency"],
        )
        return {
            **self.common_arguments(),
            "quote_request": request,
            "vehicle_class": data["vehicle_class"].code,
            "flight": FlightInput(data["flight_number"], data["flight_arrival_at"]),
            "return_flight": FlightInput(data["return_flight_number"], data["return_flight_arrival_at"]),
            "pickup_point": data["pickup_point"],
            "return_pickup_point": data["return_pickup_point"],
        }

    def field_for(self, service_field):
        # "extras.1.quantity" is about the second extra that was asked for, not the second one on the form.
        if service_field and service_field.startswith("extras."):
            index = int(service_field.split(".")[1])
            return self._extras_sent[index] if index < len(self._extras_sent) else None
        return super().field_for(service_field)


class TourBookingForm(_PlaceBookingForm):
    departure = DepartureChoiceField(label=_("Departure"), queryset=TourDeparture.objects.none())
    pickup_point = forms.CharField(
        label=_("Pickup point"), max_length=255, required=False, help_text=_("Hotel or meeting point.")
    )

    aliases = {**_PlaceBookingForm.aliases, "departure_id": "departure"}

    def __init__(self, *args, admin_site: AdminSite, **kwargs) -> None:
        super().__init__(*args, admin_site=admin_site, **kwargs)
        departure = cast(DepartureChoiceField, self.fields["departure"])  # a copy of the field declared above
        departure.queryset = bookable_departures()

    def sections(self):
        return [
            (_("Tour"), ["departure", "pickup_point"]),
            (_("Party"), ["adults", "children", "infants"]),
            (_("Lead traveller"), ["lead_name", "lead_email", "lead_phone", "language"]),
            (_("Price and payment"), ["currency", "coupon", "payment_method", "notes"]),
        ]

    def service_arguments(self) -> dict:
        """Keyword arguments for ``services.booking_place_tour`` (without passengers and actor)."""
        data = self.cleaned_data
        request = TourQuoteRequest(
            departure_id=data["departure"].pk,
            adults=data["adults"],
            children=data["children"] or 0,
            infants=data["infants"] or 0,
            coupon=data["coupon"].strip() or None,
            currency=data["currency"],
        )
        return {**self.common_arguments(), "quote_request": request, "pickup_point": data["pickup_point"]}


# --- passengers -------------------------------------------------------------------------------------------
class PassengerForm(forms.Form):
    # Names are checked by the booking service (every passenger needs both), so a half-filled row reaches it
    # and comes back with the service's own message next to the missing name.
    first_name = forms.CharField(label=_("First name"), max_length=60, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=60, required=False)
    category = forms.ChoiceField(label=_("Category"), choices=Passenger.Category.choices, initial="adult")


@dataclass(frozen=True)
class PassengerRow:
    form: PassengerForm
    passenger: PassengerInput


class BasePassengerFormSet(forms.BaseFormSet):
    def filled_rows(self) -> list[PassengerRow]:
        """Rows with a name in them, in order; blank rows are spare lines on the form, not passengers."""
        rows = []
        for form in self.forms:
            data = form.cleaned_data
            first, last = data.get("first_name", "").strip(), data.get("last_name", "").strip()
            if first or last:
                rows.append(PassengerRow(form, PassengerInput(first, last, data.get("category") or "adult")))
        return rows


DEFAULT_PASSENGER_ROWS = 6


def passenger_formset(data=None, *, rows: int = DEFAULT_PASSENGER_ROWS) -> BasePassengerFormSet:
    # formset_factory subclasses the formset class it is given; the stubs return only the base type.
    formset_class = cast(
        "type[BasePassengerFormSet]",
        forms.formset_factory(
            PassengerForm,
            formset=BasePassengerFormSet,
            extra=max(1, min(rows, settings.GNB_MAX_PASSENGERS)),
            max_num=settings.GNB_MAX_PASSENGERS,
            validate_max=True,
        ),
    )
    return formset_class(data, prefix="passengers")


def show_service_errors(error: DomainError, *, form: _PlaceBookingForm, rows: Sequence[PassengerRow]) -> list[str]:
    """Put each error of a refused placement next to its input; return those about the passenger list."""
    items = error.errors if isinstance(error, ValidationFailed) else [(error.field or "", error.message)]
    passenger_errors = []
    for service_field, message in items:
        parts = service_field.split(".") if service_field else []
        if parts[:1] == ["passengers"]:
            row = rows[int(parts[1])] if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(rows) else None
            if row is not None and parts[2] in row.form.fields:
                row.form.add_error(parts[2], message)
            else:
                passenger_errors.append(message)
            continue
        form.add_error(form.field_for(service_field), message)
    return passenger_errors


# --- cancelling -------------------------------------------------------------------------------------------
class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        error_messages={"required": _("Give a reason for cancelling.")},
        help_text=_("Kept in the booking's history."),
    )
