"""Reads for the privacy rules: what the site really does (cookies, processors, the controller), a traveller's
bookings found by email, and the travellers whose retention time is over.

The privacy notice and the cookie page are written from :func:`cookies_in_use` and :func:`processors_in_use`, so
a processor switched on in the settings appears there, and one switched off disappears.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.timesince import TIME_STRINGS
from django.utils.translation import gettext_lazy as _

from gnb.accounts.customers import ANONYMOUS_EMAIL
from gnb.accounts.selectors import bookings_data_export, normalise_email
from gnb.bookings.models import Booking, BookingStatus, Passenger
from gnb.privacy.consent import ANALYTICS, CONSENT_COOKIE, CONSENT_MAX_AGE, NECESSARY

# As for deleting an account (gnb.accounts.customers): open and ahead, or under way, a booking still needs its names.
_OPEN = (BookingStatus.PENDING_PAYMENT, BookingStatus.CONFIRMED, BookingStatus.ASSIGNED)
_UNDER_WAY = (BookingStatus.ON_THE_WAY, BookingStatus.PICKED_UP)


@dataclass(frozen=True)
class Cookie:
    name: str
    category: str  # NECESSARY or ANALYTICS
    purpose: Promise | str
    max_age: int | None  # seconds; None: until the browser closes
    provider: str

    @property
    def lifetime(self) -> str:
        """The lifetime in words of the current language ("12 hours", "1 year")."""
        if self.max_age is None:
            return str(_("Until you close the browser"))
        return _duration(self.max_age)


def _duration(seconds: int) -> str:
    """Seconds in the largest fitting unit, rounded ("2 years", "6 months"), with Django's translated unit names."""
    days = seconds / 86400
    if days >= 360:
        unit, number = "year", round(days / 365)
    elif days >= 28:
        unit, number = "month", round(days / 30.44)
    elif days >= 1:
        unit, number = "day", round(days)
    elif seconds >= 3600:
        unit, number = "hour", round(seconds / 3600)
    else:
        unit, number = "minute", max(1, round(seconds / 60))
    return TIME_STRINGS[unit] % {"num": number}


@dataclass(frozen=True)
class Processor:
    key: str
    name: str
    purpose: Promise | str


_YEAR = 365 * 24 * 3600
_DAY = 24 * 3600


def cookies_in_use() -> list[Cookie]:
    """Every cookie the public site sets, in the order the cookie page lists them."""
    site = "GNB Transfer"
    cookies = [
        Cookie(
            settings.SESSION_COOKIE_NAME,
            NECESSARY,
            _("Keeps the booking you are making, and your sign-in to your account."),
            settings.SESSION_COOKIE_AGE,
            site,
        ),
        Cookie(
            settings.CSRF_COOKIE_NAME,
            NECESSARY,
            _("Protects the forms you send against forgery by other sites."),
            settings.CSRF_COOKIE_AGE,
            site,
        ),
        Cookie(
            settings.LANGUAGE_COOKIE_NAME,
            NECESSARY,
            _("Remembers the language you chose."),
            settings.LANGUAGE_COOKIE_AGE,
            site,
        ),
        Cookie("gnb_currency", NECESSARY, _("Remembers the currency you chose for prices."), _YEAR, site),
        Cookie(CONSENT_COOKIE, NECESSARY, _("Remembers your answer to the cookie question."), CONSENT_MAX_AGE, site),
    ]
    if settings.GA4_MEASUREMENT_ID:
        ga4 = _("Counts visits and the pages seen, without your full network address. Only with your consent.")
        suffix = settings.GA4_MEASUREMENT_ID.removeprefix("G-")
        cookies += [
            Cookie("_ga", ANALYTICS, ga4, 2 * _YEAR, "Google Analytics"),
            Cookie(f"_ga_{suffix}", ANALYTICS, ga4, 2 * _YEAR, "Google Analytics"),
        ]
    if settings.CLARITY_PROJECT_ID:
        clarity = _("Shows how visitors use the pages (clicks, scrolling), to improve them. Only with your consent.")
        cookies += [
            Cookie("_clck", ANALYTICS, clarity, _YEAR, "Microsoft Clarity"),
            Cookie("_clsk", ANALYTICS, clarity, _DAY, "Microsoft Clarity"),
            Cookie("CLID", ANALYTICS, clarity, _YEAR, "Microsoft Clarity"),
        ]
    return cookies


def processors_in_use() -> list[Processor]:
    """The companies and authorities that receive travellers' data, each only when its settings switch it on."""
    processors: list[Processor] = []
    if settings.STRIPE_SECRET_KEY:
        processors.append(Processor("stripe", "Stripe Payments Europe, Ltd.", _("Card payments")))
    if settings.PAYTR_MERCHANT_ID:
        processors.append(
            Processor("paytr", "PayTR Ödeme ve Elektronik Para Kuruluşu A.Ş.", _("Card payments and instalments"))
        )
    if settings.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":
        processors.append(Processor("email", settings.EMAIL_HOST, _("Sending the emails about your booking")))
    if settings.SENTRY_DSN:
        processors.append(
            Processor("sentry", "Functional Software, Inc. (Sentry)", _("Error reports, with personal data removed"))
        )
    if settings.GA4_MEASUREMENT_ID:
        processors.append(
            Processor("ga4", "Google Ireland Limited (Google Analytics)", _("Visit statistics, only with your consent"))
        )
    if settings.CLARITY_PROJECT_ID:
        processors.append(
            Processor(
                "clarity",
                "Microsoft Ireland Operations Limited (Clarity)",
                _("Visit statistics, only with your consent"),
            )
        )
    if settings.GNB_UETDS_REPORTING:
        processors.append(
            Processor(
                "uetds",
                "T.C. Ulaştırma ve Altyapı Bakanlığı (U-ETDS)",
                _("The passenger list Turkish transport rules require"),
            )
        )
    return processors


def controller() -> dict[str, str]:
    return {
        "name": settings.GNB_CONTROLLER_NAME,
        "address": settings.GNB_CONTROLLER_ADDRESS,
        "email": settings.GNB_CONTROLLER_EMAIL,
        "dpo_email": settings.GNB_DPO_EMAIL,
    }


# --- a traveller's bookings ---------------------------------------------------------------------------------
def email_digest(email: str) -> str:
    """A keyed digest of an address: a request's log can be matched to a repeat without keeping the address."""
    key = str(settings.SECRET_KEY).encode()
    return hmac.new(key, b"privacy-request:" + normalise_email(email).encode(), hashlib.sha256).hexdigest()


def traveller_bookings(*, email: str) -> QuerySet[Booking]:
    """The bookings made with ``email`` as lead contact (ignoring case), oldest first; none for the anonymous one."""
    email = normalise_email(email)
    if not email or email == ANONYMOUS_EMAIL:
        return Booking.objects.none()
    return (
        Booking.objects.annotate(email_lower=Lower("lead_email")).filter(email_lower=email).order_by("created_at", "pk")
    )


def traveller_bookings_upcoming(*, email: str, now: dt.datetime | None = None) -> QuerySet[Booking]:
    """The traveller's bookings that still need their names (the driver's manifest): open and ahead, or under way."""
    now = now or timezone.now()
    return traveller_bookings(email=email).filter(Q(status__in=_OPEN, starts_at__gte=now) | Q(status__in=_UNDER_WAY))


def traveller_data_export(*, email: str, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything kept about the traveller with ``email``: the bookings, in the shape of an account's export."""
    now = now or timezone.now()
    return {
        "exported_at": now.isoformat(),
        "email": normalise_email(email),
        "bookings": bookings_data_export(traveller_bookings(email=email)),
    }


# --- retention ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RetentionPlan:
    cutoff: dt.datetime
    booking_ids: list[int]
    travellers: int
    passengers: int


def retention_cutoff(*, now: dt.datetime, months: int) -> dt.datetime:
    """``months`` calendar months before ``now`` (the 31st becomes the month's last day)."""
    years, month_index = divmod(now.month - 1 - months, 12)
    year, month = now.year + years, month_index + 1
    return now.replace(year=year, month=month, day=min(now.day, calendar.monthrange(year, month)[1]))


def retention_plan(*, now: dt.datetime | None = None, months: int | None = None) -> RetentionPlan:
    """The bookings of travellers whose last trip started before the cutoff and who have no trip under way.

    A traveller is an email address (ignoring case). Bookings linked to an active customer account are left to the
    account: its holder keeps their history until they delete it. Already anonymised bookings are not counted.
    """
    now = now or timezone.now()
    months = settings.GNB_PRIVACY_RETENTION_MONTHS if months is None else months
    cutoff = retention_cutoff(now=now, months=months)
    named = Booking.objects.exclude(lead_email=ANONYMOUS_EMAIL).annotate(email_lower=Lower("lead_email"))
    kept_emails = named.filter(Q(starts_at__gte=cutoff) | Q(status__in=_UNDER_WAY)).values("email_lower")
    due = (
        named.filter(Q(customer__isnull=True) | Q(customer__is_active=False))
        .exclude(email_lower__in=kept_emails)
        .order_by("pk")
    )
    rows = list(due.values_list("pk", "email_lower"))
    booking_ids = [pk for pk, _email in rows]
    return RetentionPlan(
        cutoff=cutoff,
        booking_ids=booking_ids,
        travellers=len({email for _pk, email in rows}),
        passengers=Passenger.objects.filter(booking_id__in=booking_ids).count(),
    )
