from __future__ import annotations

from django import template

from ..models import SavedView

register = template.Library()


@register.inclusion_tag("workspace/_saved_views.html", takes_context=True)
def saved_views_menu(context, page: str) -> dict:
    """The "saved views" menu of a list or the board: the user's views of it (one query) and
    a form to save the current filters under a name."""
    request = context["request"]
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "views": list(SavedView.objects.visible_to(request.user).filter(page=page)),
        "page": page,
        "query": query.urlencode(),
        "here": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("workspace/_bulk_bar.html", takes_context=True)
def bulk_bar(context, records: str) -> dict:
    """The bulk-action bar of the deal list (`records="opportunities"`) or the lead list."""
    from django.urls import reverse

    from accounts.models import assignable_users
    from crm.widgets import labelled

    from ..bulk import can_reassign

    request = context["request"]
    allowed = can_reassign(request.user)
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "bulk_url": reverse("workspace:bulk_deals" if records == "opportunities" else "workspace:bulk_leads"),
        "can_reassign": allowed,
        "assignable": labelled(assignable_users(request.user)) if allowed else [],
    }
