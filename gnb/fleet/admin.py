"""Back office for the fleet: drivers (with shifts and time off), vehicles, the drive-time table, and trips.

Drivers, vehicles and drive times are kept here by managers; their fields are checked by the models' ``clean()``
(``gnb.fleet.validators``), so the forms here and any other form apply the same rules. Trips are written only by the
dispatch services (the board, the drivers' app): their pages are read-only, with the riders, the history, the
dispatch board's pages (``gnb.fleet.board_views``) and each trip's passenger manifest as PDF and CSV.
"""

from __future__ import annotations

import datetime as dt
import mimetypes

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import DateField, QuerySet
from django.db.models.functions import Least
from django.http import FileResponse, Http404, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gnb.accounts.roles import DRIVER
from gnb.bookings import reports
from gnb.bookings.admin import StartsOnFilter
from gnb.core.audit import audit_record
from gnb.core.errors import NotFound
from gnb.fleet import manifests, selectors
from gnb.fleet.admin_forms import DriverAdminForm, VehicleAdminForm
from gnb.fleet.board_views import board_urls
from gnb.fleet.models import (
    Driver,
    DriverNotice,
    DriverPushSubscription,
    DriverShift,
    DriverTimeOff,
    FlightWatch,
    Trip,
    TripBooking,
    TripEvent,
    TripEvidence,
    Vehicle,
    ZoneDriveTime,
)

# A document that expires within this many days is flagged in the lists (and by the daily compliance alert).
EXPIRY_WARNING_DAYS = 30
DRIVER_DOCUMENTS = ("licence_expires_on", "src_expires_on", "psychotechnical_expires_on")
VEHICLE_DOCUMENTS = ("insurance_expires_on", "inspection_expires_on", "route_permit_expires_on")


def _first_expiry(*fields: str) -> Least:
    return Least(*fields, output_field=DateField())


def expiry_html(documents: list[tuple[str, dt.date]], *, today: dt.date):
    """The document that expires first, with its date; marked when it is expired or expires within 30 days."""
    name, expires_on = min(documents, key=lambda document: document[1])
    if expires_on < today:
        return format_html('<strong class="errornote">{} {} ({})</strong>', name, expires_on, _("expired"))
    if expires_on <= today + dt.timedelta(days=EXPIRY_WARNING_DAYS):
        return format_html("<strong>{} {}</strong>", name, expires_on)
    return f"{name} {expires_on}"


class DocumentsExpiringFilter(admin.SimpleListFilter):
    """Rows with a document expired or expiring within 30 days (``first_expiry`` annotated by the admin)."""

    title = gettext_lazy("documents")
    parameter_name = "expiring"

    def lookups(self, request, model_admin):
        return (
            ("30", gettext_lazy("Expiring within 30 days")),
            ("expired", gettext_lazy("Expired")),
        )

    def queryset(self, request, queryset):
        today = reports.local_today()
        if self.value() == "30":
            return queryset.filter(first_expiry__lte=today + dt.timedelta(days=EXPIRY_WARNING_DAYS))
        if self.value() == "expired":
            return queryset.filter(first_expiry__lt=today)
        return queryset


# --- drivers --------------------------------------------------------------------------------------------------
class DriverShiftInline(admin.TabularInline):
    model = DriverShift
    fields = ("weekday", "starts_at", "ends_at")
    extra = 0


class DriverTimeOffInline(admin.TabularInline):
    model = DriverTimeOff
    fields = ("starts_on", "ends_on", "reason")
    extra = 0


@admin.register(Driver)
class DriverAdmin(admin.ModelAdmin):
    form = DriverAdminForm
    list_display = ("full_name", "phone", "language_list", "is_active", "first_document_expiry")
    list_filter = (DocumentsExpiringFilter, "is_active", "nationality")
    search_fields = ("first_name", "last_name", "phone", "licence_number")
    inlines = (DriverShiftInline, DriverTimeOffInline)
    list_per_page = 50
    fieldsets = (
        (None, {"fields": ("user", "first_name", "last_name", "phone", "languages", "is_active")}),
        (gettext_lazy("Identity (U-ETDS)"), {"fields": ("nationality", "identity_number", "sex")}),
        (
            gettext_lazy("Documents"),
            {
                "fields": (
                    "licence_number",
                    "licence_expires_on",
                    "src_certificate_number",
                    "src_expires_on",
                    "psychotechnical_expires_on",
                )
            },
        ),
        (gettext_lazy("Notes"), {"fields": ("notes",)}),
    )

    def get_queryset(self, request) -> QuerySet[Driver]:
        return super().get_queryset(request).annotate(first_expiry=_first_expiry(*DRIVER_DOCUMENTS))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            # Only accounts with the driver role: they sign in to the drivers' app, never to the back office.
            kwargs["queryset"] = get_user_model().objects.filter(groups__name=DRIVER).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=gettext_lazy("name"), ordering="first_name")
    def full_name(self, driver: Driver) -> str:
        return driver.full_name

    @admin.display(description=gettext_lazy("languages"))
    def language_list(self, driver: Driver) -> str:
        return ", ".join(code.upper() for code in driver.languages)

    @admin.display(description=gettext_lazy("first document to expire"), ordering="first_expiry")
    def first_document_expiry(self, driver: Driver):
        return expiry_html(driver.documents(), today=reports.local_today())


# --- vehicles -------------------------------------------------------------------------------------------------
@admin.register(Vehicle)
class VehicleAdmin(admin.ModelAdmin):
    form = VehicleAdminForm
    list_display = (
        "plate",
        "vehicle_class",
        "seats",
        "luggage",
        "description",
        "year",
        "is_active",
        "first_document_expiry",
    )
    list_filter = ("vehicle_class", "is_active", DocumentsExpiringFilter)
    list_select_related = ("vehicle_class",)
    search_fields = ("plate", "make", "model", "colour")
    autocomplete_fields = ("home_zone",)
    list_per_page = 50
    fieldsets = (
        (None, {"fields": ("plate", "vehicle_class", "seats", "luggage", "is_active")}),
        (gettext_lazy("Vehicle"), {"fields": ("make", "model", "colour", "year", "home_zone")}),
        (
            gettext_lazy("Documents"),
            {"fields": ("insurance_expires_on", "inspection_expires_on", "route_permit_expires_on")},
        ),
        (gettext_lazy("Notes"), {"fields": ("notes",)}),
    )

    def get_queryset(self, request) -> QuerySet[Vehicle]:
        return super().get_queryset(request).annotate(first_expiry=_first_expiry(*VEHICLE_DOCUMENTS))

    @admin.display(description=gettext_lazy("make, model, colour"), ordering="make")
    def description(self, vehicle: Vehicle) -> str:
        return f"{vehicle.make} {vehicle.model}, {vehicle.colour}"

    @admin.display(description=gettext_lazy("first document to expire"), ordering="first_expiry")
    def first_document_expiry(self, vehicle: Vehicle):
        return expiry_html(vehicle.documents(), today=reports.local_today())


# --- drive times ----------------------------------------------------------------------------------------------
@admin.register(ZoneDriveTime)
class ZoneDriveTimeAdmin(admin.ModelAdmin):
    list_display = ("pair", "origin", "destination", "minutes")
    list_display_links = ("pair",)
    list_editable = ("minutes",)
    list_filter = ("origin", "destination")
    list_select_related = ("origin", "destination")
    search_fields = ("origin__code", "destination__code")
    autocomplete_fields = ("origin", "destination")
    ordering = ("origin__sort_order", "origin__pk", "destination__sort_order", "destination__pk")
    list_per_page = 200

    @admin.display(description=gettext_lazy("drive time"))
    def pair(self, drive_time: ZoneDriveTime) -> str:
        return f"{drive_time.origin.name} → {drive_time.destination.name}"


# --- trips (written by the dispatch services) ------------------------------------------------------------------
class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RiderInline(_ReadOnlyInline):
    model = TripBooking
    fields = ("booking_link", "ride", "party", "missing_documents")
    verbose_name = gettext_lazy("rider")
    verbose_name_plural = gettext_lazy("riders")

    def has_view_permission(self, request, obj=None) -> bool:
        # Riders are part of the trip (no role holds rights on the join rows): whoever sees the trip sees them.
        return request.user.has_perm("fleet.view_trip")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("booking", "leg__origin", "leg__destination")
            .prefetch_related("booking__passengers")
        )

    @admin.display(description=gettext_lazy("booking"))
    def booking_link(self, rider: TripBooking):
        url = reverse("admin:bookings_booking_change", args=[rider.booking_id])
        return format_html('<a href="{}">{}</a>', url, rider.booking.reference)

    @admin.display(description=gettext_lazy("ride"))
    def ride(self, rider: TripBooking) -> str:
        leg = rider.leg
        return f"{leg.origin.name} → {leg.destination.name}" if leg is not None else ""

    @admin.display(description=gettext_lazy("passengers"))
    def party(self, rider: TripBooking) -> str:
        return ", ".join(f"{p.first_name} {p.last_name}" for p in rider.booking.passengers.all())

    @admin.display(description=gettext_lazy("missing nationality or document"))
    def missing_documents(self, rider: TripBooking) -> str:
        return ", ".join(
            f"{p.first_name} {p.last_name}"
            for p in rider.booking.passengers.all()
            if not (p.nationality and p.document_number)
        )


class TripEventInline(_ReadOnlyInline):
    model = TripEvent
    fields = ("when", "action", "transition", "actor_label", "reason")
    verbose_name = gettext_lazy("history entry")
    verbose_name_plural = gettext_lazy("history")

    @admin.display(description=gettext_lazy("when (Istanbul)"))
    def when(self, event: TripEvent) -> str:
        return reports.local_time(event.created_at, "%Y-%m-%d %H:%M:%S")

    @admin.display(description=gettext_lazy("from → to"))
    def transition(self, event: TripEvent) -> str:
        labels = dict(Trip.Status.choices)
        if event.from_status and event.to_status:
            return (
                f"{labels.get(event.from_status, event.from_status)} → {labels.get(event.to_status, event.to_status)}"
            )
        return str(labels.get(event.to_status, event.to_status))


class TripEvidenceInline(_ReadOnlyInline):
    """What the driver showed for a no-show, for a dispute: the position and its distance, or the photo (opened
    through the back office only)."""

    model = TripEvidence
    fields = ("when", "kind", "where", "accuracy_m", "distance_m", "by", "photo_link")
    verbose_name = gettext_lazy("no-show evidence")
    verbose_name_plural = gettext_lazy("no-show evidence")

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("fleet.view_trip")

    @admin.display(description=gettext_lazy("when (Istanbul)"))
    def when(self, item: TripEvidence) -> str:
        return reports.local_time(item.created_at, "%Y-%m-%d %H:%M:%S")

    @admin.display(description=gettext_lazy("position"))
    def where(self, item: TripEvidence) -> str:
        if item.latitude is None or item.longitude is None:
            return ""
        return format_html(
            '<a href="https://www.openstreetmap.org/?mlat={0}&amp;mlon={1}#map=18/{0}/{1}" rel="noopener noreferrer" '
            'target="_blank">{0}, {1}</a>',
            item.latitude,
            item.longitude,
        )

    @admin.display(description=gettext_lazy("photo"))
    def photo_link(self, item: TripEvidence) -> str:
        if not item.photo:
            return ""
        url = reverse("admin:fleet_trip_evidence_photo", args=[item.trip_id, item.pk])
        return format_html('<a href="{}" target="_blank">{}</a>', url, _("Open the photo"))


@admin.register(Trip)
class TripAdmin(admin.ModelAdmin):
    list_display = (
        "trip",
        "pickup",
        "kind",
        "route",
        "status",
        "driver",
        "vehicle",
        "passengers",
        "luggage",
        "reporting",
    )
    list_filter = (StartsOnFilter, "status", "reporting", "kind", "driver", "vehicle")
    list_select_related = ("driver", "vehicle", "origin_zone", "destination_zone", "departure__tour")
    search_fields = ("riders__booking__reference", "driver__last_name", "vehicle__plate")
    date_hierarchy = "starts_at"
    ordering = ("-starts_at", "-pk")
    list_per_page = 100
    show_full_result_count = False
    inlines = (RiderInline, TripEventInline, TripEvidenceInline)
    fieldsets = (
        (None, {"fields": ("kind", "status", "route", "pickup", "busy_until", "departure")}),
        (gettext_lazy("Driver and vehicle"), {"fields": ("driver", "vehicle", "passengers", "luggage")}),
        (
            gettext_lazy("Steps"),
            {"fields": ("started_at", "arrived_at", "picked_up_at", "finished_at", "released_at")},
        ),
        (
            gettext_lazy("U-ETDS"),
            {
                "fields": (
                    "reporting",
                    "uetds_reference",
                    "uetds_reported_at",
                    "uetds_attempts",
                    "uetds_next_attempt_at",
                    "uetds_message",
                )
            },
        ),
        (gettext_lazy("Record"), {"fields": ("created_at", "updated_at")}),
    )

    # --- permissions: trips are made and moved by the dispatch services only ---------------------------------
    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # Without a trip this is the right to dispatch (the board's pages ask it); a trip's own page is read-only.
        return obj is None and super().has_change_permission(request)

    def get_readonly_fields(self, request, obj=None):
        return [field for _name, options in self.fieldsets for field in options["fields"]]

    def get_queryset(self, request) -> QuerySet[Trip]:
        return super().get_queryset(request).select_related(*self.list_select_related)

    # --- columns ----------------------------------------------------------------------------------------------
    @admin.display(description=gettext_lazy("trip"), ordering="pk")
    def trip(self, trip: Trip) -> str:
        return str(trip)

    @admin.display(description=gettext_lazy("pickup (Istanbul)"), ordering="starts_at")
    def pickup(self, trip: Trip) -> str:
        return reports.local_time(trip.starts_at)

    @admin.display(description=gettext_lazy("busy until (Istanbul)"))
    def busy_until(self, trip: Trip) -> str:
        return reports.local_time(trip.ends_at)

    @admin.display(description=gettext_lazy("route"))
    def route(self, trip: Trip) -> str:
        return selectors.trip_label(trip)

    # --- pages --------------------------------------------------------------------------------------------------
    def get_urls(self):
        view = self.admin_site.admin_view
        manifest_urls = [
            path("<int:trip_id>/manifest.pdf", view(self.manifest_pdf_view), name="fleet_trip_manifest_pdf"),
            path("<int:trip_id>/manifest.csv", view(self.manifest_csv_view), name="fleet_trip_manifest_csv"),
            path(
                "<int:trip_id>/evidence/<int:evidence_id>/photo",
                view(self.evidence_photo_view),
                name="fleet_trip_evidence_photo",
            ),
        ]
        # Before the admin's own, whose "<path:object_id>/" would take "<id>/manifest.pdf" for an id.
        return board_urls(self) + manifest_urls + super().get_urls()

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["manifest_pdf_url"] = reverse("admin:fleet_trip_manifest_pdf", args=[obj.pk])
            context["manifest_csv_url"] = reverse("admin:fleet_trip_manifest_csv", args=[obj.pk])
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def _manifest(self, request, trip_id: int) -> manifests.Manifest:
        if not request.user.has_perm("fleet.view_trip"):
            raise PermissionDenied
        try:
            trip = selectors.trip_detail(trip_id=trip_id)
        except NotFound as error:
            raise Http404(error.message) from error
        return manifests.manifest_of(trip)

    def _audit(self, request, manifest: manifests.Manifest, fmt: str) -> None:
        # Passport and identity numbers leave the system: who took them, and when, is kept.
        trip = Trip(pk=manifest.trip_id)
        audit_record(
            action=f"export.{fmt}",
            actor=request.user,
            request=request,
            target=trip,
            details={"rows": len(manifest.passengers), "source": "manifest"},
        )

    def manifest_pdf_view(self, request, trip_id: int) -> HttpResponse:
        """The trip's passenger manifest as a PDF to print or show, in the staff member's language."""
        manifest = self._manifest(request, trip_id)
        self._audit(request, manifest, "pdf")
        response = HttpResponse(manifests.manifest_pdf(manifest), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{manifests.manifest_filename(manifest, "pdf")}"'
        return response

    def manifest_csv_view(self, request, trip_id: int) -> HttpResponse:
        """The trip's passenger manifest as CSV."""
        manifest = self._manifest(request, trip_id)
        self._audit(request, manifest, "csv")
        response = HttpResponse(manifests.manifest_csv(manifest), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{manifests.manifest_filename(manifest, "csv")}"'
        return response

    def evidence_photo_view(self, request, trip_id: int, evidence_id: int) -> FileResponse:
        """A no-show's photo, to staff who may see the trip only: nothing else serves the private media path."""
        if not request.user.has_perm("fleet.view_trip"):
            raise PermissionDenied
        item = TripEvidence.objects.filter(pk=evidence_id, trip_id=trip_id).exclude(photo="").first()
        if item is None:
            raise Http404(_("No such photo."))
        try:
            stored = item.photo.open("rb")
        except FileNotFoundError as error:
            raise Http404(_("No such photo.")) from error
        # Who looked at a traveller-related photo, and when, is kept, as for manifests.
        audit_record(
            action="evidence.view",
            actor=request.user,
            request=request,
            target=Trip(pk=trip_id),
            details={"evidence": item.pk},
        )
        content_type = mimetypes.guess_type(item.photo.name)[0] or "application/octet-stream"
        response = FileResponse(stored, content_type=content_type)
        response["Content-Disposition"] = "inline"
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


# --- flight tracking (written by gnb.fleet.flights) ----------------------------------------------------------------
@admin.register(FlightWatch)
class FlightWatchAdmin(admin.ModelAdmin):
    """What the flight provider last said of each watched flight; read only (the polling writes it)."""

    list_display = (
        "number",
        "date",
        "arrival_iata",
        "status",
        "scheduled_landing",
        "estimated_landing",
        "actual_landing",
        "last_checked_at",
        "consecutive_errors",
        "last_error",
    )
    list_filter = ("status", "final", "date")
    search_fields = ("number",)
    date_hierarchy = "date"
    ordering = ("-date", "number")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# --- what drivers were told, and their phones -------------------------------------------------------------------
@admin.register(DriverNotice)
class DriverNoticeAdmin(admin.ModelAdmin):
    """What each driver was told of their trips and how it reached them (push or email); written by the services."""

    list_display = ("created_at", "driver", "trip", "kind", "channel", "sent_at")
    list_filter = ("kind", "channel")
    list_select_related = ("driver", "trip")
    search_fields = ("driver__last_name", "driver__first_name")
    date_hierarchy = "created_at"
    fields = ("created_at", "driver", "trip", "kind", "details", "channel", "sent_at")
    readonly_fields = fields
    list_per_page = 100
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DriverPushSubscription)
class DriverPushSubscriptionAdmin(admin.ModelAdmin):
    """Drivers' phones that take push messages; a phone deleted here is asked again the next time the app opens."""

    list_display = ("driver", "user_agent", "created_at", "last_success_at", "failures")
    list_select_related = ("driver",)
    search_fields = ("driver__last_name", "driver__first_name")
    fields = ("driver", "endpoint", "user_agent", "created_at", "last_success_at", "failures")
    readonly_fields = fields
    list_per_page = 100

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
