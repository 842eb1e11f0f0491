"""Each report runs a fixed number of queries, whatever the amount of data."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opportunities.models import LossReason
from tests.conftest import client_for

from .conftest import at, make_deal

pytestmark = pytest.mark.django_db

# Ceilings per page (session, user, team and the header's unread-notification count included).
# The pipeline filter adds its choice list; the funnel, which shows one pipeline at a time, also
# finds the user's pipeline. A rep's or a small team's pages that read the stage history or the
# stage facts, or the customers of its closed deals, read the ids of their deals once first (the
# history is then read by deal).
CEILINGS = {
    "overview": 27,
    "funnel": 16,
    "forecast": 16,
    "conversion": 16,
    "winloss": 18,
    "team": 14,
    # + the leaders' approvals/team lookups of the merged features: measured 21 at both sizes.
    "quality": 21,
}


def _more_history(stages, owners) -> None:
    """Twenty more deals spread over the owners, with histories, wins, losses and skips."""
    for i in range(20):
        owner = owners[i % len(owners)]
        day = 1 + i % 27
        steps = [(1, at(3, day), 0), (2, at(4, day), 0)]
        if i % 4 == 1:
            steps.append((4, at(5, 1 + i % 10), 1))
        elif i % 4 == 2:
            steps.append((5, at(5, 1 + i % 10), 0))
        extra = {"loss_reason": LossReason.objects.order_by("pk").first()} if i % 4 == 2 else {}
        make_deal(f"X{i}", owner, stages, steps, amount=1000 * (i + 1), **extra)


def _counts(users) -> dict:
    counts = {}
    for user in users:
        client = client_for(user)
        for name in CEILINGS:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse(f"reports:{name}")).status_code == 200
            counts[(user.username, name)] = len(queries)
    return counts


def test_report_query_counts_do_not_grow_with_the_data(history, stages, rep, teammate, leader, admin_user, outsider):
    users = [rep, leader, admin_user]
    small = _counts(users)
    _more_history(stages, [rep, teammate, outsider])
    large = _counts(users)
    assert large == small, small
    for (username, name), count in small.items():
        assert count <= CEILINGS[name], (f"{name} as {username}: {count} queries", small)


@pytest.mark.parametrize("name", list(CEILINGS))
def test_each_report_stays_under_its_ceiling_for_a_leader(
    history, stages, leader, teammate, django_assert_max_num_queries, name
):
    client = client_for(leader)
    with django_assert_max_num_queries(CEILINGS[name]):
        client.get(reverse(f"reports:{name}"))
    _more_history(stages, [teammate])
    with django_assert_max_num_queries(CEILINGS[name]):
        client.get(reverse(f"reports:{name}"))
