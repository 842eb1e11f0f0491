"""Import pages: upload, map the columns, preview (dry run), commit, follow the progress."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .forms import MappingForm, UploadForm
from .models import ImportJob, kinds_for
from .tasks import check_import, commit_import

if TYPE_CHECKING:
    from accounts.models import User

RECENT = 20


def get_job_for(user: User, pk: int) -> ImportJob:
    """The import with this id if `user` may see it (their own; an admin: any), else 404."""
    return get_object_or_404(ImportJob.objects.visible_to(user).defer("content").select_related("created_by"), pk=pk)


def _jobs(user: User):
    return ImportJob.objects.visible_to(user).defer("content").select_related("created_by")[:RECENT]


def upload(request: HttpRequest) -> HttpResponse:
    if not kinds_for(request.user):
        return HttpResponse(status=403)
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            job, new = services.upload(
                user=request.user,
                kind=form.cleaned_data["kind"],
                file_name=upload_file.name,
                content=upload_file.read(),
            )
        except services.ImportRefused as exc:
            form.add_error("file", str(exc))
        else:
            if not new:
                when = date_format(localtime(job.created_at), "DATETIME_FORMAT")
                if job.status == ImportJob.Status.COMMITTED:
                    messages.warning(
                        request,
                        _("You imported this file already (%(when)s); it is not imported twice.") % {"when": when},
                    )
                else:
                    messages.info(request, _("You uploaded this file already (%(when)s); here it is.") % {"when": when})
            return redirect(job)
    return render(request, "imports/upload.html", {"form": form, "jobs": _jobs(request.user)})


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_job_for(request.user, pk)
    form = None
    if job.status in (ImportJob.Status.MAPPING, ImportJob.Status.VALIDATED, ImportJob.Status.FAILED):
        form = MappingForm(job=job)
    return render(request, "imports/detail.html", _context(job, form))


def _context(job: ImportJob, form) -> dict:
    return {"job": job, "form": form, "progress": services.progress_of(job) if job.is_busy else None}


@require_POST
def check(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the column mapping and start the dry run."""
    job = get_job_for(request.user, pk)
    form = MappingForm(request.POST, job=job)
    if not form.is_valid():
        return render(request, "imports/detail.html", _context(job, form), status=400)
    allowed = (ImportJob.Status.MAPPING, ImportJob.Status.VALIDATED, ImportJob.Status.FAILED)
    with transaction.atomic():
        if not services.start(job, ImportJob.Status.VALIDATING, allowed=allowed):
            messages.error(request, _("This import is already running or done."))
            return redirect(job)
        ImportJob.objects.filter(pk=job.pk).update(mapping=form.mapping(), message="")
        services.set_progress(job.pk, 0, job.row_count, "validating")
        transaction.on_commit(lambda: check_import.delay(job.pk))
    return redirect(job)


@require_POST
def commit(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_job_for(request.user, pk)
    if not job.can_commit:
        messages.error(request, _("Only a checked file without bad rows can be imported."))
        return redirect(job)
    with transaction.atomic():
        if not services.start(job, ImportJob.Status.COMMITTING, allowed=(ImportJob.Status.VALIDATED,)):
            messages.error(request, _("This import is already running or done."))
            return redirect(job)
        services.set_progress(job.pk, 0, job.row_count, "committing")
        transaction.on_commit(lambda: commit_import.delay(job.pk))
    return redirect(job)


def progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar (htmx polls it); once the job is done, the page reloads itself."""
    job = get_job_for(request.user, pk)
    if not job.is_busy:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "imports/_progress.html", {"job": job, "progress": services.progress_of(job)})
