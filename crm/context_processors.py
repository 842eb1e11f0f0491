from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# The header's sections; a section whose app has no page yet is left out.
NAV = [
    ("home", _("My day"), "bi-sun"),
    ("leads:list", _("Leads"), "bi-funnel"),
    ("opportunities:list", _("Opportunities"), "bi-briefcase"),
    ("opportunities:board", _("Pipeline"), "bi-kanban"),
    ("customers:list", _("Customers"), "bi-building"),
    ("reports:overview", _("Reports"), "bi-bar-chart"),
]


def _nav() -> list[dict]:
    items = []
    for name, label, icon in NAV:
        try:
            items.append({"name": name, "url": reverse(name), "label": label, "icon": icon})
        except NoReverseMatch:
            continue
    return items


def crm(request) -> dict:
    return {
        "nav_items": _nav(),
        "CRM_CURRENCY": settings.CRM_CURRENCY,
        "RECYCLE_BIN_RETENTION_DAYS": settings.RECYCLE_BIN_RETENTION_DAYS,
    }
