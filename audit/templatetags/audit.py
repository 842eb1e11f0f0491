"""Dates on history entries: "3 Nov" this year, "3 Nov 2025" before (in Chinese "11月3日")."""

from __future__ import annotations

from django import template

from audit.display import format_day

register = template.Library()


@register.filter
def history_day(value) -> str:
    return format_day(value) if value else ""
