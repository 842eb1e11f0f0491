"""Access getters and small helpers shared by the deal views."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.http import url_has_allowed_host_and_scheme

from ..models import Opportunity, Stage

if TYPE_CHECKING:
    from accounts.models import User


def get_opportunity_for(user: User, pk: int) -> Opportunity:
    """The deal with this id if `user` may see it, else 404 (never a bare `.get`)."""
    queryset = Opportunity.objects.visible_to(user).select_related(
        "customer",
        "stage__pipeline",
        "owner__team",
        "primary_contact",
        "loss_reason",
        "source",
        "parent",
        "manager_category_by",
    )
    return get_object_or_404(queryset, pk=pk)


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def safe_next(request: HttpRequest, default: str) -> str:
    """The `next` URL the form came from, if it stays on this site."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def active_stages(pipeline=None) -> list[Stage]:
    """The configured stages of `pipeline` (None: of every pipeline), in order: open ones, then won, then lost."""
    stages = Stage.objects.active().select_related("pipeline")
    if pipeline is not None:
        return list(stages.filter(pipeline=pipeline).order_by("order"))
    return list(stages.order_by("pipeline__order", "pipeline_id", "order"))
