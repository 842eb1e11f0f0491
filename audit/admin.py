from django.contrib import admin

from .models import FieldChange


@admin.register(FieldChange)
class FieldChangeAdmin(admin.ModelAdmin):
    """Read-only: history is written by the records' own saves, never by hand."""

    list_display = (
        "changed_at",
        "content_type",
        "object_id",
        "action",
        "field",
        "old_value",
        "new_value",
        "changed_by",
    )
    list_filter = ("action", "content_type")
    search_fields = ("field", "old_value", "new_value", "note")
    date_hierarchy = "changed_at"
    list_select_related = ("content_type", "changed_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
