from django.contrib import admin

from .models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = (
        "file_name",
        "kind",
        "created_by",
        "status",
        "row_count",
        "created_count",
        "updated_count",
        "error_count",
        "created_at",
    )
    list_filter = ("kind", "status")
    search_fields = ("file_name", "created_by__username")
    list_select_related = ("created_by",)
    exclude = ("content",)
    readonly_fields = [f.name for f in ImportJob._meta.fields if f.name != "content"]

    def has_add_permission(self, request):
        return False
