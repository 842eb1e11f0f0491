"""Files (附件): quotes, contracts and other documents attached to a deal or a customer.

Stored through Django's storage API (`default_storage`: local `MEDIA_ROOT` by default, any
django-storages backend in production via `STORAGES`). The stored name is generated, never taken
from the upload, so no filename can reach outside the storage; the uploader's name is kept,
made safe, for the download. A file is visible exactly when its deal or customer is.
"""

from __future__ import annotations

import mimetypes
import os
import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm.softdelete import LiveManager, SoftDeletable

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from accounts.models import User
    from customers.models import Customer
    from opportunities.models import Opportunity


def allowed_extensions() -> list[str]:
    return [ext.lower().lstrip(".") for ext in settings.ATTACHMENT_ALLOWED_EXTENSIONS]


def max_size() -> int:
    return int(settings.ATTACHMENT_MAX_SIZE_MB) * 1024 * 1024


def storage_name(instance: Attachment, filename: str) -> str:
    """attachments/2026/11/<random>.pdf: the extension is kept, the rest is ours."""
    ext = os.path.splitext(filename)[1].lower()
    return timezone.now().strftime(f"attachments/%Y/%m/{uuid.uuid4().hex}{ext}")


def safe_display_name(filename: str) -> str:
    """The uploader's file name without any directory part or characters a header would choke on."""
    base = os.path.basename(filename.replace("\\", "/")).strip()
    stem, ext = os.path.splitext(base)
    # get_valid_filename keeps letters of every script (中文 names stay readable).
    cleaned = get_valid_filename(stem.replace("..", "_") or "file") if stem.strip(". ") else "file"
    return f"{cleaned[:180]}{ext.lower()[:16]}"


class AttachmentQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> AttachmentQuerySet:
        """A file is visible with its deal or its customer (both already leave the bin out)."""
        from customers.models import Customer
        from opportunities.models import Opportunity

        return self.filter(
            Q(opportunity__in=Opportunity.objects.visible_to(user).values("pk"))
            | Q(customer__in=Customer.objects.visible_to(user).values("pk"))
        )


class Attachment(SoftDeletable):
    opportunity = models.ForeignKey(
        "opportunities.Opportunity",
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to=storage_name, max_length=255)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    objects = LiveManager.from_queryset(AttachmentQuerySet)()
    all_objects = models.Manager.from_queryset(AttachmentQuerySet)()

    class Meta:
        verbose_name = _("file")
        verbose_name_plural = _("files")
        ordering = ["-uploaded_at", "-pk"]
        indexes = [
            models.Index(fields=["opportunity", "-uploaded_at"]),
            models.Index(fields=["customer", "-uploaded_at"]),
            models.Index(fields=["deleted_at"], condition=Q(deleted_at__isnull=False), name="attachment_binned_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(opportunity__isnull=False, customer__isnull=True)
                | Q(opportunity__isnull=True, customer__isnull=False),
                name="attachment_on_exactly_one_record",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def validate_upload(cls, upload: UploadedFile) -> None:
        """Size and type limits from settings (`ATTACHMENT_MAX_SIZE_MB`, `ATTACHMENT_ALLOWED_EXTENSIONS`)."""
        ext = os.path.splitext(upload.name or "")[1].lower().lstrip(".")
        if ext not in allowed_extensions():
            raise ValidationError(
                {
                    "file": gettext("Files of type “%(ext)s” are not accepted. Allowed: %(allowed)s.")
                    % {"ext": ext or "?", "allowed": ", ".join(allowed_extensions())}
                }
            )
        if upload.size > max_size():
            raise ValidationError(
                {"file": gettext("The file is larger than %(mb)s MB.") % {"mb": settings.ATTACHMENT_MAX_SIZE_MB}}
            )
        if upload.size == 0:
            raise ValidationError({"file": gettext("The file is empty.")})

    @classmethod
    def attach(
        cls,
        *,
        by: User,
        upload: UploadedFile,
        opportunity: Opportunity | None = None,
        customer: Customer | None = None,
    ) -> Attachment:
        """Store an uploaded quote, contract or other document on a deal or a customer."""
        if (opportunity is None) == (customer is None):
            raise ValidationError(gettext("A file belongs to exactly one deal or customer."))
        cls.validate_upload(upload)
        name = safe_display_name(upload.name or "file")
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        attachment = cls(
            opportunity=opportunity,
            customer=customer,
            name=name,
            content_type=content_type,
            size=upload.size,
            uploaded_by=by,
        )
        attachment.file.save(name, upload, save=False)
        attachment.save()
        return attachment

    def bin_owner_id(self) -> int | None:
        record = self.opportunity if self.opportunity_id else self.customer
        return record.owner_id if record else None

    def restore_refusal(self) -> str | None:
        row = (
            type(self).all_objects.filter(pk=self.pk).values("opportunity__deleted_at", "customer__deleted_at").first()
            or {}
        )
        if row.get("opportunity__deleted_at") or row.get("customer__deleted_at"):
            return gettext("Restore its deal or customer first: it is in the recycle bin too.")
        return None

    def before_purge(self) -> None:
        if self.file:
            self.file.storage.delete(self.file.name)

    def purge(self) -> str:
        self.before_purge()
        type(self).all_objects.filter(pk=self.pk).delete()
        return "erased"
