from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services or tasks: staff may look, never add, edit or delete."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
