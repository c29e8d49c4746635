"""What is still free: seats on a tour departure and uses of a coupon, counted from live bookings.

The one place these are computed. Nothing is kept as a counter that could drift: seats taken are the party
sizes of the departure's bookings that hold capacity (confirmed ones and unpaid holds not yet expired, see
``policies.HOLDS_CAPACITY``), and a coupon's uses are the redemptions of such bookings. The booking service
counts them under its row lock when placing; the back office, the reports, the API and the website read the
same numbers as annotations, in the query that fetches the rows.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from gnb.bookings.models import Booking, CouponRedemption
from gnb.bookings.policies import HOLDS_CAPACITY
from gnb.catalog.models import Coupon, Tour, TourDeparture
from gnb.core.errors import ValidationFailed


# --- seats ------------------------------------------------------------------------------------------------
def seats_taken(departure_id: int) -> int:
    """Seats held on a departure by its live bookings (infants take a seat too), in one query."""
    totals = Booking.objects.filter(tour_departure_id=departure_id, status__in=HOLDS_CAPACITY).aggregate(
        adults=Sum("adults"), children=Sum("children"), infants=Sum("infants")
    )
    return sum(value or 0 for value in totals.values())


def with_seats(queryset: QuerySet[TourDeparture]) -> QuerySet[TourDeparture]:
    """Annotate ``seats_taken`` and ``seats_left`` from live bookings, in the same query as the departures."""
    taken = (
        Booking.objects.filter(tour_departure=OuterRef("pk"), status__in=HOLDS_CAPACITY)
        .order_by()
        .values("tour_departure")
        .annotate(seats=Sum(F("adults") + F("children") + F("infants")))
        .values("seats")
    )
    return queryset.annotate(
        seats_taken=Coalesce(Subquery(taken, output_field=IntegerField()), Value(0)),
        seats_left=F("capacity") - F("seats_taken"),
    )


def _as_utc(value: dt.datetime, field_name: str) -> dt.datetime:
    """A naive bound is local time (tours run on the site's time zone); out-of-calendar values are refused."""
    try:
        return (timezone.make_aware(value) if timezone.is_naive(value) else value).astimezone(dt.UTC)
    except OverflowError:
        raise ValidationFailed([(field_name, _("This date is out of range."))]) from None


def departures_with_availability(
    *, tour: Tour, start: dt.datetime | None = None, end: dt.datetime | None = None
) -> QuerySet[TourDeparture]:
    """A tour's departures still open for booking (past its cutoff), with ``seats_left``, soonest first."""
    now = timezone.now()
    departures = TourDeparture.objects.filter(
        tour=tour, is_active=True, starts_at__gt=now + dt.timedelta(hours=tour.booking_cutoff_hours)
    )
    if start:
        departures = departures.filter(starts_at__gte=_as_utc(start, "from"))
    if end:
        departures = departures.filter(starts_at__lt=_as_utc(end, "to"))
    return with_seats(departures).order_by("starts_at")


# --- coupons ----------------------------------------------------------------------------------------------
def _live_redemptions(coupon: Coupon) -> QuerySet[CouponRedemption]:
    return CouponRedemption.objects.filter(coupon=coupon, booking__status__in=HOLDS_CAPACITY)


def coupon_uses(coupon: Coupon) -> int:
    """Uses of a coupon by live bookings."""
    return _live_redemptions(coupon).count()


def coupon_uses_by(coupon: Coupon, *, email: str) -> int:
    """Uses of a coupon by the live bookings of one customer (by the lead email, as stored: lower case)."""
    return _live_redemptions(coupon).filter(email=email).count()


def with_coupon_uses(queryset: QuerySet[Coupon]) -> QuerySet[Coupon]:
    """Annotate ``live_uses``, counted as :func:`coupon_uses` counts, in the same query as the coupons."""
    live = Q(redemptions__booking__status__in=HOLDS_CAPACITY)
    return queryset.annotate(live_uses=Count("redemptions", filter=live))
