from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from gnb.accounts.models import User
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
