"""Emails: to travellers about their booking (in the booking's language, text and HTML, with the voucher and the
calendar file attached), the link to a booking asked for on the website, and the website's contact form to the
operator.

Every email is queued through the outbox (:func:`gnb.core.outbox.email_enqueue`), in the transaction of the change
that causes it, and sent by the task worker, which reads its rows by primary key and records the sending, so a task
that runs twice sends once. :func:`email_senders_register` (called in ``NotificationsConfig.ready``) tells the
outbox which task sends each kind of email this app owns.
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
from collections.abc import Callable, Mapping
from email.utils import formataddr
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gnb.bookings.models import Booking, BookingEvent, GroupQuoteRequest, Passenger
from gnb.bookings.selectors import REFERENCE, booking_detail
from gnb.core import formats as locale_formats
from gnb.core.errors import NotFound, ValidationFailed
from gnb.core.links import booking_manage_url, booking_payment_url
from gnb.core.outbox import BOOKING_KINDS, EmailKind, email_enqueue, email_send_once, send_claimed
from gnb.fleet.models import DriverNotice, Trip, TripBooking
from gnb.fleet.push import driver_language, notice_message
from gnb.fleet.selectors import trip_detail
from gnb.notifications.calendar import CALENDAR_CONTENT_TYPE, booking_ics, calendar_filename
from gnb.notifications.itinerary import booking_itinerary, cancellation_policy_text, local_datetime_text
from gnb.notifications.models import ContactMessage, SentEmail
from gnb.notifications.operator import company_name, operator_email, operator_phone
from gnb.notifications.rides import RideNotice, ride_notice
from gnb.payments.models import Payment, Refund

logger = logging.getLogger(__name__)

CONFIRMATION = EmailKind.CONFIRMATION
CANCELLATION = EmailKind.CANCELLATION
CHANGE = EmailKind.CHANGE
PAYMENT_RECEIVED = EmailKind.PAYMENT_RECEIVED
PAYMENT_FAILED = EmailKind.PAYMENT_FAILED
REFUND_ISSUED = EmailKind.REFUND_ISSUED
DRIVER_ASSIGNED = EmailKind.DRIVER_ASSIGNED
DRIVER_REMINDER = EmailKind.DRIVER_REMINDER
TRAVEL_DOCUMENTS = EmailKind.TRAVEL_DOCUMENTS
PICKUP_MOVED = EmailKind.PICKUP_MOVED
SUBJECTS: dict[str, Callable[[Booking], str]] = {
    CONFIRMATION: lambda b: _("Your booking %(reference)s is confirmed") % {"reference": b.reference},
    CANCELLATION: lambda b: _("Your booking %(reference)s is cancelled") % {"reference": b.reference},
    CHANGE: lambda b: _("Your booking %(reference)s has been changed") % {"reference": b.reference},
    PAYMENT_RECEIVED: lambda b: _("Payment received for your booking %(reference)s") % {"reference": b.reference},
    PAYMENT_FAILED: lambda b: (
        _("Your payment for booking %(reference)s did not go through") % {"reference": b.reference}
    ),
    REFUND_ISSUED: lambda b: _("Refund for your booking %(reference)s") % {"reference": b.reference},
    DRIVER_ASSIGNED: lambda b: _("Your driver for booking %(reference)s") % {"reference": b.reference},
    DRIVER_REMINDER: lambda b: _("Reminder: your pickup for booking %(reference)s") % {"reference": b.reference},
    TRAVEL_DOCUMENTS: lambda b: _("Passport details needed for booking %(reference)s") % {"reference": b.reference},
    PICKUP_MOVED: lambda b: _("New pickup time for your booking %(reference)s") % {"reference": b.reference},
}
assert set(SUBJECTS) == BOOKING_KINDS
# Payment emails are about one Payment (or Refund) row, given as ``object_id``; each row gets its email once. The
# driver reminder is about one ride of the booking: its ``TripBooking`` row (a booking on a trip), so each booking
# on a trip is reminded once per ride, and a ride unassigned and assigned again is reminded again.
ABOUT_OBJECT = frozenset({PAYMENT_RECEIVED, PAYMENT_FAILED, REFUND_ISSUED, DRIVER_REMINDER})
# Emails about one history event of the booking (``event_id``): each change, and each new driver or vehicle.
ABOUT_EVENT = frozenset({CHANGE, DRIVER_ASSIGNED, PICKUP_MOVED})
# What each email carries: the voucher is what the traveller shows the driver, so a cancelled or expired booking
# gets none; every email carries the calendar file, and the cancellation's marks the event cancelled.
WITH_VOUCHER = frozenset({CONFIRMATION, CHANGE})
# Who comes for a ride: told when the driver and vehicle are given (or change) and again before pickup.
RIDE_KINDS = frozenset({DRIVER_ASSIGNED, DRIVER_REMINDER})
# Only a booking still to ride is told who comes, or asked for passport details.
RIDING = frozenset(
    {Booking.Status.CONFIRMED, Booking.Status.ASSIGNED, Booking.Status.ON_THE_WAY, Booking.Status.PICKED_UP}
)

# The history records a change under these names (gnb.bookings.services.booking_update_details); the email says
# in words what changed, so a traveller who did not make the change notices.
CHANGE_LABELS = {
    "contact.name": gettext_lazy("Lead traveller"),
    "contact.email": gettext_lazy("Email"),
    "contact.phone": gettext_lazy("Phone"),
    "flight.number": gettext_lazy("Flight"),
    "flight.arrival_at": gettext_lazy("Flight"),
    "pickup_point": gettext_lazy("Pickup point"),
    "return_flight.number": gettext_lazy("Return flight"),
    "return_flight.arrival_at": gettext_lazy("Return flight"),
    "return_pickup_point": gettext_lazy("Return pickup point"),
    "notes": gettext_lazy("Notes"),
}


# --- booking emails ---------------------------------------------------------------------------------------
def _check_kind(kind: str, event_id: int | None, object_id: int | None = None) -> None:
    if kind not in SUBJECTS:
        raise ValueError(f"unknown booking email kind {str(kind)!r}")
    kind = str(kind)
    if (kind in ABOUT_EVENT) != (event_id is not None):
        raise ValueError(f"a {kind!r} email {'needs' if kind in ABOUT_EVENT else 'takes no'} event_id")
    if (kind in ABOUT_OBJECT) != (object_id is not None):
        raise ValueError(f"a {kind!r} email {'needs' if kind in ABOUT_OBJECT else 'takes no'} object_id")


def booking_email_arguments(kind: EmailKind, keys: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments of ``send_booking_email`` for ``email_enqueue(kind=..., booking_id=..., ...)``.

    A ``change`` email is about one change, so it takes the id of the ``BookingEvent`` (kind ``changed``) that
    recorded it as ``event_id``, and each change gets its own email. ``payment_received`` and ``payment_failed``
    take the id of the Payment, ``refund_issued`` of the Refund, as ``object_id``; ``driver_assigned`` the event
    the trip's service recorded, ``driver_reminder`` the ``TripBooking`` of the ride. Only the keys given are passed
    on: a confirmation's task has the same arguments as those queued before change and payment emails existed.
    """
    unknown = set(keys) - {"booking_id", "event_id", "object_id"}
    if unknown or "booking_id" not in keys:
        raise ValueError(f"a {kind.value!r} email takes booking_id, event_id and object_id, got {sorted(keys)}")
    event_id, object_id = keys.get("event_id"), keys.get("object_id")
    _check_kind(kind, event_id, object_id)
    arguments: dict[str, Any] = {"booking_id": keys["booking_id"], "kind": kind.value}
    if object_id is not None:
        arguments["object_id"] = object_id
    elif event_id is not None:
        arguments["event_id"] = event_id
    return arguments


def booking_email_send(
    *, booking_id: int, kind: str, event_id: int | None = None, object_id: int | None = None
) -> bool:
    """Send the ``kind`` email of a booking (for a ``change``, of the change ``event_id``; for a payment email, of
    the Payment or Refund ``object_id``) once.

    Returns False when it had already been sent, and when it has nothing left to say: a driver email whose ride
    was unassigned or changed again since (the later change has its own email), a reminder of a ride that has
    started, a request for passport details all given. Raises ``ValueError`` for an unknown kind, or an event or
    object that does not belong to this booking, and ``NotFound`` for a booking that no longer exists.
    """
    _check_kind(kind, event_id, object_id)
    booking = booking_detail(booking_id=booking_id)
    event = None
    if event_id is not None:
        event = BookingEvent.objects.filter(pk=event_id, booking=booking, kind=BookingEvent.Kind.CHANGED).first()
        if event is None:
            raise ValueError(f"booking {booking_id} has no change event {event_id}")
    about: Payment | Refund | None = None
    ride: RideNotice | None = None
    missing: list[Passenger] = []
    if kind == DRIVER_ASSIGNED:
        assert event is not None
        ride = _announced_ride(booking, event)
    elif kind == DRIVER_REMINDER:
        assert object_id is not None
        ride = _reminded_ride(booking, object_id)
    elif kind == TRAVEL_DOCUMENTS:
        missing = _passengers_missing_documents(booking)
    elif object_id is not None:
        about = _payment_object(booking, kind, object_id)
    if (kind in RIDE_KINDS and ride is None) or (kind == TRAVEL_DOCUMENTS and not missing):
        logger.info("booking email not sent: nothing to tell", extra={"reference": booking.reference, "kind": kind})
        return False
    try:
        with transaction.atomic():
            record, _created = SentEmail.objects.get_or_create(
                booking=booking,
                kind=kind,
                event=event,
                object_id=object_id,
                defaults={"recipient": booking.lead_email, "language": booking.language},
            )
    except IntegrityError:  # the same email queued twice and run at the same moment: the other run sends it
        return False
    if record.sent_at is not None:
        return False

    def send() -> bool:
        if about is not None:
            _payment_message(booking, kind, about).send()
        elif kind in RIDE_KINDS or kind == TRAVEL_DOCUMENTS:
            _notice_message(booking, kind, ride=ride, missing=missing).send()
        else:
            _booking_message(booking, kind, event).send()
        return True

    # One run at a time sends it (a re-run of a task whose worker seemed dead, and that worker finishing late).
    if not send_claimed(SentEmail.objects.filter(pk=record.pk), send):
        return False
    logger.info("booking email sent", extra={"reference": booking.reference, "kind": kind, "event": event_id})
    return True


def _booking_message(booking: Booking, kind: str, event: BookingEvent | None) -> EmailMultiAlternatives:
    manage_url = booking_manage_url(booking)
    # The PDF library and its fonts take seconds to load: only the worker, which renders vouchers, pays for them;
    # a web process that merely queues emails never imports them.
    from gnb.notifications.vouchers import ENDED, booking_voucher_pdf, voucher_filename

    ended = booking.status in ENDED
    changes: dict[str, list[str]] = (event.details.get("changes") or {}) if event is not None else {}
    with translation.override(booking.language):
        context = {
            "booking": booking,
            "itinerary": booking_itinerary(booking),
            "manage_url": manage_url,
            "booking_ended": ended,
            "policy": None if ended else cancellation_policy_text(booking),
            "changed": _changed_labels(changes),
            "pickup_move": _pickup_move(booking, event) if kind == PICKUP_MOVED else None,
            "site_url": settings.SITE_URL,
            "company_name": company_name(),
            "operator_email": operator_email(),
            "operator_phone": operator_phone(),
        }
        subject = SUBJECTS[kind](booking)
        text = render_to_string(f"notifications/email/{kind}.txt", context)
        html = render_to_string(f"notifications/email/{kind}.html", context)
    recipients = [booking.lead_email]
    # A changed email address: the old one hears of it too, so a change the traveller did not make is noticed.
    old_email = changes.get("contact.email", [""])[0]
    if old_email and old_email != booking.lead_email:
        recipients.append(old_email)
    message = EmailMultiAlternatives(
        subject,
        text,
        to=recipients,
        reply_to=[operator_email()],
        headers={"X-GNB-Reference": booking.reference},
    )
    message.attach_alternative(html, "text/html")
    if kind in WITH_VOUCHER and not ended:
        message.attach(voucher_filename(booking), booking_voucher_pdf(booking), "application/pdf")
    message.attach(calendar_filename(booking), booking_ics(booking), CALENDAR_CONTENT_TYPE)
    return message


def _pickup_move(booking: Booking, event: BookingEvent | None) -> dict[str, str] | None:
    """The flight, its new landing and the new pickup of a pickup moved by flight tracking, as local wall-clock
    times of the airport (read from the history event that recorded the move)."""
    if event is None:
        return None
    sequence = event.details.get("leg", 1)
    leg = booking.legs.select_related("origin").filter(sequence=sequence).first()
    changes = event.details.get("changes") or {}
    prefix = "flight" if sequence == 1 else "return_flight"
    pickup = (changes.get("pickup_at" if sequence == 1 else "return_pickup_at") or ["", ""])[1]
    landing = (changes.get(f"{prefix}.arrival_at") or ["", ""])[1]
    if leg is None or not pickup:
        return None
    zone = leg.origin.tzinfo

    def local(text: str) -> str:
        return locale_formats.format_time(dt.datetime.fromisoformat(text).astimezone(zone)) if text else ""

    return {"flight": leg.flight_number, "landing": local(landing), "pickup": local(pickup)}


def _payment_object(booking: Booking, kind: str, object_id: int) -> Payment | Refund:
    about: Payment | Refund | None
    if kind == REFUND_ISSUED:
        about = Refund.objects.select_related("payment").filter(pk=object_id, payment__booking=booking).first()
    else:
        about = Payment.objects.filter(pk=object_id, booking=booking).first()
    if about is None:
        raise ValueError(f"booking {booking.pk} has no {kind} object {object_id}")
    return about


def _payment_message(booking: Booking, kind: str, about: Payment | Refund) -> EmailMultiAlternatives:
    """A payment email: the amount, what happened, and a link (for a failed payment, where to try again)."""
    with translation.override(booking.language):
        context = {
            "booking": booking,
            "amount": formats.number_format(about.amount, decimal_pos=2, use_l10n=True),
            "currency": about.currency,
            "about": about,
            "manage_url": booking_manage_url(booking),
            "retry_url": booking_payment_url(booking) if kind == PAYMENT_FAILED else "",
            "booking_ended": booking.status in {"cancelled", "expired", "refunded"},
            "site_url": settings.SITE_URL,
            "company_name": company_name(),
            "operator_email": operator_email(),
            "operator_phone": operator_phone(),
        }
        subject = SUBJECTS[kind](booking)
        text = render_to_string(f"notifications/email/{kind}.txt", context)
        html = render_to_string(f"notifications/email/{kind}.html", context)
    message = EmailMultiAlternatives(
        subject,
        text,
        to=[booking.lead_email],
        reply_to=[operator_email()],
        headers={"X-GNB-Reference": booking.reference},
    )
    message.attach_alternative(html, "text/html")
    return message


def _announced_ride(booking: Booking, event: BookingEvent) -> RideNotice | None:
    """The ride a "driver assigned" event announces, if that is still who comes: the trip is live, the booking on
    it, and its driver and vehicle those the event recorded."""
    if booking.status not in RIDING:
        return None
    details = event.details
    try:
        trip = trip_detail(trip_id=int(details["trip"]))
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"event {event.pk} of booking {booking.pk} names no trip") from None
    except NotFound:
        return None
    if not trip.is_live or not trip.is_assigned:
        return None
    if (trip.driver_id, trip.vehicle_id) != (details.get("driver"), details.get("vehicle")):
        return None
    return _notice_of(trip, booking)


def _reminded_ride(booking: Booking, rider_id: int) -> RideNotice | None:
    """The ride of ``booking`` on trip-booking ``rider_id``, if it still has its driver and vehicle and has not
    started."""
    if booking.status not in RIDING:
        return None
    trip_id = TripBooking.objects.filter(pk=rider_id, booking=booking).values_list("trip_id", flat=True).first()
    if trip_id is None:  # unassigned since it was queued: the ride is no longer on that trip
        return None
    trip = trip_detail(trip_id=trip_id)
    if trip.status != Trip.Status.ASSIGNED or not trip.is_assigned:
        return None
    return _notice_of(trip, booking)


def _notice_of(trip: Trip, booking: Booking) -> RideNotice | None:
    rider = next((r for r in trip.riders.all() if r.booking_id == booking.pk), None)
    if rider is None:
        return None
    with translation.override(booking.language):
        return ride_notice(trip, booking, rider.leg)


def _passengers_missing_documents(booking: Booking) -> list[Passenger]:
    """The passengers of a booking still to ride whose nationality or document number is missing."""
    if booking.status not in RIDING:
        return []
    return [p for p in booking.passengers.all() if not (p.nationality and p.document_number)]


def _notice_message(
    booking: Booking, kind: str, *, ride: RideNotice | None, missing: list[Passenger]
) -> EmailMultiAlternatives:
    """Who comes for a ride (``ride``), or which passengers' passport details are still needed (``missing``)."""
    with translation.override(booking.language):
        context = {
            "booking": booking,
            "ride": ride,
            "missing": missing,
            "manage_url": booking_manage_url(booking),
            "documents_url": f"{booking_manage_url(booking)}#passports",
            "booking_ended": False,
            "site_url": settings.SITE_URL,
            "company_name": company_name(),
            "operator_email": operator_email(),
            "operator_phone": operator_phone(),
        }
        subject = SUBJECTS[kind](booking)
        text = render_to_string(f"notifications/email/{kind}.txt", context)
        html = render_to_string(f"notifications/email/{kind}.html", context)
    message = EmailMultiAlternatives(
        subject,
        text,
        to=[booking.lead_email],
        reply_to=[operator_email()],
        headers={"X-GNB-Reference": booking.reference},
    )
    message.attach_alternative(html, "text/html")
    return message


def _changed_labels(changes: dict[str, list[str]]) -> list[str]:
    """What changed, in words of the active language, each once: "Flight, Passenger 2"."""
    labels: list[str] = []
    for name in CHANGE_LABELS:
        if name in changes and str(CHANGE_LABELS[name]) not in labels:
            labels.append(str(CHANGE_LABELS[name]))
    passengers = sorted(int(name.split(".")[1]) for name in changes if name.startswith("passengers."))
    labels += [_("Passenger %(number)s") % {"number": index + 1} for index in passengers]
    return labels


# --- the manage link --------------------------------------------------------------------------------------
def manage_link_arguments(kind: EmailKind, keys: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments of ``send_manage_link``: ``booking_id`` only."""
    if set(keys) != {"booking_id"}:
        raise ValueError(f"a {kind.value!r} email takes booking_id, got {sorted(keys)}")
    return {"booking_id": keys["booking_id"]}


def manage_link_send(*, booking_id: int, task_id: Any) -> bool:
    """Send a booking's manage link to the address on the booking, in the booking's language, once per queued task
    ``task_id`` (a traveller may ask again and gets it again); returns False when this task had sent it."""

    def send() -> bool:
        booking = Booking.objects.get(pk=booking_id)
        with translation.override(booking.language):
            context = {"booking": booking, "manage_url": booking_manage_url(booking), "site_url": settings.SITE_URL}
            subject = _("The link to your booking %(reference)s") % {"reference": booking.reference}
            text = render_to_string("website/email/manage_link.txt", context)
            html = render_to_string("website/email/manage_link.html", context)
        message = EmailMultiAlternatives(
            subject, text, to=[booking.lead_email], headers={"X-GNB-Reference": booking.reference}
        )
        message.attach_alternative(html, "text/html")
        message.send()
        return True

    return email_send_once(task_id=task_id, kind=EmailKind.MANAGE_LINK, send=send)


# --- contact form -----------------------------------------------------------------------------------------
CONTACT_NAME_MAX = 150
CONTACT_MESSAGE_MAX = 5000


def _has_control_characters(value: str) -> bool:
    # Control characters and the Unicode line and paragraph separators: what could end a mail header line.
    return any(unicodedata.category(char) in {"Cc", "Zl", "Zp"} for char in value)


def contact_message_send(
    *, name: str, email: str, phone: str, message: str, language: str, booking_reference: str = ""
) -> None:
    """Check a contact-form message and queue it to the operator (``GNB_OPERATOR_EMAIL``), Reply-To the visitor.

    Every wrong input is reported at once in ``ValidationFailed``, each naming its field (``name``, ``email``,
    ``phone``, ``message``, ``language``, ``booking_reference``). The message is stored first and emailed by the
    worker, queued in the same transaction, so it is not lost while the mail server is unreachable.
    """
    errors: list[tuple[str, str]] = []
    # The name goes into the subject and the Reply-To header: a line break there would add headers, so it is
    # refused, not cleaned up.
    if _has_control_characters(name):
        errors.append(("name", _("Enter your name on one line.")))
    clean_name = " ".join(name.split())
    if not clean_name and not errors:
        errors.append(("name", _("Please enter your name.")))
    elif len(clean_name) > CONTACT_NAME_MAX:
        errors.append(("name", _("At most %(max)s characters.") % {"max": CONTACT_NAME_MAX}))

    clean_email = email.strip()
    try:
        if _has_control_characters(clean_email):
            raise DjangoValidationError("control characters")
        validate_email(clean_email)
    except DjangoValidationError:
        errors.append(("email", _("Enter a valid email address.")))

    clean_phone = ""
    if phone.strip():
        try:
            parsed = phonenumbers.parse(phone, None)
            if not phonenumbers.is_valid_number(parsed):
                raise phonenumbers.NumberParseException(phonenumbers.NumberParseException.NOT_A_NUMBER, "invalid")
            clean_phone = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            errors.append(("phone", _("Enter the phone number with its country code, e.g. +90 532 123 45 67.")))

    # Line breaks and tabs are the message's own; other control characters (a NUL cannot even be stored in
    # PostgreSQL) are dropped.
    clean_message = "".join(char for char in message if char in "\n\t" or unicodedata.category(char) != "Cc").strip()
    if not clean_message:
        errors.append(("message", _("Please write your message.")))
    elif len(clean_message) > CONTACT_MESSAGE_MAX:
        errors.append(("message", _("At most %(max)s characters.") % {"max": CONTACT_MESSAGE_MAX}))

    if language not in dict(settings.LANGUAGES):
        errors.append(("language", _("Unknown language “%(code)s”.") % {"code": language}))

    clean_reference = booking_reference.strip().upper()
    if clean_reference and not REFERENCE.fullmatch(clean_reference):
        errors.append(("booking_reference", _("A booking reference looks like GNB-7K3Q-9XPM.")))

    if errors:
        raise ValidationFailed(errors)

    with transaction.atomic():
        contact = ContactMessage.objects.create(
            name=clean_name,
            email=clean_email,
            phone=clean_phone,
            message=clean_message,
            language=language,
            booking_reference=clean_reference,
        )
        email_enqueue(kind=EmailKind.CONTACT_MESSAGE, message_id=contact.pk)
    logger.info("contact message received", extra={"contact_message": contact.pk, "language": language})


def contact_message_arguments(kind: EmailKind, keys: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments of ``send_contact_message``: ``message_id`` only."""
    if set(keys) != {"message_id"}:
        raise ValueError(f"a {kind.value!r} email takes message_id, got {sorted(keys)}")
    return {"message_id": keys["message_id"]}


def contact_message_forward(*, message_id: int) -> bool:
    """Email a stored contact message to the operator once; returns False when it had already been sent."""
    contact = ContactMessage.objects.get(pk=message_id)
    if contact.sent_at is not None:
        return False
    return send_claimed(ContactMessage.objects.filter(pk=contact.pk), lambda: _contact_message_send(contact))


def _contact_message_send(contact: ContactMessage) -> bool:
    # The operator's mailbox reads the site's default language, whatever language the visitor wrote in.
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "contact": contact,
            "language_name": translation.get_language_info(contact.language)["name"],
            "booking_search_url": _booking_search_url(contact.booking_reference),
            "received": formats.date_format(timezone.localtime(contact.created_at), "DATETIME_FORMAT"),
        }
        subject = _("Contact form: %(name)s") % {"name": contact.name}
        body = render_to_string("notifications/email/contact_message.txt", context)
    EmailMessage(
        subject,
        body,
        to=[operator_email()],
        reply_to=[formataddr((contact.name, contact.email))],
        headers={"X-GNB-Contact-Message": str(contact.pk)},
    ).send()
    logger.info("contact message forwarded", extra={"contact_message": contact.pk})
    return True


def _booking_search_url(reference: str) -> str:
    """The back office's booking list searched for ``reference``, for the operator to open it in one click."""
    if not reference:
        return ""
    try:
        path = reverse("admin:bookings_booking_changelist")
    except NoReverseMatch:
        return ""
    return f"{settings.SITE_URL}{path}?{urlencode({'q': reference})}"


# --- group quote requests ---------------------------------------------------------------------------------
GROUP_QUOTE_KINDS = frozenset({EmailKind.GROUP_QUOTE_REQUEST, EmailKind.GROUP_QUOTE_REPLY})


def group_quote_arguments(kind: EmailKind, keys: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments of ``send_group_quote_email``: the kind and ``message_id`` (the request's primary key)."""
    if set(keys) != {"message_id"}:
        raise ValueError(f"a {kind.value!r} email takes message_id, got {sorted(keys)}")
    return {"kind": kind.value, "request_id": keys["message_id"]}


def group_quote_email_send(*, kind: str, request_id: int, task_id: Any) -> bool:
    """Send a group quote request to the operator, or the operator's answer to the traveller, once per queued task;
    returns False when this task had sent it."""
    quote = GroupQuoteRequest.objects.select_related("origin", "destination").get(pk=request_id)
    if kind == EmailKind.GROUP_QUOTE_REQUEST:
        return email_send_once(task_id=task_id, kind=kind, send=lambda: _group_quote_to_operator(quote))
    if kind == EmailKind.GROUP_QUOTE_REPLY:
        return email_send_once(task_id=task_id, kind=kind, send=lambda: _group_quote_reply(quote))
    raise ValueError(f"{kind!r} is no group quote email")


def _group_quote_to_operator(quote: GroupQuoteRequest) -> bool:
    # The operator's mailbox reads the site's default language, whatever language the traveller wrote in.
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "quote": quote,
            "pickup": local_datetime_text(quote.pickup_at, quote.origin.time_zone),
            "language_name": translation.get_language_info(quote.language)["name"],
            "received": formats.date_format(timezone.localtime(quote.created_at), "DATETIME_FORMAT"),
            "admin_url": _admin_url("admin:bookings_groupquoterequest_change", quote.pk),
        }
        subject = _("Group quote request: %(seats)s passengers, %(origin)s → %(destination)s") % {
            "seats": quote.seats,
            "origin": quote.origin.name,
            "destination": quote.destination.name,
        }
        body = render_to_string("notifications/email/group_quote_request.txt", context)
    EmailMessage(
        subject,
        body,
        to=[operator_email()],
        reply_to=[formataddr((quote.name, quote.email))],
        headers={"X-GNB-Group-Quote": str(quote.pk)},
    ).send()
    return True


def _group_quote_reply(quote: GroupQuoteRequest) -> bool:
    if not quote.reply:
        return False
    with translation.override(quote.language):
        context = {
            "quote": quote,
            "pickup": local_datetime_text(quote.pickup_at, quote.origin.time_zone),
            "site_url": settings.SITE_URL,
            "company_name": company_name(),
            "operator_email": operator_email(),
            "operator_phone": operator_phone(),
        }
        subject = _("Your group transfer: our offer")
        text = render_to_string("notifications/email/group_quote_reply.txt", context)
        html = render_to_string("notifications/email/group_quote_reply.html", context)
    message = EmailMultiAlternatives(
        subject, text, to=[quote.email], reply_to=[operator_email()], headers={"X-GNB-Group-Quote": str(quote.pk)}
    )
    message.attach_alternative(html, "text/html")
    message.send()
    return True


def _admin_url(name: str, pk: int) -> str:
    try:
        return settings.SITE_URL + reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


# --- drivers: a trip given, changed or taken away, when no phone took the push message ------------------------
def driver_notice_arguments(kind: EmailKind, keys: Mapping[str, Any]) -> dict[str, Any]:
    notice_id = keys.get("notice_id")
    if not isinstance(notice_id, int) or set(keys) != {"notice_id"}:
        raise ValueError("a driver notice email takes notice_id only")
    return {"notice_id": notice_id}


def driver_notice_email_send(*, notice_id: int) -> bool:
    """Email a driver what the notice ``notice_id`` says, in the driver's language, once per notice (its own
    sent-record); False when it had been sent, or the driver has no email address."""

    def send() -> bool:
        notice = DriverNotice.objects.select_related("driver__user").get(pk=notice_id)
        address = notice.driver.user.email
        if not address:
            logger.warning("driver has no email address", extra={"driver": notice.driver_id, "notice": notice_id})
            return False
        said = notice_message(notice)
        with translation.override(driver_language(notice.driver)):
            context = {
                "driver": notice.driver,
                "message": said,
                "trip_url": f"{settings.SITE_URL}{said.url}",
                "company": company_name(),
            }
            text = render_to_string("notifications/email/driver_notice.txt", context)
        EmailMessage(said.title, text, to=[address], headers={"X-GNB-Trip": f"T{notice.trip_id}"}).send()
        return True

    return email_send_once(task_id=f"driver-notice-{notice_id}", kind=EmailKind.DRIVER_NOTICE, send=send)
