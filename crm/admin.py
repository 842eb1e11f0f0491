from django.contrib import admin

from .models import InputLimits, Submission


@admin.register(InputLimits)
class InputLimitsAdmin(admin.ModelAdmin):
    """One row: the bounds every form applies."""

    list_display = ("__str__", "max_amount")

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and not InputLimits.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    """Read-only: the record of which form submissions were acted on."""

    list_display = ("created_at", "action", "user", "result_url")
    list_filter = ("action",)
    date_hierarchy = "created_at"
    list_select_related = ("user",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
