"""The recycle bin (回收站): what was deleted in the user's scope, and restoring it."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from crm.softdelete import retention_days

from .registry import BY_KEY, KINDS

PER_KIND_LIMIT = 100


def binned(kind, user):
    """The records of this kind in the bin that `user` may see (their scope, as everywhere)."""
    return kind.model.all_objects.visible_to(user).filter(deleted_at__isnull=False, purged_at__isnull=True)


def recycle_bin(request: HttpRequest) -> HttpResponse:
    chosen = request.GET.get("kind", "")
    kinds = [BY_KEY[chosen]] if chosen in BY_KEY else list(KINDS)
    rows = []
    for kind in kinds:
        for obj in binned(kind, request.user).select_related(*kind.related).order_by("-deleted_at")[:PER_KIND_LIMIT]:
            rows.append({"kind": kind, "obj": obj, "owner": _owner(obj)})
    rows.sort(key=lambda row: row["obj"].deleted_at, reverse=True)
    user = request.user
    return render(
        request,
        "recyclebin/list.html",
        {
            "rows": rows,
            "kinds": KINDS,
            "chosen": chosen if chosen in BY_KEY else "",
            "can_restore": user.is_admin or user.is_leader,
            "retention_days": retention_days(),
            "restorable_after": timezone.now() - timedelta(days=retention_days()),
        },
    )


def _owner(obj):
    """The user the record belongs to, from the relations already selected."""
    for path in ("owner", "customer.owner", "opportunity.owner", "lead.owner"):
        value = obj
        for part in path.split("."):
            value = getattr(value, part, None) if value is not None else None
        if value is not None and hasattr(value, "username"):
            return value
    return None


@require_POST
def restore(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    entry = BY_KEY.get(kind)
    if entry is None:
        raise Http404
    obj = get_object_or_404(binned(entry, request.user), pk=pk)
    if not obj.can_be_restored_by(request.user):
        raise PermissionDenied(gettext("Only the owner's leader or an administrator can restore."))
    try:
        obj.restore(by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, gettext("“%(name)s” restored.") % {"name": obj})
    return redirect(f"{reverse('recyclebin:list')}?kind={request.POST.get('return_kind', '')}")
