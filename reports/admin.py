from django.contrib import admin

from .models import ForecastSnapshot, QuarterOpening


@admin.register(ForecastSnapshot)
class ForecastSnapshotAdmin(admin.ModelAdmin):
    """Read-only: snapshots are written by the weekly job, never edited."""

    list_display = (
        "week",
        "owner",
        "team",
        "month",
        "weighted",
        "commit",
        "best_case",
        "pipeline",
        "won",
        "open_count",
    )
    list_filter = ("week", "month", "team")
    list_select_related = ("owner", "team")
    date_hierarchy = "week"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(QuarterOpening)
class QuarterOpeningAdmin(admin.ModelAdmin):
    """Read-only: which quarters' openings the job has recorded (`record_quarter_opening`
    rebuilds one from the history)."""

    list_display = ("__str__", "point", "deals", "taken_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a deleted quarter only makes its inspection slow; `--rebuild` rewrites it
