"""Deleting a deal or a follow-up moves it to the recycle bin (see `crm.softdelete`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_POST

from crm.softdelete import move_to_bin_response

from ..models import Activity
from .common import get_opportunity_for


@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    deal = get_opportunity_for(request.user, pk)
    return move_to_bin_response(request, deal, reverse("opportunities:list"), back=deal.get_absolute_url())


@require_POST
def delete_follow_up(request: HttpRequest, activity_pk: int) -> HttpResponse:
    activity = get_object_or_404(
        Activity.objects.visible_to(request.user).select_related("opportunity", "lead"), pk=activity_pk
    )
    record = activity.opportunity or activity.lead
    return move_to_bin_response(request, activity, f"{record.get_absolute_url()}#timeline")
