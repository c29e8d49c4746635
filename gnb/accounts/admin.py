from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from gnb.accounts.api_tokens import token_family_revoke
from gnb.accounts.apikeys import api_key_create, api_key_revoke
from gnb.accounts.models import ApiKey, ApiScope, TokenFamily, User
from gnb.accounts.roles import SUPERADMIN

# Authenticator secrets are never shown in the back office, not even to superusers: a lost device is reset with
# `manage.py reset_two_factor`, and its owner enrols a new one at the next login.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)

# What only a superuser may change on an account: whoever can grant these can grant themselves everything.
SUPERUSER_ONLY_FIELDS = ("is_superuser", "user_permissions")


@admin.register(User)
class GnbUserAdmin(UserAdmin):
    # The stubs type the base fieldsets as optional; UserAdmin always defines them.
    fieldsets = (*(UserAdmin.fieldsets or ()), ("GNB", {"fields": ("preferred_language",)}))
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "is_active")

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else (*fields, *SUPERUSER_ONLY_FIELDS)

    def has_change_permission(self, request, obj=None) -> bool:
        # A superuser's account (their password above all) is changed only by a superuser.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups" and not request.user.is_superuser:
            kwargs["queryset"] = db_field.remote_field.model.objects.exclude(name=SUPERADMIN)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ApiKeyAddForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(label=_("scopes"), choices=ApiScope.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = ApiKey
        fields = ("name", "scopes")


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are made here (the key is shown once, on the page after saving) and revoked, never edited or deleted."""

    list_display = ("name", "key_prefix", "scope_list", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "prefix")
    readonly_fields = ("name", "key_prefix", "scope_list", "created_at", "created_by", "last_used_at", "revoked_at")
    actions = ("revoke",)

    @admin.display(description=_("key"))
    def key_prefix(self, obj: ApiKey) -> str:
        return f"gnb_{obj.prefix}_…"

    @admin.display(description=_("scopes"))
    def scope_list(self, obj: ApiKey) -> str:
        return ", ".join(obj.scopes)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiKeyAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ("name", "scopes") if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # bookings keep naming the key they were placed with: revoke instead

    def save_model(self, request, obj, form, change):
        if change:
            return
        created = api_key_create(
            name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"], created_by=request.user
        )
        # The admin logs and links the object it saved: make it the row just made.
        obj.__dict__.update(
            {field.attname: getattr(created.api_key, field.attname) for field in ApiKey._meta.concrete_fields}
        )
        obj._state.adding = False
        request._new_api_key = created.key

    def response_add(self, request, obj, post_url_continue=None):
        # The key is rendered into this one answer and kept nowhere: no message, no session, no redirect.
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("API key created"),
            "api_key": obj,
            "key": request._new_api_key,
        }
        response = TemplateResponse(request, "admin/accounts/apikey/created.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Revoke the selected API keys"))
    def revoke(self, request, queryset):
        count = sum(api_key_revoke(api_key_id=pk, actor=request.user) for pk in queryset.values_list("pk", flat=True))
        self.message_user(
            request, ngettext("%(count)d key revoked.", "%(count)d keys revoked.", count) % {"count": count}
        )


@admin.register(TokenFamily)
class TokenFamilyAdmin(admin.ModelAdmin):
    """API sign-ins, to see who is signed in through the API and end a sign-in; nothing here shows a token."""

    list_display = ("user", "created_at", "expires_at", "revoked_at", "revoked_reason")
    list_filter = ("revoked_reason", ("revoked_at", admin.EmptyFieldListFilter))
    list_select_related = ("user",)
    search_fields = ("user__username", "user__email")
    fields = ("user", "created_at", "expires_at", "revoked_at", "revoked_reason")
    readonly_fields = fields
    actions = ("end",)

    def has_add_permission(self, request) -> bool:
        return False  # sign-ins start at POST /api/v1/auth/token only

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # ending keeps the record; the daily purge deletes old ones

    @admin.action(description=_("End the selected sign-ins"), permissions=["change"])
    def end(self, request, queryset):
        count = token_family_revoke(family_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request, ngettext("%(count)d sign-in ended.", "%(count)d sign-ins ended.", count) % {"count": count}
        )
