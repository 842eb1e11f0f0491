"""Upload, download and delete files on a deal or a customer; every fetch goes through `visible_to`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from crm.softdelete import move_to_bin_response
from customers.views import get_customer_for
from opportunities.views.common import get_opportunity_for

from .models import Attachment


def _store(request: HttpRequest, **record) -> HttpResponse:
    target = next(iter(record.values()))
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, gettext("Choose a file to upload."))
    else:
        try:
            Attachment.attach(by=request.user, upload=upload, **record)
        except ValidationError as exc:
            for errors in exc.message_dict.values():
                for error in errors:
                    messages.error(request, error)
        else:
            messages.success(request, gettext("File “%(name)s” uploaded.") % {"name": upload.name})
    return redirect(f"{target.get_absolute_url()}#files")


@require_POST
def upload_to_deal(request: HttpRequest, pk: int) -> HttpResponse:
    return _store(request, opportunity=get_opportunity_for(request.user, pk))


@require_POST
def upload_to_customer(request: HttpRequest, pk: int) -> HttpResponse:
    return _store(request, customer=get_customer_for(request.user, pk))


def get_attachment_for(user, pk: int) -> Attachment:
    return get_object_or_404(Attachment.objects.visible_to(user), pk=pk)


@require_GET
def download(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = get_attachment_for(request.user, pk)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404(gettext("The stored file is missing.")) from exc
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.name, content_type=attachment.content_type or None
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = get_attachment_for(request.user, pk)
    parent = attachment.opportunity if attachment.opportunity_id else attachment.customer
    return move_to_bin_response(request, attachment, f"{parent.get_absolute_url()}#files")
