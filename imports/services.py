"""The import's steps on a job: upload, the dry run, the commit (all or nothing), progress.

Progress lives in the shared cache, not in the job row: the commit runs in one transaction, so
nothing it writes to the database is visible to the page polling it until it is over.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from .importers import Plan, importer_for
from .mapping import guess_mapping
from .models import ImportJob, kinds_for
from .reading import UnreadableFile, read_table

PREVIEW_ROWS = 10


class ImportRefused(ValueError):
    """An upload or a step the rules refuse; the message is for the user."""


def content_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def upload(*, user: User, kind: str, file_name: str, content: bytes) -> tuple[ImportJob, bool]:
    """A new job for the file, or (the job this user already has for this very file, False)."""
    if kind not in kinds_for(user):
        raise ImportRefused(_("You cannot import these records."))
    if len(content) > settings.IMPORT_MAX_FILE_SIZE:
        raise ImportRefused(
            _("The file is larger than %(limit)s MB.") % {"limit": round(settings.IMPORT_MAX_FILE_SIZE / 1048576, 1)}
        )
    digest = content_hash(content)
    existing = ImportJob.objects.filter(created_by=user, kind=kind, content_hash=digest).first()
    if existing is not None:
        return existing, False
    try:
        headers, rows = read_table(file_name, content)
    except UnreadableFile as exc:
        raise ImportRefused(str(exc)) from exc
    if not rows:
        raise ImportRefused(_("The file has a header row but no data rows."))
    if len(rows) > settings.IMPORT_MAX_ROWS:
        raise ImportRefused(
            _("The file has %(rows)s rows; at most %(limit)s can be imported at once. Split it into smaller files.")
            % {"rows": f"{len(rows):,}", "limit": f"{settings.IMPORT_MAX_ROWS:,}"}
        )
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(
                kind=kind,
                created_by=user,
                file_name=file_name[:255],
                content=content,
                content_hash=digest,
                size=len(content),
                headers=headers,
                mapping=guess_mapping(kind, headers),
                row_count=len(rows),
            )
    except IntegrityError:  # the same file submitted twice at once
        return ImportJob.objects.get(created_by=user, kind=kind, content_hash=digest), False
    return job, True


def progress_key(job_id: int) -> str:
    return f"imports:progress:{job_id}"


def set_progress(job_id: int, done: int, total: int, phase: str) -> None:
    cache.set(progress_key(job_id), {"done": done, "total": total, "phase": phase}, 3600)


def progress_of(job: ImportJob) -> dict:
    value = cache.get(progress_key(job.pk)) or {"done": 0, "total": job.row_count, "phase": job.status}
    total = value["total"] or 1
    value["percent"] = min(100, int(value["done"] * 100 / total))
    return value


def _rows(job: ImportJob):
    return read_table(job.file_name, bytes(job.content))


def _store(job: ImportJob, plan: Plan) -> None:
    job.to_create = len(plan.creates)
    job.to_update = len(plan.updates)
    job.error_count = len(plan.bad_lines)
    errors = sorted(plan.errors, key=lambda e: (e.line, e.column))
    job.errors = [e.as_dict() for e in errors[: settings.IMPORT_MAX_ERRORS_SHOWN]]
    job.preview = [{"action": "create", "record": str(obj), "fields": []} for obj in plan.creates[:PREVIEW_ROWS]] + [
        {"action": "update", "record": str(obj), "fields": sorted(changed)}
        for obj, changed in plan.updates[:PREVIEW_ROWS]
    ]


def start(job: ImportJob, status: str, *, allowed: tuple[str, ...]) -> bool:
    """Move the job into `status` if it is in one of `allowed` (one conditional UPDATE: a double
    click or a second worker finds it moved already)."""
    moved = ImportJob.objects.filter(pk=job.pk, status__in=allowed).update(status=status)
    if moved:
        job.status = status
    return bool(moved)


def dry_run(job_id: int) -> ImportJob:
    """Check every row and store the preview: rows to create, to update, and every bad row."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    started = time.monotonic()
    headers, rows = _rows(job)
    importer = importer_for(job.kind, job.created_by, headers, job.mapping, job.file_name)
    plan = importer.plan(rows, lambda done, total: set_progress(job.pk, done, total, "validating"))
    _store(job, plan)
    job.status = ImportJob.Status.VALIDATED
    job.validated_at = timezone.now()
    job.seconds = round(time.monotonic() - started, 2)
    job.save(
        update_fields=[
            "to_create",
            "to_update",
            "error_count",
            "errors",
            "preview",
            "status",
            "validated_at",
            "seconds",
        ]
    )
    return job


def commit(job_id: int) -> ImportJob:
    """Check the rows again (the data may have changed since the preview) and write them all in
    one transaction; any bad row rolls everything back and the job shows why."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status != ImportJob.Status.COMMITTING:
        return job
    started = time.monotonic()
    headers, rows = _rows(job)
    importer = importer_for(job.kind, job.created_by, headers, job.mapping, job.file_name)
    try:
        with transaction.atomic():
            plan = importer.plan(rows, lambda done, total: set_progress(job.pk, done // 2, total, "committing"))
            if plan.errors:
                raise _Rollback(plan)
            total = len(rows)
            created, updated = importer.execute(
                plan,
                lambda done, all_: set_progress(
                    job.pk, total // 2 + done * total // (2 * max(all_, 1)), total, "committing"
                ),
            )
    except _Rollback as failed:
        _store(job, failed.plan)
        job.status = ImportJob.Status.FAILED
        job.message = _("Nothing was imported: some rows are no longer valid.")
        job.save(update_fields=["to_create", "to_update", "error_count", "errors", "preview", "status", "message"])
        return job
    job.created_count, job.updated_count = created, updated
    job.status = ImportJob.Status.COMMITTED
    job.committed_at = timezone.now()
    job.seconds = round(time.monotonic() - started, 2)
    job.content = b""  # the data is in the CRM now; the hash still guards against a second import
    job.save(update_fields=["created_count", "updated_count", "status", "committed_at", "seconds", "content"])
    set_progress(job.pk, len(rows), len(rows), "committed")
    return job


class _Rollback(Exception):
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
