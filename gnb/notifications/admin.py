from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gnb.core.admin import ReadOnlyAdmin
from gnb.notifications.models import ContactMessage, SentEmail


class SentFilter(admin.SimpleListFilter):
    title = _("sent")
    parameter_name = "sent"

    def lookups(self, request, model_admin):
        return (("yes", _("Sent")), ("no", _("Not sent yet")))

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(sent_at__isnull=self.value() == "no")
        return queryset


@admin.register(SentEmail)
class SentEmailAdmin(ReadOnlyAdmin):
    """The record of emails to travellers, written by the sending task only, so it is read-only here."""

    list_display = ("booking", "kind", "recipient", "language", "created_at", "sent_at")
    list_filter = (SentFilter, "kind", "language")
    list_select_related = ("booking",)
    search_fields = ("booking__reference", "recipient")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")


@admin.register(ContactMessage)
class ContactMessageAdmin(ReadOnlyAdmin):
    """Messages from the website's contact form, kept so none is lost while email is down; answered by email."""

    list_display = ("created_at", "name", "email", "booking_reference", "language", "sent_at")
    list_filter = (SentFilter, "language")
    search_fields = ("name", "email", "booking_reference", "message")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")
