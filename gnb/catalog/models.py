"""What GNB sells and at what price: zones, places, vehicle classes, fares, seasons, extras, tours, coupons.

Prices are in the base currency (settings.BASE_CURRENCY, EUR). Translatable text fields are registered in
``translation.py`` (django-modeltranslation adds one column per language).
"""

from __future__ import annotations

import zoneinfo
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from gnb.core.models import MoneyField, TimeStampedModel


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone (e.g. Europe/Istanbul)."), params={"value": value})


class Zone(TimeStampedModel):
    """A priced area: fares are set from zone to zone."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("zone")
        verbose_name_plural = _("zones")

    def __str__(self) -> str:
        return self.name


class Place(TimeStampedModel):
    class Kind(models.TextChoices):
        AIRPORT = "airport", _("Airport")
        HOTEL = "hotel", _("Hotel")
        DISTRICT = "district", _("District")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=150)
    iata_code = models.CharField(
        _("IATA code"),
        max_length=3,
        blank=True,
        null=True,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{3}$", _("Three capital letters, e.g. AYT."))],
    )
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="places", verbose_name=_("zone"))
    address = models.CharField(_("address"), max_length=255, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Istanbul", validators=[validate_time_zone]
    )
    is_popular = models.BooleanField(_("popular"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("place")
        verbose_name_plural = _("places")
        constraints = [
            models.CheckConstraint(
                name="place_airport_has_iata",
                condition=~Q(kind="airport") | Q(iata_code__isnull=False),
                violation_error_message=_("An airport needs its IATA code."),
            ),
            models.CheckConstraint(
                name="place_coordinates_in_range",
                condition=Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.iata_code})" if self.iata_code else self.name

    @property
    def is_airport(self) -> bool:
        return self.kind == self.Kind.AIRPORT

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class VehicleClass(TimeStampedModel):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    included = models.TextField(_("what's included"), blank=True, help_text=_("One item per line."))
    example_models = models.CharField(_("example models"), max_length=150, blank=True)
    max_passengers = models.PositiveSmallIntegerField(_("max passengers"), validators=[MinValueValidator(1)])
    max_luggage = models.PositiveSmallIntegerField(_("max luggage"))
    icon = models.CharField(_("icon"), max_length=40, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "max_passengers"]
        verbose_name = _("vehicle class")
        verbose_name_plural = _("vehicle classes")
        constraints = [models.CheckConstraint(name="vehicle_class_seats_positive", condition=Q(max_passengers__gte=1))]

    def __str__(self) -> str:
        return self.name


class Fare(TimeStampedModel):
    """The price of one ride from one zone to another in one vehicle class, in the base currency.

    A fare applies in both directions unless the reverse direction has a fare of its own.
    """

    origin_zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="+", verbose_name=_("from zone"))
    destination_zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="+", verbose_name=_("to zone"))
    vehicle_class = models.ForeignKey(
        VehicleClass, on_delete=models.CASCADE, related_name="fares", verbose_name=_("vehicle class")
    )
    price = MoneyField(_("price"), validators=[MinValueValidator(Decimal("0.01"))])

    class Meta:
        ordering = ["origin_zone", "destination_zone", "vehicle_class"]
        verbose_name = _("fare")
        verbose_name_plural = _("fares")
        constraints = [
            models.UniqueConstraint(
                fields=["origin_zone", "destination_zone", "vehicle_class"], name="fare_unique_route_class"
            ),
            models.CheckConstraint(name="fare_price_positive", condition=Q(price__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.origin_zone} → {self.destination_zone} · {self.vehicle_class}: {self.price}"


class Season(TimeStampedModel):
    """A date range (pickup date, local time) in which fares are adjusted by a percentage.

    When seasons overlap, the one that starts latest applies (the more specific one, e.g. a holiday week
    inside the summer season).
    """

    name = models.CharField(_("name"), max_length=100)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), help_text=_("Inclusive."))
    fare_adjustment_percent = models.DecimalField(
        _("fare adjustment (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("300"))],
        help_text=_("E.g. 20 for +20 %, -10 for a 10 % low-season discount."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["starts_on"]
        verbose_name = _("season")
        verbose_name_plural = _("seasons")
        constraints = [
            models.CheckConstraint(name="season_dates_ordered", condition=Q(ends_on__gte=F("starts_on"))),
            models.CheckConstraint(
                name="season_adjustment_range",
                condition=Q(fare_adjustment_percent__gte=-90, fare_adjustment_percent__lte=300),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.starts_on:%d %b} – {self.ends_on:%d %b %Y})"


class ExtraFor(models.TextChoices):
    """Whom one unit of the extra serves, which bounds how many a party may take."""

    BOOKING = "", _("the booking (no party limit)")
    PASSENGERS = "passengers", _("each passenger")
    CHILDREN = "children", _("each child")
    INFANTS = "infants", _("each infant")
    CHILDREN_INFANTS = "children_infants", _("each child or infant")


class Extra(TimeStampedModel):
    class Pricing(models.TextChoices):
        PER_UNIT = "per_unit", _("per unit, per ride")
        PER_BOOKING = "per_booking", _("once per booking")

    For = ExtraFor

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=255, blank=True)
    mark = models.CharField(
        _("short mark"),
        max_length=4,
        blank=True,
        help_text=_("Two to four letters shown for this extra in the bookings list, e.g. CS for a child seat."),
    )
    price = MoneyField(_("price"), validators=[MinValueValidator(Decimal("0"))])
    pricing = models.CharField(_("pricing"), max_length=12, choices=Pricing.choices)
    max_quantity = models.PositiveSmallIntegerField(
        _("max quantity"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("The most one booking may take, whatever the party."),
    )
    for_party = models.CharField(
        _("one for"),
        max_length=16,
        choices=ExtraFor.choices,
        default=ExtraFor.BOOKING,
        blank=True,
        help_text=_("A booking takes at most one per such traveller (and never more than the max quantity)."),
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("extra")
        verbose_name_plural = _("extras")
        constraints = [
            models.CheckConstraint(name="extra_price_not_negative", condition=Q(price__gte=0)),
            models.CheckConstraint(name="extra_max_quantity_positive", condition=Q(max_quantity__gte=1)),
            models.CheckConstraint(
                name="extra_for_party_known",
                condition=Q(for_party__in=ExtraFor.values),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def party_count(self, *, adults: int, children: int, infants: int) -> int | None:
        """How many travellers of the party this extra serves, or None when it is for the booking as a whole."""
        counts: dict[str, int] = {
            ExtraFor.PASSENGERS: adults + children + infants,
            ExtraFor.CHILDREN: children,
            ExtraFor.INFANTS: infants,
            ExtraFor.CHILDREN_INFANTS: children + infants,
        }
        return counts.get(self.for_party)

    def limit_for(self, *, adults: int, children: int, infants: int) -> int:
        """The most this party may take: one per traveller it serves, never above ``max_quantity``."""
        count = self.party_count(adults=adults, children=children, infants=infants)
        return self.max_quantity if count is None else min(self.max_quantity, max(count, 0))


class Tour(TimeStampedModel):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=150)
    summary = models.CharField(_("summary"), max_length=300)
    description = models.TextField(_("description"))
    itinerary = models.TextField(_("itinerary"), blank=True, help_text=_("One stop per line."))
    included = models.TextField(_("what's included"), blank=True, help_text=_("One item per line."))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), validators=[MinValueValidator(15)])
    pickup_zones: models.ManyToManyField[Zone, TourPickupZone] = models.ManyToManyField(
        Zone, through="TourPickupZone", related_name="tours", blank=True, verbose_name=_("pickup zones")
    )
    adult_price = MoneyField(_("adult price"), validators=[MinValueValidator(Decimal("0"))])
    child_price = MoneyField(_("child price"), validators=[MinValueValidator(Decimal("0"))])
    infant_price = MoneyField(_("infant price"), validators=[MinValueValidator(Decimal("0"))])
    booking_cutoff_hours = models.PositiveSmallIntegerField(_("booking closes (hours before)"), default=12)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "slug"]
        verbose_name = _("tour")
        verbose_name_plural = _("tours")
        constraints = [
            models.CheckConstraint(
                name="tour_prices_not_negative",
                condition=Q(adult_price__gte=0, child_price__gte=0, infant_price__gte=0),
            )
        ]

    def __str__(self) -> str:
        return self.name


class TourPickupZone(models.Model):
    """A zone a tour picks travellers up in, and how long before the departure its hotels are collected: the
    vehicle starts with the farthest zone, so each zone has its own pickup time."""

    tour = models.ForeignKey(Tour, on_delete=models.CASCADE, related_name="pickup_times", verbose_name=_("tour"))
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="+", verbose_name=_("zone"))
    minutes_before_departure = models.PositiveSmallIntegerField(
        _("pickup (minutes before departure)"),
        default=0,
        validators=[MaxValueValidator(360)],
        help_text=_("Hotels in this zone are collected this many minutes before the departure time."),
    )

    class Meta:
        ordering = ["-minutes_before_departure", "zone__sort_order"]
        verbose_name = _("pickup zone")
        verbose_name_plural = _("pickup zones")
        constraints = [
            models.UniqueConstraint(fields=["tour", "zone"], name="tour_pickup_zone_unique"),
            models.CheckConstraint(name="tour_pickup_offset_in_range", condition=Q(minutes_before_departure__lte=360)),
        ]

    def __str__(self) -> str:
        return f"{self.zone} · −{self.minutes_before_departure} min"


def tour_photo_choices() -> list[tuple[str, str]]:
    """The photos of the library shipped with the site (``catalog/static/catalog/tours``): the site serves
    static files only, so a photo reaches the page as optimised AVIF and WebP files from that folder."""
    from gnb.catalog.photos import library

    return [(name, name) for name in library()]


class TourPhoto(models.Model):
    """One photo of a tour, shown in this order on the tour's page (the first also on its card)."""

    tour = models.ForeignKey(Tour, on_delete=models.CASCADE, related_name="photos", verbose_name=_("tour"))
    photo = models.CharField(_("photo"), max_length=80, choices=tour_photo_choices)
    alt = models.CharField(
        _("description"), max_length=200, help_text=_("What the photo shows, read out to blind travellers.")
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.photo


class TourDeparture(TimeStampedModel):
    """One scheduled run of a tour. Seats left are computed from bookings, never stored as a counter."""

    tour = models.ForeignKey(Tour, on_delete=models.CASCADE, related_name="departures", verbose_name=_("tour"))
    starts_at = models.DateTimeField(_("starts at"))
    capacity = models.PositiveSmallIntegerField(_("capacity"), validators=[MinValueValidator(1)])
    is_active = models.BooleanField(_("open for booking"), default=True)

    class Meta:
        ordering = ["starts_at", "tour"]
        verbose_name = _("tour departure")
        verbose_name_plural = _("tour departures")
        constraints = [
            models.UniqueConstraint(fields=["tour", "starts_at"], name="departure_unique_tour_start"),
            models.CheckConstraint(name="departure_capacity_positive", condition=Q(capacity__gte=1)),
        ]
        indexes = [models.Index(fields=["starts_at"], name="departure_starts_at")]

    def __str__(self) -> str:
        return f"{self.tour} · {self.starts_at:%Y-%m-%d %H:%M}"


class Coupon(TimeStampedModel):
    class Kind(models.TextChoices):
        PERCENT = "percent", _("percent off")
        FIXED = "fixed", _("fixed amount off")

    class AppliesTo(models.TextChoices):
        ALL = "all", _("transfers and tours")
        TRANSFERS = "transfers", _("transfers only")
        TOURS = "tours", _("tours only")

    code = models.CharField(
        _("code"),
        max_length=30,
        unique=True,
        validators=[RegexValidator(r"^[A-Z0-9-]{3,30}$", _("3–30 capital letters, digits or dashes."))],
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    value = MoneyField(_("value"), validators=[MinValueValidator(Decimal("0.01"))], help_text=_("Percent or EUR."))
    applies_to = models.CharField(_("applies to"), max_length=10, choices=AppliesTo.choices, default=AppliesTo.ALL)
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    max_uses = models.PositiveIntegerField(_("max uses"), null=True, blank=True, help_text=_("Empty: unlimited."))
    max_uses_per_customer = models.PositiveIntegerField(
        _("max uses per customer"), null=True, blank=True, help_text=_("Counted by email. Empty: unlimited.")
    )
    min_total = MoneyField(_("minimum total"), default=Decimal("0.00"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["-valid_until", "code"]
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        constraints = [
            models.CheckConstraint(name="coupon_window_ordered", condition=Q(valid_until__gt=F("valid_from"))),
            models.CheckConstraint(name="coupon_value_positive", condition=Q(value__gt=0)),
            models.CheckConstraint(name="coupon_percent_at_most_100", condition=~Q(kind="percent") | Q(value__lte=100)),
        ]

    def __str__(self) -> str:
        return self.code


class Currency(TimeStampedModel):
    """A currency prices can be shown and charged in, with the operator-set rate against the base currency."""

    code = models.CharField(
        _("code"),
        max_length=3,
        primary_key=True,
        validators=[RegexValidator(r"^[A-Z]{3}$", _("ISO 4217 code."))],
    )
    name = models.CharField(_("name"), max_length=50)
    symbol = models.CharField(_("symbol"), max_length=5)
    rate = models.DecimalField(
        _("units per 1 EUR"),
        max_digits=14,
        decimal_places=6,
        validators=[MinValueValidator(Decimal("0.000001"))],
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("currency")
        verbose_name_plural = _("currencies")
        constraints = [models.CheckConstraint(name="currency_rate_positive", condition=Q(rate__gt=0))]

    def __str__(self) -> str:
        return self.code


class CatalogueVersion(models.Model):
    """One row whose ``token`` changes with every write to a catalogue table, in that write's transaction.

    Database triggers change it (migration ``0004_catalogue_version``), so no save, bulk update, admin action or SQL
    console can change prices without it. Each process keeps the catalogue it read (``gnb.catalog.snapshot``) under
    the token it read it with, and reads it again when the token differs. A new random token, not a counter: a
    transaction that changed the catalogue and rolled back leaves the old token, which no snapshot built inside that
    transaction carries.
    """

    token = models.CharField(max_length=64)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(name="catalogue_version_single_row", condition=Q(id=1))]

    def __str__(self) -> str:
        return self.token
