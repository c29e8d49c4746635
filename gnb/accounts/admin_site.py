"""The back office's site: password and a second factor for every staff account, and throttled logins.

- Every page needs an active staff user whose session passed the second factor (``request.user.is_verified()``,
  set by django-otp's middleware). A staff session without it is sent back to the login page.
- The login page takes the username, the password and the code from the authenticator app (or a recovery code)
  on one form. A staff member with no authenticator yet leaves the code empty; after the password they are signed
  in without the second factor, which opens nothing but the enrolment page, and set one up there.
- Logins and codes are limited per account (5 per 15 minutes) and per address (30 per 15 minutes); beyond that
  the answer is 429 with ``Retry-After``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import login as auth_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django_otp import login as otp_login
from django_otp.models import Device

from gnb.accounts import two_factor
from gnb.core.errors import DomainError
from gnb.core.ratelimit import client_ip, rate_limit_hit

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

# Per account and per address, in a window of 15 minutes (OWASP ASVS V2.2.1).
ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 30
WINDOW_SECONDS = 15 * 60


def login_throttle(request: HttpRequest, *, scope: str, account: str) -> int | None:
    """Count one attempt on ``account`` from this address; the seconds to wait when either limit is used up."""
    waits = [
        rate_limit_hit(
            scope=f"{scope}-ip", identity=client_ip(request), limit=ADDRESS_LIMIT, window_seconds=WINDOW_SECONDS
        ),
        rate_limit_hit(
            scope=f"{scope}-account",
            identity=account.strip().casefold(),
            limit=ACCOUNT_LIMIT,
            window_seconds=WINDOW_SECONDS,
        ),
    ]
    return max((wait for wait in waits if wait is not None), default=None)


def too_many(request: HttpRequest, template: str, context: dict, wait: int) -> TemplateResponse:
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


class GnbAdminSite(admin.AdminSite):
    site_header = gettext_lazy("GNB Transfer back office")
    site_title = gettext_lazy("GNB Transfer")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and getattr(user, "is_verified", lambda: False)())

    def get_urls(self):
        return [
            # Before the admin's own, which needs a verified session: one waiting to enrol can still log out.
            path("logout/", self.logout_view, name="logout"),
            path("two-factor/setup/", self.two_factor_setup_view, name="two_factor_setup"),
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
        form = StaffLoginForm(request, data=request.POST if request.method == "POST" else None)
        context = {
            **self.each_context(request),
            "title": _("Log in"),
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
            "form": form,
            REDIRECT_FIELD_NAME: request.POST.get(REDIRECT_FIELD_NAME, request.GET.get(REDIRECT_FIELD_NAME, "")),
            **(extra_context or {}),
        }
        template = "admin/gnb_login.html"
        if request.method == "POST":
            wait = login_throttle(request, scope="admin-login", account=request.POST.get("username", ""))
            if wait is not None:
                return too_many(request, template, context, wait)
            if form.is_valid():
                auth_login(request, form.get_user())
                if form.otp_device is None:
                    return redirect(reverse("admin:two_factor_setup", current_app=self.name))
                otp_login(request, form.otp_device)
                return HttpResponseRedirect(self._next_url(request))
        request.current_app = self.name
        return TemplateResponse(request, template, context)

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
            wait = login_throttle(request, scope="admin-otp", account=f"user:{user.pk}")
            if wait is not None:
                return too_many(request, template, context, wait)
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
            wait = login_throttle(request, scope="admin-otp", account=f"user:{request.user.pk}")
            if wait is not None:
                return too_many(request, "admin/two_factor/regenerate.html", self.each_context(request), wait)
            user = cast("AbstractBaseUser", request.user)  # admin_view let only verified staff in
            codes = two_factor.two_factor_recovery_codes_regenerate(user=user, request=request)
            return self._show_codes(request, codes)
        context = {**self.each_context(request), "title": _("Recovery codes")}
        return TemplateResponse(request, "admin/two_factor/regenerate.html", context)

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
