"""Field history (修改记录): who changed which field of which record, from what to what, and when.

One mechanism for every record (deals, leads, customers, contacts, follow-ups, users). A row is
written by the `save()` that makes the change (see `audit.tracking.TracksHistory`), inside the
same transaction, so history never disagrees with the data. Rows are immutable: the model
refuses to update or delete them and, on PostgreSQL, so does a trigger.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FieldChangeQuerySet(models.QuerySet):
    def for_object(self, obj: models.Model) -> FieldChangeQuerySet:
        return self.filter(content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk)

    def for_model(self, model: type[models.Model]) -> FieldChangeQuerySet:
        return self.filter(content_type=ContentType.objects.get_for_model(model))

    def newest_first(self) -> FieldChangeQuerySet:
        return self.order_by("-changed_at", "-pk")


class FieldChange(models.Model):
    class Action(models.TextChoices):
        CREATED = "created", _("created")
        CHANGED = "changed", _("changed")
        DELETED = "deleted", _("deleted")
        RESTORED = "restored", _("restored")
        MERGED = "merged", _("merged")
        REASSIGNED = "reassigned", _("reassigned")

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()
    action = models.CharField(_("action"), max_length=12, choices=Action.choices, default=Action.CHANGED)
    # The attribute name (`amount`, `stage_id`); empty for whole-record events (created, deleted).
    field = models.CharField(_("field"), max_length=64, blank=True)
    old_value = models.TextField(_("old value"), null=True, blank=True)
    new_value = models.TextField(_("new value"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    # No database constraint: users are deactivated, never deleted, and a history row must
    # never be rewritten because of what happens to a user row.
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("when"), default=timezone.now)

    objects = FieldChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("field change")
        verbose_name_plural = _("field changes")
        ordering = ["-changed_at", "-pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "changed_at"], name="fieldchange_object_idx"),
            models.Index(fields=["content_type", "field", "changed_at"], name="fieldchange_field_idx"),
            models.Index(fields=["changed_at"], name="fieldchange_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id} {self.field} {self.old_value!r} → {self.new_value!r}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValidationError("A history row is immutable once written.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("A history row is immutable and cannot be deleted.")
