"""Customer account pages: sign-up, sign-in (password or emailed link), password and email changes, my bookings,
saved passengers, the data export and deleting the account. Thin: forms check input, services in
``gnb.accounts.customers`` write, selectors in ``gnb.accounts.selectors`` read. Every page works without scripts.

Links from emails (verification, sign-in, email change) open a page with a button: the change happens on the POST,
so a mail scanner that fetches links cannot use them up.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model, login, logout, update_session_auth_hash
from django.contrib.auth.tokens import default_token_generator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_str
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from gnb.accounts import customers, selectors, tokens
from gnb.accounts.models import SavedPassenger
from gnb.core.errors import DomainError, NotFound
from gnb.website import throttling
from gnb.website.account_forms import (
    DeleteAccountForm,
    EmailChangeForm,
    EmailForm,
    LoginForm,
    PasswordChangeForm,
    PasswordForm,
    SavedPassengerForm,
    SignUpForm,
)

EMAIL_BACKEND = "gnb.accounts.backends.EmailBackend"


# --- shared -----------------------------------------------------------------------------------------------
def _page(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    context.setdefault("currency", settings.BASE_CURRENCY)
    context.setdefault("currencies", [])  # no currency switcher on account pages: nothing here has a price
    response = render(request, f"website/account/{template}", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


def _throttled(request: HttpRequest, wait: int, *, flow: str) -> HttpResponse:
    """The friendly 429 page, with ``Retry-After`` in seconds and the wait in minutes for people."""
    response = _page(
        request,
        "throttled.html",
        {"wait_minutes": (wait + 59) // 60, "offer_link": flow == throttling.LOGIN},
        status=429,
    )
    response["Retry-After"] = str(wait)
    return response


def _uid(request: HttpRequest) -> int:
    """The signed-in customer's id (views behind :func:`customer_required` only)."""
    return int(request.user.pk)  # type: ignore[arg-type]


def is_customer(user) -> bool:
    return bool(user.is_authenticated and user.is_active and not user.is_staff and not user.is_superuser)


def customer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in customers only; anyone else goes to the sign-in page and comes back afterwards."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_customer(request.user):
            return redirect(f"{reverse('website:account_login')}?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)

    return never_cache(wrapped)


def safe_next(value: str | None) -> str | None:
    """``value`` when it is a path on this site (never another host, scheme or protocol-relative URL)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return None
    return value if url_has_allowed_host_and_scheme(value, allowed_hosts=set()) else None


def _sign_in(request: HttpRequest, user) -> None:
    login(request, user, backend=EMAIL_BACKEND)
    if not user.preferred_language:
        get_user_model()._default_manager.filter(pk=user.pk).update(preferred_language=translation.get_language())


# --- sign-up and verification -----------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST or None)
    if request.method == "POST":
        wait = throttling.throttle_hit(request, flow=throttling.SIGN_UP, account=request.POST.get("email", ""))
        if wait is not None:
            return _throttled(request, wait, flow=throttling.SIGN_UP)
        if form.is_valid():
            customers.customer_sign_up(
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                language=translation.get_language(),
            )
            return _page(request, "sent.html", {"title": _("Check your email"), "kind": "signup"})
        return _page(request, "signup.html", {"form": form}, status=422)
    return _page(request, "signup.html", {"form": form})


def _link_page(request: HttpRequest, *, purpose: str, token: str, title: str, text: str, button: str):
    """GET of an emailed link: a page with one button, or the "link not valid" page (400)."""
    try:
        tokens.link_token_check(token=token, purpose=purpose)
    except tokens.InvalidLink:
        return _page(request, "link_invalid.html", {"purpose": purpose}, status=400)
    return _page(request, "link_confirm.html", {"title": title, "text": text, "button": button})


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":
        return _link_page(
            request,
            purpose=tokens.VERIFY_EMAIL,
            token=token,
            title=_("Confirm your email address"),
            text=_("One step left: confirm that this email address is yours."),
            button=_("Confirm my email address"),
        )
    try:
        payload = tokens.link_token_check(token=token, purpose=tokens.VERIFY_EMAIL)
    except tokens.InvalidLink:
        return _page(request, "link_invalid.html", {"purpose": tokens.VERIFY_EMAIL}, status=400)
    linked = customers.customer_email_verify(user_id=payload.user.pk)
    message = _("Your email address is confirmed.")
    if linked:
        message += " " + _("Bookings made with it are now in your account.")
    messages.success(request, message)
    if request.user.is_authenticated and request.user.pk == payload.user.pk:
        return redirect("website:account")
    return redirect("website:account_login")


@require_http_methods(["GET", "POST"])
def verify_resend(request: HttpRequest) -> HttpResponse:
    return _email_request(
        request,
        flow=throttling.VERIFY_RESEND,
        service=customers.customer_verification_resend,
        title=_("Send the confirmation link again"),
        intro=_("Enter the email address of your account: if it is not confirmed yet, we email you a new link."),
        button=_("Send the link"),
    )


def _email_request(request: HttpRequest, *, flow: str, service, title: str, intro: str, button: str) -> HttpResponse:
    """An "email me a link" form: throttled, and answering the same whether or not the address has an account."""
    form = EmailForm(request.POST or None, initial={"email": request.GET.get("email", "")})
    context = {"form": form, "title": title, "intro": intro, "button": button}
    if request.method == "POST":
        wait = throttling.throttle_hit(request, flow=flow, account=request.POST.get("email", ""))
        if wait is not None:
            return _throttled(request, wait, flow=flow)
        if form.is_valid():
            service(email=form.cleaned_data["email"])
            return _page(request, "sent.html", {"title": _("Check your email"), "kind": flow})
        return _page(request, "email_form.html", context, status=422)
    return _page(request, "email_form.html", context)


# --- signing in and out -----------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request.POST.get("next") or request.GET.get("next"))
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST":
        # Counted before the password is checked, so simultaneous guesses cannot slip past the limit; a right
        # password gives the attempt back, so a customer who signs in often is never locked out by it.
        attempt = throttling.throttle_attempt(request, flow=throttling.LOGIN, account=request.POST.get("email", ""))
        if attempt.wait is not None:
            return _throttled(request, attempt.wait, flow=throttling.LOGIN)
        if form.is_valid():
            user = authenticate(request, email=form.cleaned_data["email"], password=form.cleaned_data["password"])
            if user is not None:
                attempt.refund()
                _sign_in(request, user)
                return redirect(next_url or reverse("website:account"))
            form.add_error(None, _("This email address and password do not match an account."))
        status = 422
    return _page(request, "login.html", {"form": form, "next": next_url or ""}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.success(request, _("You are signed out."))
    return redirect("website:home")


@require_http_methods(["GET", "POST"])
def sign_in_link_request(request: HttpRequest) -> HttpResponse:
    return _email_request(
        request,
        flow=throttling.SIGN_IN_LINK,
        service=customers.customer_sign_in_link_request,
        title=_("Email me a sign-in link"),
        intro=_("We email you a link that signs you in once, within 15 minutes, without your password."),
        button=_("Email me a sign-in link"),
    )


@require_http_methods(["GET", "POST"])
def sign_in_link(request: HttpRequest, token: str) -> HttpResponse:
    # Deliberately not limited by the password sign-in budget: this is how the real owner gets in while someone
    # else is guessing their password. The link itself is signed, expires in 15 minutes and works once.
    if request.method == "GET":
        return _link_page(
            request,
            purpose=tokens.SIGN_IN,
            token=token,
            title=_("Sign in"),
            text=_("Sign in to your account on this device."),
            button=_("Sign in"),
        )
    try:
        payload = tokens.link_token_check(token=token, purpose=tokens.SIGN_IN)
    except tokens.InvalidLink:
        return _page(request, "link_invalid.html", {"purpose": tokens.SIGN_IN}, status=400)
    if not is_customer(payload.user):
        return _page(request, "link_invalid.html", {"purpose": tokens.SIGN_IN}, status=400)
    _sign_in(request, payload.user)  # moves last_login: the same link no longer matches
    return redirect("website:account")


# --- passwords --------------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    return _email_request(
        request,
        flow=throttling.PASSWORD_RESET,
        service=customers.customer_password_reset_request,
        title=_("Forgot your password?"),
        intro=_("Enter the email address of your account: we email you a link to choose a new password."),
        button=_("Email me a link"),
    )


def _reset_user(uid: str, token: str):
    try:
        pk = int(force_str(urlsafe_base64_decode(uid)))
    except (TypeError, ValueError, OverflowError):
        return None
    user = get_user_model()._default_manager.filter(pk=pk).first()
    if user is None or not is_customer(user) or not default_token_generator.check_token(user, token):
        return None
    return user


@require_http_methods(["GET", "POST"])
def password_reset_confirm(request: HttpRequest, uid: str, token: str) -> HttpResponse:
    user = _reset_user(uid, token)
    if user is None:
        return _page(request, "link_invalid.html", {"purpose": "password-reset"}, status=400)
    form = PasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        customers.customer_password_set(user_id=user.pk, password=form.cleaned_data["new_password"], proves_email=True)
        messages.success(request, _("Your new password is saved. Sign in with it."))
        return redirect("website:account_login")
    return _page(
        request,
        "form.html",
        {"form": form, "title": _("Choose a new password"), "button": _("Save my new password")},
        status=422 if form.errors else 200,
    )


@customer_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        customers.customer_password_set(user_id=_uid(request), password=form.cleaned_data["new_password"])
        user = get_user_model()._default_manager.get(pk=_uid(request))
        # This session stays signed in; every other one fails its password check and ends.
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password is changed. Other devices have been signed out."))
        return redirect("website:account")
    return _page(
        request,
        "form.html",
        {"form": form, "title": _("Change password"), "button": _("Change password")},
        status=422 if form.errors else 200,
    )


# --- email change -----------------------------------------------------------------------------------------
@customer_required
@require_http_methods(["GET", "POST"])
def email_change(request: HttpRequest) -> HttpResponse:
    form = EmailChangeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            customers.customer_email_change_request(user_id=_uid(request), new_email=form.cleaned_data["email"])
        except DomainError as error:
            form.add_domain_errors(error)
        else:
            return _page(request, "sent.html", {"title": _("Check your email"), "kind": "email-change"})
    return _page(
        request,
        "form.html",
        {
            "form": form,
            "title": _("Change email address"),
            "intro": _("We email a link to the new address; your address changes when you follow it."),
            "button": _("Send the link"),
        },
        status=422 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":
        return _link_page(
            request,
            purpose=tokens.CHANGE_EMAIL,
            token=token,
            title=_("Confirm your new email address"),
            text=_("Use this address for your account from now on."),
            button=_("Confirm my email address"),
        )
    try:
        payload = tokens.link_token_check(token=token, purpose=tokens.CHANGE_EMAIL)
        customers.customer_email_change_confirm(user_id=payload.user.pk, new_email=payload.value)
    except (tokens.InvalidLink, DomainError):
        return _page(request, "link_invalid.html", {"purpose": tokens.CHANGE_EMAIL}, status=400)
    messages.success(request, _("Your email address is changed."))
    if request.user.is_authenticated and request.user.pk == payload.user.pk:
        return redirect("website:account")
    return redirect("website:account_login")


# --- the account ------------------------------------------------------------------------------------------
@customer_required
def home(request: HttpRequest) -> HttpResponse:
    return _page(request, "home.html", {"account": request.user})


@customer_required
def bookings(request: HttpRequest) -> HttpResponse:
    """My bookings: the upcoming ones, then the past ones a page at a time (``?page=2`` …; any other page is 404)."""
    number = request.GET.get("page", "1")
    # ASCII digits only (int() takes "٣" too), and short enough for an OFFSET.
    if not (number.isascii() and number.isdigit() and len(number) <= 6 and int(number) >= 1):
        raise Http404
    mine = selectors.customer_bookings_page(user=request.user, page=int(number))
    if mine is None:
        raise Http404
    return _page(request, "bookings.html", {"bookings": mine, "account": request.user})


@customer_required
def booking(request: HttpRequest, reference: str) -> HttpResponse:
    """One of my bookings: its manage page. Anyone else's booking (or none) is 404."""
    found = selectors.customer_booking(user=request.user, reference=reference)
    if found is None:
        raise Http404(_("Booking not found."))
    return redirect("website:manage", reference=found.reference, token=found.manage_token)


@customer_required
@require_http_methods(["GET", "POST"])
def passengers(request: HttpRequest) -> HttpResponse:
    form = SavedPassengerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            customers.saved_passenger_create(user_id=_uid(request), **form.cleaned_data)
        except DomainError as error:
            form.add_domain_errors(error)
        else:
            messages.success(request, _("The passenger is saved."))
            return redirect("website:account_passengers")
    saved = SavedPassenger.objects.filter(user_id=_uid(request)).order_by("created_at", "pk")
    return _page(request, "passengers.html", {"form": form, "saved": saved}, status=422 if form.errors else 200)


def _own_passenger(request: HttpRequest, passenger_id: int) -> SavedPassenger:
    passenger = SavedPassenger.objects.filter(pk=passenger_id, user_id=_uid(request)).first()
    if passenger is None:
        raise Http404(_("Passenger not found."))
    return passenger


@customer_required
@require_http_methods(["GET", "POST"])
def passenger_edit(request: HttpRequest, passenger_id: int) -> HttpResponse:
    passenger = _own_passenger(request, passenger_id)
    initial = {
        "first_name": passenger.first_name,
        "last_name": passenger.last_name,
        "category": passenger.category,
        "birth_year": passenger.birth_year,
    }
    form = SavedPassengerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            customers.saved_passenger_update(user_id=_uid(request), passenger_id=passenger.pk, **form.cleaned_data)
        except NotFound:
            raise Http404(_("Passenger not found.")) from None
        except DomainError as error:
            form.add_domain_errors(error)
        else:
            messages.success(request, _("The passenger is saved."))
            return redirect("website:account_passengers")
    return _page(
        request,
        "form.html",
        {"form": form, "title": _("Edit passenger"), "button": _("Save")},
        status=422 if form.errors else 200,
    )


@customer_required
@require_POST
def passenger_delete(request: HttpRequest, passenger_id: int) -> HttpResponse:
    try:
        customers.saved_passenger_delete(user_id=_uid(request), passenger_id=passenger_id)
    except NotFound:
        raise Http404(_("Passenger not found.")) from None
    messages.success(request, _("The passenger is removed."))
    return redirect("website:account_passengers")


@customer_required
def export(request: HttpRequest) -> HttpResponse:
    data = selectors.customer_data_export(user=request.user)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="gnb-account-{timezone.localdate().isoformat()}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@customer_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                customers.customer_delete(user_id=_uid(request))
            except customers.AccountHasUpcomingBooking as refused:
                form.add_error(None, refused.message)
                status = 409
            else:
                logout(request)
                messages.success(request, _("Your account is deleted."))
                return redirect("website:home")
        else:
            status = 422
    return _page(
        request,
        "form.html",
        {
            "form": form,
            "title": _("Delete my account"),
            "intro": _(
                "Your name, email address, password and saved passengers are erased. Your past bookings stay in "
                "our accounts with the names and contact details removed. This cannot be undone."
            ),
            "button": _("Delete my account"),
            "danger": True,
        },
        status=status,
    )
