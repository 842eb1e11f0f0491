"""The recycle bin's model side: deleting moves a record to the bin instead of erasing it.

A model that inherits `SoftDeletable` gets `deleted_at` / `deleted_by` / `purged_at`, a default
manager (`objects`) that leaves binned rows out, and `all_objects` for the bin and the purge job.
Because every list, report and job reads through `objects` (and `visible_to` builds on it), a
deleted record disappears from all of them at once, from this one place per model.

`move_to_bin(by)` and `restore(by)` are the only ways in and out; each records a history event.
After `RETENTION_DAYS` the purge job erases the row, or, when other rows must keep pointing at
it (a deal's stage changes and approvals, a customer still named by a deal), keeps an
anonymised tombstone that stays out of every list.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from accounts.models import User


def retention_days() -> int:
    return int(getattr(settings, "RECYCLE_BIN_RETENTION_DAYS", 30))


class LiveManager(models.Manager):
    """The default manager: rows in the recycle bin are left out (see module docstring)."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


def binned_pks(model: type[models.Model]):
    """Ids of the rows of `model` in the bin (or purged to a tombstone), as a subquery read from
    the partial `deleted_at` index: for excluding rows that hang off a deleted record."""
    return model.all_objects.filter(deleted_at__isnull=False).values("pk")


class SoftDeletable(models.Model):
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deleted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    purged_at = models.DateTimeField(_("purged"), null=True, blank=True, editable=False)

    # Text fields cleared when the row must stay as a tombstone after purging.
    purge_clears: ClassVar[tuple[str, ...]] = ()
    # True: never erase the row (other history points at it), always keep a tombstone.
    purge_keeps_row: ClassVar[bool] = False

    class Meta:
        abstract = True

    # -- who may -------------------------------------------------------------------------
    def bin_owner_id(self) -> int | None:
        """The user whose records this belongs to (decides who may restore it)."""
        return getattr(self, "owner_id", None)

    def can_be_restored_by(self, user: User) -> bool:
        """Seed rule: a rep never restores; the owner's leader or an admin does, within the
        retention period (the caller has already checked the row is visible to `user`)."""
        if not user.is_authenticated or not user.is_active:
            return False
        return bool(user.is_admin or user.is_leader)

    def deletion_refusal(self, user: User) -> str | None:
        """Why `user` may not delete this record now, or None. Models add their own rules."""
        return None

    def restore_refusal(self) -> str | None:
        """Why the record cannot come back yet (e.g. its deal is still in the bin), or None."""
        return None

    @property
    def in_bin(self) -> bool:
        return self.deleted_at is not None and self.purged_at is None

    @property
    def purge_due_at(self):
        return self.deleted_at + timedelta(days=retention_days()) if self.deleted_at else None

    # -- in and out ----------------------------------------------------------------------
    def move_to_bin(self, by: User | None) -> None:
        """Delete as a user means it: out of every list, report and job, restorable for a while."""
        from audit.tracking import acting_as

        if by is not None:
            refusal = self.deletion_refusal(by)
            if refusal:
                raise PermissionDenied(refusal)
        model = type(self)
        with transaction.atomic(), acting_as(by):
            locked = model.all_objects.select_for_update().filter(pk=self.pk).values("deleted_at").first()
            if locked is None or locked["deleted_at"] is not None:
                return  # already in the bin: deleting twice changes nothing
            now = timezone.now()
            model.all_objects.filter(pk=self.pk).update(deleted_at=now, deleted_by=by)
            self.deleted_at, self.deleted_by = now, by
            record_bin_event(self, "deleted", at=now)
            self.bin_changed()

    def restore(self, by: User) -> None:
        """Bring a binned record back where it was (leader or admin, within the retention period)."""
        from audit.tracking import acting_as

        if not self.can_be_restored_by(by):
            raise PermissionDenied(gettext("Only the owner's leader or an administrator can restore."))
        model = type(self)
        with transaction.atomic(), acting_as(by):
            row = model.all_objects.select_for_update().filter(pk=self.pk).values("deleted_at", "purged_at").first()
            if row is None or row["deleted_at"] is None:
                return  # already restored
            if row["purged_at"] is not None or row["deleted_at"] < timezone.now() - timedelta(days=retention_days()):
                raise ValidationError(gettext("This item was deleted too long ago to be restored."))
            refusal = self.restore_refusal()
            if refusal:
                raise ValidationError(refusal)
            model.all_objects.filter(pk=self.pk).update(deleted_at=None, deleted_by=None)
            self.deleted_at, self.deleted_by = None, None
            record_bin_event(self, "restored")
            self.bin_changed()

    def purge(self) -> str:
        """Erase a binned record for good: "erased" or, when the row must stay, "anonymised".

        History that points at the record (stage changes, approvals, field history) is never
        erased with it: a row that other rows protect is kept as an anonymised tombstone.
        """
        model = type(self)
        now = timezone.now()
        if not self.purge_keeps_row:
            try:
                with transaction.atomic():
                    self.before_purge()
                    models.Model.delete(self)
                return "erased"
            except (ProtectedError, RestrictedError, IntegrityError, DatabaseError):
                pass  # kept as a tombstone below
        with transaction.atomic():
            self.before_purge()
            cleared = {name: "" for name in self.purge_clears}
            model.all_objects.filter(pk=self.pk).update(purged_at=now, **cleared)
        return "anonymised"

    def bin_changed(self) -> None:
        """Hook, inside the transaction of a delete or restore: bring derived figures up to date."""

    def before_purge(self) -> None:
        """Hook: erase what hangs off the record and is not history (files in storage...)."""

    def delete(self, *args, **kwargs):
        """Every delete (admin, inlines, code) moves the record to the bin; only the purge erases."""
        from audit.tracking import current_actor

        self.move_to_bin(by=current_actor())
        return 0, {}


def record_bin_event(obj: models.Model, action: str, *, at=None, note: str = "") -> None:
    """A whole-record event in the field history (deleted, restored), attributed to whoever acts."""
    from django.contrib.contenttypes.models import ContentType

    from audit.models import FieldChange
    from audit.tracking import current_actor

    FieldChange.objects.create(
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=obj.pk,
        action=action,
        note=note,
        changed_by=current_actor(),
        changed_at=at or timezone.now(),
    )


def purge_expired(*, batch_size: int = 500, now=None) -> dict[str, int]:
    """The purge job: every binned record past the retention period, in batches; idempotent
    (a purged record is never picked again, a half-done run just continues next time)."""
    from django.apps import apps

    now = now or timezone.now()
    cutoff = now - timedelta(days=retention_days())
    counts: dict[str, int] = {}
    # Children before parents, so a follow-up or file is gone before its deal or customer.
    for label in PURGE_ORDER:
        model = apps.get_model(label)
        done = 0
        while True:
            batch = list(
                model.all_objects.filter(deleted_at__lt=cutoff, purged_at__isnull=True).order_by("pk")[:batch_size]
            )
            if not batch:
                break
            for obj in batch:
                obj.purge()
                done += 1
        counts[label] = done
    return counts


PURGE_ORDER = (
    "attachments.Attachment",
    "opportunities.Activity",
    "customers.Contact",
    "leads.Lead",
    "opportunities.Opportunity",
    "customers.Customer",
)


def move_to_bin_response(request, obj: SoftDeletable, next_url: str, *, back: str | None = None):
    """What every delete view does: move to the bin, say how to get it back, go on to `next_url`
    (or, when refused, back to the record's page with the reason)."""
    from django.contrib import messages
    from django.shortcuts import redirect

    try:
        obj.move_to_bin(by=request.user)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or gettext("You may not delete this."))
        return redirect(back or next_url)
    messages.success(
        request,
        gettext(
            "“%(name)s” moved to the recycle bin; a leader or an administrator can restore it within %(days)d days."
        )
        % {"name": obj, "days": retention_days()},
    )
    return redirect(next_url)


class MoveToBinAdmin:
    """Mix into a ModelAdmin: deleting (one record or the bulk action) moves to the recycle bin.

    The confirmation lists only the records themselves: nothing cascades and nothing protected
    blocks, since nothing is erased. The list reads `all_objects` with a "recycle bin" filter
    (live records by default) and a bulk "restore" action.
    """

    def get_queryset(self, request):
        # Purged tombstones never show; pickers (autocomplete) offer live records only.
        qs = self.model.all_objects.filter(purged_at__isnull=True)
        if request.path.rstrip("/").endswith("autocomplete"):
            qs = qs.filter(deleted_at__isnull=True)
        ordering = self.get_ordering(request)
        return qs.order_by(*ordering) if ordering else qs

    def get_list_filter(self, request):
        return (RecycleBinFilter, *super().get_list_filter(request))

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions["restore_from_bin"] = (
            MoveToBinAdmin.restore_from_bin,
            "restore_from_bin",
            gettext("Restore selected from the recycle bin"),
        )
        return actions

    def restore_from_bin(self, request, queryset) -> None:
        from django.contrib import messages

        restored = 0
        for obj in queryset.filter(deleted_at__isnull=False, purged_at__isnull=True):
            try:
                obj.restore(by=request.user)
                restored += 1
            except (PermissionDenied, ValidationError) as exc:
                self.message_user(request, f"{obj}: {' '.join(getattr(exc, 'messages', [str(exc)]))}", messages.WARNING)
        self.message_user(request, gettext("%(n)d record(s) restored.") % {"n": restored})

    def get_deleted_objects(self, objs, request):
        objs = list(objs)
        return [str(obj) for obj in objs], {self.model._meta.verbose_name_plural: len(objs)}, set(), []

    def delete_model(self, request, obj) -> None:
        from django.contrib import messages

        try:
            obj.move_to_bin(by=request.user)
        except PermissionDenied as exc:
            self.message_user(request, str(exc), level=messages.ERROR)

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


def _recycle_bin_filter():
    from django.contrib import admin

    class RecycleBinFilter(admin.SimpleListFilter):
        title = _("recycle bin")
        parameter_name = "bin"

        def lookups(self, request, model_admin):
            return [("in", _("In the recycle bin")), ("all", _("All, with the recycle bin"))]

        def queryset(self, request, queryset):
            if self.value() == "in":
                return queryset.filter(deleted_at__isnull=False, purged_at__isnull=True)
            if self.value() == "all":
                return queryset.filter(purged_at__isnull=True)
            return queryset.filter(deleted_at__isnull=True)

    return RecycleBinFilter


RecycleBinFilter = _recycle_bin_filter()
