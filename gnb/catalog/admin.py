"""Back office for the catalogue: what GNB sells and at what price.

Translated models use modeltranslation's plain ``TranslationAdmin`` (one input per language); the tabbed
variant loads jQuery UI from a CDN, which the site's content security policy does not allow. Their lists
(``TranslatedCatalogueAdmin``) show the languages a row still lacks and filter the rows missing a language.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.db.models import Count, Model, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin
from modeltranslation.translator import translator
from modeltranslation.utils import get_translation_fields

from gnb.bookings.availability import with_coupon_uses, with_seats
from gnb.bookings.reports import annotated_int, day_start, local_time, local_today
from gnb.catalog.models import (
    Coupon,
    Currency,
    Extra,
    Fare,
    Place,
    Season,
    Tour,
    TourDeparture,
    TourPhoto,
    TourPickupZone,
    VehicleClass,
    Zone,
)
from gnb.core.admin import PriceAuditMixin


def every_language(*fields: str) -> tuple[str, ...]:
    """Search a translated field in every language: staff type a name as they know it, not in the UI language."""
    return tuple(get_translation_fields(*fields))


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def translated_fields(model: type[Model]) -> tuple[str, ...]:
    return tuple(translator.get_options_for_model(model).all_fields)


def missing_in(model: type[Model], language: str) -> Q:
    """Rows with at least one translated field empty in ``language`` (the column itself, no fallback)."""
    condition = Q()
    for field in translated_fields(model):
        column = f"{field}_{language.replace('-', '_')}"
        condition |= Q(**{f"{column}__isnull": True}) | Q(**{column: ""})
    return condition


def missing_languages(obj: Model) -> list[str]:
    """The languages in which ``obj`` has an empty translated field, read from the columns already on the row."""
    fields = translated_fields(type(obj))
    return [
        code
        for code in language_codes()
        if any(not getattr(obj, f"{field}_{code.replace('-', '_')}") for field in fields)
    ]


class MissingTranslationFilter(admin.SimpleListFilter):
    """One choice per site language: the rows that still lack a text in it."""

    title = _("missing translations")
    parameter_name = "missing"

    def lookups(self, request, model_admin):
        return list(settings.LANGUAGES)

    def queryset(self, request, queryset):
        language = self.value()
        if language is not None and language in language_codes():
            return queryset.filter(missing_in(queryset.model, language))
        return queryset


class TranslatedCatalogueAdmin(TranslationAdmin):
    """Every translated catalogue list shows which languages a row lacks and filters by a missing language."""

    def get_list_display(self, request):
        # Next to the name, so it stays in view when a wide list scrolls sideways.
        first, *rest = super().get_list_display(request)
        return (first, "missing_translations", *rest)

    def get_list_filter(self, request):
        return (MissingTranslationFilter, *super().get_list_filter(request))

    @admin.display(description=_("missing translations"), empty_value="")
    def missing_translations(self, obj: Model) -> str:
        return ", ".join(code.upper() for code in missing_languages(obj))


@admin.register(Zone)
class ZoneAdmin(TranslatedCatalogueAdmin):
    list_display = ("name", "code", "place_count", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", *every_language("name"))
    prepopulated_fields = {"code": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(place_count=Count("places"))

    @admin.display(description=_("places"), ordering="place_count")
    def place_count(self, zone: Zone) -> int:
        return annotated_int(zone, "place_count")


@admin.register(Place)
class PlaceAdmin(TranslatedCatalogueAdmin):
    list_display = ("name", "kind", "iata_code", "zone", "time_zone", "is_popular", "is_active")
    list_filter = ("kind", "zone", "is_popular", "is_active")
    list_select_related = ("zone",)
    search_fields = ("slug", "iata_code", "address", *every_language("name"))
    autocomplete_fields = ("zone",)
    prepopulated_fields = {"slug": ("name",)}
    fieldsets = (
        (None, {"fields": ("kind", "name", "slug", "iata_code", "zone", "address")}),
        (_("Location"), {"fields": ("latitude", "longitude", "time_zone")}),
        (_("Listing"), {"fields": ("is_popular", "is_active")}),
    )


@admin.register(VehicleClass)
class VehicleClassAdmin(TranslatedCatalogueAdmin):
    list_display = ("name", "code", "max_passengers", "max_luggage", "example_models", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "example_models", *every_language("name"))


@admin.register(Fare)
class FareAdmin(PriceAuditMixin, admin.ModelAdmin):
    price_audit_fields = ("origin_zone", "destination_zone", "vehicle_class", "price")
    list_display = ("origin_zone", "destination_zone", "vehicle_class", "price")
    list_editable = ("price",)
    list_filter = ("vehicle_class", "origin_zone", "destination_zone")
    list_select_related = ("origin_zone", "destination_zone", "vehicle_class")
    search_fields = (
        "origin_zone__code",
        "destination_zone__code",
        "vehicle_class__code",
        *(f"origin_zone__{name}" for name in every_language("name")),
        *(f"destination_zone__{name}" for name in every_language("name")),
    )
    autocomplete_fields = ("origin_zone", "destination_zone", "vehicle_class")


@admin.register(Season)
class SeasonAdmin(PriceAuditMixin, TranslatedCatalogueAdmin):
    price_audit_fields = ("starts_on", "ends_on", "fare_adjustment_percent", "is_active")
    list_display = ("name", "starts_on", "ends_on", "fare_adjustment_percent", "is_active")
    list_filter = ("is_active",)
    search_fields = every_language("name")
    date_hierarchy = "starts_on"


@admin.register(Extra)
class ExtraAdmin(PriceAuditMixin, TranslatedCatalogueAdmin):
    price_audit_fields = ("price", "pricing")
    list_display = ("name", "code", "mark", "price", "pricing", "max_quantity", "for_party", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")
    list_filter = ("pricing", "for_party", "is_active")
    search_fields = ("code", *every_language("name"))


class TourDepartureInline(admin.TabularInline):
    """Departures from today on; older ones stay in the tour departures list and would only lengthen the page."""

    model = TourDeparture
    fields = ("starts_at", "capacity", "seats_taken", "is_active")
    readonly_fields = ("seats_taken",)
    extra = 1
    ordering = ("starts_at",)

    def get_queryset(self, request):
        upcoming = super().get_queryset(request).filter(starts_at__gte=day_start(local_today()))
        return with_seats(upcoming)

    @admin.display(description=_("seats taken"))
    def seats_taken(self, departure: TourDeparture) -> int:
        return annotated_int(departure, "seats_taken") if departure.pk else 0


class TourPickupZoneInline(admin.TabularInline):
    """The zones a tour picks up in, each with its pickup time counted back from the departure."""

    model = TourPickupZone
    fields = ("zone", "minutes_before_departure")
    autocomplete_fields = ("zone",)
    extra = 1


class TourPhotoInline(admin.StackedInline):
    """The tour's photos, chosen from the photo library shipped with the site, with their description in every
    language (the first is the card's). Stacked: nine descriptions side by side would not fit the page."""

    model = TourPhoto
    fields = ("photo", "sort_order", *every_language("alt"))
    extra = 1

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and db_field.name.startswith("alt"):
            field.widget.attrs["size"] = 80  # a sentence, not a word
        return field


@admin.register(Tour)
class TourAdmin(PriceAuditMixin, TranslatedCatalogueAdmin):
    price_audit_fields = ("adult_price", "child_price", "infant_price")
    list_display = (
        "name",
        "slug",
        "duration_minutes",
        "adult_price",
        "child_price",
        "infant_price",
        "zone_list",
        "sort_order",
        "is_active",
    )
    list_filter = ("is_active", "pickup_zones")
    search_fields = ("slug", *every_language("name"))
    prepopulated_fields = {"slug": ("name",)}
    inlines = (TourDepartureInline, TourPickupZoneInline, TourPhotoInline)
    fieldsets = (
        (None, {"fields": ("name", "slug", "summary", "description", "itinerary", "included")}),
        (_("Operation"), {"fields": ("duration_minutes", "booking_cutoff_hours")}),
        (_("Prices (EUR)"), {"fields": ("adult_price", "child_price", "infant_price")}),
        (_("Listing"), {"fields": ("sort_order", "is_active")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("pickup_zones")

    @admin.display(description=_("pickup zones"))
    def zone_list(self, tour: Tour) -> str:
        return ", ".join(str(zone) for zone in tour.pickup_zones.all())


class DepartureWhenFilter(admin.SimpleListFilter):
    title = _("when")
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return (("upcoming", _("Upcoming")), ("past", _("Past")))

    def queryset(self, request, queryset):
        if self.value() == "upcoming":
            return queryset.filter(starts_at__gte=timezone.now())
        if self.value() == "past":
            return queryset.filter(starts_at__lt=timezone.now())
        return queryset


@admin.register(TourDeparture)
class TourDepartureAdmin(admin.ModelAdmin):
    list_display = ("tour", "starts_at_local", "capacity", "seats_taken", "seats_left", "is_active")
    list_filter = (DepartureWhenFilter, "tour", "is_active")
    list_select_related = ("tour",)
    search_fields = ("tour__slug", *(f"tour__{name}" for name in every_language("name")))
    autocomplete_fields = ("tour",)
    date_hierarchy = "starts_at"
    ordering = ("starts_at",)
    readonly_fields = ("seats_taken", "seats_left")

    def get_queryset(self, request):
        return with_seats(super().get_queryset(request))

    @admin.display(description=_("starts at (Istanbul)"), ordering="starts_at")
    def starts_at_local(self, departure: TourDeparture) -> str:
        return local_time(departure.starts_at)

    @admin.display(description=_("seats taken"), ordering="seats_taken")
    def seats_taken(self, departure: TourDeparture) -> int | None:
        # A departure being added has no annotation yet.
        return getattr(departure, "seats_taken", None)

    @admin.display(description=_("seats left"), ordering="seats_left")
    def seats_left(self, departure: TourDeparture) -> int | None:
        return getattr(departure, "seats_left", None)


@admin.register(Coupon)
class CouponAdmin(PriceAuditMixin, admin.ModelAdmin):
    price_audit_fields = (
        "code",
        "kind",
        "value",
        "applies_to",
        "valid_from",
        "valid_until",
        "max_uses",
        "max_uses_per_customer",
        "min_total",
        "is_active",
    )
    list_display = ("code", "kind", "value", "applies_to", "valid_from", "valid_until", "uses", "is_active")
    list_filter = ("kind", "applies_to", "is_active")
    search_fields = ("code", "description")
    readonly_fields = ("uses",)

    def get_queryset(self, request):
        # Counted from redemptions of bookings still alive, as the booking service counts them.
        return with_coupon_uses(super().get_queryset(request))

    @admin.display(description=_("uses"), ordering="live_uses")
    def uses(self, coupon: Coupon) -> str:
        live_uses = getattr(coupon, "live_uses", 0)  # a coupon being added has no annotation yet
        return str(live_uses) if coupon.max_uses is None else f"{live_uses} / {coupon.max_uses}"


@admin.register(Currency)
class CurrencyAdmin(PriceAuditMixin, admin.ModelAdmin):
    price_audit_fields = ("rate",)
    list_display = ("code", "name", "symbol", "rate", "sort_order", "is_active")
    list_editable = ("rate", "sort_order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name")
