"""The forecast-truth pages: signed-in only, scoped like every report, a fixed number of
queries whatever the data, and readable in both languages."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.conftest import client_for

from .conftest import at, make_deal

pytestmark = pytest.mark.django_db

PAGES = ["inspection", "accuracy", "calibration"]
# Session, user, team, the header's notification count and the report's own queries.
# A leader's pages: + the forecast categories' stage list (measured flat at both sizes).
# (+1 for a small scope's deal ids, read once before its history: see `ReportScope.own_deal_ids`)
CEILINGS = {"inspection": 21, "accuracy": 14, "calibration": 13}


def test_the_pages_need_a_signed_in_user(client):
    for name in PAGES:
        response = client.get(reverse(f"reports:{name}"))
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_report_nav_links_the_new_pages(history, leader_client):
    html = leader_client.get(reverse("reports:overview")).content.decode()
    for name in PAGES:
        assert f'href="{reverse(f"reports:{name}")}' in html


def test_a_leader_cannot_pick_another_team_on_the_new_pages(history, leader_client, other_team, outsider):
    for name in PAGES:
        response = leader_client.get(reverse(f"reports:{name}"), {"team": other_team.pk})
        assert response.status_code == 200
        assert "team" in response.context["filter"].form.errors
        assert str(outsider) not in response.content.decode()


def test_the_pages_read_in_chinese(history, leader):
    client = client_for(leader)
    for name in PAGES:
        with translation.override("zh-hans"):
            response = client.get(reverse(f"reports:{name}"), HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200


def _more(stages, owners, offset: int) -> None:
    for i in range(15):
        steps = [(1, at(3, 1 + i), 0), (2, at(4, 1 + i), 0)]
        if i % 3 == 1:
            steps.append((4, at(5, 1 + i % 9), 0))
        make_deal(f"Y{offset + i}", owners[i % len(owners)], stages, steps, amount=1000 * (i + 1))


def _counts(users) -> dict:
    counts = {}
    for user in users:
        client = client_for(user)
        for name in PAGES:
            client.get(reverse(f"reports:{name}"))  # warm the per-process content-type cache
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse(f"reports:{name}")).status_code == 200
            counts[(user.username, name)] = len(queries)
    return counts


def test_the_query_counts_do_not_grow_with_the_data(history, stages, rep, teammate, outsider, leader, admin_user):
    users = [rep, leader, admin_user]
    call_command("snapshot_forecast", "--week", "2025-W14", "--weeks", "3")
    small = _counts(users)
    _more(stages, [rep, teammate, outsider], 0)
    call_command("snapshot_forecast", "--week", "2025-W20", "--weeks", "6")
    large = _counts(users)
    assert large == small, small
    for (username, name), count in small.items():
        assert count <= CEILINGS[name], (f"{name} as {username}: {count} queries", small)
