"""Back office: the devices drivers are signed in on, and ending a device's session (a lost or shared phone).

Dispatchers see and end devices with the fleet's driver permissions; the rows themselves are written only by the
app's services (signing in, signing out, :func:`gnb.driver.services.driver_device_end`).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gnb.driver import services
from gnb.driver.models import DriverDevice

VIEW, CHANGE = "fleet.view_driver", "fleet.change_driver"


class LiveFilter(admin.SimpleListFilter):
    title = gettext_lazy("session")
    parameter_name = "live"

    def lookups(self, request, model_admin):
        return [("yes", gettext_lazy("Signed in")), ("no", gettext_lazy("Ended or expired"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "yes":
            return queryset.filter(ended_at__isnull=True, expires_at__gt=now)
        if self.value() == "no":
            return queryset.exclude(ended_at__isnull=True, expires_at__gt=now)
        return queryset


@admin.register(DriverDevice)
class DriverDeviceAdmin(admin.ModelAdmin):
    list_display = [
        "driver",
        "label",
        "created_at",
        "last_seen_at",
        "expires_at",
        "is_signed_in",
        "ended_at",
        "end_reason",
    ]
    list_filter = [LiveFilter, "driver"]
    search_fields = ["driver__first_name", "driver__last_name", "label"]
    list_select_related = ["driver", "ended_by"]
    readonly_fields = [
        "driver",
        "label",
        "language",
        "created_at",
        "last_seen_at",
        "expires_at",
        "ended_at",
        "ended_by",
        "end_reason",
    ]
    actions = ["end_sessions"]

    @admin.display(boolean=True, description=gettext_lazy("signed in"))
    def is_signed_in(self, device: DriverDevice) -> bool:
        return device.is_live()

    # Dispatchers work with the fleet's permissions; these rows have none of their own to hand out.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(VIEW) or request.user.has_perm(CHANGE)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_end_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(CHANGE)

    @admin.action(description=gettext_lazy("End session (the phone is signed out)"), permissions=["end"])
    def end_sessions(self, request: HttpRequest, queryset: QuerySet[DriverDevice]) -> None:
        ended = 0
        for device in queryset.filter(ended_at__isnull=True):
            services.driver_device_end(device_id=device.pk, actor=request.user, reason="Ended by a dispatcher")
            ended += 1
        self.message_user(request, _("Sessions ended: %(count)s.") % {"count": ended}, messages.SUCCESS)
