"""Bookings: what was sold, to whom, for when, at what price, and everything that happened to it since."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gnb.catalog.models import Coupon, Extra, Place, TourDeparture, VehicleClass
from gnb.core.models import MoneyField, TimeStampedModel


def trigram_index(field: str, name: str) -> GinIndex:
    """A trigram index for ``ILIKE '%term%'`` (gnb.bookings.search), written through on each insert.

    With GIN's default ``fastupdate`` new rows wait in a pending list that every search reads from end to end until a
    vacuum merges it (hundreds of pages after a busy day: 10-30 ms on each of the search's index reads, whatever the
    word). Bookings come a few a minute; adding each to the index at once costs them little.
    """
    return GinIndex(fields=[field], opclasses=["gin_trgm_ops"], name=name, fastupdate=False)


# No 0/O, 1/I/L, U: a reference is read out on the phone to a driver or typed from a voucher.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    """``GNB-XXXX-XXXX``: 30^8 ≈ 6.6e11 combinations from a CSPRNG, so a reference cannot be guessed."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"GNB-{chars[:4]}-{chars[4:]}"


def new_manage_token() -> str:
    """32 bytes from a CSPRNG, written as 43 URL-safe characters: the secret of a guest's manage link."""
    return secrets.token_urlsafe(32)


class BookingStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Pending payment")
    CONFIRMED = "confirmed", _("Confirmed")
    ASSIGNED = "assigned", _("Driver assigned")
    ON_THE_WAY = "on_the_way", _("On the way")
    PICKED_UP = "picked_up", _("Picked up")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")
    EXPIRED = "expired", _("Expired")
    REFUNDED = "refunded", _("Refunded")


class Booking(TimeStampedModel):
    class Kind(models.TextChoices):
        TRANSFER = "transfer", _("Transfer")
        TOUR = "tour", _("Tour")

    Status = BookingStatus

    class PaymentMethod(models.TextChoices):
        CASH = "cash", _("Cash to the driver")
        CARD = "card", _("Card")

    class PaymentState(models.TextChoices):
        UNPAID = "unpaid", _("Unpaid")
        PAID = "paid", _("Paid")
        PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
        REFUNDED = "refunded", _("Refunded")

    reference = models.CharField(_("reference"), max_length=13, unique=True, default=new_reference, editable=False)
    manage_token = models.CharField(max_length=64, unique=True, default=new_manage_token, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, db_index=True)
    payment_method = models.CharField(_("payment method"), max_length=10, choices=PaymentMethod.choices)
    payment_state = models.CharField(
        _("payment"), max_length=20, choices=PaymentState.choices, default=PaymentState.UNPAID
    )

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bookings",
        verbose_name=_("customer account"),
    )
    # The partner key a booking was placed with through the API (keys are revoked, never deleted).
    api_key = models.ForeignKey(
        "accounts.ApiKey",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
        verbose_name=_("API key"),
    )
    lead_name = models.CharField(_("lead traveller"), max_length=150)
    lead_email = models.EmailField(_("email"))
    lead_phone = models.CharField(_("phone"), max_length=20, help_text=_("E.164, e.g. +905321234567."))
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    notes = models.TextField(_("notes"), blank=True, max_length=1000)

    adults = models.PositiveSmallIntegerField(_("adults"), validators=[MinValueValidator(1)])
    children = models.PositiveSmallIntegerField(_("children"), default=0)
    infants = models.PositiveSmallIntegerField(_("infants"), default=0)
    luggage = models.PositiveSmallIntegerField(_("luggage"), default=0)

    vehicle_class = models.ForeignKey(
        VehicleClass,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vehicle"),
    )
    tour_departure = models.ForeignKey(
        TourDeparture,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
        verbose_name=_("tour departure"),
    )
    # The first moment of service (first leg pickup or tour start): what lists, policies and the board sort by.
    starts_at = models.DateTimeField(_("starts at"), db_index=True)

    coupon = models.ForeignKey(
        Coupon,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
        verbose_name=_("coupon"),
    )
    currency = models.CharField(_("currency"), max_length=3)
    exchange_rate = models.DecimalField(_("rate per EUR"), max_digits=14, decimal_places=6)
    total = MoneyField(_("total"))
    total_base = MoneyField(_("total (EUR)"))
    price_breakdown = models.JSONField(_("price breakdown"))

    pickup_point = models.CharField(
        _("pickup point"), max_length=255, blank=True, help_text=_("Tours: where at the pickup place to wait.")
    )
    # Tours: the hotel (in one of the tour's pickup zones) and the moment its zone is collected. Transfers keep
    # theirs on each leg.
    pickup_place = models.ForeignKey(
        Place,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pickup place"),
    )
    pickup_at = models.DateTimeField(_("pickup at"), null=True, blank=True)
    cancellation_fee = MoneyField(_("cancellation fee"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # A card booking placed as pending_payment keeps its seats until then; past it, ``holds_expire`` frees them.
    hold_expires_at = models.DateTimeField(_("hold expires at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        # Exporting every traveller's contact details is a right of its own, apart from seeing one booking.
        permissions = [("export_booking", _("Can export bookings as CSV"))]
        constraints = [
            models.CheckConstraint(
                name="booking_kind_matches_product",
                condition=(
                    Q(kind="transfer", vehicle_class__isnull=False, tour_departure__isnull=True)
                    | Q(kind="tour", vehicle_class__isnull=True, tour_departure__isnull=False)
                ),
            ),
            models.CheckConstraint(name="booking_has_an_adult", condition=Q(adults__gte=1)),
            models.CheckConstraint(
                name="booking_pickup_place_only_on_tours",
                condition=Q(kind="tour") | Q(pickup_place__isnull=True, pickup_at__isnull=True),
            ),
            models.CheckConstraint(
                name="booking_tour_pickup_before_start",
                condition=Q(pickup_at__isnull=True) | Q(pickup_at__lte=models.F("starts_at")),
            ),
            models.CheckConstraint(name="booking_totals_not_negative", condition=Q(total__gte=0, total_base__gte=0)),
            models.CheckConstraint(name="booking_rate_positive", condition=Q(exchange_rate__gt=0)),
            models.CheckConstraint(
                name="booking_fee_within_total",
                condition=Q(cancellation_fee__isnull=True)
                | Q(cancellation_fee__gte=0, cancellation_fee__lte=models.F("total")),
            ),
            models.CheckConstraint(
                name="booking_status_known",
                condition=Q(status__in=BookingStatus.values),
            ),
        ]
        indexes = [
            models.Index(fields=["lead_email"], name="booking_lead_email"),
            models.Index(fields=["status", "starts_at"], name="booking_status_starts"),
            # The back-office list's filters, each read in pickup order (a page is one index range).
            models.Index(fields=["payment_state", "starts_at"], name="booking_payment_starts"),
            models.Index(fields=["kind", "starts_at"], name="booking_kind_starts"),
            models.Index(fields=["vehicle_class", "starts_at"], name="booking_vehicle_starts"),
            # "My bookings": one customer's bookings in pickup order.
            models.Index(fields=["customer", "starts_at"], name="booking_customer_starts"),
            # The dashboard's sales per day: a month of bookings read from the index alone, not from ~17,000 table
            # pages scattered over the whole history.
            models.Index(fields=["created_at"], include=["status", "total_base"], name="booking_created_sales"),
            # Seats taken per tour departure (gnb.bookings.availability.with_seats), from the index alone.
            models.Index(
                fields=["tour_departure", "status"],
                include=["adults", "children", "infants"],
                condition=Q(tour_departure__isnull=False),
                name="booking_departure_seats",
            ),
            # Search by any part of these (ILIKE '%term%', gnb.bookings.search); built on PostgreSQL only.
            trigram_index("reference", "booking_reference_trgm"),
            trigram_index("lead_name", "booking_lead_name_trgm"),
            trigram_index("lead_email", "booking_lead_email_trgm"),
            trigram_index("lead_phone", "booking_lead_phone_trgm"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def passenger_count(self) -> int:
        return self.adults + self.children + self.infants

    @property
    def tour_pickup_text(self) -> str:
        """A tour's pickup as the traveller and the driver read it: the hotel, then where there to wait."""
        parts = [str(self.pickup_place) if self.pickup_place_id else "", self.pickup_point]
        return " · ".join(part for part in parts if part)


class TransferLeg(models.Model):
    """One ride. A return trip is two legs; drivers and vehicles are assigned per leg."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="legs")
    sequence = models.PositiveSmallIntegerField(_("leg"))
    origin = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", verbose_name=_("from"))
    destination = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", verbose_name=_("to"))
    pickup_at = models.DateTimeField(_("pickup at"), db_index=True)
    pickup_point = models.CharField(_("pickup point"), max_length=255, blank=True)
    flight_number = models.CharField(_("flight number"), max_length=10, blank=True)
    flight_arrival_at = models.DateTimeField(_("flight arrives at"), null=True, blank=True)
    # A ride to the airport: the flight the travellers leave on (flight_number is then that flight's).
    flight_departure_at = models.DateTimeField(_("flight departs at"), null=True, blank=True)

    class Meta:
        # Not by "booking": that would join the booking table only to sort a booking's own legs.
        ordering = ["sequence"]
        verbose_name = _("transfer leg")
        verbose_name_plural = _("transfer legs")
        constraints = [
            models.UniqueConstraint(fields=["booking", "sequence"], name="leg_unique_sequence"),
            models.CheckConstraint(name="leg_sequence_1_or_2", condition=Q(sequence__in=[1, 2])),
            models.CheckConstraint(name="leg_distinct_places", condition=~Q(origin=models.F("destination"))),
        ]
        indexes = [
            trigram_index("flight_number", "leg_flight_number_trgm"),
            trigram_index("pickup_point", "leg_pickup_point_trgm"),
        ]

    def __str__(self) -> str:
        return f"{self.booking_id} #{self.sequence}"


class Passenger(models.Model):
    class Category(models.TextChoices):
        ADULT = "adult", _("Adult")
        CHILD = "child", _("Child")
        INFANT = "infant", _("Infant")

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="passengers")
    position = models.PositiveSmallIntegerField()
    category = models.CharField(_("category"), max_length=6, choices=Category.choices)
    first_name = models.CharField(_("first name"), max_length=60)
    last_name = models.CharField(_("last name"), max_length=60)
    # For the passenger list reported to U-ETDS before the trip; not needed to book (gnb.fleet.uetds).
    nationality = models.CharField(_("nationality"), max_length=2, blank=True, help_text=_("ISO country code."))
    document_number = models.CharField(
        _("passport or ID number"),
        max_length=20,
        blank=True,
        help_text=_("Passport number; T.C. identity number for Turkish citizens."),
    )

    class Meta:
        ordering = ["position"]
        verbose_name = _("passenger")
        verbose_name_plural = _("passengers")
        constraints = [
            models.UniqueConstraint(fields=["booking", "position"], name="passenger_unique_position"),
            models.CheckConstraint(name="passenger_named", condition=~Q(first_name="") & ~Q(last_name="")),
        ]
        indexes = [
            trigram_index("first_name", "passenger_first_name_trgm"),
            trigram_index("last_name", "passenger_last_name_trgm"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class BookingExtra(models.Model):
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="extras")
    extra = models.ForeignKey(Extra, on_delete=models.PROTECT, related_name="+", verbose_name=_("extra"))
    quantity = models.PositiveSmallIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    total = MoneyField(_("total"))

    class Meta:
        verbose_name = _("booked extra")
        verbose_name_plural = _("booked extras")
        constraints = [
            models.UniqueConstraint(fields=["booking", "extra"], name="booking_extra_unique"),
            models.CheckConstraint(name="booking_extra_quantity_positive", condition=Q(quantity__gte=1)),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.extra}"


class BookingEvent(models.Model):
    """The history of a booking: every status change and every edit, with who, when and why."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        STATUS = "status", _("Status changed")
        CHANGED = "changed", _("Details changed")

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(_("by"), max_length=150)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["booking", "created_at", "pk"]
        verbose_name = _("booking event")
        verbose_name_plural = _("booking history")

    def __str__(self) -> str:
        return f"{self.booking_id}: {self.kind} {self.from_status}→{self.to_status}"


class CouponRedemption(models.Model):
    """One use of a coupon. Uses are counted from these rows (of bookings still alive), never from a counter."""

    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="redemptions")
    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="coupon_redemption")
    email = models.EmailField()
    discount_base = MoneyField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("coupon redemption")
        verbose_name_plural = _("coupon redemptions")
        indexes = [models.Index(fields=["coupon", "email"], name="redemption_coupon_email")]

    def __str__(self) -> str:
        return f"{self.coupon_id} on booking {self.booking_id}"


class IdempotencyKey(models.Model):
    """``Idempotency-Key`` of a booking request: the client that used it gets the same booking for the same body;
    another body, or any other client, is refused.

    ``scope`` is the client the key belongs to (``key:<id>``, ``user:<id>``, ``ip:<address>`` or ``website``, see
    gnb/bookings/api.py). The key itself is unique, not merely the pair: a second client sending a key already used
    loses the insert race to the constraint and is refused (409), so no check-then-act decides who owns a key.
    """

    scope = models.CharField(max_length=80)
    key = models.CharField(max_length=255, unique=True)
    request_hash = models.CharField(max_length=64)
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")

    def __str__(self) -> str:
        return self.key


class GroupQuoteRequest(models.Model):
    """A party too large for any vehicle asks for an offer: the search it made, who to answer, and the answer.

    Written by the booking services only (``group_quote_request_create``, ``group_quote_request_answer``): staff are
    emailed when one arrives and answer it from the back office; the answer is emailed to the traveller.
    """

    class Status(models.TextChoices):
        NEW = "new", _("New")
        ANSWERED = "answered", _("Answered")

    origin = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", verbose_name=_("from"))
    destination = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", verbose_name=_("to"))
    pickup_at = models.DateTimeField(_("pickup"))
    adults = models.PositiveSmallIntegerField(_("adults"))
    children = models.PositiveSmallIntegerField(_("children"), default=0)
    infants = models.PositiveSmallIntegerField(_("infants"), default=0)
    luggage = models.PositiveSmallIntegerField(_("suitcases"), default=0)
    name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("email"))
    phone = models.CharField(_("phone"), max_length=20)
    message = models.TextField(_("message"), max_length=2000, blank=True)
    language = models.CharField(_("language"), max_length=8)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NEW, db_index=True)
    reply = models.TextField(_("reply"), max_length=5000, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    created_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("group quote request")
        verbose_name_plural = _("group quote requests")
        constraints = [
            models.CheckConstraint(condition=Q(adults__gte=1), name="group_quote_has_an_adult"),
            # Answered means a reply was written and sent at a known time; a new request has neither.
            models.CheckConstraint(
                condition=(Q(status="new", answered_at__isnull=True, reply=""))
                | (Q(status="answered", answered_at__isnull=False) & ~Q(reply="")),
                name="group_quote_answered_with_a_reply",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def seats(self) -> int:
        return self.adults + self.children + self.infants
