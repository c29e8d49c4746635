"""Back-office forms: placing a booking for a caller, correcting its details, giving the reason for a cancellation.

The forms only collect and shape the input. The booking services validate it, price it on the server and
write it; their errors (each naming its field) are put back next to the input they are about.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict, cast

from django import forms
from django.conf import settings
from django.contrib.admin import widgets
from django.contrib.admin.sites import AdminSite
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gnb.bookings.models import Booking, Passenger, TransferLeg
from gnb.bookings.orders import Contact, FlightInput, PassengerInput, TourOrder, TransferOrder
from gnb.bookings.quotes import ExtraRequest, TourQuoteRequest, TransferQuoteRequest, currency_rates
from gnb.bookings.reports import annotated_int, bookable_departures, local_time
from gnb.bookings.services import LegDetails
from gnb.catalog.models import Extra, Place, TourDeparture, VehicleClass
from gnb.core.errors import DomainError
from gnb.core.forms import DomainErrorsFormMixin


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
        return _("%(departure)s · booking closed") % {"departure": label} if closes <= timezone.now() else label


def _party_field(label, *, minimum: int, initial: int) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, min_value=minimum, max_value=settings.GNB_MAX_PASSENGERS, initial=initial, required=minimum > 0
    )


class _LeadTravellerForm(DomainErrorsFormMixin, forms.Form):
    """The lead traveller's contact, and the mapping of a service's field names onto the form's."""

    lead_name = forms.CharField(label=_("Lead traveller"), max_length=150)
    lead_email = forms.CharField(label=_("Email"), max_length=254)
    lead_phone = forms.CharField(
        label=_("Phone"), max_length=30, help_text=_("With the country code, e.g. +90 532 123 45 67.")
    )

    # Service field names that differ from the form's.
    DOMAIN_FIELDS = {"contact.name": "lead_name", "contact.email": "lead_email", "contact.phone": "lead_phone"}

    def fieldset_rows(self):
        """(title, bound fields) per section, in the order the template shows them."""
        return [(title, [self[name] for name in names]) for title, names in self.sections()]

    def sections(self) -> list[tuple[str, list[str]]]:
        raise NotImplementedError


class _PlaceBookingForm(_LeadTravellerForm):
    """Fields shared by transfers and tours: party, lead contact, payment and language."""

    adults = _party_field(_("Adults"), minimum=1, initial=2)
    children = _party_field(_("Children"), minimum=0, initial=0)
    infants = _party_field(_("Infants"), minimum=0, initial=0)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, initial="en")
    currency = forms.ChoiceField(label=_("Currency"))
    payment_method = forms.ChoiceField(
        label=_("Payment"), choices=Booking.PaymentMethod.choices, initial=Booking.PaymentMethod.CASH
    )
    coupon = forms.CharField(label=_("Coupon"), max_length=30, required=False)
    notes = forms.CharField(label=_("Notes"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, admin_site: AdminSite, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.admin_site = admin_site
        codes = sorted(currency_rates(), key=lambda code: (code != settings.BASE_CURRENCY, code))
        currency = cast(forms.ChoiceField, self.fields["currency"])  # a copy of the ChoiceField declared above
        currency.choices = [(code, code) for code in codes]
        currency.initial = settings.BASE_CURRENCY

    def contact(self) -> Contact:
        data = self.cleaned_data
        return Contact(name=data["lead_name"], email=data["lead_email"], phone=data["lead_phone"])

    def common_arguments(self) -> dict:
        """What every kind of order takes from this form."""
        data = self.cleaned_data
        return {
            "contact": self.contact(),
            "notes": data["notes"],
            "language": data["language"],
            "payment_method": data["payment_method"],
        }


class TransferBookingForm(_PlaceBookingForm):
    DOMAIN_FIELDS = {
        **_PlaceBookingForm.DOMAIN_FIELDS,
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

    def order(self, *, passengers: Sequence[PassengerInput]) -> TransferOrder:
        """The order for ``services.booking_place_transfer``, with the passengers of the formset beside this form."""
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
        return TransferOrder(
            **self.common_arguments(),
            quote_request=request,
            vehicle_class=data["vehicle_class"].code,
            passengers=passengers,
            flight=FlightInput(data["flight_number"], data["flight_arrival_at"]),
            return_flight=FlightInput(data["return_flight_number"], data["return_flight_arrival_at"]),
            pickup_point=data["pickup_point"],
            return_pickup_point=data["return_pickup_point"],
        )

    def domain_field(self, service_field: str) -> str | None:
        # "extras.1.quantity" is about the second extra that was asked for, not the second one on the form.
        if service_field and service_field.startswith("extras."):
            index = int(service_field.split(".")[1])
            return self._extras_sent[index] if index < len(self._extras_sent) else None
        return super().domain_field(service_field)


class TourBookingForm(_PlaceBookingForm):
    departure = DepartureChoiceField(label=_("Departure"), queryset=TourDeparture.objects.none())
    pickup_place: forms.ModelChoiceField[Place] = forms.ModelChoiceField(
        label=_("Pickup place"),
        queryset=Place.objects.filter(is_active=True),
        required=False,
        help_text=_("The hotel, in one of the tour's pickup zones; its zone sets the pickup time."),
    )
    pickup_point = forms.CharField(
        label=_("Pickup point"), max_length=255, required=False, help_text=_("Where there to wait, e.g. lobby.")
    )

    DOMAIN_FIELDS = {**_PlaceBookingForm.DOMAIN_FIELDS, "departure_id": "departure", "pickup_place": "pickup_place"}

    def __init__(self, *args, admin_site: AdminSite, **kwargs) -> None:
        super().__init__(*args, admin_site=admin_site, **kwargs)
        departure = cast(DepartureChoiceField, self.fields["departure"])  # a copy of the field declared above
        departure.queryset = bookable_departures()
        # The transfer form's search-as-you-type place picker.
        field = cast("forms.ModelChoiceField[Place]", self.fields["pickup_place"])
        widget = widgets.AutocompleteSelect(
            Booking._meta.get_field("pickup_place"), admin_site, attrs={"data-width": "32em"}
        )
        field.widget = widget
        widget.choices = field.choices

    def sections(self):
        return [
            (_("Tour"), ["departure", "pickup_place", "pickup_point"]),
            (_("Party"), ["adults", "children", "infants"]),
            (_("Lead traveller"), ["lead_name", "lead_email", "lead_phone", "language"]),
            (_("Price and payment"), ["currency", "coupon", "payment_method", "notes"]),
        ]

    def order(self, *, passengers: Sequence[PassengerInput]) -> TourOrder:
        """The order for ``services.booking_place_tour``, with the passengers of the formset beside this form."""
        data = self.cleaned_data
        request = TourQuoteRequest(
            departure_id=data["departure"].pk,
            adults=data["adults"],
            children=data["children"] or 0,
            infants=data["infants"] or 0,
            coupon=data["coupon"].strip() or None,
            currency=data["currency"],
        )
        return TourOrder(
            **self.common_arguments(),
            quote_request=request,
            passengers=passengers,
            pickup_place=data["pickup_place"].slug if data["pickup_place"] else "",
            pickup_point=data["pickup_point"],
        )


# --- correcting a booking's details -----------------------------------------------------------------------
class NotesField(forms.CharField):
    """Text from a textarea with its line breaks as stored.

    Browsers send a textarea's line breaks as CRLF; without this, notes left untouched would differ from the
    stored ones and be sent as a change.
    """

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n") if value else value


class DetailChanges(TypedDict, total=False):
    """Keyword arguments of ``services.booking_update_details`` for the parts of a booking staff changed."""

    contact: Contact
    notes: str
    passengers: list[PassengerInput]
    legs: dict[int, LegDetails]
    tour_pickup_point: str
    tour_pickup_place: str


@dataclass(frozen=True)
class LegFields:
    """One ride and its fields, named as the booking service names them (``return_`` for the way back)."""

    leg: TransferLeg

    @property
    def has_flight(self) -> bool:
        # A pickup at an airport meets its landing.
        return self.leg.origin.is_airport

    @property
    def has_departure(self) -> bool:
        # A drop-off at an airport: the flight it brings the travellers to (optional, checked when given).
        return self.leg.destination.is_airport and not self.leg.origin.is_airport

    @property
    def prefix(self) -> str:
        return "" if self.leg.sequence == 1 else "return_"

    @property
    def flight_number(self) -> str:
        return f"{self.prefix}flight_number"

    @property
    def flight_arrival_at(self) -> str:
        return f"{self.prefix}flight_arrival_at"

    @property
    def flight_departure_at(self) -> str:
        return f"{self.prefix}flight_departure_at"

    @property
    def pickup_point(self) -> str:
        return f"{self.prefix}pickup_point"

    def names(self) -> list[str]:
        flight = [self.flight_number, self.flight_arrival_at] if self.has_flight else []
        if self.has_departure:
            flight = [self.flight_number, self.flight_departure_at]
        return [*flight, self.pickup_point]


def passenger_field(index: int, part: str) -> str:
    return f"passengers-{index}-{part}"


class BookingDetailsForm(_LeadTravellerForm):
    """What staff may correct on a booking without re-pricing it: contact, notes, names, flights, pickup points.

    Passengers keep their order and category (the price depends on them); only their names are fields. Fields
    are named after the booking service's names (``flight_number`` for ``flight.number``,
    ``passengers-1-last_name`` for ``passengers.1.last_name``), so each of its errors lands next to its input.
    Every field carries the value the page showed (a hidden initial), so the form knows what staff changed.
    """

    notes = NotesField(label=_("Notes"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    DOMAIN_FIELDS = {
        **_LeadTravellerForm.DOMAIN_FIELDS,
        "flight.number": "flight_number",
        "flight.arrival_at": "flight_arrival_at",
        "return_flight.number": "return_flight_number",
        "return_flight.arrival_at": "return_flight_arrival_at",
        "flight.departure_at": "flight_departure_at",
        "return_flight.departure_at": "return_flight_departure_at",
    }

    def __init__(self, data=None, *, booking: Booking, passengers: Sequence[Passenger]) -> None:
        super().__init__(data)
        self.booking = booking
        self.passengers = list(passengers)
        # The legs come prefetched with their places (the admin's queryset), in sequence order.
        self.legs = [self._add_leg(leg) for leg in booking.legs.all()] if booking.kind == Booking.Kind.TRANSFER else []
        if booking.kind == Booking.Kind.TOUR:
            # The hotels of the tour's pickup zones (the booking service judges the choice, as for travellers).
            self.fields["pickup_place"] = forms.ModelChoiceField(
                label=_("Pickup place"),
                queryset=Place.objects.filter(is_active=True, zone__tours__departures__bookings=booking).order_by(
                    "name"
                ),
                required=False,
                help_text=_("The hotel, in one of the tour's pickup zones; its zone sets the pickup time."),
            )
            self.initial["pickup_place"] = booking.pickup_place_id
            self.fields["pickup_point"] = forms.CharField(
                label=_("Pickup point"), max_length=255, required=False, help_text=_("Where there to wait, e.g. lobby.")
            )
            self.initial["pickup_point"] = booking.pickup_point
        for index, passenger in enumerate(self.passengers):
            for part, label in (("first_name", _("First name")), ("last_name", _("Last name"))):
                # In a table row under a column heading, so the input itself says which passenger it is for.
                spoken = _("%(name)s of passenger %(number)s") % {"name": label, "number": passenger.position}
                # Required by the booking service, which says so next to the name left empty.
                self.fields[passenger_field(index, part)] = forms.CharField(
                    label=label, max_length=60, required=False, widget=forms.TextInput(attrs={"aria-label": spoken})
                )
                self.initial[passenger_field(index, part)] = getattr(passenger, part)
        self.initial.update(
            lead_name=booking.lead_name,
            lead_email=booking.lead_email,
            lead_phone=booking.lead_phone,
            notes=booking.notes,
        )
        for field in self.fields.values():
            field.show_hidden_initial = True

    def _add_leg(self, leg: TransferLeg) -> LegFields:
        names = LegFields(leg)
        if names.has_flight:
            self.fields[names.flight_number] = forms.CharField(label=_("Flight number"), max_length=10, required=False)
            self.fields[names.flight_arrival_at] = LocalDateTimeField(
                label=_("Flight lands"),
                required=False,
                help_text=_("The airport's local time (%(zone)s).") % {"zone": leg.origin.time_zone},
            )
            self.initial[names.flight_number] = leg.flight_number
            # Shown, and read back, as the airport's clock shows it: the service takes a naive time as local there.
            arrival = leg.flight_arrival_at
            self.initial[names.flight_arrival_at] = (
                timezone.localtime(arrival, leg.origin.tzinfo).replace(tzinfo=None) if arrival else None
            )
        if names.has_departure:
            self.fields[names.flight_number] = forms.CharField(
                label=_("Departure flight number"), max_length=10, required=False
            )
            self.fields[names.flight_departure_at] = LocalDateTimeField(
                label=_("Flight departs"),
                required=False,
                help_text=_("The airport's local time (%(zone)s).") % {"zone": leg.destination.time_zone},
            )
            self.initial[names.flight_number] = leg.flight_number
            departure = leg.flight_departure_at
            self.initial[names.flight_departure_at] = (
                timezone.localtime(departure, leg.destination.tzinfo).replace(tzinfo=None) if departure else None
            )
        self.fields[names.pickup_point] = forms.CharField(label=_("Pickup point"), max_length=255, required=False)
        self.initial[names.pickup_point] = leg.pickup_point
        return names

    def domain_field(self, service_field: str) -> str | None:
        parts = service_field.split(".")
        if len(parts) == 3 and parts[0] == "passengers" and parts[1].isdigit():
            name = passenger_field(int(parts[1]), parts[2])
            return name if name in self.fields else None
        return super().domain_field(service_field)

    def sections(self) -> list[tuple[str, list[str]]]:
        sections = [(str(_("Lead traveller")), ["lead_name", "lead_email", "lead_phone", "notes"])]
        for names in self.legs:
            leg = names.leg
            title = (
                _("Outbound: %(route)s, pickup %(pickup)s")
                if leg.sequence == 1
                else _("Return: %(route)s, pickup %(pickup)s")
            )
            route = f"{leg.origin} → {leg.destination}"
            pickup = timezone.localtime(leg.pickup_at, leg.origin.tzinfo).strftime("%Y-%m-%d %H:%M")
            sections.append((title % {"route": route, "pickup": pickup}, names.names()))
        if self.booking.kind == Booking.Kind.TOUR:
            departure = self.booking.tour_departure
            tour_title = _("Tour: %(tour)s") % {"tour": departure.tour if departure else ""}
            sections.append((tour_title, ["pickup_place", "pickup_point"]))
        return sections

    def passenger_rows(self) -> list[tuple[Passenger, forms.BoundField, forms.BoundField]]:
        """(passenger, first name, last name) in the booking's order; the category is shown, not edited."""
        return [
            (passenger, self[passenger_field(index, "first_name")], self[passenger_field(index, "last_name")])
            for index, passenger in enumerate(self.passengers)
        ]

    def changes(self) -> DetailChanges:
        """Arguments for ``services.booking_update_details``: the parts staff changed, nothing else.

        A part left as the page showed it is not sent, and in a part that is sent an input left alone carries
        the value stored now. So a correction made meanwhile (the traveller can change details through their
        manage link) is not undone with what this page showed, and the history records only what staff
        changed: a landing time read back in local time is the instant stored, yet would read as different.
        """
        changed = set(self.changed_data)
        data = self.cleaned_data
        booking = self.booking

        def value(name: str, current):
            return data[name] if name in changed else current

        result = DetailChanges()
        if changed & {"lead_name", "lead_email", "lead_phone"}:
            result["contact"] = Contact(
                name=value("lead_name", booking.lead_name),
                email=value("lead_email", booking.lead_email),
                phone=value("lead_phone", booking.lead_phone),
            )
        if "notes" in changed:
            result["notes"] = data["notes"]
        names = [
            (passenger_field(i, "first_name"), passenger_field(i, "last_name")) for i in range(len(self.passengers))
        ]
        if changed & {name for pair in names for name in pair}:
            result["passengers"] = [
                PassengerInput(value(first, passenger.first_name), value(last, passenger.last_name), passenger.category)
                for passenger, (first, last) in zip(self.passengers, names, strict=True)
            ]
        if booking.kind == Booking.Kind.TOUR and "pickup_point" in changed:
            result["tour_pickup_point"] = data["pickup_point"]
        if booking.kind == Booking.Kind.TOUR and "pickup_place" in changed and data["pickup_place"] is not None:
            result["tour_pickup_place"] = data["pickup_place"].slug
        legs = {}
        for fields in self.legs:
            leg, flight = fields.leg, None
            if fields.has_flight and changed & {fields.flight_number, fields.flight_arrival_at}:
                flight = FlightInput(
                    value(fields.flight_number, leg.flight_number),
                    value(fields.flight_arrival_at, leg.flight_arrival_at),
                )
            if fields.has_departure and changed & {fields.flight_number, fields.flight_departure_at}:
                flight = FlightInput(
                    value(fields.flight_number, leg.flight_number),
                    departure_at=value(fields.flight_departure_at, leg.flight_departure_at),
                )
            pickup_point = data[fields.pickup_point] if fields.pickup_point in changed else None
            if flight is not None or pickup_point is not None:
                legs[leg.sequence] = LegDetails(flight=flight, pickup_point=pickup_point)
        if legs:
            result["legs"] = legs
        return result


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


def show_service_errors(
    error: DomainError, *, form: _LeadTravellerForm, rows: Sequence[PassengerRow] = ()
) -> list[str]:
    """Put each error of a refused write next to its input; return those about the passenger list.

    A passenger's name error goes to the form's own field for it when there is one, else to its formset row.
    """
    passenger_errors: list[str] = []

    def in_passenger_rows(service_field: str, message: str) -> bool:
        parts = service_field.split(".") if service_field else []
        if parts[:1] != ["passengers"]:
            return False
        row = rows[int(parts[1])] if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(rows) else None
        if row is not None and parts[2] in row.form.fields:
            row.form.add_error(parts[2], message)
        else:
            passenger_errors.append(message)
        return True

    form.add_domain_errors(error, elsewhere=in_passenger_rows)
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
