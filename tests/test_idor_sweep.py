"""The IDOR sweep: every URL that takes an object identifier, tried by everybody who must not see that object.

The sweep walks the URL configuration (``config.urls``: the website under its language prefix, the API's routes,
the back office's) and lists every route with a parameter. Each must be in one of the tables below:

- :data:`PUBLIC`: public catalogue objects, open to anybody (checked: an active one answers 200, an inactive one
  404 even though its slug exists);
- :data:`NOT_OBJECTS`: parameters that name no object (an app of the back office, the catch-all path);
- :func:`object_checks`: every other route, with the exact answer each kind of visitor gets — anonymous, a customer,
  another customer, a driver, a staff member who has not passed the second factor, each staff role — and at least
  one rightful visitor who gets the object (the positive control, so a route that refused everybody would fail).

A new route with a parameter fails :func:`test_every_route_with_a_parameter_is_in_the_sweep` until it is added.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import get_resolver

from gnb.bookings import services
from gnb.bookings.models import (
    Booking,
    BookingEvent,
    BookingExtra,
    CouponRedemption,
    IdempotencyKey,
    Passenger,
    TransferLeg,
)
from gnb.bookings.quotes import ExtraRequest
from gnb.catalog.models import Season, Tour
from gnb.core.audit import audit_record
from gnb.core.models import AuditEntry
from gnb.notifications.models import ContactMessage, SentEmail
from gnb.notifications.tasks import send_contact_message
from gnb.testing.admin import url_routes
from gnb.testing.bookings import place_sedan_transfer
from gnb.testing.personas import persona, staff_login

STAFF_ROLES = ("superadmin", "admin", "manager", "dispatcher")
# Visitors with no business in the back office: each is sent to its login page.
OUTSIDERS = ("anonymous", "customer", "driver", "staff_without_2fa")
LOGIN = "/admin/login/?next="


# --- walking the URL configuration --------------------------------------------------------------------------
def routes_with_parameters() -> dict[str, tuple[str, ...]]:
    """Every route of ``config.urls`` that takes a parameter, as written (``admin/catalog/zone/<path:object_id>/``)."""
    return {
        APP_INDEX if _APP_INDEX.fullmatch(route) else route: params
        for route, params in url_routes(get_resolver().url_patterns)
        if params
    }


# --- the tables -----------------------------------------------------------------------------------------------
# route → (its URL, the answer for an active tour; an inactive tour's slug answers 404)
PUBLIC = {
    "en/tours/<slug:slug>/": ("/en/tours/{slug}/", 200),
    # The booking form needs a departure and a party; without them it sends back to the tour's page.
    "en/tours/<slug:slug>/book/": ("/en/tours/{slug}/book/", 302),
    "api/v1/tours/<slug>": ("/api/v1/tours/{slug}", 200),
    "api/v1/tours/<slug>/departures": ("/api/v1/tours/{slug}/departures", 200),
}
# The back office's app index: Django writes every app with a model there into one pattern, in registry order.
APP_INDEX = "admin/^(?P<app_label>…)/$"
_APP_INDEX = re.compile(r"admin/\^\(\?P<app_label>[a-z_|]+\)/\$")
NOT_OBJECTS = {
    APP_INDEX: ("an app's index in the back office: names an app, every page behind it checks its own permission"),
    "admin/(?P<url>.*)$": "the back office's catch-all: answers the login redirect or 404, names no object",
    "language/<str:code>/": "the language switcher: names a language and sets the visitor's own cookie, no object",
}


@dataclass(frozen=True)
class Case:
    who: str
    status: int
    location: str | None = None  # for a redirect: how the Location starts ("…/change/" ends it)
    rightful: bool = False  # the positive control


@dataclass
class World:
    """Two customers with a booking each, a user of each role, and a row of every model the back office lists."""

    booking: Booking  # anna's
    other_booking: Booking  # olga's
    clients: dict[str, Client]
    rows: dict[str, object] = field(default_factory=dict)
    users: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Check:
    url: Callable[[World], str]
    cases: tuple[Case, ...]
    method: str = "get"
    headers: Callable[[World, str], dict[str, str]] | None = None
    body: dict | None = None
    # A URL that depends on the visitor (the emailed link each one could hold): called as url(world, who).
    per_visitor: bool = False


def _staff_cases(allowed: set[str]) -> tuple[Case, ...]:
    return (
        *(Case(who, 302, LOGIN) for who in OUTSIDERS),
        *(Case(role, 200, rightful=True) if role in allowed else Case(role, 403) for role in STAFF_ROLES),
    )


def _history_cases(label: str, allowed: set[str]) -> tuple[Case, ...]:
    if label != "bookings.booking":
        return _staff_cases(allowed)
    # A booking's history is the section on its own page: its viewers are sent there, the others still refused.
    return (
        *(Case(who, 302, LOGIN) for who in OUTSIDERS),
        *(
            Case(role, 302, "/change/#events-group", rightful=True) if role in allowed else Case(role, 403)
            for role in STAFF_ROLES
        ),
    )


def _undeletable_cases() -> tuple[Case, ...]:
    # Rows nobody may delete (written by services, or kept for the record) answer 403 even to a superuser; that a
    # superuser reaches the view at all (a 403, not the login redirect others get) is the control here, and the
    # same row's change page answers the superuser 200 in its own check.
    return (
        *(Case(who, 302, LOGIN) for who in OUTSIDERS),
        *(Case(role, 403, rightful=role == "superadmin") for role in STAFF_ROLES),
    )


# The back office's models: who may open a row (view or change) and who may delete it.
CATALOG = ("zone", "place", "vehicleclass", "fare", "season", "extra", "tour", "tourdeparture", "coupon", "currency")
EVERY_STAFF = set(STAFF_ROLES)
ADMIN_OBJECTS: dict[str, tuple[set[str], set[str]]] = {
    **{f"catalog.{model}": (EVERY_STAFF, {"superadmin", "admin", "manager"}) for model in CATALOG},
    **{
        f"bookings.{model}": (EVERY_STAFF, set())
        for model in ("booking", "transferleg", "passenger", "bookingextra", "bookingevent")
    },
    "bookings.couponredemption": ({"superadmin", "admin", "manager"}, set()),
    "bookings.idempotencykey": ({"superadmin", "admin", "manager"}, set()),
    # Groups asking for an offer: admins and managers read and answer them; kept, so nobody deletes one.
    "bookings.groupquoterequest": ({"superadmin", "admin", "manager"}, set()),
    "notifications.sentemail": ({"superadmin", "admin", "manager"}, set()),
    "notifications.contactmessage": ({"superadmin", "admin", "manager"}, set()),
    "accounts.user": ({"superadmin", "admin"}, {"superadmin"}),
    "auth.group": ({"superadmin", "admin"}, {"superadmin"}),
    "core.auditentry": ({"superadmin"}, set()),
    "django_tasks_database.dbtaskresult": ({"superadmin", "admin"}, set()),
    # The fleet: dispatchers read drivers, vehicles and drive times, managers and admins keep them; trips are written
    # by the dispatch services only, so nobody deletes one.
    **{
        f"fleet.{model}": (EVERY_STAFF, {"superadmin", "admin", "manager"})
        for model in ("driver", "vehicle", "zonedrivetime")
    },
    "fleet.trip": (EVERY_STAFF, set()),
    # Flights being watched are written by flight tracking only: everyone who dispatches reads them, nobody deletes.
    "fleet.flightwatch": (EVERY_STAFF, set()),
    # What drivers were told is written by the services (nobody deletes it); a phone that no longer exists can be
    # removed by those who keep the fleet.
    "fleet.drivernotice": (EVERY_STAFF, set()),
    "fleet.driverpushsubscription": (EVERY_STAFF, {"superadmin", "admin", "manager"}),
    # The devices drivers signed in on: whoever reads drivers sees them (a dispatcher ends one); never deleted.
    "driver.driverdevice": (EVERY_STAFF, set()),
    # Payments are read-only rows written by the payment services: nobody deletes one, not even a superuser.
    "payments.payment": (EVERY_STAFF, set()),
    "payments.refund": ({"superadmin", "admin", "manager"}, set()),
    "payments.providerevent": ({"superadmin", "admin", "manager"}, set()),
    # API keys are revoked, sign-ins ended, never deleted (bookings name their key; the purge removes old sign-ins).
    "accounts.apikey": ({"superadmin", "admin"}, set()),
    "accounts.tokenfamily": ({"superadmin", "admin"}, set()),
    # Consent decisions and handled privacy requests are kept as proof: admins read them, nobody deletes one.
    "privacy.consentdecision": ({"superadmin", "admin"}, set()),
    "privacy.datasubjectrequest": ({"superadmin", "admin"}, set()),
}


def _admin_url(label: str, suffix: str) -> Callable[[World], str]:
    app_label, model = label.split(".")
    return lambda world: f"/admin/{app_label}/{model}/{world.rows[label].pk}/{suffix}"  # type: ignore[attr-defined]


def _token_header(world: World, who: str) -> dict[str, str]:
    # Each visitor presents the manage token they hold: anna (the owner) hers, olga hers (for another booking),
    # everybody else none. The reference is always anna's booking.
    token = {"customer": world.booking.manage_token, "other_customer": world.other_booking.manage_token}.get(who, "")
    return {"HTTP_X_MANAGE_TOKEN": token}


def _manage_url(suffix: str) -> Callable[[World], str]:
    return lambda world: f"/en/manage/{world.booking.reference}/{{token}}/{suffix}"


# Manage links carry the booking's reference and its secret token: only the pair opens the booking. Every visitor
# uses the link they could hold: the owner hers, another customer (signed in) the token of her own booking, staff
# signed in to the back office that same wrong token; all but the owner get 404, never the booking.
MANAGE_CASES = (
    Case("customer", 200, rightful=True),
    Case("other_customer", 404),
    Case("anonymous", 404),
    Case("superadmin", 404),
    Case("driver", 404),
)


def object_checks() -> dict[str, Check]:
    checks: dict[str, Check] = {}
    for label, (viewers, deleters) in ADMIN_OBJECTS.items():
        app_label, model = label.split(".")
        base = f"admin/{app_label}/{model}/<path:object_id>/"
        checks[base + "change/"] = Check(_admin_url(label, "change/"), _staff_cases(viewers))
        checks[base + "history/"] = Check(_admin_url(label, "history/"), _history_cases(label, viewers))
        checks[base + "delete/"] = Check(
            _admin_url(label, "delete/"),
            _staff_cases(deleters) if deleters else _undeletable_cases(),
        )
        # The old-style object URL redirects to its change page, for staff past the second factor only.
        checks[base] = Check(
            _admin_url(label, ""),
            (
                *(Case(who, 302, LOGIN) for who in OUTSIDERS),
                *(Case(role, 302, "/change/", rightful=role in viewers) for role in STAFF_ROLES),
            ),
        )
    checks["admin/bookings/booking/<path:object_id>/edit-details/"] = Check(
        _admin_url("bookings.booking", "edit-details/"), _staff_cases(EVERY_STAFF)
    )
    # A trip's manifest (passport numbers inside) and the board's change pages: staff with the fleet's rights.
    for suffix in ("manifest.pdf", "manifest.csv"):
        checks[f"admin/fleet/trip/<int:trip_id>/{suffix}"] = Check(
            _admin_url("fleet.trip", suffix), _staff_cases(EVERY_STAFF)
        )
    # A no-show's photo (the name sign, with the traveller's name): staff with the fleet's rights, nobody else.
    checks["admin/fleet/trip/<int:trip_id>/evidence/<int:evidence_id>/photo"] = Check(
        lambda world: "/admin/fleet/trip/{0.trip_id}/evidence/{0.pk}/photo".format(world.rows["fleet.tripevidence"]),  # type: ignore[attr-defined]
        _staff_cases(EVERY_STAFF),
    )
    for suffix in ("reassign/", "unassign/"):
        checks[f"admin/fleet/trip/board/trip/<int:trip_id>/{suffix}"] = Check(
            lambda world, suffix=suffix: f"/admin/fleet/trip/board/trip/{world.rows['fleet.trip'].pk}/{suffix}",  # type: ignore[attr-defined]
            _staff_cases(EVERY_STAFF),
        )
    checks["admin/fleet/trip/board/plan/<int:proposal_id>/"] = Check(
        lambda world: f"/admin/fleet/trip/board/plan/{world.rows['fleet.dispatchproposal'].pk}/",  # type: ignore[attr-defined]
        _staff_cases(EVERY_STAFF),
    )
    checks["admin/fleet/trip/board/plan/<int:proposal_id>/apply/"] = Check(
        # Applying is a POST; a GET goes back to the proposal's page, for staff with the fleet's rights only.
        lambda world: f"/admin/fleet/trip/board/plan/{world.rows['fleet.dispatchproposal'].pk}/apply/",  # type: ignore[attr-defined]
        (
            *(Case(who, 302, LOGIN) for who in OUTSIDERS),
            *(Case(role, 302, "/admin/fleet/trip/board/plan/", rightful=True) for role in STAFF_ROLES),
        ),
    )
    checks["admin/accounts/user/<id>/password/"] = Check(
        _admin_url("accounts.user", "password/"), _staff_cases({"superadmin", "admin"})
    )
    checks["admin/r/<path:content_type_id>/<path:object_id>/"] = Check(
        lambda world: f"/admin/r/{ContentType.objects.get_for_model(Booking).pk}/{world.booking.pk}/",
        # No model has a page on the website, so the rightful answer is 404: the view was reached, nothing leaked.
        (*(Case(who, 302, LOGIN) for who in OUTSIDERS), Case("superadmin", 404, rightful=True)),
    )
    # Refunding needs payments.add_refund (no dispatcher); recording money received payments.mark_paid (dispatchers
    # too: they hand in the cash the drivers collected).
    checks["admin/payments/payment/<path:object_id>/refund/"] = Check(
        _admin_url("payments.payment", "refund/"), _staff_cases({"superadmin", "admin", "manager"})
    )
    for suffix in ("mark-paid/", "record-cash/"):
        checks[f"admin/payments/payment/booking/<int:booking_id>/{suffix}"] = Check(
            lambda world, suffix=suffix: f"/admin/payments/payment/booking/{world.booking.pk}/{suffix}",
            _staff_cases(EVERY_STAFF),
        )
    for suffix in ("", "confirmed/", "change/", "cancel/", "payment/"):
        checks[f"en/manage/<str:reference>/<str:token>/{suffix}"] = Check(_manage_url(suffix), MANAGE_CASES)
    checks["en/manage/<str:reference>/<str:token>/voucher.pdf"] = Check(_manage_url("voucher.pdf"), MANAGE_CASES)
    checks["en/manage/<str:reference>/<str:token>/booking.ics"] = Check(_manage_url("booking.ics"), MANAGE_CASES)
    api_cases = (Case("customer", 200, rightful=True), Case("other_customer", 404), Case("anonymous", 404))
    checks["api/v1/bookings/<reference>"] = Check(
        lambda world: f"/api/v1/bookings/{world.booking.reference}", api_cases, headers=_token_header
    )
    checks["api/v1/bookings/<reference>/cancel"] = Check(
        lambda world: f"/api/v1/bookings/{world.booking.reference}/cancel",
        # The owner last: her cancellation is the positive control, and it ends the booking.
        (Case("other_customer", 404), Case("anonymous", 404), Case("customer", 200, rightful=True)),
        method="post",
        headers=_token_header,
        body={"reason": "Plans changed"},
    )
    checks["api/v1/bookings/<reference>/payments"] = Check(
        lambda world: f"/api/v1/bookings/{world.booking.reference}/payments",
        # Only the owner's token reaches the payment service, which answers on the provider (no card provider is
        # configured here: 422 naming the field); the others get the 404 of an unknown booking, before any check.
        (Case("other_customer", 404), Case("anonymous", 404), Case("customer", 422, rightful=True)),
        method="post",
        headers=lambda world, who: {**_token_header(world, who), "HTTP_IDEMPOTENCY_KEY": f"sweep-{who}"},
        body={"provider": "stripe"},
    )
    # The fleet API: a driver's own trip answers; another driver's is the 404 of an unknown trip, an account with no
    # driver record 403, no token 401. Dispatch needs the fleet's permissions (the superadmin holds every one).
    checks["api/v1/driver/trips/<trip_id>"] = Check(
        _trip_url(""), (*DRIVER_REFUSED, Case("driver", 200, rightful=True)), headers=_bearer
    )
    checks["api/v1/driver/trips/<trip_id>/status"] = Check(
        _trip_url("/status"),
        (*DRIVER_REFUSED, Case("driver", 200, rightful=True)),
        method="post",
        headers=_bearer,
        body={"status": "on_the_way"},
    )
    checks["api/v1/driver/trips/<trip_id>/cash"] = Check(
        _trip_url("/cash"),
        # The trip has not started: the owner reaches the service, which says so (409); the others never get there.
        (*DRIVER_REFUSED, Case("driver", 409, rightful=True)),
        method="post",
        headers=_bearer,
        body={"booking": SWEEP_TRIP_BOOKING, "amount": "1.00"},
    )
    dispatch_refused = (
        Case("anonymous", 401),
        Case("customer", 403),
        Case("driver", 403),
        Case("other_driver", 403),
    )
    checks["api/v1/dispatch/trips/<trip_id>/unassign"] = Check(
        lambda world: f"/api/v1/dispatch/trips/{world.rows['fleet.trip'].pk}/unassign",  # type: ignore[attr-defined]
        (*dispatch_refused, Case("superadmin", 204, rightful=True)),
        method="post",
        headers=_bearer,
        body={"reason": "Sweep"},
    )
    checks["api/v1/dispatch/trips/<trip_id>/reassign"] = Check(
        lambda world: f"/api/v1/dispatch/trips/{world.rows['fleet.trip'].pk}/reassign",  # type: ignore[attr-defined]
        # No driver or vehicle sent: the superadmin reaches the service, which asks for one (422).
        (*dispatch_refused, Case("superadmin", 422, rightful=True)),
        method="post",
        headers=_bearer,
        body={},
    )
    # A proposal of the day's plan: read and applied by dispatchers only (an empty proposal applies to nothing).
    checks["api/v1/dispatch/proposals/<proposal_id>"] = Check(
        lambda world: f"/api/v1/dispatch/proposals/{world.rows['fleet.dispatchproposal'].pk}",  # type: ignore[attr-defined]
        (*dispatch_refused, Case("superadmin", 200, rightful=True)),
        headers=_bearer,
    )
    checks["api/v1/dispatch/proposals/<proposal_id>/apply"] = Check(
        lambda world: f"/api/v1/dispatch/proposals/{world.rows['fleet.dispatchproposal'].pk}/apply",  # type: ignore[attr-defined]
        (*dispatch_refused, Case("superadmin", 200, rightful=True)),
        method="post",
        headers=_bearer,
        body={},
    )
    # The account: signed-in customers see their own bookings and saved passengers only. Another customer (and a
    # driver, who signs in like a customer) gets the 404 of an unknown object; staff and anonymous visitors are sent
    # to the website's sign-in page.
    account_cases = (
        Case("customer", 200, rightful=True),
        Case("other_customer", 404),
        Case("driver", 404),
        Case("anonymous", 302, ACCOUNT_LOGIN),
        Case("superadmin", 302, ACCOUNT_LOGIN),
    )
    checks["en/account/bookings/<str:reference>/"] = Check(
        lambda world: f"/en/account/bookings/{world.booking.reference}/",
        # The owner is sent on to her booking's manage page (the link with its token); the others as above.
        (Case("customer", 302, "/en/manage/", rightful=True), *account_cases[1:]),
    )
    checks["en/account/passengers/<int:passenger_id>/"] = Check(
        lambda world: f"/en/account/passengers/{world.rows['accounts.savedpassenger'].pk}/",  # type: ignore[attr-defined]
        account_cases,
    )
    checks["en/account/passengers/<int:passenger_id>/delete/"] = Check(
        lambda world: f"/en/account/passengers/{world.rows['accounts.savedpassenger'].pk}/delete/",  # type: ignore[attr-defined]
        # The owner last: her deletion is the positive control, and it removes the passenger.
        (
            Case("other_customer", 404),
            Case("driver", 404),
            Case("anonymous", 302, ACCOUNT_LOGIN),
            Case("superadmin", 302, ACCOUNT_LOGIN),
            Case("customer", 302, "/en/account/passengers/", rightful=True),
        ),
        method="post",
    )
    # Emailed links: a signed token naming its user and purpose, which acts for that user only. The owner's own link
    # opens; a link made for another purpose, or one altered by a single character, is "not valid" (400).
    for route, purpose in (
        ("en/account/verify/<str:token>/", "verify-email"),
        ("en/account/sign-in/link/<str:token>/", "sign-in"),
        ("en/account/email/confirm/<str:token>/", "change-email"),
    ):
        prefix = "/" + route.removesuffix("<str:token>/")
        checks[route] = Check(
            lambda world, who, prefix=prefix, purpose=purpose: f"{prefix}{_link_token(world, who, purpose)}/",
            (Case("customer", 200, rightful=True), Case("other_customer", 400), Case("anonymous", 400)),
            per_visitor=True,
        )
    # The back office's emailed sign-in link: the manager's own link opens (and asks for her code); a customer's
    # link of the same kind, the manager's website sign-in link or her link altered by one character do not.
    checks["admin/sign-in-link/<str:token>/"] = Check(
        _staff_link_url,
        (
            Case("manager", 200, rightful=True),
            Case("customer", 400),
            Case("other_customer", 400),
            Case("anonymous", 400),
        ),
        per_visitor=True,
    )
    # The drivers' phone app (/driver/): a signed-in device of the trip's driver opens it; another driver's device
    # gets the 404 of an unknown trip; anyone without a device of their own (signed out, a customer or staff member
    # signed in elsewhere on the site) is sent to the app's sign-in page, and learns nothing of the trip.
    app_refused = (
        Case("anonymous", 302, DRIVER_APP_LOGIN),
        Case("customer", 302, DRIVER_APP_LOGIN),
        Case("superadmin", 302, DRIVER_APP_LOGIN),
        Case("other_driver_app", 404),
    )
    for route, suffix in (("driver/trips/<int:trip_id>/", ""), ("driver/trips/<int:trip_id>/sign/", "sign/")):
        checks[route] = Check(_app_trip_url(suffix), (*app_refused, Case("driver_app", 200, rightful=True)))
    for route, suffix in (("driver/trips/<int:trip_id>/status", "status"), ("driver/trips/<int:trip_id>/cash", "cash")):
        checks[route] = Check(
            _app_trip_url(suffix),
            # The owner's device reaches the form, which finds no key in a JSON body and sends back to the trip's
            # page with the message; the others never get there.
            (*app_refused, Case("driver_app", 302, "/driver/trips/", rightful=True)),
            method="post",
        )
    # The app's emailed sign-in link: the driver's own link opens; a customer's link of the same kind (no driver
    # record), the driver's website sign-in link or the driver's link altered by one character do not.
    checks["driver/sign-in/link/<str:token>/"] = Check(
        _driver_link_url,
        (
            Case("driver_app", 200, rightful=True),
            Case("customer", 400),
            Case("other_customer", 400),
            Case("anonymous", 400),
        ),
        per_visitor=True,
    )
    checks["en/account/password/reset/<str:uid>/<str:token>/"] = Check(
        _reset_url,
        # anna's link opens; her account with olga's token, or olga's account with anna's token, does not; a staff
        # account's own link is refused too (staff reset their password in the back office).
        (
            Case("customer", 200, rightful=True),
            Case("other_customer", 400),
            Case("anonymous", 400),
            Case("superadmin", 400),
        ),
        per_visitor=True,
    )
    return checks


ACCOUNT_LOGIN = "/en/account/sign-in/?next="
DRIVER_APP_LOGIN = "/driver/sign-in/?next="
SWEEP_TRIP_BOOKING = "GNB-CARL-WEBR"
DRIVER_REFUSED = (
    Case("anonymous", 401),
    Case("customer", 403),
    Case("superadmin", 403),
    Case("other_driver", 404),
)


def _trip_url(suffix: str) -> Callable[[World], str]:
    return lambda world: f"/api/v1/driver/trips/{world.rows['fleet.trip'].pk}{suffix}"  # type: ignore[attr-defined]


def _app_trip_url(suffix: str) -> Callable[[World], str]:
    return lambda world: f"/driver/trips/{world.rows['fleet.trip'].pk}/{suffix}"  # type: ignore[attr-defined]


def _driver_link_url(world: World, who: str) -> str:
    from gnb.accounts import tokens

    driver = world.users["driver"]
    if who == "driver_app":
        token = tokens.link_token_make(user=driver, purpose=tokens.DRIVER_SIGN_IN)
    elif who == "customer":
        token = tokens.link_token_make(user=world.users["customer"], purpose=tokens.DRIVER_SIGN_IN)
    elif who == "other_customer":
        token = tokens.link_token_make(user=driver, purpose=tokens.SIGN_IN)
    else:
        token = tokens.link_token_make(user=driver, purpose=tokens.DRIVER_SIGN_IN)
        token = token[:-1] + ("A" if token[-1] != "A" else "B")
    return f"/driver/sign-in/link/{token}/"


def _driver_app_client(user) -> Client:
    """A phone signed in to the drivers' app as ``user`` (a device of their driver record in its session)."""
    from gnb.driver.middleware import SESSION_DEVICE
    from gnb.driver.services import driver_device_start
    from gnb.fleet.models import Driver

    client = Client()
    client.force_login(user)
    device = driver_device_start(driver=Driver.objects.get(user=user), user_agent="sweep")
    session = client.session
    session[SESSION_DEVICE] = device.pk
    session.save()
    return client


def _bearer(world: World, who: str) -> dict[str, str]:
    # The API takes access tokens, not the back office's session: each visitor sends their own (none when anonymous).
    from gnb.accounts.api_tokens import token_issue

    if who == "anonymous":
        return {}
    return {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=world.users[who]).access_token}"}


def _link_token(world: World, who: str, purpose: str) -> str:
    from gnb.accounts import tokens

    anna = world.users["customer"]
    value = "anna.new@example.com" if purpose == tokens.CHANGE_EMAIL else ""
    if who == "customer":
        return tokens.link_token_make(user=anna, purpose=purpose, value=value)
    if who == "other_customer":
        # anna's link, but made for another purpose.
        other = tokens.SIGN_IN if purpose != tokens.SIGN_IN else tokens.VERIFY_EMAIL
        return tokens.link_token_make(user=anna, purpose=other, value=value)
    token = tokens.link_token_make(user=anna, purpose=purpose, value=value)
    return token[:-1] + ("A" if token[-1] != "A" else "B")


def _staff_link_url(world: World, who: str) -> str:
    from gnb.accounts import tokens

    manager = world.users["manager"]
    if who == "manager":
        token = tokens.link_token_make(user=manager, purpose=tokens.STAFF_SIGN_IN)
    elif who == "customer":
        token = tokens.link_token_make(user=world.users["customer"], purpose=tokens.STAFF_SIGN_IN)
    elif who == "other_customer":
        token = tokens.link_token_make(user=manager, purpose=tokens.SIGN_IN)
    else:
        token = tokens.link_token_make(user=manager, purpose=tokens.STAFF_SIGN_IN)
        token = token[:-1] + ("A" if token[-1] != "A" else "B")
    return f"/admin/sign-in-link/{token}/"


def _reset_url(world: World, who: str) -> str:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    anna, olga = world.users["customer"], world.users["other_customer"]
    user, token_of = {
        "customer": (anna, anna),
        "other_customer": (anna, olga),
        "anonymous": (olga, anna),
        "superadmin": (world.users["superadmin"], world.users["superadmin"]),
    }[who]
    uid = urlsafe_base64_encode(force_bytes(user.pk))  # type: ignore[attr-defined]
    return f"/en/account/password/reset/{uid}/{default_token_generator.make_token(token_of)}/"


OBJECT_CHECKS = object_checks()


# --- the world ------------------------------------------------------------------------------------------------
def _user(username: str, role: str) -> object:
    # No password: every visitor is signed in directly, and hashing ten passwords would only slow the sweep down.
    return persona(role, username)


@pytest.fixture
def world(catalog, settings, tmp_path) -> World:
    anna, olga = _user("anna", "customer"), _user("olga", "customer")
    booking = place_sedan_transfer(
        coupon="WELCOME10", extras=(ExtraRequest("child_seat", 1),), email="anna@example.com"
    )
    other = place_sedan_transfer(days=25, lead="Olga Petrova", email="olga@example.com")
    Booking.objects.filter(pk=booking.pk).update(customer=anna)
    Booking.objects.filter(pk=other.pk).update(customer=olga)
    booking.refresh_from_db()
    other.refresh_from_db()
    SentEmail.objects.create(booking=booking, kind="confirmation", recipient="anna@example.com", language="en")
    services.booking_place_idempotent(
        key="key-1", scope="website", fingerprint="f" * 64, place=lambda: place_sedan_transfer(days=21)
    )
    message = ContactMessage.objects.create(name="Olga", email="olga@example.com", message="Seats?", language="en")
    send_contact_message.enqueue(message_id=message.pk)
    Season.objects.create(
        name="Summer", starts_on=dt.date(2030, 6, 1), ends_on=dt.date(2030, 8, 31), fare_adjustment_percent=10
    )
    audit_record(action="auth.login", actor=anna)

    clients = {"anonymous": Client(), "customer": Client(), "other_customer": Client()}
    clients["customer"].force_login(anna)
    clients["other_customer"].force_login(olga)
    users = {"customer": anna, "other_customer": olga}
    for role in ("driver", *STAFF_ROLES):
        users[role] = _user(f"{role}-user", role)
        clients[role] = Client()
        if role == "driver":
            clients[role].force_login(users[role])
        else:
            staff_login(clients[role], users[role])
    users["staff_without_2fa"] = _user("manager-without-2fa", "manager")
    clients["staff_without_2fa"] = Client()
    clients["staff_without_2fa"].force_login(users["staff_without_2fa"])  # the password only

    from django_tasks_db.models import DBTaskResult

    rows: dict[str, object] = {}
    for label, model in {
        "bookings.booking": Booking,
        "bookings.transferleg": TransferLeg,
        "bookings.passenger": Passenger,
        "bookings.bookingextra": BookingExtra,
        "bookings.bookingevent": BookingEvent,
        "bookings.couponredemption": CouponRedemption,
        "bookings.idempotencykey": IdempotencyKey,
        "notifications.sentemail": SentEmail,
        "notifications.contactmessage": ContactMessage,
        "core.auditentry": AuditEntry,
        "django_tasks_database.dbtaskresult": DBTaskResult,
    }.items():
        rows[label] = model._default_manager.order_by("pk").first()
    rows["bookings.booking"] = booking
    rows["accounts.user"] = anna
    rows["auth.group"] = Group.objects.get(name="dispatcher")
    from gnb.accounts.apikeys import api_key_create
    from gnb.accounts.models import ApiScope, SavedPassenger, TokenFamily
    from gnb.payments.models import Payment, ProviderEvent, Refund

    # A confirmed card payment with part of it refunded: the refund page still has money to give back.
    payment = Payment.objects.create(
        booking=booking,
        provider="stripe",
        amount=booking.total,
        currency=booking.currency,
        state=Payment.State.CONFIRMED,
        provider_reference="cs_test_sweep",
        confirmed_at=booking.created_at,
    )
    rows["payments.payment"] = payment
    rows["payments.refund"] = Refund.objects.create(
        payment=payment, provider="stripe", amount="5.00", currency=booking.currency, state="succeeded", reason="Late"
    )
    rows["payments.providerevent"] = ProviderEvent.objects.create(
        provider="stripe", event_id="evt_sweep", kind="checkout.session.completed"
    )
    rows["accounts.apikey"] = api_key_create(name="Partner", scopes=[ApiScope.values[0]], created_by=None).api_key
    rows["accounts.tokenfamily"] = TokenFamily.objects.create(
        user=anna, password_fingerprint="0" * 64, expires_at=booking.created_at + dt.timedelta(days=30)
    )
    from gnb.privacy.models import ConsentDecision, DataSubjectRequest

    rows["privacy.consentdecision"] = ConsentDecision.objects.create(
        subject="sweep-visitor", version=1, categories=[], language="en"
    )
    rows["privacy.datasubjectrequest"] = DataSubjectRequest.objects.create(
        kind="export", email_digest="0" * 64, bookings=1
    )
    rows["accounts.savedpassenger"] = SavedPassenger.objects.create(
        user=anna, first_name="Mia", last_name="Smith", category="child", birth_year=2019
    )
    from gnb.bookings.models import GroupQuoteRequest

    rows["bookings.groupquoterequest"] = GroupQuoteRequest.objects.create(
        origin=catalog.ayt,
        destination=catalog.belek_hotel,
        pickup_at=booking.starts_at,
        adults=20,
        name="Olga Ivanova",
        email="olga@example.com",
        phone="+79123456789",
        language="ru",
    )
    rows["fleet.trip"] = _driven_trip(users, catalog)
    from gnb.fleet.models import Driver, DriverNotice, DriverPushSubscription, TripEvidence, Vehicle, ZoneDriveTime

    rows["fleet.driver"] = Driver.objects.order_by("pk").first()
    rows["fleet.vehicle"] = Vehicle.objects.order_by("pk").first()
    rows["fleet.zonedrivetime"] = ZoneDriveTime.objects.order_by("pk").first()
    from gnb.fleet.models import FlightWatch

    rows["fleet.flightwatch"] = FlightWatch.objects.create(
        number="TK2412", date=booking.starts_at.date(), arrival_iata="AYT"
    )
    rows["fleet.drivernotice"] = DriverNotice.objects.order_by("pk").first()
    rows["fleet.driverpushsubscription"] = DriverPushSubscription.objects.create(
        driver=rows["fleet.trip"].driver,  # type: ignore[attr-defined]
        endpoint="https://fcm.googleapis.com/fcm/send/sweep",
        p256dh="B" + "A" * 86,
        auth="A" * 22,
        created_at=booking.created_at,
    )
    settings.MEDIA_ROOT = tmp_path
    photo = TripEvidence(trip=rows["fleet.trip"], kind="photo", created_at=booking.created_at)
    photo.photo.save("sign.png", ContentFile(b"\x89PNG\r\n\x1a\n sweep"), save=True)
    rows["fleet.tripevidence"] = photo
    from gnb.fleet.models import DispatchProposal

    rows["fleet.dispatchproposal"] = DispatchProposal.objects.create(
        starts_at=booking.created_at,
        ends_at=booking.created_at + dt.timedelta(days=1),
        created_by_label="sweep",
        solver="sweep",
        solve_seconds=0,
    )
    clients["other_driver"] = Client()
    clients["driver_app"] = _driver_app_client(users["driver"])
    clients["other_driver_app"] = _driver_app_client(users["other_driver"])
    from gnb.driver.models import DriverDevice

    rows["driver.driverdevice"] = DriverDevice.objects.order_by("pk").first()
    from django.apps import apps

    for model in CATALOG:
        rows[f"catalog.{model}"] = apps.get_model("catalog", model)._default_manager.order_by("pk").first()
    missing = sorted(label for label, row in rows.items() if row is None)
    assert not missing, f"no row to try for {missing}"
    return World(booking=booking, other_booking=other, clients=clients, rows=rows, users=users)


def _driven_trip(users: dict[str, object], catalog) -> object:
    """A trip of the driver persona (given a driver record), and another driver with a user of their own."""
    from gnb.fleet.models import Driver
    from gnb.fleet.services import Actor, RideRef, fleet_assign
    from gnb.testing.fleet import make_drive_times, make_driver, make_vehicle

    make_drive_times(catalog)
    stand_in = make_driver("Mehmet")
    Driver.objects.filter(pk=stand_in.pk).update(user=users["driver"])
    other = make_driver("Kemal")
    users["other_driver"] = other.user
    ride = place_sedan_transfer(days=23, lead="Carl Weber", email="carl@example.com")
    # A known reference, so the cash check can name the booking on the trip.
    Booking.objects.filter(pk=ride.pk).update(reference=SWEEP_TRIP_BOOKING)
    return fleet_assign(
        ride=RideRef(leg_id=ride.legs.get().pk),
        driver_id=stand_in.pk,
        vehicle_id=make_vehicle(catalog.sedan, plate="07 SWP 101").pk,
        actor=Actor("sweep"),
    )


# --- the tests ------------------------------------------------------------------------------------------------
def test_every_route_with_a_parameter_is_in_the_sweep():
    found = set(routes_with_parameters())
    covered = set(OBJECT_CHECKS) | set(PUBLIC) | set(NOT_OBJECTS)
    assert sorted(found - covered) == [], "new routes with a parameter: add them to tests/test_idor_sweep.py"
    assert sorted(covered - found) == [], "routes in the sweep that no longer exist"
    assert not set(OBJECT_CHECKS) & set(PUBLIC) and not set(OBJECT_CHECKS) & set(NOT_OBJECTS)


def test_the_sweep_finds_the_routes_it_must():
    # The walk itself is checked, so an empty walk cannot pass the test above by covering nothing.
    found = routes_with_parameters()
    assert found["en/manage/<str:reference>/<str:token>/"] == ("reference", "token")
    assert found["api/v1/bookings/<reference>"] == ("reference",)
    assert found["admin/bookings/booking/<path:object_id>/change/"] == ("object_id",)
    assert len(found) == len(OBJECT_CHECKS) + len(PUBLIC) + len(NOT_OBJECTS) >= 100


@pytest.mark.parametrize("route", sorted(OBJECT_CHECKS))
def test_nobody_opens_an_object_that_is_not_theirs(route, world):
    check = OBJECT_CHECKS[route]
    assert any(case.rightful for case in check.cases), "each route needs a positive control"
    assert any(not case.rightful for case in check.cases), "each route needs someone refused"
    for case in check.cases:
        url = check.url(world, case.who) if check.per_visitor else check.url(world)  # type: ignore[call-arg]
        if "{token}" in url:
            token = {"customer": world.booking.manage_token, "other_customer": world.other_booking.manage_token}
            url = url.format(token=token.get(case.who, world.other_booking.manage_token))
        client = world.clients[case.who]
        extra = check.headers(world, case.who) if check.headers else {}
        if check.method == "post":
            response = client.post(url, check.body or {}, content_type="application/json", **extra)
        else:
            response = client.get(url, **extra)
        assert response.status_code == case.status, (case.who, url)
        if case.location is not None:
            location = response["Location"]
            assert location.startswith(case.location) or location.endswith(case.location), (case.who, location)
        if case.status != 200 and url.startswith(("/en/manage/", "/api/")):
            # A refused visitor learns nothing of the booking: not its name, not its reference in a body.
            assert "Anna Smith" not in response.content.decode(errors="replace"), case.who


@pytest.mark.parametrize("route", sorted(PUBLIC))
def test_public_catalogue_routes_are_open_to_everybody_for_active_tours_only(route, world):
    tour = Tour.objects.get(slug="perge-aspendos")
    hidden = Tour.objects.create(
        slug="closed-tour",
        name="Closed",
        is_active=False,
        adult_price="10.00",
        child_price="5.00",
        infant_price="0.00",
        duration_minutes=60,
    )
    url, status = PUBLIC[route]
    for who in ("anonymous", "customer", "dispatcher"):
        client = world.clients[who]
        assert client.get(url.format(slug=tour.slug)).status_code == status, who
        assert client.get(url.format(slug=hidden.slug)).status_code == 404, who
