"""Writes on customer accounts: sign-up, email verification, password and email changes, linking bookings, saved
passengers and deleting an account.

Emails are queued in the transaction of the change (:mod:`gnb.core.outbox`) and sent by the worker
(:mod:`gnb.accounts.tasks`), which makes
the link each one carries, so no token is ever stored in the task queue. Answers that could tell a visitor whether
an address has an account (sign-up, password reset, resend) are the same either way: the callers show one message,
and only the owner of the address learns anything, by email.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gnb.accounts.models import SavedPassenger
from gnb.accounts.roles import customer_role_give
from gnb.accounts.selectors import customer_by_email, normalise_email, user_by_email
from gnb.bookings.models import Booking, BookingEvent, CouponRedemption, Passenger
from gnb.bookings.names import name_error, name_normalized
from gnb.core.audit import AuditAction, audit_record
from gnb.core.errors import DomainError, NotFound, ValidationFailed
from gnb.core.outbox import EmailKind, email_enqueue

logger = logging.getLogger(__name__)

MAX_SAVED_PASSENGERS = 30
# Bookings that still need the traveller's names (the driver's manifest): an account with one cannot be deleted.
_OPEN = (Booking.Status.PENDING_PAYMENT, Booking.Status.CONFIRMED, Booking.Status.ASSIGNED)
_UNDER_WAY = (Booking.Status.ON_THE_WAY, Booking.Status.PICKED_UP)
ANONYMOUS_NAME = "Deleted customer"
ANONYMOUS_EMAIL = "deleted@anonymised.invalid"
ANONYMOUS_PASSENGER = "Anonymised"


class AccountHasUpcomingBooking(DomainError):
    code = "conflict"
    status = 409


def _send(kind: str, *, user_id: int, address: str = "") -> None:
    # In the caller's transaction: the change and its email commit together (gnb.core.outbox).
    email_enqueue(kind=EmailKind(kind), user_id=user_id, address=address)


def _split_name(name: str) -> tuple[str, str]:
    name = " ".join(name.split())
    first, _space, last = name.rpartition(" ")
    return (first, last) if first else (name, "")


def _free_username(email: str) -> str:
    # Customers' usernames are their address, as for imported accounts; a staff username that happens to be the
    # same address gets a suffix instead (usernames are what staff sign in to the back office with).
    user_model = get_user_model()
    username = email[:150]
    while user_model._default_manager.filter(username=username).exists():
        username = f"{email[:140]}-{secrets.token_hex(4)}"
    return username


# --- sign-up and verification ------------------------------------------------------------------------------
def customer_sign_up(*, name: str, email: str, password: str, language: str) -> None:
    """Open an account for ``email``, unverified, and email it a verification link.

    When the address already has an account, nothing is created and its owner gets an email saying so (with the
    way to sign in or reset the password); the caller answers exactly as for a new account. The password is hashed
    in both cases so the answer takes as long either way. ``password`` must already have passed the validators.
    """
    email = email.strip()
    first_name, last_name = _split_name(name)
    hashed = make_password(password)
    existing = user_by_email(email=email)
    if existing is None:
        try:
            with transaction.atomic():
                user = get_user_model()._default_manager.create(
                    username=_free_username(normalise_email(email)),
                    email=email,
                    first_name=first_name[:150],
                    last_name=last_name[:150],
                    password=hashed,
                    preferred_language=language,
                )
                customer_role_give(user_id=user.pk)
        except IntegrityError:
            # Someone signed up with the same address a moment ago: the same as an existing account.
            existing = user_by_email(email=email)
        else:
            _send("verify", user_id=user.pk)
            logger.info("customer account opened", extra={"user_id": user.pk})
            return
    # Staff accounts sign in at the back office only: nothing on the website would help their owner.
    if existing is not None and not existing.is_staff and not existing.is_superuser:
        _send("signup_exists", user_id=existing.pk)
        logger.info("sign-up for an address that has an account", extra={"user_id": existing.pk})


def customer_verification_resend(*, email: str) -> None:
    """Send the verification link again to an account of ``email`` that is not verified yet (else nothing)."""
    user = customer_by_email(email=email)
    if user is not None and user.is_active and user.email_verified_at is None:
        _send("verify", user_id=user.pk)


def customer_email_verify(*, user_id: int, now: dt.datetime | None = None) -> int:
    """Mark the account's address as verified and link the bookings made with it; return how many were linked."""
    now = now or timezone.now()
    with transaction.atomic():
        user = get_user_model()._default_manager.select_for_update().get(pk=user_id)
        if user.email_verified_at is None:
            user.email_verified_at = now
            user.save(update_fields=["email_verified_at"])
        return customer_bookings_link(user_id=user.pk)


def customer_bookings_link(*, user_id: int, booking_id: int | None = None) -> int:
    """Link to the account the bookings whose lead email is the account's verified address, and no others.

    With ``booking_id``, only that booking (one just placed by the signed-in customer) is considered. Bookings
    already linked to an account stay where they are. Returns how many were linked.
    """
    user = get_user_model()._default_manager.get(pk=user_id)
    if not user.email_verified or user.is_staff or user.is_superuser or not user.is_active:
        return 0
    bookings = Booking.objects.filter(customer__isnull=True, lead_email__iexact=user.email)
    if booking_id is not None:
        bookings = bookings.filter(pk=booking_id)
    return bookings.update(customer=user)


# --- passwords ---------------------------------------------------------------------------------------------
def customer_password_reset_request(*, email: str) -> None:
    """Email a password reset link to the website account of ``email``, if there is an active one (else nothing)."""
    user = customer_by_email(email=email)
    if user is not None and user.is_active and user.has_usable_password():
        _send("password_reset", user_id=user.pk)


def customer_password_set(*, user_id: int, password: str, proves_email: bool = False) -> None:
    """Set a new password (already validated). Every session signed in with the old one ends.

    ``proves_email``: the password was set from a reset link sent to the account's address, which proves the
    address as a verification link would, so an unverified address becomes verified and its bookings linked.
    """
    with transaction.atomic():
        user = get_user_model()._default_manager.select_for_update().get(pk=user_id)
        user.set_password(password)
        fields = ["password"]
        if proves_email and user.email_verified_at is None:
            user.email_verified_at = timezone.now()
            fields.append("email_verified_at")
        user.save(update_fields=fields)
        if proves_email:
            customer_bookings_link(user_id=user.pk)
    _send("password_changed", user_id=user_id)


def customer_sign_in_link_request(*, email: str) -> None:
    """Email a one-time sign-in link (15 minutes) to the active website account of ``email``, if any."""
    user = customer_by_email(email=email)
    if user is not None and user.is_active:
        _send("sign_in_link", user_id=user.pk)


# --- email change ------------------------------------------------------------------------------------------
def customer_email_change_request(*, user_id: int, new_email: str) -> None:
    """Send a confirmation link to ``new_email``; the address changes only when it is followed.

    When another account already has ``new_email`` nothing is sent (the caller answers the same).
    """
    new_email = new_email.strip()
    user = get_user_model()._default_manager.get(pk=user_id)
    if normalise_email(new_email) == normalise_email(user.email):
        raise ValidationFailed([("email", _("This is already your email address."))])
    if user_by_email(email=new_email) is not None:
        logger.info("email change to an address that has an account", extra={"user_id": user_id})
        return
    _send("email_change", user_id=user_id, address=new_email)


def customer_email_change_confirm(*, user_id: int, new_email: str) -> None:
    """Make ``new_email`` (proved by the link sent there) the account's verified address; tell the old address."""
    with transaction.atomic():
        user = get_user_model()._default_manager.select_for_update().get(pk=user_id)
        old_email = user.email
        user.email = new_email
        user.email_verified_at = timezone.now()
        fields = ["email", "email_verified_at"]
        if (
            user.username == normalise_email(old_email)
            and not get_user_model()._default_manager.filter(username=normalise_email(new_email)).exists()
        ):
            user.username = normalise_email(new_email)
            fields.append("username")
        try:
            with transaction.atomic():
                user.save(update_fields=fields)
        except IntegrityError:
            raise ValidationFailed([("email", _("This email address belongs to another account."))]) from None
        customer_bookings_link(user_id=user.pk)
    if old_email:
        _send("email_changed", user_id=user_id, address=old_email)


# --- saved passengers --------------------------------------------------------------------------------------
def _clean_passenger(first_name: str, last_name: str, category: str, birth_year: int | None) -> dict[str, Any]:
    errors: list[tuple[str, str]] = []
    first_name, last_name = name_normalized(first_name), name_normalized(last_name)
    if not first_name:
        errors.append(("first_name", _("Enter the first name.")))
    elif problem := name_error(first_name, field=_("First name")):
        errors.append(("first_name", problem))
    if not last_name:
        errors.append(("last_name", _("Enter the last name.")))
    elif problem := name_error(last_name, field=_("Last name")):
        errors.append(("last_name", problem))
    if category not in SavedPassenger.Category.values:
        errors.append(("category", _("Choose adult, child or infant.")))
    if birth_year is not None and not 1900 <= birth_year <= timezone.localdate().year:
        errors.append(("birth_year", _("Enter a year between 1900 and this year.")))
    if errors:
        raise ValidationFailed(errors)
    return {"first_name": first_name[:60], "last_name": last_name[:60], "category": category, "birth_year": birth_year}


def saved_passenger_create(
    *, user_id: int, first_name: str, last_name: str, category: str, birth_year: int | None = None
) -> SavedPassenger:
    """Save a traveller on the account (at most :data:`MAX_SAVED_PASSENGERS`)."""
    values = _clean_passenger(first_name, last_name, category, birth_year)
    with transaction.atomic():
        # The account row is the lock: two tabs saving at once cannot both pass the limit.
        get_user_model()._default_manager.select_for_update().get(pk=user_id)
        if SavedPassenger.objects.filter(user_id=user_id).count() >= MAX_SAVED_PASSENGERS:
            raise ValidationFailed(
                [("", _("You can save up to %(count)d passengers.") % {"count": MAX_SAVED_PASSENGERS})]
            )
        return SavedPassenger.objects.create(user_id=user_id, **values)


def saved_passenger_update(
    *, user_id: int, passenger_id: int, first_name: str, last_name: str, category: str, birth_year: int | None = None
) -> SavedPassenger:
    """Change one of the account's saved passengers; another account's is :class:`NotFound`."""
    values = _clean_passenger(first_name, last_name, category, birth_year)
    updated = SavedPassenger.objects.filter(pk=passenger_id, user_id=user_id).update(**values)
    if not updated:
        raise NotFound(_("Passenger not found."))
    return SavedPassenger.objects.get(pk=passenger_id)


def saved_passenger_delete(*, user_id: int, passenger_id: int) -> None:
    """Remove one of the account's saved passengers; another account's is :class:`NotFound`."""
    deleted, _rows = SavedPassenger.objects.filter(pk=passenger_id, user_id=user_id).delete()
    if not deleted:
        raise NotFound(_("Passenger not found."))


# --- deleting an account -----------------------------------------------------------------------------------
def customer_upcoming_bookings(*, user_id: int, now: dt.datetime | None = None):
    """The account's bookings that still need the traveller's names: open and ahead, or under way."""
    now = now or timezone.now()
    return Booking.objects.filter(customer_id=user_id).filter(
        Q(status__in=_OPEN, starts_at__gte=now) | Q(status__in=_UNDER_WAY)
    )


def bookings_personal_data_erase(*, booking_ids: list[int]) -> None:
    """The one rule that anonymises bookings, for a deleted account and for privacy erasure and retention.

    Each booking's lead name, email, phone and notes and its passengers' names are replaced by anonymous values (their
    nationality and passport or identity numbers emptied), as
    are the old and new values in its change history and the email of its coupon use. Amounts, dates, payments and
    refunds are kept: the accounts and tax law need them. Call it inside the caller's transaction.
    """
    Booking.objects.filter(pk__in=booking_ids).update(
        lead_name=ANONYMOUS_NAME, lead_email=ANONYMOUS_EMAIL, lead_phone="", notes=""
    )
    for passenger in Passenger.objects.filter(booking_id__in=booking_ids).only("pk", "position"):
        Passenger.objects.filter(pk=passenger.pk).update(
            first_name=ANONYMOUS_PASSENGER, last_name=str(passenger.position), nationality="", document_number=""
        )
    for event in BookingEvent.objects.filter(booking_id__in=booking_ids, kind=BookingEvent.Kind.CHANGED):
        changes = event.details.get("changes") if isinstance(event.details, dict) else None
        if isinstance(changes, dict):
            event.details = {**event.details, "changes": {name: ["anonymised", "anonymised"] for name in changes}}
            event.save(update_fields=["details"])
    CouponRedemption.objects.filter(booking_id__in=booking_ids).update(email=ANONYMOUS_EMAIL)


def customer_delete(*, user_id: int, now: dt.datetime | None = None) -> None:
    """Erase the account's personal data, keeping its bookings for the accounts without it.

    Refused while a linked booking is upcoming and active (the driver's manifest needs the names): it must be
    cancelled or completed first. Otherwise, in one transaction: saved passengers are deleted; each linked booking's
    lead name, email, phone, notes and passenger names are replaced by anonymous values, as are the old and new
    values in its change history and the email of its coupon use; the account row loses its name, address and
    password and is deactivated (its sessions end with it). The audit log records the deletion with the account's
    id only: no name, address, or the client's network address.
    """
    now = now or timezone.now()
    with transaction.atomic():
        user = get_user_model()._default_manager.select_for_update().get(pk=user_id)
        if customer_upcoming_bookings(user_id=user_id, now=now).exists():
            raise AccountHasUpcomingBooking(
                _(
                    "You have an upcoming booking. Cancel it, or wait until the trip is over, before you delete "
                    "your account: the driver needs the passengers' names."
                )
            )
        booking_ids = list(Booking.objects.filter(customer_id=user_id).values_list("pk", flat=True))
        bookings_personal_data_erase(booking_ids=booking_ids)
        SavedPassenger.objects.filter(user_id=user_id).delete()
        user.username = f"deleted-{user.pk}"
        user.email = ""
        user.first_name = ""
        user.last_name = ""
        user.email_verified_at = None
        user.preferred_language = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
        audit_record(
            action=AuditAction.ACCOUNT_DELETED,
            actor=None,
            target=user,
            details={"bookings_anonymised": len(booking_ids)},
            actor_label=f"customer {user.pk}",
        )
