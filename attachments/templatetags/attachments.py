from __future__ import annotations

from django import template

from ..models import Attachment, allowed_extensions

register = template.Library()


@register.inclusion_tag("attachments/_panel.html", takes_context=True)
def files_panel(context, record):
    """The files of a deal or a customer, with the upload form (one query)."""
    field = "opportunity" if record._meta.model_name == "opportunity" else "customer"
    files = Attachment.objects.filter(**{field: record}).select_related("uploaded_by")
    return {
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "record": record,
        "kind": "deal" if field == "opportunity" else "customer",
        "files": files,
        "accept": ",".join(f".{ext}" for ext in allowed_extensions()),
    }
