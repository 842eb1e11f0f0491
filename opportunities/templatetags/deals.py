"""Small display helpers for deal and lead pages."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.template.loader import render_to_string
from django.utils import timezone

register = template.Library()


@register.filter
def days_since(value: datetime | None, now: datetime | None = None) -> int | str:
    """Whole days from `value` to `now` (default: this moment); "" when there is no date."""
    if not value:
        return ""
    return max(((now or timezone.now()) - value).days, 0)


@register.filter
def is_past(value: datetime | None, now: datetime | None = None) -> bool:
    return bool(value) and value < (now or timezone.now())


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (pagination and sort links)."""
    request = context["request"]
    query = request.GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


@register.simple_tag(takes_context=True)
def stage_menu_items(context, stage_id: int) -> str:
    """The board card's "move to" entries for a deal in `stage_id` (all but Lost, which asks for
    a reason). Rendered once per stage per page and reused by every card in that stage: the
    board shows up to a hundred cards and the entries only depend on the deal's stage."""
    request = context.get("request")
    cache = request.__dict__.setdefault("_stage_menu_items", {}) if request is not None else {}
    if stage_id not in cache:
        cache[stage_id] = render_to_string(
            "opportunities/_stage_menu_items.html", {"stages": context["stages"], "current": stage_id}
        )
    return cache[stage_id]
