"""The drivers' app's pages: sign in once per device, today and tomorrow, a trip with its manifest, the name sign,
and the one-tap status and cash forms (each press applied exactly once). Thin: forms check input, services write,
selectors read.

Pages a signed-in phone keeps for offline use answer ``Cache-Control: private, no-cache`` with ``Vary: Cookie``:
the service worker may keep them, and asks again whenever it is online. Another driver's trip is a 404 as if it
did not exist.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gnb.accounts import tokens
from gnb.accounts.selectors import normalise_email, user_by_email
from gnb.core.errors import Busy
from gnb.core.ratelimit import Limit, client_ip, rate_limit_attempt
from gnb.driver import selectors, services
from gnb.driver.forms import CashForm, LanguageForm, LinkRequestForm, SignInForm, StatusForm
from gnb.driver.middleware import SESSION_DEVICE, SESSION_LANGUAGE
from gnb.driver.models import DriverCommand, DriverDevice
from gnb.fleet.models import Driver, Trip

LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"
# The flows' own budgets, apart from the website's: a driver locked out of the password still gets a link.
FLOW_PASSWORD = "driver-sign-in"  # noqa: S105 (a flow name, not a password)
FLOW_LINK = "driver-sign-in-link"


# --- shared -----------------------------------------------------------------------------------------------
def _page(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200, keep: bool = False):
    context.setdefault("languages", settings.LANGUAGES)
    context.setdefault("device", getattr(request, "driver_device", None))
    # The app subscribes the phone to push messages when the operator has VAPID keys (gnb.fleet.push).
    context.setdefault("vapid_public_key", settings.GNB_VAPID_PUBLIC_KEY)
    response = render(request, f"driver/{template}", context, status=status)
    if keep:
        # The service worker keeps these for offline use; it asks again whenever it is online.
        response["Cache-Control"] = "private, no-cache"
        response["Vary"] = "Cookie"
    else:
        response["Cache-Control"] = "private, no-store"
    return response


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _device(request: HttpRequest) -> DriverDevice:
    return request.driver_device  # type: ignore[attr-defined]


def _driver(request: HttpRequest) -> Driver:
    return _device(request).driver


def safe_next(value: str | None) -> str | None:
    """``value`` when it is a path of this app (never another host, scheme or protocol-relative URL)."""
    if not value or not value.startswith("/driver/") or value.startswith(("//", "/\\")):
        return None
    return value if url_has_allowed_host_and_scheme(value, allowed_hosts=set()) else None


def driver_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A live device of an active driver; anyone else goes to the sign-in page (a script gets 401)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "driver_device", None) is None:
            if _wants_json(request) or request.path.endswith(".json"):
                return JsonResponse({"error": "signed_out", "sign_in": reverse("driver:sign_in")}, status=401)
            path = request.get_full_path() if request.method == "GET" else reverse("driver:trips")
            return redirect(f"{reverse('driver:sign_in')}?{urlencode({'next': path})}")
        return view(request, *args, **kwargs)

    return wrapped


def _throttled(request: HttpRequest, wait: int) -> HttpResponse:
    response = _page(request, "throttled.html", {"wait_minutes": (wait + 59) // 60}, status=429)
    response["Retry-After"] = str(wait)
    return response


def _attempt(request: HttpRequest, flow: str, email: str):
    if flow == FLOW_LINK:
        per_account, per_address = settings.GNB_SIGNIN_LINK_LIMIT_PER_ACCOUNT, settings.GNB_SIGNIN_LINK_LIMIT_PER_IP
    else:
        per_account, per_address = settings.GNB_AUTH_LIMIT_PER_ACCOUNT, settings.GNB_AUTH_LIMIT_PER_IP
    window = settings.GNB_AUTH_LIMIT_WINDOW_SECONDS
    limits = [Limit(f"{flow}:ip", client_ip(request), per_address, window)]
    if normalise_email(email):
        limits.append(Limit(f"{flow}:account", normalise_email(email), per_account, window))
    return rate_limit_attempt(limits)


def _sign_in(request: HttpRequest, user, driver: Driver) -> DriverDevice:
    """Sign ``user`` in on this device for 30 days: a new device row, and this session only expiring with it."""
    chosen = request.session.get(SESSION_LANGUAGE, "")
    login(request, user, backend=LOGIN_BACKEND)  # moves last_login: an emailed link no longer matches
    device = services.driver_device_start(driver=driver, user_agent=request.headers.get("User-Agent", ""))
    if chosen:
        services.driver_device_language_set(device=device, language=chosen)
    request.session[SESSION_DEVICE] = device.pk
    request.session.set_expiry(device.expires_at)
    return device


def _password_user(email: str, password: str):
    """The active driver's account for this email and password, or None (as slow for an unknown address)."""
    user = user_by_email(email=email)
    if user is None:
        get_user_model()().set_password(password)  # no timing oracle for unknown addresses
        return None
    if not user.check_password(password) or selectors.active_driver(user) is None:
        return None
    return user


# --- signing in and out -----------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request.POST.get("next") or request.GET.get("next"))
    if getattr(request, "driver_device", None) is not None:
        return redirect(next_url or reverse("driver:trips"))
    form = SignInForm(request.POST or None)
    context = {"form": form, "link_form": LinkRequestForm(), "next": next_url or ""}
    if request.method == "GET":
        return _page(request, "sign_in.html", context)
    attempt = _attempt(request, FLOW_PASSWORD, request.POST.get("email", ""))
    if attempt.wait is not None:
        return _throttled(request, attempt.wait)
    if form.is_valid():
        user = _password_user(form.cleaned_data["email"], form.cleaned_data["password"])
        if user is not None:
            attempt.refund()
            _sign_in(request, user, selectors.active_driver(user))  # type: ignore[arg-type]
            return redirect(next_url or reverse("driver:trips"))
        form.add_error(None, _("This email address and password do not match a driver's account."))
    return _page(request, "sign_in.html", context, status=422)


@require_POST
def sign_in_link_request(request: HttpRequest) -> HttpResponse:
    form = LinkRequestForm(request.POST)
    attempt = _attempt(request, FLOW_LINK, request.POST.get("email", ""))
    if attempt.wait is not None:
        return _throttled(request, attempt.wait)
    if not form.is_valid():
        context = {"form": SignInForm(), "link_form": form, "next": ""}
        return _page(request, "sign_in.html", context, status=422)
    # The same answer whether or not the address is a driver's: only its owner learns anything, by email.
    services.driver_sign_in_link_request(email=form.cleaned_data["email"])
    return _page(request, "link_sent.html", {"email": form.cleaned_data["email"]})


@require_http_methods(["GET", "POST"])
def sign_in_link(request: HttpRequest, token: str) -> HttpResponse:
    # GET shows a button and POST signs in, so a mail scanner fetching the link cannot use it up.
    try:
        user = tokens.link_token_check(token=token, purpose=tokens.DRIVER_SIGN_IN).user
    except tokens.InvalidLink:
        return _page(request, "link_invalid.html", {}, status=400)
    driver = selectors.active_driver(user)
    if driver is None:
        return _page(request, "link_invalid.html", {}, status=400)
    if request.method == "GET":
        return _page(request, "link_confirm.html", {"driver": driver})
    _sign_in(request, user, driver)
    return redirect("driver:trips")


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    device = getattr(request, "driver_device", None)
    if device is not None:
        services.driver_device_end(device_id=device.pk, actor=request.user, reason="Signed out on the device")
    logout(request)
    response = redirect("driver:sign_in")
    # The phone forgets the trips it kept (the service worker's caches and the outbox's storage).
    response["Clear-Site-Data"] = '"cache", "storage"'
    return response


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    form = LanguageForm(request.POST)
    if form.is_valid():
        code = form.cleaned_data["language"]
        request.session[SESSION_LANGUAGE] = code
        device = getattr(request, "driver_device", None)
        if device is not None:
            services.driver_device_language_set(device=device, language=code)
    back = safe_next(request.POST.get("next")) or (
        reverse("driver:trips") if getattr(request, "driver_device", None) else reverse("driver:sign_in")
    )
    return redirect(back)


# --- pages ------------------------------------------------------------------------------------------------
@require_GET
@driver_required
def trips(request: HttpRequest) -> HttpResponse:
    driver = _driver(request)
    days = selectors.days_of_driver(driver=driver)
    return _page(request, "trips.html", {"driver": driver, "days": days}, keep=True)


def _trip_page(request: HttpRequest, trip_id: int) -> selectors.TripPage:
    page = selectors.trip_page(driver=_driver(request), trip_id=trip_id)
    if page is None:
        raise Http404(_("Trip not found."))
    return page


@require_GET
@driver_required
def trip(request: HttpRequest, trip_id: int) -> HttpResponse:
    page = _trip_page(request, trip_id)
    context = {
        "page": page,
        "trip": page.trip,
        # Fresh per page: a form sent twice (a double tap, the outbox replaying) carries the same key.
        "status_key": _key(),
        "no_show_key": _key(),
    }
    return _page(request, "trip.html", context, keep=True)


@require_GET
@driver_required
def sign(request: HttpRequest, trip_id: int) -> HttpResponse:
    page = _trip_page(request, trip_id)
    return _page(request, "sign.html", {"page": page, "trip": page.trip}, keep=True)


def _key() -> str:
    return str(uuid.uuid4())


@require_GET
@driver_required
def offline(request: HttpRequest) -> HttpResponse:
    offline_set = selectors.offline_set(driver=_driver(request), language=translation.get_language())
    urls = [reverse("driver:trips")]
    for trip_id in offline_set.trip_ids:
        urls += [reverse("driver:trip", args=[trip_id]), reverse("driver:sign", args=[trip_id])]
    response = JsonResponse({"version": offline_set.version, "urls": urls})
    response["Cache-Control"] = "private, no-cache"
    response["Vary"] = "Cookie"
    return response


# --- presses: status and cash, exactly once -----------------------------------------------------------------
def _command_trip(request: HttpRequest, trip_id: int) -> Trip:
    trip = selectors.trip_of_driver_ever(driver=_driver(request), trip_id=trip_id)
    if trip is None:
        raise Http404(_("Trip not found."))
    return trip


def _invalid(request: HttpRequest, trip_id: int, form) -> HttpResponse:
    errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
    first = next(iter(errors.values()))[0]
    if _wants_json(request):
        return JsonResponse({"outcome": "invalid", "message": first, "fields": errors}, status=422)
    messages.error(request, first)
    return redirect("driver:trip", trip_id=trip_id)


def _answer(request: HttpRequest, trip_id: int, result: services.CommandResult) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(
            {
                "outcome": result.outcome,
                "replay": result.replay,
                "message": result.message,
                "trip_status": result.trip_status,
                "trip_status_label": result.trip_status_label,
            },
            # A refusal keeps the status it was stored with: 409 for the trip's state, 422 for an amount too high.
            status=result.http_status,
        )
    (messages.success if result.applied else messages.error)(request, result.message)
    if selectors.trip_page(driver=_driver(request), trip_id=trip_id) is None:
        return redirect("driver:trips")
    return redirect("driver:trip", trip_id=trip_id)


def _busy(request: HttpRequest, trip_id: int, error: Busy) -> HttpResponse:
    if _wants_json(request):
        response = JsonResponse({"outcome": "busy", "message": error.message}, status=503)
        response["Retry-After"] = "2"
        return response
    messages.error(request, error.message)
    return redirect("driver:trip", trip_id=trip_id)


@require_POST
@driver_required
def status(request: HttpRequest, trip_id: int) -> HttpResponse:
    trip = _command_trip(request, trip_id)
    form = StatusForm(request.POST, request.FILES)
    if not form.is_valid():
        return _invalid(request, trip.pk, form)
    try:
        result = services.driver_command_apply(
            driver=_driver(request),
            key=form.cleaned_data["key"],
            kind=DriverCommand.Kind.STATUS,
            trip_id=trip.pk,
            payload=form.payload(),
            photo=form.cleaned_data.get("photo"),
        )
    except Busy as error:
        return _busy(request, trip.pk, error)
    return _answer(request, trip.pk, result)


@require_POST
@driver_required
def cash(request: HttpRequest, trip_id: int) -> HttpResponse:
    trip = _command_trip(request, trip_id)
    form = CashForm(request.POST)
    still_mine = trip.driver_id == _driver(request).pk and trip.status != Trip.Status.RELEASED
    booking_id = None
    if form.is_valid():
        reference = form.cleaned_data["booking"].strip().upper()
        booking_id = trip.riders.filter(booking__reference=reference).values_list("booking_id", flat=True).first()
        # A trip taken off the driver has no riders left: the service refuses it saying what changed.
        if booking_id is None and still_mine:
            form.add_error("booking", _("This booking is not on this trip."))
    if not form.is_valid():
        return _invalid(request, trip.pk, form)
    try:
        result = services.driver_command_apply(
            driver=_driver(request),
            key=form.cleaned_data["key"],
            kind=DriverCommand.Kind.CASH,
            trip_id=trip.pk,
            payload={
                "booking": form.cleaned_data["booking"].strip().upper(),
                "booking_id": booking_id,
                "amount": str(form.cleaned_data["amount"]),
            },
        )
    except Busy as error:
        return _busy(request, trip.pk, error)
    return _answer(request, trip.pk, result)
