"""The start page. The full "my day" workspace is built by the rep-workspace pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from opportunities.models import Opportunity


def home(request: HttpRequest) -> HttpResponse:
    deals = (
        Opportunity.objects.visible_to(request.user)
        .open()
        .with_weighted()
        .select_related("customer", "stage", "owner")
        .order_by("-weighted", "pk")[:20]
    )
    return render(request, "home.html", {"deals": deals, "now": timezone.now()})
