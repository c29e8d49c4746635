"""The back office's site: password and a second factor for every staff account, and throttled logins.

- Every page needs an active staff user whose session passed the second factor (``request.user.is_verified()``,
  set by django-otp's middleware). A staff session without it is sent back to the login page.
- The login page takes the username, the password and the code from the authenticator app (or a recovery code)
  on one form. A staff member with no authenticator yet leaves the code empty; after the password they are signed
  in without the second factor, which opens nothing but the enrolment page, and set one up there.
- Logins are limited per account from one address (5 per 15 minutes), per account from all addresses (a higher
  ceiling, 50) and per address (30); beyond that the answer is 429 with ``Retry-After``, the same page whatever was
  sent, and nothing is checked or used up. Every attempt is counted before it is checked; a successful one is given
  back. An attacker elsewhere cannot spend the owner's own budget, and whoever is locked out anyway signs in with a
  one-time link emailed to the account's address, which still asks for the second factor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import login as auth_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django_otp import login as otp_login
from django_otp.models import Device

from gnb.accounts import tokens, two_factor
from gnb.core.errors import DomainError
from gnb.core.ratelimit import Attempt, Limit, client_ip, rate_limit_attempt

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

# In a window of 15 minutes (OWASP ASVS V2.2.1): guesses at one account from one address; at one account from
# everywhere (spread over many addresses); and from one address at any accounts.
ACCOUNT_ADDRESS_LIMIT = 5
ACCOUNT_LIMIT = 50
ADDRESS_LIMIT = 30
WINDOW_SECONDS = 15 * 60
# Codes typed by a signed-in staff member (enrolment, new recovery codes) or after an emailed link, per account.
CODE_LIMIT = 5


def staff_login_attempt(request: HttpRequest, *, account: str) -> Attempt:
    """Count one sign-in attempt on ``account`` from this address, before anything is checked."""
    account = account.strip().casefold()
    address = client_ip(request)
    return rate_limit_attempt(
        [
            Limit("admin-login-ip", address, ADDRESS_LIMIT, WINDOW_SECONDS),
            Limit("admin-login-account-ip", f"{account}\x1f{address}", ACCOUNT_ADDRESS_LIMIT, WINDOW_SECONDS),
            Limit("admin-login-account", account, ACCOUNT_LIMIT, WINDOW_SECONDS),
        ]
    )


def code_attempt(request: HttpRequest, *, user_id: int) -> Attempt:
    """Count one second-factor code typed for the account ``user_id`` from this address."""
    return rate_limit_attempt(
        [
            Limit("admin-otp-ip", client_ip(request), ADDRESS_LIMIT, WINDOW_SECONDS),
            Limit("admin-otp-account", f"user:{user_id}", CODE_LIMIT, WINDOW_SECONDS),
        ]
    )


def link_request_attempt(request: HttpRequest, *, account: str) -> Attempt:
    """Count one request for an emailed sign-in link (the website's sign-in link budgets, kept apart)."""
    return rate_limit_attempt(
        [
            Limit("admin-link-ip", client_ip(request), settings.GNB_SIGNIN_LINK_LIMIT_PER_IP, WINDOW_SECONDS),
            Limit(
                "admin-link-account",
                account.strip().casefold(),
                settings.GNB_SIGNIN_LINK_LIMIT_PER_ACCOUNT,
                WINDOW_SECONDS,
            ),
        ]
    )


def too_many(request: HttpRequest, template: str, context: dict, wait: int) -> TemplateResponse:
    """The 429 page. ``context`` must not depend on what was posted: the answer is the same whatever was sent."""
    context = {**context, "throttled": _("Too many attempts. Please try again in %(minutes)s minutes.")
               % {"minutes": max(1, -(-wait // 60))}}  # fmt: skip
    response = TemplateResponse(request, template, context, status=429)
    response["Retry-After"] = str(wait)
    return response


class StaffLoginForm(AdminAuthenticationForm):
    """Username, password and, once an authenticator is set up, its code (or a recovery code)."""

    otp_token = forms.CharField(
        label=gettext_lazy("Authentication code"),
        required=False,
        max_length=32,
        strip=True,
        help_text=gettext_lazy(
            "The 6-digit code from your authenticator app, or one of your recovery codes. The first time, leave it "
            "empty: you will set up the app after logging in."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autocapitalize": "off"}
        ),
    )

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "otp_required": gettext_lazy("Enter the code from your authenticator app."),
        "otp_invalid": gettext_lazy("That code is not right, or was already used. Enter the code your app shows now."),
    }

    def __init__(self, request=None, *args, **kwargs) -> None:
        super().__init__(request, *args, **kwargs)
        self.otp_device: Device | None = None

    def clean(self):
        cleaned = super().clean()  # the password, then that the account is active staff
        user = self.get_user()
        if user is not None and two_factor.two_factor_enrolled(user):
            token = cleaned.get("otp_token", "")
            if not token:
                raise forms.ValidationError(self.error_messages["otp_required"], code="otp_required")
            self.otp_device = two_factor.two_factor_verify(user=user, token=token, request=self.request)
            if self.otp_device is None:
                raise forms.ValidationError(self.error_messages["otp_invalid"], code="otp_invalid")
        return cleaned


class EnrollForm(forms.Form):
    otp_token = forms.CharField(
        label=gettext_lazy("Code from the app"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class StaffLinkRequestForm(forms.Form):
    identifier = forms.CharField(
        label=gettext_lazy("Username or email address"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "off", "autofocus": True}),
    )


class StaffLinkCodeForm(forms.Form):
    otp_token = forms.CharField(
        label=gettext_lazy("Authentication code"),
        max_length=32,
        strip=True,
        help_text=gettext_lazy("The 6-digit code from your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autocapitalize": "off", "autofocus": True}
        ),
    )


class GnbAdminSite(admin.AdminSite):
    site_header = gettext_lazy("GNB Transfer back office")
    site_title = gettext_lazy("GNB Transfer")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and getattr(user, "is_verified", lambda: False)())

    def get_app_list(self, request, app_label=None):
        # Every page's context carries the app list (each model's permissions and URLs) for the side menu, a fifth
        # of a short list's time; it is built when a page shows it, and a page without the menu never does.
        build = super().get_app_list
        return SimpleLazyObject(lambda: build(request, app_label))

    def get_urls(self):
        return [
            # Before the admin's own, which needs a verified session: one waiting to enrol can still log out.
            path("logout/", self.logout_view, name="logout"),
            path("two-factor/setup/", self.two_factor_setup_view, name="two_factor_setup"),
            path("sign-in-link/", self.staff_sign_in_link_request_view, name="staff_sign_in_link_request"),
            path("sign-in-link/<str:token>/", self.staff_sign_in_link_view, name="staff_sign_in_link"),
            path(
                "two-factor/recovery-codes/",
                self.admin_view(self.recovery_codes_view),
                name="two_factor_recovery_codes",
            ),
            *super().get_urls(),
        ]

    def _next_url(self, request: HttpRequest) -> str:
        candidate = request.POST.get(REDIRECT_FIELD_NAME, request.GET.get(REDIRECT_FIELD_NAME, ""))
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
        return reverse("admin:index", current_app=self.name)

    def _needs_enrolment(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(
            user.is_authenticated and user.is_active and user.is_staff and not two_factor.two_factor_enrolled(user)
        )

    @method_decorator(never_cache)
    @method_decorator(csrf_protect)
    def login(self, request, extra_context=None):
        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
        if self._needs_enrolment(request):
            return redirect(reverse("admin:two_factor_setup", current_app=self.name))
        request.current_app = self.name
        template = "admin/gnb_login.html"
        if request.method == "POST":
            attempt = staff_login_attempt(request, account=request.POST.get("username", ""))
            if attempt.wait is not None:
                # An empty form and nothing from the post: no password or code is checked, and no answer differs.
                context = self._login_context(request, StaffLoginForm(request), extra_context, posted=False)
                return too_many(request, template, context, attempt.wait)
            form = StaffLoginForm(request, data=request.POST)
            if form.is_valid():
                attempt.refund()
                auth_login(request, form.get_user())
                if form.otp_device is None:
                    return redirect(reverse("admin:two_factor_setup", current_app=self.name))
                otp_login(request, form.otp_device)
                return HttpResponseRedirect(self._next_url(request))
        else:
            form = StaffLoginForm(request)
        return TemplateResponse(request, template, self._login_context(request, form, extra_context, posted=True))

    def _login_context(self, request: HttpRequest, form: StaffLoginForm, extra_context, *, posted: bool) -> dict:
        next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
        if posted:
            next_url = request.POST.get(REDIRECT_FIELD_NAME, next_url)
        return {
            **self.each_context(request),
            "title": _("Log in"),
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
            "form": form,
            REDIRECT_FIELD_NAME: next_url,
            **(extra_context or {}),
        }

    @method_decorator(never_cache)
    @method_decorator(csrf_protect)
    def logout_view(self, request: HttpRequest) -> HttpResponse:
        return self.logout(request)

    @method_decorator(never_cache)
    @method_decorator(csrf_protect)
    def two_factor_setup_view(self, request: HttpRequest) -> HttpResponse:
        """Set up the authenticator app: a QR code and the secret as text, confirmed with a code from the app."""
        if not self._needs_enrolment(request):
            # Not signed in, not staff, or already set up: setting up again goes through a reset (manage.py).
            return redirect(reverse("admin:login", current_app=self.name))
        user = cast("AbstractBaseUser", request.user)  # signed in: _needs_enrolment checked it
        device = two_factor.two_factor_pending_device(user=user)
        form = EnrollForm(request.POST if request.method == "POST" else None)
        context = {
            **self.each_context(request),
            "title": _("Set up two-factor authentication"),
            "form": form,
            "qr_svg": two_factor.totp_qr_svg(device),
            "secret": two_factor.totp_secret_text(device),
        }
        template = "admin/two_factor/setup.html"
        if request.method == "POST":
            attempt = code_attempt(request, user_id=user.pk)
            if attempt.wait is not None:
                return too_many(request, template, {**context, "form": EnrollForm()}, attempt.wait)
            if form.is_valid():
                try:
                    confirmed, codes = two_factor.two_factor_enroll(
                        user=user, device_id=device.pk, token=form.cleaned_data["otp_token"], request=request
                    )
                except DomainError as error:
                    form.add_error("otp_token", error.message)
                else:
                    otp_login(request, confirmed)
                    return self._show_codes(request, codes)
        request.current_app = self.name
        return TemplateResponse(request, template, context)

    def recovery_codes_view(self, request: HttpRequest) -> HttpResponse:
        """New recovery codes on request (POST); the old ones stop working."""
        if request.method == "POST":
            user = cast("AbstractBaseUser", request.user)  # admin_view let only verified staff in
            attempt = code_attempt(request, user_id=user.pk)
            if attempt.wait is not None:
                return too_many(request, "admin/two_factor/regenerate.html", self.each_context(request), attempt.wait)
            codes = two_factor.two_factor_recovery_codes_regenerate(user=user, request=request)
            return self._show_codes(request, codes)
        context = {**self.each_context(request), "title": _("Recovery codes")}
        return TemplateResponse(request, "admin/two_factor/regenerate.html", context)

    @method_decorator(never_cache)
    @method_decorator(csrf_protect)
    def staff_sign_in_link_request_view(self, request: HttpRequest) -> HttpResponse:
        """Ask for a one-time sign-in link by email; the answer is the same whether or not the account exists."""
        form = StaffLinkRequestForm(request.POST if request.method == "POST" else None)
        context = {**self.each_context(request), "title": _("Email me a sign-in link"), "form": form}
        template = "admin/gnb_sign_in_link_request.html"
        request.current_app = self.name
        if request.method == "POST":
            wait = link_request_attempt(request, account=request.POST.get("identifier", "")).wait
            if wait is not None:
                return too_many(request, template, {**context, "form": StaffLinkRequestForm()}, wait)
            if form.is_valid():
                two_factor.staff_sign_in_link_request(identifier=form.cleaned_data["identifier"])
                return TemplateResponse(request, template, {**context, "sent": True})
        return TemplateResponse(request, template, context)

    @method_decorator(never_cache)
    @method_decorator(csrf_protect)
    def staff_sign_in_link_view(self, request: HttpRequest, token: str) -> HttpResponse:
        """The emailed link: it replaces the password; the authenticator code is still asked for (once set up)."""
        request.current_app = self.name
        template = "admin/gnb_sign_in_link.html"
        context = {**self.each_context(request), "title": _("Sign in")}
        try:
            user = tokens.link_token_check(token=token, purpose=tokens.STAFF_SIGN_IN).user
        except tokens.InvalidLink:
            user = None
        if user is None or not user.is_staff:
            return TemplateResponse(request, template, {**context, "invalid": True}, status=400)
        enrolled = two_factor.two_factor_enrolled(user)
        form = StaffLinkCodeForm(request.POST if request.method == "POST" else None)
        context |= {"form": form, "enrolled": enrolled}
        if request.method != "POST":
            return TemplateResponse(request, template, context)
        attempt = code_attempt(request, user_id=user.pk)
        if attempt.wait is not None:
            return too_many(request, template, {**context, "form": StaffLinkCodeForm()}, attempt.wait)
        device = None
        if enrolled:
            if form.is_valid():
                device = two_factor.two_factor_verify(user=user, token=form.cleaned_data["otp_token"], request=request)
            if device is None:
                form.add_error("otp_token", StaffLoginForm.error_messages["otp_invalid"])
                return TemplateResponse(request, template, context)
        attempt.refund()
        auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")  # moves last_login: used up
        if device is None:
            return redirect(reverse("admin:two_factor_setup", current_app=self.name))
        otp_login(request, device)
        return HttpResponseRedirect(reverse("admin:index", current_app=self.name))

    def _show_codes(self, request: HttpRequest, codes: list[str]) -> TemplateResponse:
        context = {
            **self.each_context(request),
            "title": _("Your recovery codes"),
            "codes": [f"{code[:4]}-{code[4:]}" for code in codes],
            "continue_url": reverse("admin:index", current_app=self.name),
        }
        request.current_app = self.name
        response = TemplateResponse(request, "admin/two_factor/codes.html", context)
        response["Cache-Control"] = "no-store"
        return response
