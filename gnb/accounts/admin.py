from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from gnb.accounts.models import User


@admin.register(User)
class GnbUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("GNB", {"fields": ("preferred_language",)}))
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "is_active")
