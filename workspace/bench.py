"""Benchmark pages of the workspace: global search (common and rare terms, Chinese and Latin,
short and long) for every role, and the admin's hand-over page."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from crm.benchmark import BenchContext, Page

# What users type: a company head (2 characters, common), a fuller company name, a mobile
# prefix (matches many), a demo lead email (matches one), a Latin word that matches nothing.
QUERIES = [
    ("company, 2 chars", "华信"),
    ("company name", "科技有限"),
    ("phone digits", "1381"),
    ("one email", "lead4321@example.com"),
    ("no match", "zzzz"),
]


def pages(ctx: BenchContext) -> list[Page]:
    url = reverse("workspace:search")
    result = []
    for label, text in QUERIES:
        for role, user in ctx.roles():
            result.append(Page(f"search, {label} ({role})", f"{url}?{urlencode({'q': text})}", user))
    result.append(Page("hand over a leaver's work (admin)", reverse("workspace:hand_over"), ctx.admin))
    return result
