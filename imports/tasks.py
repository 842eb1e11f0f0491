"""Import jobs: the dry run and the commit of an uploaded file, by id, safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.utils.translation import gettext as _

from . import services
from .models import ImportJob


@shared_task(name="imports.check_import", acks_late=True, soft_time_limit=None)
def check_import(job_id: int) -> int:
    try:
        job = services.dry_run(job_id)
    except Exception:
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED, message=_("The file could not be checked; upload it again.")
        )
        raise
    return job.error_count


@shared_task(name="imports.commit_import", acks_late=True)
def commit_import(job_id: int) -> int:
    try:
        job = services.commit(job_id)
    except Exception:
        ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.COMMITTING).update(
            status=ImportJob.Status.FAILED, message=_("The import stopped with an error; nothing was imported.")
        )
        raise
    return job.created_count + job.updated_count
