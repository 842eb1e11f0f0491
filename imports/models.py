"""Imports from CSV and Excel: one `ImportJob` per uploaded file, from mapping to commit.

A file is identified by the hash of its content: the same user uploading the same file for the
same kind of record gets the job they already have (the database holds them to one), so a
re-submitted file can never import twice. Committing moves the job from `validated` to
`committing` with one conditional UPDATE, so a double click commits once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from accounts.models import User


class Kind(models.TextChoices):
    CUSTOMER = "customers", _("Customers")
    CONTACT = "contacts", _("Contacts")
    LEAD = "leads", _("Leads")
    OPPORTUNITY = "opportunities", _("Opportunities")


def kinds_for(user: User) -> list[str]:
    """What `user` may import: leaders and admins everything, reps their own leads."""
    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_admin or user.is_leader:
        return list(Kind.values)
    return [Kind.LEAD]


class ImportJobQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> ImportJobQuerySet:
        """Your own imports; an admin sees everyone's."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        return self if user.is_admin else self.filter(created_by=user)


class ImportJob(models.Model):
    class Status(models.TextChoices):
        MAPPING = "mapping", _("Choose the columns")
        VALIDATING = "validating", _("Checking")
        VALIDATED = "validated", _("Checked")
        COMMITTING = "committing", _("Importing")
        COMMITTED = "committed", _("Imported")
        FAILED = "failed", _("Not imported")

    kind = models.CharField(_("records"), max_length=20, choices=Kind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="import_jobs"
    )
    file_name = models.CharField(_("file"), max_length=255)
    content = models.BinaryField(editable=False)
    content_hash = models.CharField(max_length=64, editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    headers = models.JSONField(default=list, editable=False)
    mapping = models.JSONField(default=dict, editable=False)  # {"<column index>": "<field>"}
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.MAPPING)
    to_create = models.PositiveIntegerField(_("to create"), default=0)
    to_update = models.PositiveIntegerField(_("to update"), default=0)
    error_count = models.PositiveIntegerField(_("bad rows"), default=0)
    errors = models.JSONField(default=list, editable=False)  # [{"line", "column", "message"}]
    # The first rows the import would write: [{"action": "create"|"update", "record", "fields"}]
    preview = models.JSONField(default=list, editable=False)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    validated_at = models.DateTimeField(_("checked"), null=True, blank=True)
    committed_at = models.DateTimeField(_("imported"), null=True, blank=True)
    seconds = models.FloatField(_("seconds"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["created_by", "kind", "content_hash"], name="one_import_per_user_file"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.file_name}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("imports:detail", args=[self.pk])

    @property
    def is_busy(self) -> bool:
        return self.status in (self.Status.VALIDATING, self.Status.COMMITTING)

    @property
    def can_commit(self) -> bool:
        return self.status == self.Status.VALIDATED and self.error_count == 0 and (self.to_create + self.to_update) > 0
