"""Formatting shared by every page: money in the installation's currency, percentages."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.conf import settings
from django.urls import resolve
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
    request = context.get("request")
    if request is None:
        return ""
    try:
        match = resolve(request.path_info)
    except Exception:
        return ""
    current = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
    if current == name or (":" in name and match.namespace == name.split(":")[0] and name.endswith(":list")
                           and current != "opportunities:board"):
        return "active"
    return ""
