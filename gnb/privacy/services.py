"""Writes for the privacy rules: recording a consent decision, a staff-handled export or erasure for a traveller
found by email, and the retention run. Erasure and retention anonymise bookings with the one rule account deletion
uses (:func:`gnb.accounts.customers.bookings_personal_data_erase`); amounts, dates, payments and refunds stay."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gnb.accounts.customers import ANONYMOUS_EMAIL, bookings_personal_data_erase
from gnb.bookings.models import IdempotencyKey
from gnb.core.audit import audit_record
from gnb.core.errors import DomainError
from gnb.fleet.evidence import evidence_photos, evidence_photos_delete
from gnb.notifications.models import ContactMessage, SentEmail
from gnb.privacy import selectors
from gnb.privacy.consent import OPTIONAL_CATEGORIES
from gnb.privacy.models import ConsentDecision, DataSubjectRequest

logger = logging.getLogger(__name__)

AUDIT_EXPORTED = "privacy.exported"
AUDIT_ERASED = "privacy.erased"
AUDIT_RETENTION = "privacy.retention"


class TravellerHasUpcomingBooking(DomainError):
    code = "conflict"
    status = 409


# --- consent ------------------------------------------------------------------------------------------------
def consent_record(
    *, subject: str, categories: set[str] | frozenset[str], version: int, language: str, now: dt.datetime | None = None
) -> ConsentDecision:
    """Keep one visitor's answer: the optional categories accepted (none is an answer too), the text version, when."""
    accepted = sorted(set(categories) & set(OPTIONAL_CATEGORIES))
    return ConsentDecision.objects.create(
        subject=subject, version=version, categories=accepted, language=language[:8], decided_at=now or timezone.now()
    )


# --- data subject requests ------------------------------------------------------------------------------------
def traveller_export(*, email: str, actor, request=None) -> dict[str, Any]:
    """The traveller's data as JSON-ready data, recorded as a handled request and in the audit log (no address)."""
    data = selectors.traveller_data_export(email=email)
    with transaction.atomic():
        handled = DataSubjectRequest.objects.create(
            kind=DataSubjectRequest.Kind.EXPORT,
            email_digest=selectors.email_digest(email),
            bookings=len(data["bookings"]),
            handled_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(
            action=AUDIT_EXPORTED, actor=actor, request=request, target=handled, details={"bookings": handled.bookings}
        )
    return data


def traveller_erase(*, email: str, actor, request=None, now: dt.datetime | None = None) -> int:
    """Anonymise every booking made with ``email`` and the emails sent about them; return how many bookings.

    Refused while one of them still needs the names (open and ahead, or under way). Recorded as a handled request
    and in the audit log, without the address.
    """
    now = now or timezone.now()
    with transaction.atomic():
        bookings = selectors.traveller_bookings(email=email)
        if selectors.traveller_bookings_upcoming(email=email, now=now).exists():
            raise TravellerHasUpcomingBooking(
                _("This traveller has an upcoming booking: cancel it, or wait until the trip is over.")
            )
        booking_ids = list(bookings.select_for_update().values_list("pk", flat=True))
        _erase(booking_ids)
        handled = DataSubjectRequest.objects.create(
            kind=DataSubjectRequest.Kind.ERASURE,
            email_digest=selectors.email_digest(email),
            bookings=len(booking_ids),
            handled_by=actor if getattr(actor, "is_authenticated", False) else None,
            handled_at=now,
        )
        audit_record(
            action=AUDIT_ERASED, actor=actor, request=request, target=handled, details={"bookings": len(booking_ids)}
        )
    return len(booking_ids)


def _erase(booking_ids: list[int]) -> None:
    bookings_personal_data_erase(booking_ids=booking_ids)
    SentEmail.objects.filter(booking_id__in=booking_ids).update(recipient=ANONYMOUS_EMAIL)
    # A key's scope can be the client's network address; replays of such old requests are long over.
    IdempotencyKey.objects.filter(booking_id__in=booking_ids).delete()
    # A no-show's photo shows the name sign, with the traveller's name on it.
    evidence_photos_delete(booking_ids=booking_ids)


# --- retention ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RetentionReport:
    cutoff: dt.datetime
    travellers: int
    bookings: int
    passengers: int
    contact_messages: int
    evidence_photos: int
    dry_run: bool


def privacy_retention_run(*, dry_run: bool = False, now: dt.datetime | None = None) -> RetentionReport:
    """Anonymise the bookings of travellers whose last trip is older than ``GNB_PRIVACY_RETENTION_MONTHS`` and
    delete contact messages older than that; with ``dry_run`` only count them. Safe to run twice: anonymised
    bookings are not found again."""
    now = now or timezone.now()
    with transaction.atomic():
        plan = selectors.retention_plan(now=now)
        messages = ContactMessage.objects.filter(created_at__lt=plan.cutoff)
        # No-show photos are kept for disputes for their own, shorter time (GNB_NO_SHOW_EVIDENCE_RETENTION_MONTHS).
        photos_cutoff = selectors.retention_cutoff(now=now, months=settings.GNB_NO_SHOW_EVIDENCE_RETENTION_MONTHS)
        report = RetentionReport(
            cutoff=plan.cutoff,
            travellers=plan.travellers,
            bookings=len(plan.booking_ids),
            passengers=plan.passengers,
            contact_messages=messages.count(),
            evidence_photos=evidence_photos(taken_before=photos_cutoff).count(),
            dry_run=dry_run,
        )
        if not dry_run and (report.bookings or report.contact_messages or report.evidence_photos):
            _erase(plan.booking_ids)
            messages.delete()
            evidence_photos_delete(taken_before=photos_cutoff)
            audit_record(
                action=AUDIT_RETENTION,
                actor=None,
                details={
                    "travellers": report.travellers,
                    "bookings": report.bookings,
                    "passengers": report.passengers,
                    "contact_messages": report.contact_messages,
                    "evidence_photos": report.evidence_photos,
                    "cutoff": plan.cutoff.isoformat(),
                },
            )
    logger.info(
        "privacy retention %s: %s travellers, %s bookings, %s passengers, %s contact messages, %s no-show photos",
        "dry run" if dry_run else "run",
        report.travellers,
        report.bookings,
        report.passengers,
        report.contact_messages,
        report.evidence_photos,
    )
    return report
