"""The dispatch board in the back office: one day's waiting rides and drivers, and the forms that assign, change
and unassign trips through the fleet services.

The pages live under the trip admin (``TripAdmin.get_urls`` includes :func:`board_urls`), behind the back office's
password and second factor. Viewing needs ``fleet.view_trip`` (or ``fleet.change_trip``), every write
``fleet.change_trip``. Every form works without JavaScript; each POST answers with a redirect back to the board
(post/redirect/get) and says in a message what was done or why it was refused.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gnb.bookings.models import Booking
from gnb.core.errors import DomainError
from gnb.fleet import board as board_selector
from gnb.fleet import dispatch, selectors, services
from gnb.fleet.models import Trip

VIEW_PERMISSION = "fleet.view_trip"
CHANGE_PERMISSION = "fleet.change_trip"
RIDE_KEY = re.compile(r"^(leg|departure)-([1-9][0-9]{0,17})$")


def board_urls(model_admin) -> list:
    """The board's URL patterns, for ``TripAdmin.get_urls`` to put before the admin's own."""
    site = model_admin.admin_site

    def view(function: Callable[..., HttpResponse]):
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            return function(request, model_admin, *args, **kwargs)

        wrapped.__name__ = function.__name__
        return site.admin_view(wrapped)

    return [
        path("board/", view(board_view), name="fleet_board"),
        path("board/assign/", view(assign_view), name="fleet_board_assign"),
        path("board/bulk-assign/", view(bulk_assign_view), name="fleet_board_bulk_assign"),
        path("board/trip/<int:trip_id>/reassign/", view(reassign_view), name="fleet_board_reassign"),
        path("board/trip/<int:trip_id>/unassign/", view(unassign_view), name="fleet_board_unassign"),
        path("board/plan/", view(plan_view), name="fleet_board_plan"),
        path("board/plan/<int:proposal_id>/", view(proposal_view), name="fleet_board_proposal"),
        path("board/plan/<int:proposal_id>/apply/", view(apply_view), name="fleet_board_apply"),
    ]


# --- permissions, days, answers ---------------------------------------------------------------------------------
def _may_view(request: HttpRequest) -> None:
    if not (request.user.has_perm(VIEW_PERMISSION) or request.user.has_perm(CHANGE_PERMISSION)):
        raise PermissionDenied


def _may_change(request: HttpRequest) -> None:
    if not request.user.has_perm(CHANGE_PERMISSION):
        raise PermissionDenied


def parse_day(value: str | None) -> tuple[dt.date, str]:
    """The day asked for (``YYYY-MM-DD``), today when none is; a bad value gives today and the error to show."""
    today = board_selector.local_today()
    if not value:
        return today, ""
    try:
        return dt.date.fromisoformat(value.strip()), ""
    except ValueError:
        return today, _("“%(value)s” is not a day: give the day as YYYY-MM-DD, for example %(example)s.") % {
            "value": value[:40],
            "example": today.isoformat(),
        }


def board_url(day: dt.date, anchor: str = "") -> str:
    url = reverse("admin:fleet_board") + "?" + urlencode({"day": day.isoformat()})
    return url + (f"#{anchor}" if anchor else "")


def _back(request: HttpRequest, day: dt.date, anchor: str = "") -> HttpResponseRedirect:
    return HttpResponseRedirect(board_url(day, anchor))


def _context(request: HttpRequest, model_admin, **values) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "may_change": request.user.has_perm(CHANGE_PERMISSION),
        **values,
    }


def _refused(request: HttpRequest, error: DomainError, *, subject: str) -> None:
    """The service's refusal as an error message, with a link to the trip in the way when there is one."""
    text = _("%(subject)s refused: %(reason)s") % {"subject": subject, "reason": error.message}
    conflicting = getattr(error, "conflicting_trip_id", None)
    trip = Trip.objects.filter(pk=conflicting).only("starts_at").first() if conflicting else None
    if trip is None:
        messages.error(request, text)
        return
    day = trip.starts_at.astimezone(board_selector.LOCAL).date()
    messages.error(
        request,
        format_html(
            '{} <a href="{}">{}</a>',
            text,
            board_url(day, f"trip-{trip.pk}"),
            _("See trip T%(trip)s on the board.") % {"trip": trip.pk},
        ),
    )


def _assigned_message(trip: Trip, references: list[str]) -> str:
    return _("Trip T%(trip)s at %(time)s: %(driver)s, %(vehicle)s for %(references)s.") % {
        "trip": trip.pk,
        "time": trip.starts_at.astimezone(board_selector.LOCAL).strftime("%H:%M"),
        "driver": trip.driver.full_name if trip.driver else _("no driver yet"),
        "vehicle": trip.vehicle.plate if trip.vehicle else _("no vehicle yet"),
        "references": ", ".join(references),
    }


# --- forms ------------------------------------------------------------------------------------------------------
class DayField(forms.DateField):
    def __init__(self, **kwargs) -> None:
        super().__init__(input_formats=["%Y-%m-%d"], **kwargs)


class ChoiceOfDriverAndVehicle(forms.Form):
    """A driver and a vehicle by id. The page offers only those that fit; the service decides, so one that stopped
    fitting since the page was shown is refused with its reason instead of a bare "not a valid choice"."""

    driver = forms.IntegerField(label=gettext_lazy("Driver"), required=False, min_value=1)
    vehicle = forms.IntegerField(label=gettext_lazy("Vehicle"), required=False, min_value=1)
    day = DayField(required=False, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean() or {}
        if not self.errors and cleaned.get("driver") is None and cleaned.get("vehicle") is None:
            raise forms.ValidationError(_("Choose a driver and a vehicle."), code="nothing_chosen")
        return cleaned


class AssignForm(ChoiceOfDriverAndVehicle):
    ride = forms.RegexField(label=gettext_lazy("Ride"), regex=RIDE_KEY, widget=forms.HiddenInput)


class ReassignForm(ChoiceOfDriverAndVehicle):
    reason = forms.CharField(label=gettext_lazy("Why (for the trip's history)"), required=False, max_length=500)


class UnassignForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is this trip unassigned?"),
        max_length=500,
        widget=forms.TextInput(attrs={"size": 60}),
        error_messages={"required": gettext_lazy("Say why the trip is unassigned (it goes into its history).")},
    )
    day = DayField(required=False, widget=forms.HiddenInput)


class BulkAssignForm(forms.Form):
    ride = forms.MultipleChoiceField(label=gettext_lazy("Rides"))
    driver = forms.IntegerField(label=gettext_lazy("Driver"), min_value=1)
    vehicle = forms.IntegerField(label=gettext_lazy("Vehicle"), min_value=1)
    day = DayField(required=False, widget=forms.HiddenInput)

    error_messages = {
        "no_rides": gettext_lazy("Tick at least one ride to assign."),
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ride"].error_messages["required"] = self.error_messages["no_rides"]

    def clean_ride(self) -> list[str]:
        keys = self.cleaned_data["ride"]
        bad = [key for key in keys if not RIDE_KEY.match(key)]
        if bad:
            raise forms.ValidationError(_("Not a ride of the board: %(keys)s.") % {"keys": ", ".join(bad[:5])})
        return list(dict.fromkeys(keys))

    def full_clean(self) -> None:
        # The choices are whatever rides were ticked: each is checked by its form (RIDE_KEY) and by the service.
        field = self.fields["ride"]
        if self.is_bound and isinstance(field, forms.MultipleChoiceField) and isinstance(self.data, QueryDict):
            field.choices = [(key, key) for key in self.data.getlist("ride")]
        super().full_clean()


def ride_ref(key: str) -> services.RideRef:
    match = RIDE_KEY.match(key)
    assert match is not None  # the forms checked it
    kind, pk = match.group(1), int(match.group(2))
    return services.RideRef(leg_id=pk) if kind == "leg" else services.RideRef(departure_id=pk)


def _form_errors(form: forms.Form) -> str:
    return " ".join(
        f"{form.fields[name].label}: {error}" if name in form.fields else str(error)
        for name, errors in form.errors.items()
        for error in errors
    )


# --- the board ----------------------------------------------------------------------------------------------------
def board_view(request: HttpRequest, model_admin) -> HttpResponse:
    """One day of the board (``?day=YYYY-MM-DD``, today by default)."""
    _may_view(request)
    day, day_error = parse_day(request.GET.get("day"))
    if day_error:
        context = _context(
            request,
            model_admin,
            title=_("Dispatch board"),
            day_error=day_error,
            day=day,
            today_url=board_url(day),
        )
        return TemplateResponse(request, "admin/fleet/board.html", context, status=400)
    board = board_selector.board_day(day=day)
    _link_trips(board)
    labels = row_labels()
    _trip_blocks_html(board, labels, may_change=request.user.has_perm(CHANGE_PERMISSION))
    context = _context(
        request,
        model_admin,
        title=_("Dispatch board · %(day)s") % {"day": day.isoformat()},
        board=board,
        day=day,
        previous_url=board_url(day - dt.timedelta(days=1)),
        next_url=board_url(day + dt.timedelta(days=1)),
        today_url=board_url(board_selector.local_today()),
        is_today=day == board_selector.local_today(),
        labels=labels,
        working=sum(1 for row in board.drivers if row.shifts),
    )
    return TemplateResponse(request, "admin/fleet/board.html", context)


def row_labels() -> dict[str, str]:
    """The words repeated on every row of the board, translated once per page instead of once per row."""
    return {
        "tour": _("Tour"),
        "lands": _("lands"),
        "departs": _("departs"),
        "missing": _("missing"),
        "ready": _("ready"),
        "assign": _("Assign"),
        "select": _("Select"),
        "no_shift": _("No shift this day"),
        "free": _("free"),
        "change": _("Change"),
        "unassign": _("Unassign"),
        "manifest_pdf": _("Manifest PDF"),
        "manifest_csv": _("Manifest CSV"),
        "no_vehicle": _("no vehicle yet"),
    }


TRIP_PAGES = {
    "reassign": "admin:fleet_board_reassign",
    "unassign": "admin:fleet_board_unassign",
    "manifest_pdf": "admin:fleet_trip_manifest_pdf",
    "manifest_csv": "admin:fleet_trip_manifest_csv",
}
MARKER = 987654321


def _link_trips(board: board_selector.Board) -> None:
    """Each trip's page addresses, resolved once per page and filled in per trip (hundreds of trips a day)."""
    patterns = {}
    for name, url_name in TRIP_PAGES.items():
        try:
            patterns[name] = reverse(url_name, args=[MARKER])
        except NoReverseMatch:
            continue  # a page another part of the back office has not (yet) made
    for row in [*board.drivers, board_selector.DriverRow(None, [], board.driverless, [])]:  # type: ignore[arg-type]
        for block in row.trips:
            block.links = {name: url.replace(str(MARKER), str(block.trip.pk)) for name, url in patterns.items()}


def _trip_blocks_html(board: board_selector.Board, labels: dict[str, str], *, may_change: bool) -> None:
    """Each trip's block of the board, built once here with ``format_html`` (escaped like the template would).

    A day has hundreds of trips; through a template include each block cost about half a millisecond (measured on the
    300-trip day of ``bench/fleet.py``: the page took 245 ms, of which 170 ms went to the template), this way a few
    microseconds.
    """
    for row in [*board.drivers, board_selector.DriverRow(None, [], board.driverless, [])]:  # type: ignore[arg-type]
        for block in row.trips:
            trip = block.trip
            links = block.links
            actions = []
            if may_change and trip.status == Trip.Status.ASSIGNED:
                actions += [
                    format_html('<a href="{}">{}</a>', links[name], labels[label])
                    for name, label in (("reassign", "change"), ("unassign", "unassign"))
                    if name in links
                ]
            actions += [
                format_html('<a href="{}">{}</a>', links[name], labels[name])
                for name in ("manifest_pdf", "manifest_csv")
                if name in links
            ]
            flag = (
                format_html('<div class="fleet-flag" title="{}">{}</div>', block.missing_text, block.missing_short)
                if block.unreportable
                else ""
            )
            block.html = format_html(
                '<li class="fleet-trip fleet-status-{status}{unreportable}" id="trip-{pk}">'
                '<div class="fleet-trip-head"><strong>{time}</strong> '
                '<span class="fleet-quiet">T{pk} · {status_label}</span></div>'
                "<div>{label}</div><div>{vehicle} · {passengers}</div>"
                '<div class="fleet-quiet">{references}</div>{flag}'
                '<div class="fleet-actions">{actions}</div></li>',
                status=trip.status,
                unreportable=" fleet-unreportable" if block.unreportable else "",
                pk=trip.pk,
                time=block.time_range,
                status_label=trip.get_status_display(),
                label=block.label,
                vehicle=trip.vehicle.plate if trip.vehicle else labels["no_vehicle"],
                passengers=block.passengers_text,
                references=", ".join(block.references),
                flag=flag,
                actions=format_html_join(" ", "{}", ((action,) for action in actions)),
            )


@dataclass
class Choices:
    """The options of one form, as the template lists them."""

    options: board_selector.Options
    chosen_driver: int | None = None
    chosen_vehicle: int | None = None


def assign_view(request: HttpRequest, model_admin) -> HttpResponse:
    """GET: the form to give one waiting ride (``?ride=leg-12&day=…``) a driver and a vehicle. POST: assign it."""
    _may_change(request)
    if request.method == "POST":
        form = AssignForm(request.POST)
        day = form.data.get("day", "")
        back_day, _error = parse_day(day)
        if not form.is_valid():
            messages.error(request, _("Nothing assigned: %(errors)s") % {"errors": _form_errors(form)})
            return _back(request, back_day)
        key = form.cleaned_data["ride"]
        try:
            trip = services.fleet_assign(
                ride=ride_ref(key),
                driver_id=form.cleaned_data["driver"],
                vehicle_id=form.cleaned_data["vehicle"],
                actor=services.Actor.for_user(request.user),
            )
        except DomainError as error:
            _refused(request, error, subject=_("Assignment"))
            return _back(request, back_day, key)
        trip = Trip.objects.select_related("driver", "vehicle").get(pk=trip.pk)
        references = list(trip.riders.values_list("booking__reference", flat=True))
        messages.success(request, _assigned_message(trip, references))
        return _back(request, back_day, f"trip-{trip.pk}")

    day, day_error = parse_day(request.GET.get("day"))
    if day_error:
        messages.error(request, day_error)
        return _back(request, day)
    board = board_selector.board_day(day=day)
    key = request.GET.get("ride", "")
    waiting = board.waiting_ride(key) if RIDE_KEY.match(key) else None
    if waiting is None:
        messages.warning(request, board_selector.no_ride_message())
        return _back(request, day)
    options = board.options_for_waiting(waiting)
    context = _context(
        request,
        model_admin,
        title=_("Assign %(references)s") % {"references": ", ".join(waiting.references)},
        day=day,
        board_url=board_url(day, waiting.key),
        waiting=waiting,
        choices=Choices(options) if options else None,
        form_action=reverse("admin:fleet_board_assign"),
    )
    return TemplateResponse(request, "admin/fleet/board_assign.html", context)


def bulk_assign_view(request: HttpRequest, model_admin) -> HttpResponse:
    """Assign each ticked ride, in pickup order, to one driver and one vehicle; each in its own transaction, so
    one refusal stops nothing but itself."""
    _may_change(request)
    if request.method != "POST":
        return _back(request, board_selector.local_today())
    form = BulkAssignForm(request.POST)
    back_day, _error = parse_day(form.data.get("day", ""))
    if not form.is_valid():
        messages.error(request, _("Nothing assigned: %(errors)s") % {"errors": _form_errors(form)})
        return _back(request, back_day)
    actor = services.Actor.for_user(request.user)
    done: list[str] = []
    for key in form.cleaned_data["ride"]:
        try:
            trip = services.fleet_assign(
                ride=ride_ref(key),
                driver_id=form.cleaned_data["driver"],
                vehicle_id=form.cleaned_data["vehicle"],
                actor=actor,
            )
        except DomainError as error:
            _refused(request, error, subject=_("Ride %(ride)s") % {"ride": _ride_name(key)})
        else:
            done.append(f"T{trip.pk}")
    if done:
        messages.success(
            request,
            _("Assigned %(count)s of %(total)s rides: %(trips)s.")
            % {"count": len(done), "total": len(form.cleaned_data["ride"]), "trips": ", ".join(done)},
        )
    return _back(request, back_day)


def _ride_name(key: str) -> str:
    """The references of a ride for a message (one query, on the refusal path only)."""
    ref = ride_ref(key)
    if ref.leg_id is not None:
        references = Booking.objects.filter(legs__pk=ref.leg_id).values_list("reference", flat=True)
    else:
        references = Booking.objects.filter(tour_departure_id=ref.departure_id).values_list("reference", flat=True)
    return ", ".join(references) or key


def _trip_or_back(request: HttpRequest, trip_id: int) -> Trip | None:
    trip = Trip.objects.select_related("driver", "vehicle", "origin_zone", "destination_zone", "departure__tour")
    found = trip.filter(pk=trip_id).first()
    if found is None or not found.is_live:
        messages.warning(request, _("Trip T%(trip)s is not on the board any more.") % {"trip": trip_id})
    return found if found is not None and found.is_live else None


def reassign_view(request: HttpRequest, model_admin, trip_id: int) -> HttpResponse:
    """GET: the form to give a trip another driver and/or vehicle. POST: change it."""
    _may_change(request)
    trip = _trip_or_back(request, trip_id)
    if trip is None:
        return _back(request, parse_day(request.GET.get("day") or request.POST.get("day"))[0])
    day = trip.starts_at.astimezone(board_selector.LOCAL).date()
    if request.method == "POST":
        form = ReassignForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Nothing changed: %(errors)s") % {"errors": _form_errors(form)})
            return _back(request, day, f"trip-{trip.pk}")
        try:
            changed = services.fleet_reassign(
                trip_id=trip.pk,
                driver_id=form.cleaned_data["driver"],
                vehicle_id=form.cleaned_data["vehicle"],
                reason=form.cleaned_data["reason"],
                actor=services.Actor.for_user(request.user),
            )
        except DomainError as error:
            _refused(request, error, subject=_("Change of trip T%(trip)s") % {"trip": trip.pk})
            return _back(request, day, f"trip-{trip.pk}")
        changed = Trip.objects.select_related("driver", "vehicle").get(pk=changed.pk)
        references = list(changed.riders.values_list("booking__reference", flat=True))
        messages.success(request, _assigned_message(changed, references))
        return _back(request, day, f"trip-{trip.pk}")

    board = board_selector.board_day(day=day)
    try:
        ride = selectors.trip_ride(trip_id=trip.pk)
    except DomainError as error:
        messages.error(request, error.message)
        return _back(request, day, f"trip-{trip.pk}")
    options = board.options_for(ride, excluding_trip_id=trip.pk)
    block = board.trip_block(trip.pk)
    context = _context(
        request,
        model_admin,
        title=_("Change trip T%(trip)s") % {"trip": trip.pk},
        day=day,
        board_url=board_url(day, f"trip-{trip.pk}"),
        trip=trip,
        block=block,
        choices=Choices(options, trip.driver_id, trip.vehicle_id),
        form_action=reverse("admin:fleet_board_reassign", args=[trip.pk]),
    )
    return TemplateResponse(request, "admin/fleet/board_reassign.html", context)


def unassign_view(request: HttpRequest, model_admin, trip_id: int) -> HttpResponse:
    """GET: ask why. POST: take the trip off its driver and vehicle; its rides wait for a driver again."""
    _may_change(request)
    trip = _trip_or_back(request, trip_id)
    if trip is None:
        return _back(request, parse_day(request.GET.get("day") or request.POST.get("day"))[0])
    day = trip.starts_at.astimezone(board_selector.LOCAL).date()
    form = UnassignForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.fleet_unassign(
                trip_id=trip.pk, actor=services.Actor.for_user(request.user), reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            _refused(request, error, subject=_("Unassigning trip T%(trip)s") % {"trip": trip.pk})
            return _back(request, day, f"trip-{trip.pk}")
        messages.success(
            request, _("Trip T%(trip)s unassigned: its rides wait for a driver again.") % {"trip": trip.pk}
        )
        return _back(request, day)
    references = list(trip.riders.values_list("booking__reference", flat=True))
    context = _context(
        request,
        model_admin,
        title=_("Unassign trip T%(trip)s") % {"trip": trip.pk},
        day=day,
        board_url=board_url(day, f"trip-{trip.pk}"),
        trip=trip,
        references=references,
        form=form,
    )
    return TemplateResponse(request, "admin/fleet/board_unassign.html", context)


# --- planning the day -------------------------------------------------------------------------------------------
PLAN_HOURS = 36


class PlanForm(forms.Form):
    day = DayField(label=gettext_lazy("Day"))
    window = forms.ChoiceField(
        label=gettext_lazy("Plan"),
        choices=[("day", gettext_lazy("this day")), ("36h", gettext_lazy("the next 36 hours"))],
        initial="day",
    )
    allow_moves = forms.BooleanField(label=gettext_lazy("allow moving assigned trips"), required=False)

    def window_range(self, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        """This day, midnight to midnight; or 36 hours from the start of the day (from now when the day is today)."""
        day = self.cleaned_data["day"]
        start = board_selector.day_start(day)
        if self.cleaned_data["window"] == "day":
            return start, board_selector.day_start(day + dt.timedelta(days=1))
        start = max(start, now.replace(second=0, microsecond=0))
        return start, start + dt.timedelta(hours=PLAN_HOURS)


def proposal_url(proposal_id: int) -> str:
    return reverse("admin:fleet_board_proposal", args=[proposal_id])


def plan_view(request: HttpRequest, model_admin) -> HttpResponse:
    """POST: plan the rides waiting in the chosen window (the solver runs for a few seconds) and show the proposal;
    nothing is assigned until the dispatcher applies it."""
    _may_change(request)
    form = PlanForm(request.POST if request.method == "POST" else None)
    back_day, _error = parse_day(form.data.get("day", "") if form.is_bound else "")
    if request.method != "POST" or not form.is_valid():
        if form.is_bound:
            messages.error(request, _("Nothing planned: %(errors)s") % {"errors": _form_errors(form)})
        return _back(request, back_day)
    start, end = form.window_range(timezone.now())
    try:
        proposal = dispatch.dispatch_propose(
            start=start,
            end=end,
            allow_moves=form.cleaned_data["allow_moves"],
            actor=services.Actor.for_user(request.user),
        )
    except DomainError as error:
        messages.error(request, _("Nothing planned: %(errors)s") % {"errors": error.message})
        return _back(request, back_day)
    return HttpResponseRedirect(proposal_url(proposal.pk))


def proposal_view(request: HttpRequest, model_admin, proposal_id: int) -> HttpResponse:
    """What a proposal changes (each ride with its driver and vehicle, moves marked), what it achieves, and for
    each change a tick box to apply it; once applied, what became of each change and why."""
    _may_change(request)
    try:
        page = dispatch.proposal_page(proposal_id=proposal_id)
    except DomainError as error:
        messages.warning(request, error.message)
        return _back(request, board_selector.local_today())
    proposal = page.proposal
    day = proposal.starts_at.astimezone(board_selector.LOCAL).date()
    for row in page.rows:
        if row.item.result_trip_id is not None:
            trip_day = row.item.starts_at.astimezone(board_selector.LOCAL).date()
            row.trip_url = board_url(trip_day, f"trip-{row.item.result_trip_id}")
    totals = proposal.totals
    context = _context(
        request,
        model_admin,
        title=_("Plan P%(proposal)s") % {"proposal": proposal.pk},
        day=day,
        board_url=board_url(day),
        page=page,
        proposal=proposal,
        totals=totals,
        window_text=_window_text(proposal.starts_at, proposal.ends_at),
        labels={
            "move": _("move"),
            "select": _("Select"),
            "was": _("was"),
            "applied": _("Applied"),
            "skipped": _("Skipped"),
            "refused": _("Refused"),
            "on_board": _("On the board"),
        },
        applied=page.count(dispatch.Outcome.APPLIED),
        skipped=page.count(dispatch.Outcome.SKIPPED),
        refused=page.count(dispatch.Outcome.REFUSED),
        form_action=reverse("admin:fleet_board_apply", args=[proposal.pk]),
    )
    return TemplateResponse(request, "admin/fleet/board_proposal.html", context)


def _window_text(start: dt.datetime, end: dt.datetime) -> str:
    local_start, local_end = start.astimezone(board_selector.LOCAL), end.astimezone(board_selector.LOCAL)
    return f"{local_start:%Y-%m-%d %H:%M} – {local_end:%Y-%m-%d %H:%M}"


def apply_view(request: HttpRequest, model_admin, proposal_id: int) -> HttpResponse:
    """POST: apply the ticked changes, each on its own; the proposal page then says what became of each."""
    _may_change(request)
    back = HttpResponseRedirect(proposal_url(proposal_id))
    if request.method != "POST":
        return back
    values = request.POST.getlist("item")
    if not values:
        messages.error(request, _("Tick at least one change to apply."))
        return back
    if not all(value.isdigit() and len(value) < 19 for value in values):
        messages.error(request, _("Not changes of this proposal: %(ids)s.") % {"ids": ", ".join(values[:5])})
        return back
    try:
        results = dispatch.dispatch_apply(
            proposal_id=proposal_id,
            item_ids=[int(value) for value in values],
            actor=services.Actor.for_user(request.user),
        )
    except DomainError as error:
        messages.error(request, error.message)
        return back
    counts = {outcome: sum(1 for r in results if r.outcome == outcome) for outcome in dispatch.Outcome.values}
    text = _("Applied %(applied)s, skipped %(skipped)s, refused %(refused)s.") % {
        "applied": counts[dispatch.Outcome.APPLIED],
        "skipped": counts[dispatch.Outcome.SKIPPED],
        "refused": counts[dispatch.Outcome.REFUSED],
    }
    if counts[dispatch.Outcome.SKIPPED] or counts[dispatch.Outcome.REFUSED]:
        messages.warning(request, text + " " + _("Each change below says why."))
    else:
        messages.success(request, text)
    return back
