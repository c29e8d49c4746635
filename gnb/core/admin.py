from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.contrib.admin import helpers
from django.db.models import Field, Model
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gnb.core.audit import AuditAction, audit_record
from gnb.core.models import AuditEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services or tasks: staff may look, never add, edit or delete."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# Django's own words for the checkbox's label, translated by the admin's own catalogue (so not written out in a
# gettext call here, which would copy the message into ours).
ROW_CHECKBOX_LABEL = "Select this object for an action - {}"


class PlainActionCheckbox(admin.ModelAdmin):
    """A list's row checkbox written as HTML, the same markup Django's widget gives: Django renders a form widget
    through the template engine for every row, a fifth of a 200-row list's time."""

    def action_checkbox(self, obj):
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(gettext(ROW_CHECKBOX_LABEL), str(obj)),
        )


# --- the audit log ----------------------------------------------------------------------------------------
@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The audit log, for superusers only: no other staff member sees it, whatever permissions they are given.

    Entries are append-only; the inherited permissions leave no add, change or delete page or action.
    """

    list_display = ("created_at", "action", "actor_label", "target", "ip_address", "request_id")
    list_filter = ("action", ("target_type", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("target_type",)
    search_fields = ("actor_label", "target_repr", "target_id", "ip_address", "request_id")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")
    # Counting the whole log for "(n total)" gets slower as it grows; filtered counts suffice.
    show_full_result_count = False
    fields = (
        "created_at",
        "action",
        "actor",
        "actor_label",
        "target_type",
        "target_id",
        "target_repr",
        "details_json",
        "ip_address",
        "user_agent",
        "request_id",
    )
    readonly_fields = fields

    def has_module_permission(self, request) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request, obj=None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    @admin.display(description=_("target"), ordering="target_repr")
    def target(self, entry: AuditEntry) -> str:
        if entry.target_type is None:
            return entry.target_repr
        kind = entry.target_type.name
        return f"{kind}: {entry.target_repr}" + (f" (#{entry.target_id})" if entry.target_id else "")

    @admin.display(description=_("details"))
    def details_json(self, entry: AuditEntry) -> SafeString:
        return format_html("<pre>{}</pre>", json.dumps(entry.details, indent=2, ensure_ascii=False, sort_keys=True))


# --- prices changed in the back office ---------------------------------------------------------------------
class PriceAuditMixin(admin.ModelAdmin):
    """Records to the audit log each price a back-office page adds, changes or deletes, with old → new values.

    ``price_audit_fields`` names the fields that make a price: amounts and what they apply to. A save that changes
    none of them (a tour's description) is no price change and is left to the admin's own history. The change form
    and the list's editable columns both save through ``save_model``; single and bulk deletion both call
    ``log_deletions`` before deleting.
    """

    price_audit_fields: tuple[str, ...] = ()

    def save_model(self, request, obj, form, change):
        # The form has already put the new values on ``obj``; the stored row still holds the old ones.
        before = self._stored_prices(obj) if change else None
        super().save_model(request, obj, form, change)
        after = self._prices(obj)
        if before is None:
            audit_record(
                action=AuditAction.PRICE_ADDED,
                actor=request.user,
                request=request,
                target=obj,
                details={"prices": {name: {"old": None, "new": value} for name, value in after.items()}},
            )
            return
        changes = {name: {"old": before[name], "new": value} for name, value in after.items() if before[name] != value}
        if changes:
            audit_record(
                action=AuditAction.PRICE_CHANGED,
                actor=request.user,
                request=request,
                target=obj,
                details={"prices": changes, "changed_fields": sorted(form.changed_data)},
            )

    def log_deletions(self, request, queryset):
        for obj in queryset:
            audit_record(
                action=AuditAction.PRICE_DELETED,
                actor=request.user,
                request=request,
                target=obj,
                details={"prices": {name: {"old": value, "new": None} for name, value in self._prices(obj).items()}},
            )
        return super().log_deletions(request, queryset)

    def _fields(self) -> list[Field]:
        return [self.model._meta.get_field(name) for name in self.price_audit_fields]  # type: ignore[misc]

    def _prices(self, obj: Model) -> dict[str, Any]:
        return {field.name: _comparable(field, getattr(obj, field.attname)) for field in self._fields()}

    def _stored_prices(self, obj: Model) -> dict[str, Any]:
        fields = self._fields()
        row = self.model._default_manager.filter(pk=obj.pk).values(*(field.attname for field in fields)).first()
        if row is None:  # deleted meanwhile: everything it now holds is new
            return {field.name: None for field in fields}
        return {field.name: _comparable(field, row[field.attname]) for field in fields}


def _comparable(field: Field, value: Any) -> Any:
    """A value as stored in the audit log and compared: amounts to the field's places, times in UTC, as text."""
    if isinstance(value, Decimal):
        places = getattr(field, "decimal_places", None)
        return str(value.quantize(Decimal(1).scaleb(-places)) if places is not None else value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
