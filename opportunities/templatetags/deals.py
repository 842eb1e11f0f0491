"""Small display helpers for deal and lead pages."""

from __future__ import annotations

from datetime import datetime

from django import template
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
def board_card(context, deal) -> str:
    """A deal's card on the board (`opportunities.cards`: written in Python, a hundred a page)."""
    from ..cards import CardPage

    return CardPage.for_context(context).card(deal)


@register.simple_tag(takes_context=True)
def deal_row(context, deal) -> str:
    """A deal's row in the deal list (`opportunities.rows`: written in Python, 25 a page)."""
    from ..rows import RowPage

    return RowPage.for_context(context).row(deal)


@register.simple_tag
def pushes_badge(deal) -> str:
    """How often the deal's close date moved later, as a badge (`opportunities.cards`)."""
    from ..cards import pushes_badge as badge

    return badge(deal)
