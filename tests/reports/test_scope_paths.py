"""A rep's or a small team's history is read by the ids of their deals, a wider scope's by
joining the deals: both ways give every report the same figures."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from opportunities.models import Opportunity
from reports import sections
from reports.filters import ReportFilter
from reports.periods import resolve_period
from reports.queries import base, build_scope

pytestmark = pytest.mark.django_db

PAGES = ["overview", "conversion", "quality", "winloss", "team", "funnel"]


def figures(user, period: str) -> dict:
    request = RequestFactory().get("/")
    request.user = user
    filterset = ReportFilter({"period": period}, request=request, queryset=Opportunity.objects.none())
    assert filterset.form.is_valid(), filterset.form.errors
    scope = build_scope(user, filterset, resolve_period(period))
    tables = {
        (page, section.table.key): section.table.rows
        for page in PAGES
        for section in getattr(sections, f"{page}_sections")(scope, True)
    }
    tables["headline"] = sections.headline_figures(scope)
    return scope, tables


@pytest.mark.parametrize("period", ["this_quarter", "all"])
def test_reports_give_the_same_figures_whether_the_history_is_read_by_deal_or_by_join(
    history, rep, leader, monkeypatch, period
):
    for user in (rep, leader):
        by_id_scope, by_id = figures(user, period)
        assert by_id_scope.own_deal_ids() is not None  # a rep's and this team's deals are few
        monkeypatch.setattr(base, "FEW_DEALS", 0)
        joined_scope, joined = figures(user, period)
        assert joined_scope.own_deal_ids() is None
        monkeypatch.undo()
        assert by_id == joined
        # The tables hold real figures: the conversion counted entries, the quality flags a skip.
        assert any(row["entered"] for row in by_id["conversion", "conversion"])
