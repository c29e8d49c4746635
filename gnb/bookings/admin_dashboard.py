"""The operations dashboard's table of rides due, as HTML rows built in Python.

Two days on the coast are ~650 rides in high season. Through the template language each row cost ~1.5 ms (a dozen
variable lookups, a ``{% url %}``, date filters, translations), a second on the whole table; here a row is one
f-string with what every row shares (the change page's address, status labels, words) worked out once.
The rows are the same as the template gave: same cells, same text, same escaping.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from gnb.bookings.models import Booking, TransferLeg
from gnb.bookings.reports import local_time


def due_rows(legs: Iterable[TransferLeg]) -> SafeString:
    """One ``<tr>`` per ride: pickup (Istanbul time), booking link, route, party, vehicle, status, flight.

    Expects each leg's booking with its vehicle class, origin and destination selected (``reports.transfers_due``).
    Every text is escaped as the template escaped it (``html.escape`` is what Django's ``escape`` calls); numbers
    and the words worked out once below need no escaping per row.
    """
    # The admin's change page is "<changelist><pk>/change/": one reverse() for the table, not one per row.
    changelist = escape(reverse("admin:bookings_booking_changelist"))
    statuses = {value: escape(str(label)) for value, label in Booking.Status.choices}
    returning = f" ({escape(_('return'))})"
    departs = escape(_("departs"))
    # A few dozen places and classes serve hundreds of rides: each name escaped once (its ``str`` reads the
    # visitor's language), by the object it names.
    names: dict[tuple[type, int | None], str] = {}

    def name(thing: object) -> str:
        key = (type(thing), getattr(thing, "pk", None))
        if key not in names:
            names[key] = escape(str(thing))
        return names[key]

    def row(leg: TransferLeg) -> str:
        booking = leg.booking
        arrival = f" · {local_time(leg.flight_arrival_at, '%H:%M')}" if leg.flight_arrival_at else ""
        departure = f" · {departs} {local_time(leg.flight_departure_at, '%H:%M')}" if leg.flight_departure_at else ""
        return (
            f"<tr><td>{local_time(leg.pickup_at, '%H:%M')}</td>"
            f'<td><a href="{changelist}{booking.pk}/change/">{escape(booking.reference)}</a>'
            f"{returning if leg.sequence == 2 else ''}</td>"
            f"<td>{name(leg.origin)} → {name(leg.destination)}</td>"
            f"<td>{booking.adults} / {booking.children} / {booking.infants}</td>"
            f"<td>{name(booking.vehicle_class)}</td>"
            f"<td>{statuses.get(booking.status) or escape(booking.status)}</td>"
            f"<td>{escape(leg.flight_number)}{arrival}{departure}</td></tr>\n"
        )

    return mark_safe("".join(row(leg) for leg in legs))  # noqa: S308 (every value above is escaped)
