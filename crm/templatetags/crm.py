"""Formatting shared by every page: money in the installation's currency, percentages."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.conf import settings
from django.utils.formats import number_format

register = template.Library()

SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "HKD": "HK$"}


@register.filter
def money(value, decimals: int = 0) -> str:
    """¥1,234,567 — the currency symbol of CRM_CURRENCY and the active language's separators."""
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    symbol = SYMBOLS.get(settings.CRM_CURRENCY, settings.CRM_CURRENCY + " ")
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol}{number_format(abs(amount), int(decimals), force_grouping=True)}"


@register.filter
def percent(value) -> str:
    if value is None:
        return "—"
    return f"{number_format(value, 0)} %"


@register.simple_tag(takes_context=True)
def nav_active(context, name: str) -> str:
    """ "active" for the header item of the current section (the board is its own section)."""
    match = getattr(context.get("request"), "resolver_match", None)
    if match is None:
        return ""
    current = match.view_name
    if current == name:
        return "active"
    namespace = name.split(":")[0]
    if name.endswith(":list") and match.namespace == namespace and current != "opportunities:board":
        return "active"
    return ""


@register.simple_tag
def idempotency_key() -> str:
    """The hidden idempotency key of a hand-written form that creates a record
    (`crm.idempotency`); forms built on `crm.forms.CreateForm` carry it themselves."""
    from django.utils.html import format_html

    from crm.forms import IDEMPOTENCY_FIELD, new_key

    return format_html('<input type="hidden" name="{}" value="{}">', IDEMPOTENCY_FIELD, new_key())
