"""Back office: consent decisions and handled requests (read-only), and the page where staff with the permission
find a traveller's bookings by email and export or erase their data (also for travellers without an account)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gnb.core.errors import DomainError
from gnb.privacy import selectors, services
from gnb.privacy.models import ConsentDecision, DataSubjectRequest

PERMISSION = "privacy.handle_datasubjectrequest"


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(ConsentDecision)
class ConsentDecisionAdmin(_ReadOnly):
    list_display = ("decided_at", "subject", "version", "categories", "language")
    list_filter = ("version", "language")
    search_fields = ("subject",)
    date_hierarchy = "decided_at"


class TravellerForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email"))


@admin.register(DataSubjectRequest)
class DataSubjectRequestAdmin(_ReadOnly):
    list_display = ("handled_at", "kind", "bookings", "handled_by")
    list_filter = ("kind",)
    list_select_related = ("handled_by",)

    def changelist_view(self, request: HttpRequest, extra_context=None):
        # Handled requests are written by the services, never typed in: the list links to the page that handles one.
        extra = {"can_handle": request.user.has_perm(PERMISSION), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("traveller/", view(self.traveller_view), name="privacy_datasubjectrequest_traveller"),
            *super().get_urls(),
        ]

    def traveller_view(self, request: HttpRequest) -> HttpResponse:
        """Find a traveller's bookings by email; export them as JSON or erase their personal data."""
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied
        data = request.POST if request.method == "POST" else (request.GET if "email" in request.GET else None)
        form = TravellerForm(data)
        bookings = None
        status = 200
        if form.is_bound and form.is_valid():
            email = form.cleaned_data["email"]
            action = request.POST.get("action") if request.method == "POST" else None
            if action == "export":
                return self._export(request, email)
            if action == "erase" and request.POST.get("confirm") != "1":
                messages.error(request, _("Tick the box to confirm the erasure."))
                status = 422
            elif action == "erase":
                try:
                    count = services.traveller_erase(email=email, actor=request.user, request=request)
                except DomainError as refused:
                    messages.error(request, refused.message)
                    status = 409
                else:
                    messages.success(
                        request, _("Personal data erased. Bookings anonymised: %(count)d.") % {"count": count}
                    )
                    url = reverse("admin:privacy_datasubjectrequest_traveller")
                    return redirect(f"{url}?{urlencode({'email': email})}")
            bookings = list(
                selectors.traveller_bookings(email=email).only(
                    "reference", "status", "starts_at", "currency", "total", "lead_name"
                )
            )
        elif form.is_bound:
            status = 422
        context = {
            **self.admin_site.each_context(request),
            "title": _("Export or erase a traveller's data"),
            "opts": self.opts,
            "form": form,
            "bookings": bookings,
        }
        return TemplateResponse(request, "admin/privacy/traveller.html", context, status=status)

    def _export(self, request: HttpRequest, email: str) -> HttpResponse:
        data = services.traveller_export(email=email, actor=request.user, request=request)
        response = HttpResponse(
            json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        name = f"gnb-traveller-{timezone.localdate().isoformat()}.json"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "private, no-store"
        return response
