"""The fleet: drivers, vehicles, the drive times between zones, and trips (one vehicle run with one driver).

A trip is created when a dispatcher gives a ride its driver and vehicle (``gnb.fleet.services.fleet_assign``); a
ride that has none yet is a transfer leg or a tour departure's bookings with no live trip. Its busy range runs from
pickup to the estimated drop-off (the zone drive-time table) plus a turnaround buffer, and a driver and a vehicle
are never on two live trips whose ranges overlap: on PostgreSQL an ``EXCLUDE USING gist`` constraint (btree_gist),
on SQLite the services' check inside the ``BEGIN IMMEDIATE`` transaction that every write runs in.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Func, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gnb.bookings.models import Booking, TransferLeg
from gnb.catalog.models import TourDeparture, VehicleClass, Zone
from gnb.core.models import TimeStampedModel
from gnb.fleet import validators


class Sex(models.TextChoices):
    # The codes U-ETDS takes for "cinsiyet".
    MALE = "E", _("Male")
    FEMALE = "K", _("Female")


class Driver(TimeStampedModel):
    """A driver: the person, the U-ETDS staff fields, the documents that allow them to drive for hire, and when
    they work."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="driver", verbose_name=_("user")
    )
    first_name = models.CharField(_("first name"), max_length=60)
    last_name = models.CharField(_("last name"), max_length=60)
    phone = models.CharField(_("phone"), max_length=20, help_text=_("E.164, e.g. +905321234567."))
    # ISO 639-1 codes, e.g. ["tr", "en", "ru"]: shown to the dispatcher and matched to the booking's language.
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    nationality = models.CharField(_("nationality"), max_length=2, help_text=_("ISO country code, e.g. TR."))
    identity_number = models.CharField(
        _("identity or passport number"), max_length=20, help_text=_("T.C. identity number for Turkish citizens.")
    )
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    licence_number = models.CharField(_("driving licence number"), max_length=30)
    licence_expires_on = models.DateField(_("driving licence expires on"))
    src_certificate_number = models.CharField(_("SRC certificate number"), max_length=30)
    src_expires_on = models.DateField(_("SRC certificate expires on"))
    psychotechnical_expires_on = models.DateField(_("psychotechnical report expires on"))
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True, max_length=2000)

    class Meta:
        ordering = ["first_name", "last_name", "pk"]
        verbose_name = _("driver")
        verbose_name_plural = _("drivers")
        constraints = [
            models.CheckConstraint(name="driver_named", condition=~Q(first_name="") & ~Q(last_name="")),
            models.CheckConstraint(name="driver_sex_known", condition=Q(sex__in=Sex.values)),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def clean(self) -> None:
        """Phone, nationality, T.C. identity number and languages as :mod:`gnb.fleet.validators` wants them."""
        values = validators.driver_values(
            phone=self.phone,
            nationality=self.nationality,
            identity_number=self.identity_number,
            languages=self.languages,
        )
        self.phone, self.nationality = values.phone, values.nationality
        self.identity_number, self.languages = values.identity_number, values.languages

    def documents(self) -> list[tuple[str, dt.date]]:
        """Each document that must be valid on the day of a trip, with its expiry."""
        return [
            (str(_("driving licence")), self.licence_expires_on),
            (str(_("SRC certificate")), self.src_expires_on),
            (str(_("psychotechnical report")), self.psychotechnical_expires_on),
        ]


class DriverShift(models.Model):
    """When a driver works on a weekday (local time). A shift whose end is not after its start runs past midnight."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    driver = models.ForeignKey(Driver, on_delete=models.CASCADE, related_name="shifts")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("until"))

    class Meta:
        ordering = ["driver", "weekday", "starts_at"]
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        constraints = [
            models.CheckConstraint(name="shift_weekday_known", condition=Q(weekday__gte=0, weekday__lte=6)),
            models.UniqueConstraint(fields=["driver", "weekday", "starts_at"], name="shift_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class DriverTimeOff(models.Model):
    """Days a driver does not work (leave, sickness), both days included."""

    driver = models.ForeignKey(Driver, on_delete=models.CASCADE, related_name="time_off")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), help_text=_("Inclusive."))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["driver", "starts_on"]
        verbose_name = _("time off")
        verbose_name_plural = _("time off")
        constraints = [
            models.CheckConstraint(name="time_off_ends_after_start", condition=Q(ends_on__gte=models.F("starts_on")))
        ]

    def __str__(self) -> str:
        return f"{self.starts_on}–{self.ends_on}"


class Vehicle(TimeStampedModel):
    plate = models.CharField(_("plate"), max_length=12, unique=True, help_text=_("Turkish plate, e.g. 07 ABC 123."))
    vehicle_class = models.ForeignKey(
        VehicleClass, on_delete=models.PROTECT, related_name="vehicles", verbose_name=_("vehicle class")
    )
    # At least the class's maximum (a vehicle sold as that class must hold what the class promises); may be more.
    seats = models.PositiveSmallIntegerField(_("passenger seats"), validators=[MinValueValidator(1)])
    luggage = models.PositiveSmallIntegerField(_("luggage"))
    make = models.CharField(_("make"), max_length=40)
    model = models.CharField(_("model"), max_length=40)
    colour = models.CharField(_("colour"), max_length=30)
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(1990), MaxValueValidator(2100)])
    insurance_expires_on = models.DateField(_("insurance expires on"))
    inspection_expires_on = models.DateField(_("inspection (muayene) expires on"))
    route_permit_expires_on = models.DateField(_("route permit expires on"))
    home_zone = models.ForeignKey(
        Zone, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("home base")
    )
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True, max_length=2000)

    class Meta:
        ordering = ["vehicle_class__sort_order", "plate"]
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        constraints = [
            models.CheckConstraint(name="vehicle_has_seats", condition=Q(seats__gte=1)),
            models.CheckConstraint(name="vehicle_year_plausible", condition=Q(year__gte=1990, year__lte=2100)),
        ]

    def __str__(self) -> str:
        return self.plate

    def clean(self) -> None:
        """Plate, year, and seats and luggage against the class, as :mod:`gnb.fleet.validators` wants them."""
        vehicle_class = None
        if self.vehicle_class_id is not None:
            vehicle_class = validators.ClassCapacity(
                self.vehicle_class.name, self.vehicle_class.max_passengers, self.vehicle_class.max_luggage
            )
        values = validators.vehicle_values(
            plate=self.plate,
            seats=self.seats,
            luggage=self.luggage,
            year=self.year,
            vehicle_class=vehicle_class,
            today=timezone.localdate(),
        )
        self.plate = values.plate

    def documents(self) -> list[tuple[str, dt.date]]:
        return [
            (str(_("insurance")), self.insurance_expires_on),
            (str(_("inspection (muayene)")), self.inspection_expires_on),
            (str(_("route permit")), self.route_permit_expires_on),
        ]


class ZoneDriveTime(models.Model):
    """How long a ride from one zone to another takes, kept by the operators. A time kept for one direction serves
    the other as well unless that one is kept too."""

    origin = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="+", verbose_name=_("from"))
    destination = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="+", verbose_name=_("to"))
    minutes = models.PositiveSmallIntegerField(_("minutes"), validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["origin", "destination"]
        verbose_name = _("drive time")
        verbose_name_plural = _("drive times")
        constraints = [
            models.UniqueConstraint(fields=["origin", "destination"], name="drive_time_unique_pair"),
            models.CheckConstraint(name="drive_time_positive", condition=Q(minutes__gte=1)),
        ]

    def __str__(self) -> str:
        return f"{self.origin_id}→{self.destination_id}: {self.minutes}"


class TsTzRange(Func):
    """``tstzrange(starts_at, ends_at)``: half-open, so a trip may start the minute the previous one ends."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class TripStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    ON_THE_WAY = "on_the_way", _("On the way")
    ARRIVED = "arrived", _("Arrived at pickup")
    PICKED_UP = "picked_up", _("Picked up")
    COMPLETED = "completed", _("Completed")
    NO_SHOW = "no_show", _("No-show")
    # Unassigned by a dispatcher, or its bookings cancelled: it holds nobody and nothing any more.
    RELEASED = "released", _("Released")


class Trip(TimeStampedModel):
    """One vehicle run with one driver: a transfer leg, or one vehicle of a tour departure."""

    class Kind(models.TextChoices):
        TRANSFER = "transfer", _("Transfer")
        TOUR = "tour", _("Tour")

    Status = TripStatus

    class Reporting(models.TextChoices):
        """Where the trip stands with U-ETDS (gnb.fleet.uetds)."""

        NOT_REPORTED = "not_reported", _("Not reported")
        REPORTED = "reported", _("Reported")
        # Reported, then changed (driver, vehicle, passengers, time): the report is withdrawn and made again.
        STALE = "stale", _("Report out of date")
        REFUSED = "refused", _("Refused")
        # Released after it was reported: the cancellation is still to be sent.
        CANCEL_DUE = "cancel_due", _("Cancellation due")
        CANCELLED = "cancelled", _("Cancellation reported")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    departure = models.ForeignKey(
        TourDeparture,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="trips",
        verbose_name=_("tour departure"),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ASSIGNED)
    starts_at = models.DateTimeField(_("pickup"))
    # Estimated drop-off plus the turnaround buffer: the end of the time the driver and vehicle are busy.
    ends_at = models.DateTimeField(_("busy until"))
    origin_zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="+", verbose_name=_("from zone"))
    destination_zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="+", verbose_name=_("to zone"))
    driver = models.ForeignKey(
        Driver, on_delete=models.PROTECT, null=True, blank=True, related_name="trips", verbose_name=_("driver")
    )
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, null=True, blank=True, related_name="trips", verbose_name=_("vehicle")
    )
    passengers = models.PositiveSmallIntegerField(_("passengers"))
    luggage = models.PositiveSmallIntegerField(_("luggage"), default=0)

    started_at = models.DateTimeField(_("on the way at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    picked_up_at = models.DateTimeField(_("picked up at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    reporting = models.CharField(_("U-ETDS"), max_length=12, choices=Reporting.choices, default=Reporting.NOT_REPORTED)
    uetds_reference = models.BigIntegerField(_("U-ETDS trip reference"), null=True, blank=True)
    uetds_reported_at = models.DateTimeField(_("reported to U-ETDS at"), null=True, blank=True)
    uetds_attempts = models.PositiveSmallIntegerField(default=0)
    uetds_next_attempt_at = models.DateTimeField(null=True, blank=True)
    uetds_message = models.CharField(_("U-ETDS answer"), max_length=500, blank=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("trip")
        verbose_name_plural = _("trips")
        constraints = [
            models.CheckConstraint(name="trip_ends_after_start", condition=Q(ends_at__gt=models.F("starts_at"))),
            models.CheckConstraint(
                name="trip_kind_matches_departure",
                condition=Q(kind="transfer", departure__isnull=True) | Q(kind="tour", departure__isnull=False),
            ),
            models.CheckConstraint(
                name="trip_live_has_driver_or_vehicle",
                condition=Q(status="released") | Q(driver__isnull=False) | Q(vehicle__isnull=False),
            ),
            models.CheckConstraint(name="trip_status_known", condition=Q(status__in=TripStatus.values)),
            # The rule of the fleet, on PostgreSQL (added only there by the migration; SQLite: the services).
            ExclusionConstraint(
                name="trip_driver_no_overlap",
                expressions=[
                    (TsTzRange("starts_at", "ends_at"), RangeOperators.OVERLAPS),
                    ("driver", RangeOperators.EQUAL),
                ],
                condition=Q(driver__isnull=False) & ~Q(status="released"),
            ),
            ExclusionConstraint(
                name="trip_vehicle_no_overlap",
                expressions=[
                    (TsTzRange("starts_at", "ends_at"), RangeOperators.OVERLAPS),
                    ("vehicle", RangeOperators.EQUAL),
                ],
                condition=Q(vehicle__isnull=False) & ~Q(status="released"),
            ),
        ]
        indexes = [
            models.Index(fields=["starts_at", "status"], name="trip_starts_status"),
            models.Index(fields=["reporting", "starts_at"], name="trip_reporting_starts"),
        ]

    def __str__(self) -> str:
        return f"T{self.pk}"

    @property
    def is_live(self) -> bool:
        return self.status != self.Status.RELEASED

    @property
    def is_assigned(self) -> bool:
        """Both a driver and a vehicle: what makes its bookings "assigned"."""
        return self.driver_id is not None and self.vehicle_id is not None


class TripBooking(models.Model):
    """A booking riding on a trip: the leg of a transfer, or a tour booking seated in one of the departure's
    vehicles. Deleted when the trip is released, so a ride is on at most one live trip (the unique keys)."""

    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="riders")
    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="trip_rides")
    leg = models.ForeignKey(TransferLeg, on_delete=models.PROTECT, null=True, blank=True, related_name="rides")

    class Meta:
        ordering = ["trip", "booking"]
        constraints = [
            models.UniqueConstraint(fields=["leg"], condition=Q(leg__isnull=False), name="trip_booking_one_per_leg"),
            models.UniqueConstraint(
                fields=["booking"], condition=Q(leg__isnull=True), name="trip_booking_one_per_tour_booking"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.booking_id} on {self.trip_id}"


class TripEvent(models.Model):
    """The history of a trip: assignments and status moves with who, when, why, and where the phone said it was."""

    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="events")
    created_at = models.DateTimeField(_("at"))
    action = models.CharField(_("action"), max_length=20)
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(_("by"), max_length=150)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy_m = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["trip", "created_at", "pk"]
        verbose_name = _("trip event")
        verbose_name_plural = _("trip history")

    def __str__(self) -> str:
        return f"{self.trip_id}: {self.action}"


# --- flight tracking (gnb.fleet.flights) --------------------------------------------------------------------------
class FlightWatchStatus(models.TextChoices):
    ON_TIME = "on_time", _("On time")
    DELAYED = "delayed", _("Delayed")
    LANDED = "landed", _("Landed")
    CANCELLED = "cancelled", _("Cancelled")
    DIVERTED = "diverted", _("Diverted")
    UNKNOWN = "unknown", _("Unknown")
    # Not looked up yet, or the provider could not be asked (down, quota spent).
    UNCHECKED = "unchecked", _("Not checked")
    NOT_FOUND = "not_found", _("Not found")
    # The flight exists that day but does not land at the airport the bookings were made for.
    ELSEWHERE = "elsewhere", _("Lands elsewhere")


class FlightWatch(models.Model):
    """One flight on one day as the provider last told it; polled once per round however many bookings meet it."""

    Status = FlightWatchStatus

    number = models.CharField(_("flight number"), max_length=10)
    date = models.DateField(_("date"), help_text=_("The landing's local date."))
    arrival_iata = models.CharField(_("arrival airport"), max_length=3)
    departure_iata = models.CharField(_("departure airport"), max_length=3, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.UNCHECKED)
    scheduled_landing = models.DateTimeField(_("scheduled landing"), null=True, blank=True)
    estimated_landing = models.DateTimeField(_("estimated landing"), null=True, blank=True)
    actual_landing = models.DateTimeField(_("actual landing"), null=True, blank=True)
    last_checked_at = models.DateTimeField(_("last checked at"), null=True, blank=True)
    next_check_at = models.DateTimeField(_("next check at"), null=True, blank=True)
    consecutive_errors = models.PositiveSmallIntegerField(_("errors in a row"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    # Nothing more to learn: landed with its touchdown known, cancelled or diverted (the dispatcher takes over).
    final = models.BooleanField(_("final"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["date", "number"]
        verbose_name = _("flight watch")
        verbose_name_plural = _("flight watches")
        constraints = [
            models.UniqueConstraint(fields=["number", "date"], name="flight_watch_unique_number_date"),
            models.CheckConstraint(name="flight_watch_status_known", condition=Q(status__in=FlightWatchStatus.values)),
        ]
        indexes = [models.Index(fields=["final", "next_check_at"], name="flight_watch_due")]

    def __str__(self) -> str:
        return f"{self.number} {self.date:%Y-%m-%d}"

    @property
    def landing(self) -> dt.datetime | None:
        return self.actual_landing or self.estimated_landing or self.scheduled_landing


class FlightWatchLeg(models.Model):
    """A transfer leg meeting a watched flight. A leg keeps its watch even when a delay carries the landing past
    midnight: the flight is still the one of its scheduled day."""

    watch = models.ForeignKey(FlightWatch, on_delete=models.CASCADE, related_name="legs")
    leg = models.OneToOneField(TransferLeg, on_delete=models.CASCADE, related_name="flight_watch_link")
    # The driver's next trip that the leg's moved pickup now runs into; the dispatcher settles it.
    conflict_trip = models.ForeignKey(
        Trip, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("conflicting trip")
    )

    class Meta:
        verbose_name = _("flight of a ride")
        verbose_name_plural = _("flights of rides")

    def __str__(self) -> str:
        return f"{self.watch} ← leg {self.leg_id}"


class FlightProviderDay(models.Model):
    """Calls made to the flight provider on one UTC day, counted under the quota (``GNB_FLIGHT_DAILY_QUOTA``)."""

    day = models.DateField(unique=True)
    calls = models.PositiveIntegerField(default=0)
    # A 429 answer's Retry-After: no call before then.
    paused_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("flight provider usage")
        verbose_name_plural = _("flight provider usage")

    def __str__(self) -> str:
        return f"{self.day}: {self.calls}"


# --- telling drivers of their trips, and the evidence of a no-show ------------------------------------------
class DriverPushSubscription(models.Model):
    """One phone (browser) of a driver that takes Web Push messages: the push service's endpoint and the keys the
    message is encrypted for (RFC 8291). Deleted when the push service says it is gone (404/410)."""

    driver = models.ForeignKey(Driver, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(_("endpoint"), max_length=1000, unique=True)
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=50)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("subscribed at"))
    last_success_at = models.DateTimeField(_("last delivered at"), null=True, blank=True)
    # Failed deliveries since the last one that worked.
    failures = models.PositiveSmallIntegerField(_("failures"), default=0)

    class Meta:
        ordering = ["driver", "-created_at", "pk"]
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self) -> str:
        return f"{self.driver_id}: {self.endpoint[:60]}"


class DriverNoticeKind(models.TextChoices):
    ASSIGNED = "assigned", _("Trip assigned")
    CHANGED = "changed", _("Trip changed")
    REMOVED = "removed", _("Trip taken off")
    CANCELLED = "cancelled", _("Trip cancelled")


class DriverNotice(models.Model):
    """What a driver is told about a trip (given, changed, taken away), recorded with the change and sent once by
    the worker: by Web Push, or by email when no phone of theirs took it."""

    Kind = DriverNoticeKind

    class Channel(models.TextChoices):
        PUSH = "push", _("Push")
        EMAIL = "email", _("Email")

    driver = models.ForeignKey(Driver, on_delete=models.CASCADE, related_name="notices")
    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # What changed (``{"changes": [...]}``), for a changed trip.
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"))
    # The sent-record (gnb.core.outbox.send_claimed): one run of the task sends it.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    channel = models.CharField(_("sent by"), max_length=5, choices=Channel.choices, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("driver notice")
        verbose_name_plural = _("driver notices")
        constraints = [
            models.CheckConstraint(name="driver_notice_kind_known", condition=Q(kind__in=DriverNoticeKind.values))
        ]

    def __str__(self) -> str:
        return f"{self.trip_id} → {self.driver_id}: {self.kind}"


def evidence_photo_path(instance: TripEvidence, filename: str) -> str:
    # Under a directory nothing serves: MEDIA_ROOT is not published, and only the back office shows these to staff.
    # The name is random so it says nothing of the trip and cannot be guessed.
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"private/no-show/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.{suffix}"


class TripEvidence(models.Model):
    """What a driver showed for a no-show: where the phone was (and how far from the pickup place), or a photo of
    the name sign at the meeting point. Kept with the trip for disputes, the photo until the retention ends."""

    class Kind(models.TextChoices):
        POSITION = "position", _("Position")
        PHOTO = "photo", _("Photo")

    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    photo = models.FileField(_("photo"), upload_to=evidence_photo_path, max_length=200, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy_m = models.PositiveIntegerField(_("accuracy (m)"), null=True, blank=True)
    distance_m = models.PositiveIntegerField(_("distance from the pickup (m)"), null=True, blank=True)
    created_at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta:
        ordering = ["trip", "created_at", "pk"]
        verbose_name = _("no-show evidence")
        verbose_name_plural = _("no-show evidence")
        constraints = [
            models.CheckConstraint(
                name="trip_evidence_complete",
                condition=(Q(kind="position", latitude__isnull=False, longitude__isnull=False) & Q(photo=""))
                | (Q(kind="photo") & ~Q(photo="")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.trip_id}: {self.kind}"


# --- planning the day ------------------------------------------------------------------------------------------
class DispatchProposal(models.Model):
    """A plan for a window of rides, worked out by the solver and kept for the dispatcher to apply in full or in part.

    It never changes a trip by itself: applying it (``gnb.fleet.dispatch.dispatch_apply``) runs each item through
    the fleet services, after checking that the ride is still what it was when the plan was made.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        PARTLY_APPLIED = "partly_applied", _("Partly applied")
        # Every item has its outcome (applied, skipped or refused).
        DONE = "done", _("Done")

    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    allow_moves = models.BooleanField(_("may move assigned trips"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by_label = models.CharField(_("by"), max_length=150)
    created_at = models.DateTimeField(_("made at"), default=timezone.now, db_index=True)
    solver = models.CharField(_("solver"), max_length=40)
    solve_seconds = models.DecimalField(_("solved in (seconds)"), max_digits=7, decimal_places=2)
    # What the plan achieves (trips covered, still waiting, empty driving, hours per driver), as shown to the
    # dispatcher when it was made; the items are the changes.
    totals = models.JSONField(_("totals"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PROPOSED)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("dispatch proposal")
        verbose_name_plural = _("dispatch proposals")
        constraints = [
            models.CheckConstraint(name="proposal_ends_after_start", condition=Q(ends_at__gt=models.F("starts_at"))),
            models.CheckConstraint(
                name="proposal_status_known", condition=Q(status__in=["proposed", "partly_applied", "done"])
            ),
        ]

    def __str__(self) -> str:
        return f"P{self.pk}"


class DispatchProposalItem(models.Model):
    """One change a proposal makes: a waiting ride given a driver and a vehicle, or (a move) an assigned trip that
    has not started given others. ``fingerprint`` is what the ride looked like when the plan was made; an item is
    applied only while the ride still looks the same."""

    class Outcome(models.TextChoices):
        PENDING = "", _("Not applied yet")
        APPLIED = "applied", _("Applied")
        # The ride changed since the plan was made (assigned by hand, cancelled, another time): left alone.
        SKIPPED = "skipped", _("Skipped")
        # The fleet services refused it (a rule, or a conflict with a trip made meanwhile).
        REFUSED = "refused", _("Refused")

    proposal = models.ForeignKey(DispatchProposal, on_delete=models.CASCADE, related_name="items")
    ride_key = models.CharField(_("ride"), max_length=40)
    leg = models.ForeignKey(TransferLeg, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    departure = models.ForeignKey(TourDeparture, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # A move: the assigned trip that gets another driver and/or vehicle.
    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    starts_at = models.DateTimeField(_("pickup"))
    driver = models.ForeignKey(Driver, on_delete=models.CASCADE, related_name="+", verbose_name=_("driver"))
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="+", verbose_name=_("vehicle"))
    fingerprint = models.JSONField(default=dict)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default="", blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    # The trip that applying made (a waiting ride) or changed (a move).
    result_trip = models.ForeignKey(Trip, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["proposal", "starts_at", "pk"]
        verbose_name = _("proposed change")
        verbose_name_plural = _("proposed changes")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "ride_key"], name="proposal_item_one_per_ride"),
            models.CheckConstraint(
                name="proposal_item_one_ride",
                condition=Q(leg__isnull=False, departure__isnull=True, trip__isnull=True)
                | Q(leg__isnull=True, departure__isnull=False, trip__isnull=True)
                | Q(leg__isnull=True, departure__isnull=True, trip__isnull=False),
            ),
            models.CheckConstraint(
                name="proposal_item_outcome_known", condition=Q(outcome__in=["", "applied", "skipped", "refused"])
            ),
            models.CheckConstraint(
                name="proposal_item_decided_when_applied",
                condition=Q(outcome="", applied_at__isnull=True) | (~Q(outcome="") & Q(applied_at__isnull=False)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id}: {self.ride_key}"

    @property
    def is_move(self) -> bool:
        return self.trip_id is not None
