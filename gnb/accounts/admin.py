from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from gnb.accounts.models import User


@admin.register(User)
class GnbUserAdmin(UserAdmin):
    # The stubs type the base fieldsets as optional; UserAdmin always defines them.
    fieldsets = (*(UserAdmin.fieldsets or ()), ("GNB", {"fields": ("preferred_language",)}))
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "is_active")
