"""Back office for bookings.

Nothing here writes a booking row. A booking is placed with the booking services (the add pages collect the
input, the server prices it), and it moves only through the lifecycle actions, which call the services one
booking at a time and report, per booking, what was done and what was refused. Its contact, names, notes,
flights and pickup points are corrected on the "Edit details" page, through the service as well. Prices,
reference, manage token and status are never edited by hand.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Case, F, Max, Min, Prefetch, Q, QuerySet, Value, When
from django.http import Http404, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from gnb.bookings import admin_dashboard, lifecycle, policies, reports, search, services
from gnb.bookings.admin_forms import (
    DEFAULT_PASSENGER_ROWS,
    BookingDetailsForm,
    CancelForm,
    TourBookingForm,
    TransferBookingForm,
    passenger_formset,
    show_service_errors,
)
from gnb.bookings.models import (
    Booking,
    BookingEvent,
    BookingExtra,
    CouponRedemption,
    GroupQuoteRequest,
    IdempotencyKey,
    Passenger,
    TransferLeg,
)
from gnb.core.admin import PlainActionCheckbox, ReadOnlyAdmin
from gnb.core.audit import audit_export
from gnb.core.errors import DomainError
from gnb.core.markup import markup, markup_join
from gnb.core.paginators import CappedCountPaginator, TwoRuns
from gnb.payments.admin import booking_payments_panel
from gnb.payments.models import Payment
from gnb.payments.selectors import booking_amounts_loaded

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

S = Booking.Status
# The statuses in which services.booking_update_details accepts changes: the trip is neither over nor cancelled.
DETAILS_CHANGEABLE = policies.TRAVELLER_CANCELLABLE


class ReadOnlyInline(admin.TabularInline):
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


# --- booking change page: legs, passengers, extras, history ------------------------------------------------
class TransferLegInline(ReadOnlyInline):
    model = TransferLeg
    fields = (
        "sequence",
        "origin",
        "destination",
        "pickup",
        "pickup_point",
        "flight_number",
        "flight_lands",
        "flight_departs",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("origin", "destination")

    @admin.display(description=gettext_lazy("pickup (Istanbul)"))
    def pickup(self, leg: TransferLeg) -> str:
        return reports.local_time(leg.pickup_at)

    @admin.display(description=gettext_lazy("flight lands (Istanbul)"))
    def flight_lands(self, leg: TransferLeg) -> str:
        return reports.local_time(leg.flight_arrival_at)

    @admin.display(description=gettext_lazy("flight departs (Istanbul)"))
    def flight_departs(self, leg: TransferLeg) -> str:
        return reports.local_time(leg.flight_departure_at)


class PassengerInline(ReadOnlyInline):
    model = Passenger
    fields = ("position", "category", "first_name", "last_name")


class BookingExtraInline(ReadOnlyInline):
    model = BookingExtra
    fields = ("extra", "quantity", "total")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("extra")


class BookingEventInline(ReadOnlyInline):
    model = BookingEvent
    fields = ("when", "actor_label", "kind", "transition", "reason")
    verbose_name = gettext_lazy("history entry")
    verbose_name_plural = gettext_lazy("history")

    @admin.display(description=gettext_lazy("when (Istanbul)"))
    def when(self, event: BookingEvent) -> str:
        return reports.local_time(event.created_at, "%Y-%m-%d %H:%M:%S")

    @admin.display(description=gettext_lazy("from → to"))
    def transition(self, event: BookingEvent) -> str:
        return transition_label(event)


def transition_label(event: BookingEvent) -> str:
    labels = dict(S.choices)
    if event.from_status:
        return f"{labels.get(event.from_status, event.from_status)} → {labels.get(event.to_status, event.to_status)}"
    return str(labels.get(event.to_status, event.to_status))


# --- booking list -----------------------------------------------------------------------------------------
class StartsOnFilter(admin.SimpleListFilter):
    """Pickup (or tour start) day, counted in Istanbul time."""

    title = gettext_lazy("pickup day")
    parameter_name = "starts"

    def lookups(self, request, model_admin):
        return (
            ("today", gettext_lazy("Today")),
            ("tomorrow", gettext_lazy("Tomorrow")),
            ("week", gettext_lazy("Next 7 days")),
            ("past", gettext_lazy("Before today")),
        )

    def queryset(self, request, queryset):
        today = reports.local_today()
        start = reports.day_start(today)
        ranges = {
            "today": (start, reports.day_start(today + dt.timedelta(days=1))),
            "tomorrow": (
                reports.day_start(today + dt.timedelta(days=1)),
                reports.day_start(today + dt.timedelta(days=2)),
            ),
            "week": (start, reports.day_start(today + dt.timedelta(days=7))),
        }
        value = self.value()
        if value == "past":
            return queryset.filter(starts_at__lt=start)
        if value in ranges:
            low, high = ranges[value]
            return queryset.filter(starts_at__gte=low, starts_at__lt=high)
        return queryset


@dataclass(frozen=True)
class DayLink:
    label: StrOrPromise
    url: str
    current: bool


def day_switch(request) -> list[DayLink]:
    """All days / today / tomorrow above the list: the pickup-day filter, keeping the rest of the query."""
    current = request.GET.get(StartsOnFilter.parameter_name, "")
    links = []
    for value, label in (
        ("", gettext_lazy("All days")),
        ("today", gettext_lazy("Today")),
        ("tomorrow", gettext_lazy("Tomorrow")),
    ):
        query = request.GET.copy()
        query.pop("p", None)  # a page number of another day's list
        query.pop(StartsOnFilter.parameter_name, None)
        if value:
            query[StartsOnFilter.parameter_name] = value
        links.append(DayLink(label, f"?{query.urlencode()}" if query else "?", current == value))
    return links


@dataclass(frozen=True)
class Lifecycle:
    action: str
    to_status: str
    label: StrOrPromise  # lazy: shown in the language of each request


# Each action and the status it asks for; which of them a booking's page or a status's list offers is the lifecycle's
# answer (policies.MOVES, lifecycle.staff_moves), never a list kept here.
LIFECYCLE = (
    Lifecycle("confirm_bookings", S.CONFIRMED, gettext_lazy("Confirm")),
    Lifecycle("cancel_bookings", S.CANCELLED, gettext_lazy("Cancel…")),
    Lifecycle("complete_bookings", S.COMPLETED, gettext_lazy("Mark completed")),
    Lifecycle("no_show_bookings", S.NO_SHOW, gettext_lazy("Mark no-show")),
)


# The booking's history section on its change page (the id Django gives the events inline).
HISTORY_ANCHOR = "events-group"


class _Echo:
    """The file-like object ``csv.writer`` wants, handing each formatted line back to the response stream."""

    def write(self, value: str) -> str:
        return value


def csv_stream(queryset) -> Iterator[str]:
    """The export, a line at a time, reading bookings in chunks so a big export never sits in memory."""
    writer = csv.writer(_Echo())
    # The byte-order mark makes spreadsheet programs read the file as UTF-8 (Turkish and Cyrillic names).
    yield "\ufeff" + writer.writerow(reports.EXPORT_HEADER)
    # The list's own prefetches are replaced by the export's (which add the passengers), with the payments and
    # their refunds for the balance.
    plain = queryset.prefetch_related(None).order_by("starts_at", "pk")
    bookings = (
        reports.bookings_for_export(plain)
        .prefetch_related(Prefetch("payments", queryset=Payment.objects.prefetch_related("refunds")))
        .iterator(chunk_size=500)
    )
    for row in reports.export_rows(bookings, balance=lambda booking: booking_amounts_loaded(booking)[2]):
        yield writer.writerow(row)


def csv_response(queryset) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_stream(queryset), content_type="text/csv; charset=utf-8")
    stamp = reports.local_time(timezone.now(), "%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="bookings-{stamp}.csv"'
    return response


class PeriodsFromRange(QuerySet):
    """The date hierarchy's years, months or days read from the first and last pickup (two index lookups).

    Django asks ``SELECT DISTINCT date_trunc(...)`` over every matching row: a scan of the whole table for the years
    of a million bookings. Every period between the first and the last is offered instead; a booking history has no
    empty year or month, and an empty day's link shows an empty list.
    """

    def aggregate(self, *args, **kwargs):
        # Django's date bar asks for the first and last pickup to choose its level, then datetimes() below asks
        # again: one read of each aggregate per list (a search's matches planned once, not twice).
        cache = self.__dict__.setdefault("_aggregates", {})
        key = (repr(args), repr(sorted(kwargs.items())))
        if key not in cache:
            cache[key] = super().aggregate(*args, **kwargs)
        return dict(cache[key])

    def datetimes(self, field_name, kind, order="ASC", tzinfo=None):  # type: ignore[override]
        bounds = self.aggregate(first=Min(field_name), last=Max(field_name))
        if bounds["first"] is None:
            return []
        zone = timezone.get_current_timezone()
        first, last = timezone.localtime(bounds["first"], zone), timezone.localtime(bounds["last"], zone)
        periods = []
        if kind == "year":
            periods = [dt.datetime(year, 1, 1, tzinfo=zone) for year in range(first.year, last.year + 1)]
        elif kind == "month":
            year, month = first.year, first.month
            while (year, month) <= (last.year, last.month):
                periods.append(dt.datetime(year, month, 1, tzinfo=zone))
                year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        else:
            day = first.date()
            while day <= last.date():
                periods.append(dt.datetime(day.year, day.month, day.day, tzinfo=zone))
                day += dt.timedelta(days=1)
        return periods if order == "ASC" else periods[::-1]


class BookingChangeList(ChangeList):
    """The date bar's periods from the first and last pickup (see PeriodsFromRange); rows as the columns need them."""

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        queryset.__class__ = PeriodsFromRange
        return queryset

    def get_results(self, request):
        super().get_results(request)
        if (self.show_all and self.can_show_all) or not self.multi_page:
            # Everything on one page: Django lists the queryset itself, not a page of BookingAdmin.get_paginator's.
            self.result_list = reports.bookings_for_list_page(self.result_list)


@admin.register(Booking)
class BookingAdmin(PlainActionCheckbox):
    # One line per booking at 1366 px, 200 rides a day on one page: what a dispatcher reads at a glance.
    list_display = (
        "reference",
        "starts_short",
        "route",
        "party",
        "extras_marks",
        "flight",
        "vehicle_class",
        "status",
        "payment",
    )
    list_filter = (StartsOnFilter, "status", "payment_state", "kind", "vehicle_class")
    # Staff look a booking up by whatever the caller gives: reference, a name, phone, email, flight, hotel or point.
    search_fields = (
        "reference",
        "lead_name",
        "lead_email",
        "lead_phone",
        "passengers__first_name",
        "passengers__last_name",
        "legs__flight_number",
        "legs__pickup_point",
        "legs__origin__name",
        "legs__destination__name",
        "tour_departure__tour__name",
    )
    date_hierarchy = "starts_at"
    list_per_page = 200
    # Counting every booking for "(n total)" is a second full count on each page; filtered counts suffice.
    show_full_result_count = False
    actions = ("confirm_bookings", "cancel_bookings", "complete_bookings", "no_show_bookings", "export_csv")
    inlines = (TransferLegInline, PassengerInline, BookingExtraInline, BookingEventInline)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "reference",
                    "kind",
                    "status",
                    "payment_state",
                    "payment_method",
                    "starts_at_local",
                    "vehicle_class",
                    "tour_departure",
                    "tour_pickup",
                )
            },
        ),
        (
            gettext_lazy("Lead traveller"),
            {"fields": ("lead_name", "lead_email", "lead_phone", "language", "customer", "notes")},
        ),
        (gettext_lazy("Party"), {"fields": ("adults", "children", "infants", "luggage")}),
        (
            gettext_lazy("Price"),
            {
                "fields": (
                    "currency",
                    "exchange_rate",
                    "total",
                    "total_base",
                    "coupon",
                    "breakdown",
                    "cancellation_fee",
                    "cancelled_at",
                )
            },
        ),
        (gettext_lazy("Manage link"), {"classes": ("collapse",), "fields": ("manage_token",)}),
        (gettext_lazy("Record"), {"fields": ("created_at", "updated_at")}),
    )

    # --- permissions: a booking is never edited as a form nor deleted ------------------------------------
    def has_change_permission(self, request, obj=None) -> bool:
        # Without an object this is the right to run the lifecycle actions; a single booking's page is
        # read-only, so no field (price, status, token) can be saved by hand.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        return flatten_fieldsets(self.fieldsets)

    def get_queryset(self, request):
        return reports.bookings_for_list(super().get_queryset(request)).select_related("customer", "coupon")

    def get_changelist(self, request, **kwargs):
        return BookingChangeList

    def get_search_results(self, request, queryset, search_term):
        # Each field on its own trigram index, united into one set of ids: no join, no DISTINCT (bookings.search).
        if not search_term.strip():
            return queryset, False
        return search.bookings_matching(queryset, search_term), False

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        """Counts stop at 50 pages; the default order (next pickup first) is read as two index ranges; a page's rows
        load only what the columns show."""
        queryset = reports.bookings_for_list_page(queryset)
        if ORDER_VAR not in request.GET:
            now = timezone.now()
            plain = queryset.order_by().prefetch_related(None)
            queryset = TwoRuns(
                plain,
                plain.filter(starts_at__gte=now).order_by("starts_at", "-pk"),
                plain.filter(starts_at__lt=now).order_by("-starts_at", "-pk"),
                prefetch=reports.list_page_prefetches(),
            )
        return CappedCountPaginator(queryset, per_page, orphans, allow_empty_first_page)

    def get_ordering(self, request):
        """Next pickup first: rides still ahead by pickup time, then those already started, latest first."""
        now = timezone.now()
        ahead = Q(starts_at__gte=now)
        return [
            Case(When(ahead, then=Value(0)), default=Value(1)).asc(),
            Case(When(ahead, then=F("starts_at"))).asc(),
            F("starts_at").desc(),
            "-pk",
        ]

    # --- columns ------------------------------------------------------------------------------------------
    @admin.display(description=gettext_lazy("starts (Istanbul)"), ordering="starts_at")
    def starts_at_local(self, booking: Booking) -> str:
        return reports.local_time(booking.starts_at)

    @admin.display(description=gettext_lazy("pickup"), ordering="starts_at")
    def starts_short(self, booking: Booking) -> str:
        # Day.month and time: the list is read a day or two ahead; the year is on the booking's page.
        return markup(
            '<time datetime="{}">{}</time>',
            reports.local_time(booking.starts_at, "%Y-%m-%dT%H:%M"),
            reports.local_time(booking.starts_at, "%d.%m %H:%M"),
        )

    @admin.display(description=gettext_lazy("Pickup"))
    def tour_pickup(self, booking: Booking) -> str:
        """A tour's hotel, where there to wait and when its zone is collected (transfers: on each leg)."""
        if booking.kind != Booking.Kind.TOUR:
            return "—"
        when = reports.local_time(booking.pickup_at) if booking.pickup_at else ""
        return " · ".join(part for part in (when, booking.tour_pickup_text) if part) or "—"

    @admin.display(description=gettext_lazy("route"))
    def route(self, booking: Booking) -> str:
        # Airports by their code; each end cut short on its own (both stay readable), the whole route in the title.
        route, short = reports.booking_route_and_ends(booking)
        ends = markup_join(" → ", '<span class="gnb-place">{}</span>', ((end,) for end in short))
        return markup('<span class="gnb-route" title="{}">{}</span>', route, ends)

    @admin.display(description=gettext_lazy("party"))
    def party(self, booking: Booking) -> str:
        return markup('<span title="{}">{}</span>', _("adults / children / infants"), reports.party_label(booking))

    @admin.display(description=gettext_lazy("extras"))
    def extras_marks(self, booking: Booking) -> str:
        # Each extra by its short mark (CS, BS …) with the count; its name and count in the title.
        return markup_join(
            " ",
            '<abbr class="gnb-extra" title="{} × {}">{}{}</abbr>',
            (
                (
                    item.quantity,
                    item.extra.name,
                    item.extra.mark or item.extra.code[:3].upper(),
                    f"×{item.quantity}" if item.quantity > 1 else "",
                )
                for item in reports.booking_extras(booking)
            ),
        )

    @admin.display(description=gettext_lazy("flight"))
    def flight(self, booking: Booking) -> str:
        legs = [leg for leg in reports.booking_legs(booking) if leg.flight_number]
        if not legs:
            return ""
        first = min(legs, key=lambda leg: leg.sequence)
        lands = reports.local_time(first.flight_arrival_at, "%H:%M")
        return f"{first.flight_number} {lands}".strip()

    @admin.display(description=gettext_lazy("payment"), ordering="payment_state")
    def payment(self, booking: Booking) -> str:
        # The total in the title: the line has room for how and whether, the amount is on the booking and the CSV.
        # The choices' labels by enum, not get_FOO_display(), which builds the field's choices dict for every row.
        method = _("Cash") if booking.payment_method == Booking.PaymentMethod.CASH else _("Card")
        return markup(
            '<span title="{}: {} {}">{} · {}</span>',
            Booking.PaymentMethod(booking.payment_method).label,
            f"{booking.total:.2f}",
            booking.currency,
            method,
            Booking.PaymentState(booking.payment_state).label,
        )

    @admin.display(description=gettext_lazy("total"), ordering="total_base")
    def total_with_currency(self, booking: Booking) -> str:
        return f"{booking.total:.2f} {booking.currency}"

    @admin.display(description=gettext_lazy("price breakdown"))
    def breakdown(self, booking: Booking) -> str:
        data = booking.price_breakdown or {}
        lines = format_html_join(
            "",
            '<tr><td>{}</td><td class="gnb-number">{}</td><td class="gnb-number">{}</td></tr>',
            (
                (line.get("label", ""), line.get("quantity", ""), line.get("amount", ""))
                for line in data.get("lines", [])
            ),
        )
        return format_html(
            '<table class="gnb-breakdown"><tbody>{}</tbody><tfoot>'
            '<tr><th colspan="2">{}</th><td class="gnb-number">{}</td></tr>'
            '<tr><th colspan="2">{}</th><td class="gnb-number">{}</td></tr>'
            '<tr><th colspan="2">{}</th><td class="gnb-number">{} {}</td></tr>'
            "</tfoot></table>",
            lines,
            _("Subtotal"),
            data.get("subtotal", ""),
            _("Discount"),
            data.get("discount", ""),
            _("Total"),
            data.get("total", ""),
            data.get("currency", ""),
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "has_export_permission": self.has_export_permission(request),
            "day_switch": day_switch(request),
        }
        return super().changelist_view(request, extra_context=extra_context)

    # --- change page --------------------------------------------------------------------------------------
    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and request.user.has_perm("payments.view_payment"):
            # Payments and refunds, with their totals and the payment actions the staff member may take.
            context["payments_panel"] = booking_payments_panel(request, obj)
        context["history_url"] = f"#{HISTORY_ANCHOR}"
        if obj is not None and super().has_change_permission(request):
            # The lifecycle judges: only what staff may do by hand from this status, now.
            allowed = lifecycle.staff_moves(obj)
            context["lifecycle_actions"] = [step for step in LIFECYCLE if step.to_status in allowed]
            if obj.status in DETAILS_CHANGEABLE:
                context["edit_details_url"] = reverse("admin:bookings_booking_edit_details", args=[obj.pk])
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def history_view(self, request, object_id, extra_context=None):
        """A booking's history is the section on its own page (every status change, who, when and why), not the
        admin's log of form edits, which bookings never have."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404(_("Booking not found."))
        return redirect(reverse("admin:bookings_booking_change", args=[object_id]) + f"#{HISTORY_ANCHOR}")

    # --- lifecycle actions --------------------------------------------------------------------------------
    def get_actions(self, request):
        """The list filtered to one status offers only the lifecycle actions staff may take from it."""
        actions = super().get_actions(request)
        status = request.GET.get("status__exact")
        if status in policies.MOVES:
            for step in LIFECYCLE:
                if not policies.can_transition(status, step.to_status, by_hand=True):
                    actions.pop(step.action, None)
        return actions

    def _for_each(
        self, request, queryset, *, change: Callable[[int], object], done: str
    ) -> HttpResponseRedirect | None:
        """Run ``change`` on each booking (each in its own transaction) and report every outcome."""
        succeeded, refused = [], []
        for pk, reference in queryset.order_by("pk").values_list("pk", "reference"):
            try:
                change(pk)
            except DomainError as error:
                refused.append(
                    _("%(reference)s not changed: %(reason)s") % {"reference": reference, "reason": error.message}
                )
            else:
                succeeded.append(reference)
        if succeeded:
            messages.success(request, f"{done}: {', '.join(succeeded)}")
        for line in refused:
            messages.error(request, line)
        return self._back_to_booking(request)

    def _back_to_booking(self, request) -> HttpResponseRedirect | None:
        # Actions started from a booking's own page return there instead of to the list.
        pk = request.POST.get("_from_change", "")
        if pk.isdigit():
            return redirect(reverse("admin:bookings_booking_change", args=[pk]))
        return None

    def _transition_action(self, request, queryset, to_status: str, done: str):
        actor = services.Actor.for_user(request.user)
        return self._for_each(
            request,
            queryset,
            change=lambda pk: services.booking_transition(
                booking_id=pk, to_status=to_status, actor=actor, by_hand=True
            ),
            done=done,
        )

    @admin.action(description=gettext_lazy("Confirm selected bookings"), permissions=["change"])
    def confirm_bookings(self, request, queryset):
        return self._transition_action(request, queryset, S.CONFIRMED, _("Confirmed"))

    @admin.action(description=gettext_lazy("Mark selected bookings completed"), permissions=["change"])
    def complete_bookings(self, request, queryset):
        return self._transition_action(request, queryset, S.COMPLETED, _("Marked completed"))

    @admin.action(description=gettext_lazy("Mark selected bookings no-show"), permissions=["change"])
    def no_show_bookings(self, request, queryset):
        return self._transition_action(request, queryset, S.NO_SHOW, _("Marked no-show"))

    @admin.action(description=gettext_lazy("Cancel selected bookings…"), permissions=["change"])
    def cancel_bookings(self, request, queryset):
        """First show the bookings and ask for the reason; cancel only once a reason is given."""
        form = CancelForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            actor = services.Actor.for_user(request.user)
            reason = form.cleaned_data["reason"]
            return self._for_each(
                request,
                queryset,
                change=lambda pk: services.booking_cancel(booking_id=pk, actor=actor, reason=reason),
                done=_("Cancelled"),
            )
        bookings = list(queryset.order_by("starts_at", "pk"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Cancel bookings"),
            "opts": self.opts,
            "form": form,
            "bookings": bookings,
            "action": "cancel_bookings",
            "from_change": request.POST.get("_from_change", ""),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "local_tz": reports.LOCAL_TZ,
        }
        return TemplateResponse(request, "admin/bookings/booking/cancel.html", context)

    def has_export_permission(self, request) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.export_booking")

    @admin.action(description=gettext_lazy("Export selected bookings as CSV"), permissions=["export"])
    def export_csv(self, request, queryset):
        audit_export(request=request, model=Booking, rows=queryset.count(), source="selection")
        return csv_response(queryset)

    # --- extra pages --------------------------------------------------------------------------------------
    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("add-tour/", view(self.add_tour_view), name="bookings_booking_add_tour"),
            path("export/", view(self.export_view), name="bookings_booking_export"),
            path("dashboard/", view(self.dashboard_view), name="bookings_booking_dashboard"),
            # Before the admin's own URLs, whose "<path:object_id>/" would take "<id>/edit-details/" for an id.
            path(
                "<path:object_id>/edit-details/",
                view(self.edit_details_view),
                name="bookings_booking_edit_details",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request):
        """The filtered, searched list as it is on screen (every page of it), as CSV."""
        if not self.has_export_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return redirect(reverse("admin:bookings_booking_changelist") + "?e=1")
        queryset = changelist.get_queryset(request)
        audit_export(request=request, model=Booking, rows=queryset.count(), source="list")
        return csv_response(queryset)

    def add_view(self, request, form_url="", extra_context=None):
        """Placing a transfer replaces the model form: the price comes from the server, never from a field."""
        return self._place_view(request, form_class=TransferBookingForm, place=services.booking_place_transfer)

    def add_tour_view(self, request):
        return self._place_view(request, form_class=TourBookingForm, place=services.booking_place_tour)

    def _place_view(self, request, *, form_class, place: Callable[..., Booking]):
        if not self.has_add_permission(request):
            raise PermissionDenied
        data = request.POST if request.method == "POST" else None
        form = form_class(data, admin_site=self.admin_site)
        rows = request.GET.get("rows", "")
        passengers = passenger_formset(data, rows=int(rows) if rows.isdigit() else DEFAULT_PASSENGER_ROWS)
        passenger_errors: list[str] = []
        # Both are checked, so a wrong date and a bad passenger row are reported together.
        if data is not None and all([form.is_valid(), passengers.is_valid()]):
            filled = passengers.filled_rows()
            try:
                booking = place(
                    order=form.order(passengers=[row.passenger for row in filled]),
                    actor=services.Actor.for_user(request.user),
                )
            except DomainError as error:
                passenger_errors = show_service_errors(error, form=form, rows=filled)
            else:
                messages.success(
                    request,
                    _("Booking %(reference)s placed: %(total)s %(currency)s.")
                    % {"reference": booking.reference, "total": booking.total, "currency": booking.currency},
                )
                return redirect(reverse("admin:bookings_booking_change", args=[booking.pk]))
        if data is not None:
            messages.error(request, _("The booking was not placed. Please correct the errors below."))
        is_tour = form_class is TourBookingForm
        context = {
            **self.admin_site.each_context(request),
            "title": _("Place a tour booking") if is_tour else _("Place a transfer booking"),
            "opts": self.opts,
            "form": form,
            "passengers": passengers,
            "passenger_errors": passenger_errors,
            "more_rows": len(passengers.forms) + DEFAULT_PASSENGER_ROWS,
            "is_tour": is_tour,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/bookings/booking/place.html", context)

    def edit_details_view(self, request, object_id: str):
        """Correct a booking's contact, notes, passenger names, flights and pickup points, through the service."""
        # The right the lifecycle actions need: asked without a booking, this is the bookings change permission.
        if not self.has_change_permission(request):
            raise PermissionDenied
        booking = self.get_object(request, unquote(object_id))
        if booking is None:
            raise Http404(_("Booking not found."))
        change_url = reverse("admin:bookings_booking_change", args=[booking.pk])
        if booking.status not in DETAILS_CHANGEABLE:
            messages.error(
                request,
                _("Booking %(reference)s is in status “%(status)s”: its details can no longer be changed.")
                % {"reference": booking.reference, "status": booking.get_status_display()},
            )
            return redirect(change_url)
        data = request.POST if request.method == "POST" else None
        form = BookingDetailsForm(data, booking=booking, passengers=booking.passengers.order_by("position"))
        if data is not None and form.is_valid():
            try:
                updated = services.booking_update_details(
                    booking_id=booking.pk,
                    actor=services.Actor.for_user(request.user),
                    by_traveller=False,
                    **form.changes(),
                )
            except DomainError as error:
                # The passenger list as a whole (their number, their order) has no field of its own.
                for message in show_service_errors(error, form=form):
                    form.add_error(None, message)
            else:
                # The service saves the booking only when something differs from what is stored.
                if updated.updated_at == booking.updated_at:
                    messages.info(request, _("Nothing was changed."))
                else:
                    messages.success(
                        request,
                        _("The details of booking %(reference)s were changed.") % {"reference": booking.reference},
                    )
                return redirect(change_url)
        if data is not None:
            messages.error(request, _("The details were not changed. Please correct the errors below."))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Edit the details of booking %(reference)s") % {"reference": booking.reference},
            "opts": self.opts,
            "original": booking,
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/bookings/booking/edit_details.html", context)

    def dashboard_view(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        today = reports.local_today()
        sales = reports.daily_sales(last_day=today, days=30)
        due = reports.transfers_due(first_day=today, days=2)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Operations dashboard"),
            "opts": self.opts,
            "today": today,
            "due": due,
            "due_tables": [(day, admin_dashboard.due_rows(day.legs)) for day in due],
            "sales": sales,
            "bookings_total": sum(day.bookings for day in sales),
            "revenue_total": sum((day.revenue for day in sales), Decimal("0.00")),
            "bookings_chart": bar_chart(
                [(day.day, Decimal(day.bookings)) for day in sales],
                describe=lambda day, value: (
                    ngettext("%(day)s: %(count)s booking", "%(day)s: %(count)s bookings", int(value))
                    % {"day": day.isoformat(), "count": int(value)}
                ),
                peak_label=lambda value: str(int(value)),
            ),
            "revenue_chart": bar_chart(
                [(day.day, day.revenue) for day in sales],
                describe=lambda day, value: _("%(day)s: %(amount)s EUR") % {"day": day.isoformat(), "amount": value},
                peak_label=lambda value: f"{value} EUR",
            ),
            "departures": reports.upcoming_departures(limit=20),
            "local_tz": reports.LOCAL_TZ,
        }
        return TemplateResponse(request, "admin/bookings/booking/dashboard.html", context)


# --- charts -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Bar:
    # Coordinates are strings so that no locale's decimal comma ever reaches the SVG.
    x: str
    y: str
    width: str
    height: str
    title: str


@dataclass(frozen=True)
class Tick:
    x: str
    anchor: str
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    baseline: int
    bars: list[Bar]
    ticks: list[Tick]
    peak: str


CHART_WIDTH, CHART_HEIGHT, CHART_TOP, CHART_BOTTOM = 720, 180, 16, 22
_PIXEL = Decimal("0.1")


def bar_chart(
    points: Sequence[tuple[dt.date, Decimal]],
    *,
    describe: Callable[[dt.date, Decimal], str],
    peak_label: Callable[[Decimal], str],
) -> Chart:
    """Bar geometry for an inline SVG: one bar per day scaled to the highest, a date under every seventh."""
    baseline = CHART_HEIGHT - CHART_BOTTOM
    plot_height = Decimal(baseline - CHART_TOP)
    peak = max((value for _day, value in points), default=Decimal(0))
    slot = Decimal(CHART_WIDTH) / max(len(points), 1)
    bars, ticks = [], []
    for index, (day, value) in enumerate(points):
        height = (value / peak * plot_height).quantize(_PIXEL) if peak else Decimal("0.0")
        x = (slot * index + slot * Decimal("0.15")).quantize(_PIXEL)
        width = (slot * Decimal("0.7")).quantize(_PIXEL)
        bars.append(Bar(str(x), str(Decimal(baseline) - height), str(width), str(height), describe(day, value)))
        if (len(points) - 1 - index) % 7 == 0:
            # The last date is aligned to the right edge so it is not cut off.
            last = index == len(points) - 1
            tick_x = Decimal(CHART_WIDTH) if last else (slot * index + slot / 2).quantize(_PIXEL)
            ticks.append(Tick(str(tick_x), "end" if last else "middle", date_format(day, "j M")))
    return Chart(CHART_WIDTH, CHART_HEIGHT, baseline, bars, ticks, peak_label(peak))


# --- rows written by the services, shown read-only ---------------------------------------------------------
@admin.register(TransferLeg)
class TransferLegAdmin(ReadOnlyAdmin):
    list_display = ("booking", "sequence", "pickup", "origin", "destination", "flight_number", "booking_status")
    list_filter = ("sequence",)
    list_select_related = ("booking", "origin", "destination")
    search_fields = ("booking__reference", "flight_number", "pickup_point")
    date_hierarchy = "pickup_at"
    ordering = ("-pickup_at",)

    @admin.display(description=gettext_lazy("pickup (Istanbul)"), ordering="pickup_at")
    def pickup(self, leg: TransferLeg) -> str:
        return reports.local_time(leg.pickup_at)

    @admin.display(description=gettext_lazy("status"), ordering="booking__status")
    def booking_status(self, leg: TransferLeg) -> str:
        return leg.booking.get_status_display()


@admin.register(Passenger)
class PassengerAdmin(ReadOnlyAdmin):
    list_display = ("last_name", "first_name", "category", "booking", "position")
    list_filter = ("category",)
    list_select_related = ("booking",)
    search_fields = ("last_name", "first_name", "booking__reference")


@admin.register(BookingExtra)
class BookingExtraAdmin(ReadOnlyAdmin):
    list_display = ("booking", "extra", "quantity", "total")
    list_filter = ("extra",)
    list_select_related = ("booking", "extra")
    search_fields = ("booking__reference", "extra__code")


@admin.register(BookingEvent)
class BookingEventAdmin(ReadOnlyAdmin):
    list_display = ("when", "booking", "kind", "transition", "actor_label", "reason")
    list_filter = ("kind", "to_status")
    list_select_related = ("booking",)
    search_fields = ("booking__reference", "actor_label", "reason")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")

    @admin.display(description=gettext_lazy("when (Istanbul)"), ordering="created_at")
    def when(self, event: BookingEvent) -> str:
        return reports.local_time(event.created_at, "%Y-%m-%d %H:%M:%S")

    @admin.display(description=gettext_lazy("from → to"))
    def transition(self, event: BookingEvent) -> str:
        return transition_label(event)


@admin.register(CouponRedemption)
class CouponRedemptionAdmin(ReadOnlyAdmin):
    list_display = ("coupon", "booking", "email", "discount_base", "booking_status", "created_at")
    list_filter = ("coupon",)
    list_select_related = ("coupon", "booking")
    search_fields = ("coupon__code", "booking__reference", "email")

    @admin.display(description=gettext_lazy("booking status"), ordering="booking__status")
    def booking_status(self, redemption: CouponRedemption) -> str:
        return redemption.booking.get_status_display()


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdmin):
    list_display = ("key", "booking", "created_at")
    list_select_related = ("booking",)
    search_fields = ("key", "booking__reference")


# --- group quote requests ---------------------------------------------------------------------------------
class GroupQuoteAnswerForm(forms.ModelForm):
    """The one thing staff write on a group quote request: the reply (the service stores and emails it)."""

    class Meta:
        model = GroupQuoteRequest
        fields = ("reply",)
        widgets = {"reply": forms.Textarea(attrs={"rows": 8, "cols": 80})}
        help_texts = {
            "reply": gettext_lazy("Sent to the traveller by email when you save; it cannot be changed afterwards.")
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "reply" in self.fields:
            self.fields["reply"].required = True


@admin.register(GroupQuoteRequest)
class GroupQuoteRequestAdmin(admin.ModelAdmin):
    """Parties too large for any vehicle asking for an offer. A new one is answered here: the reply is stored with
    who answered and when, and emailed to the traveller by the booking service; an answered one is read-only."""

    form = GroupQuoteAnswerForm
    list_display = ("created_at", "status", "name", "route", "pickup_local", "party_size")
    list_filter = ("status",)
    list_select_related = ("origin", "destination", "answered_by")
    search_fields = ("name", "email", "phone", "message", "origin__name", "destination__name")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")
    TRIP = ("route", "pickup_local", "party", "luggage")
    TRAVELLER = ("name", "email", "phone", "language", "message", "created_at")
    ANSWER = ("status", "reply", "answered_by", "answered_at")

    def get_fieldsets(self, request, obj=None):
        return (
            (gettext_lazy("Trip"), {"fields": self.TRIP}),
            (gettext_lazy("Traveller"), {"fields": self.TRAVELLER}),
            (gettext_lazy("Answer"), {"fields": self.ANSWER}),
        )

    def get_readonly_fields(self, request, obj=None):
        return tuple(name for name in (*self.TRIP, *self.TRAVELLER, *self.ANSWER) if name != "reply")

    def has_change_permission(self, request, obj=None) -> bool:
        # An answered request is read-only: the answer has been emailed and stays as sent.
        if obj is not None and obj.status != GroupQuoteRequest.Status.NEW:
            return False
        return super().has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        try:
            services.group_quote_request_answer(
                request_id=obj.pk, reply=form.cleaned_data["reply"], actor=services.Actor.for_user(request.user)
            )
        except DomainError as error:
            messages.error(request, error.message)

    @admin.display(description=gettext_lazy("route"))
    def route(self, quote: GroupQuoteRequest) -> str:
        return f"{quote.origin.name} → {quote.destination.name}"

    @admin.display(description=gettext_lazy("pickup (local)"), ordering="pickup_at")
    def pickup_local(self, quote: GroupQuoteRequest) -> str:
        return reports.local_time(quote.pickup_at)

    @admin.display(description=gettext_lazy("adults / children / infants"))
    def party(self, quote: GroupQuoteRequest) -> str:
        return f"{quote.adults} / {quote.children} / {quote.infants}"

    @admin.display(description=gettext_lazy("Party"))
    def party_size(self, quote: GroupQuoteRequest) -> str:
        passengers = ngettext("%(count)s passenger", "%(count)s passengers", quote.seats) % {"count": quote.seats}
        bags = ngettext("%(count)s suitcase", "%(count)s suitcases", quote.luggage) % {"count": quote.luggage}
        return f"{passengers}, {bags}"
