from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from .display import describe
from .models import FieldChange

ADMIN_HISTORY_LIMIT = 200


class FieldHistoryMixin:
    """For a tracked model's admin whose "History" page shows its field history in words (who
    changed which field from what to what, and when), above Django's own admin log. Read-only:
    the rows are written by the record's saves."""

    object_history_template = "admin/audit/object_history.html"

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        if obj is not None and self.has_view_or_change_permission(request, obj):
            rows = list(
                FieldChange.objects.for_object(obj)
                .newest_first()
                .select_related("changed_by")[: ADMIN_HISTORY_LIMIT + 1]
            )
            ct = ContentType.objects.get_for_model(type(obj))
            context.update(
                field_history=describe(rows[:ADMIN_HISTORY_LIMIT]),
                field_history_more=len(rows) > ADMIN_HISTORY_LIMIT,
                field_history_all_url=reverse("admin:audit_fieldchange_changelist")
                + f"?content_type__id__exact={ct.pk}&object_id={obj.pk}",
            )
        return super().history_view(request, object_id, extra_context=context)

    def save_related(self, request, form, formsets, change):
        """Tracked many-to-many relations edited in the admin (a user's groups) are history too."""
        instance = form.instance
        tracked = bool(getattr(instance, "history_m2m", ()))
        before = instance.history_m2m_ids(form.fields) if tracked and change else {}
        super().save_related(request, form, formsets, change)
        if tracked and change:
            instance.record_m2m_changes(before)


class FieldHistoryAdmin(FieldHistoryMixin, admin.ModelAdmin):
    pass


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
