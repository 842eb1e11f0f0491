"""PostgreSQL compares the deals in one statement, other databases in Python: on a random history
of a hundred deals both give the same inspection, to the row, for every kind of user, comparison
point, period and page size."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from audit.models import FieldChange
from crm.choices import ForecastCategory
from opportunities.models import Opportunity, Pipeline, Stage, StageChange
from reports.filters import ReportFilter
from reports.periods import resolve_period
from reports.queries import base, inspection
from reports.queries.base import build_scope
from tests.factories import CustomerFactory, OpportunityFactory, UserFactory

from .conftest import at

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the comparison in one statement is PostgreSQL's"),
]

CATEGORIES = ["", ForecastCategory.PIPELINE, ForecastCategory.BEST_CASE, ForecastCategory.COMMIT]


def _some_close(rng) -> str | None:
    if rng.random() < 0.15:
        return rng.choice([None, ""])
    return (date(2025, 3, 1) + timedelta(days=rng.randrange(0, 200))).isoformat()


@pytest.fixture
def random_history(frozen, rep, teammate, outsider, stages):
    """A hundred deals of three reps with random values and a random history of stage moves and
    field changes (old values of every kind: cleared dates, categories, stages of another
    pipeline, the first move of a deal made after the point), some closed before the points."""
    rng = random.Random(20250515)
    other_pipeline = Pipeline.objects.create(name="Renewals", order=9)
    foreign = Stage.objects.create(pipeline=other_pipeline, name="Foreign", order=1, probability=30)
    all_stages = [*stages.values(), foreign]
    content_type = ContentType.objects.get_for_model(Opportunity)
    owners = [rep, rep, teammate, outsider]
    customers = {owner.pk: CustomerFactory(owner=owner) for owner in owners}
    changes, moves = [], []
    for n in range(100):
        owner = rng.choice(owners)
        stage = rng.choice(all_stages)
        created = at(2, 1) + timedelta(hours=rng.randrange(0, 24 * 100))
        closed_at = None if stage.is_open else created + timedelta(hours=rng.randrange(0, 24 * 100))
        deal = OpportunityFactory(
            name=f"R{n}",
            owner=owner,
            customer=customers[owner.pk],
            stage=stage,
            probability=stage.probability,
            # A few amounts only, so rows tie on amount and are ordered by id.
            amount=Decimal(rng.choice([0, 10000, 25000, 25000, 80000, 120000])),
            expected_close_date=date.fromisoformat(close) if (close := _some_close(rng)) else None,
            forecast_category_override=rng.choice(CATEGORIES),
            manager_category=rng.choice(CATEGORIES),
            created_at=created,
            stage_entered_at=created,
            closed_at=min(closed_at, at(5, 15)) if closed_at else None,
        )
        for _ in range(rng.randrange(0, 6)):
            when = created + timedelta(hours=rng.randrange(0, 24 * 110))
            field = rng.choice([*inspection.COMPARED_FIELDS, "probability", "owner_id"])
            old = {
                "amount": lambda: rng.choice(["0", "5000.00", "25000.00", "150000.00"]),
                "expected_close_date": lambda: _some_close(rng),
                "stage_id": lambda: str(rng.choice(all_stages).pk),
                "forecast_category_override": lambda: rng.choice([*CATEGORIES, None]),
                "manager_category": lambda: rng.choice([*CATEGORIES, None]),
                "probability": lambda: str(rng.choice([10, 50, 90])),
                "owner_id": lambda: str(rng.choice(owners).pk),
            }[field]()
            changes.append(
                FieldChange(
                    content_type=content_type,
                    object_id=deal.pk,
                    field=field,
                    old_value=old,
                    new_value="",
                    changed_at=when,
                )
            )
        for _ in range(rng.randrange(0, 4)):
            when = created + timedelta(hours=rng.randrange(0, 24 * 110))
            source = None if rng.random() < 0.1 else rng.choice(all_stages)
            moves.append(
                StageChange(
                    opportunity=deal,
                    from_stage=source,
                    to_stage=rng.choice(all_stages),
                    from_probability=source.probability if source else None,
                    to_probability=stage.probability,
                    changed_at=when,
                    days_in_previous_stage=Decimal(1),
                    amount=deal.amount,
                )
            )
    FieldChange.objects.bulk_create(changes)
    StageChange.objects.bulk_create(moves)
    return other_pipeline


def compared_in_python(*args, **how):
    """The comparison other databases use, in place of PostgreSQL's (which reads the same
    history either by period or deal by deal)."""
    return inspection._compare_in_python(*args)


# How the history of a scope is read: by a list of its deals' ids (a rep's), by period for a wide
# scope, or deal by deal (a team's); each way must give what Python gives.
HISTORY_READS = {"by ids": (1_000, 0), "by period": (0, 0), "deal by deal": (0, 10_000)}


@pytest.mark.parametrize("history", HISTORY_READS)
@pytest.mark.parametrize("who", ["rep", "leader", "other_leader", "admin_user", "newcomer"])
def test_postgresql_and_python_give_the_same_inspection_of_a_random_history(
    random_history, request, monkeypatch, who, history
):
    user = request.getfixturevalue(who) if who != "newcomer" else UserFactory(username="newcomer")
    few_deals, by_deal = HISTORY_READS[history]
    monkeypatch.setattr(base, "FEW_DEALS", few_deals)
    monkeypatch.setattr(base, "TEAM_DEALS", by_deal)
    cases = [
        (since, period, pipeline, limit)
        for since, _label in inspection.SINCE_CHOICES
        for period in ("this_quarter", "last_month", "all")
        for pipeline in (None, random_history)
        for limit in (None, 7)
    ]

    def inspect(since, period, pipeline, limit):
        scope = build_scope(user, None, resolve_period(period, date(2025, 5, 15)), pipeline=pipeline)
        return inspection.inspection_rows(scope, since, limit)

    in_sql = {case: inspect(*case) for case in cases}
    monkeypatch.setattr(inspection, "_compare_in_sql", compared_in_python)
    in_python = {case: inspect(*case) for case in cases}

    for case in cases:
        assert in_sql[case] == in_python[case], case
    found = {g["key"] for result in in_sql.values() for g in result["groups"] if g["count"]}
    if who == "newcomer":  # nothing of theirs changed, in either
        assert found == set() and all(not result["rows"] for result in in_sql.values())
        return
    # The history is rich enough to mean something: a page of 7 rows leaves some out, and in the
    # wide scopes every group has deals somewhere.
    assert max(result["total"] for result in in_sql.values()) > 7
    if who in ("leader", "admin_user"):
        assert found >= {key for key, _label in inspection.GROUPS}


def test_an_admin_filtering_by_team_or_rep_gets_the_same_inspection_both_ways(
    random_history, admin_user, team, rep, monkeypatch
):
    def inspect(filters):
        http = RequestFactory().get("/reports/inspection/", filters)
        http.user = admin_user
        filterset = ReportFilter(http.GET, request=http, queryset=Opportunity.objects.none())
        scope = build_scope(admin_user, filterset, resolve_period("this_quarter", date(2025, 5, 15)))
        return inspection.inspection_rows(scope, "quarter", 7)

    monkeypatch.setattr(base, "FEW_DEALS", 0)
    monkeypatch.setattr(base, "TEAM_DEALS", 10_000)
    choices = [{"team": team.pk}, {"rep": rep.pk}]
    in_sql = [inspect(filters) for filters in choices]
    monkeypatch.setattr(inspection, "_compare_in_sql", compared_in_python)
    assert in_sql == [inspect(filters) for filters in choices]
    everyone = inspect({})
    assert 0 < in_sql[1]["total"] < in_sql[0]["total"] < everyone["total"]


def _move_at_random(rng, deals, stages, by) -> int:
    """Random edits and stage moves through the app's own paths (each writes its history now,
    after the quarter opened); moves the rules refuse are skipped. How many were made."""
    from opportunities.models import StageMoveRefused

    made = 0
    for deal in rng.sample(deals, 40):
        deal.refresh_from_db()
        kind = rng.choice(["amount", "close", "category", "stage", "stage"])
        if kind == "stage":
            try:
                deal.move_to(rng.choice(stages), by=by, note="random")
            except StageMoveRefused:
                continue
        else:
            if kind == "amount":
                deal.amount = Decimal(rng.choice([0, 10000, 25000, 99000]))
            elif kind == "close":
                deal.expected_close_date = date(2025, 4, 1) + timedelta(days=rng.randrange(0, 200))
            else:
                deal.forecast_category_override = rng.choice(CATEGORIES)
            deal.save()
        made += 1
    return made


@pytest.mark.parametrize("who", ["leader", "admin_user", "newcomer"])
def test_the_inspection_since_the_quarters_opening_equals_the_one_undone_from_history(
    random_history, request, monkeypatch, who, admin_user, stages
):
    """Once the quarter's opening is recorded, a wide scope compares with it: after random moves
    made since, it gives, to the row, what undoing the whole history gives."""
    from reports.openings import record_opening

    user = request.getfixturevalue(who) if who != "newcomer" else UserFactory(username="newcomer")
    deals = list(Opportunity.objects.order_by("pk"))
    binned = deals[:3]  # in the bin when the quarter is recorded; two come back afterwards
    for deal in binned:
        deal.move_to_bin(by=admin_user)
    assert record_opening().deals > 0
    for deal in binned[:2]:
        Opportunity.all_objects.get(pk=deal.pk).restore(by=admin_user)
    for deal in deals[3:5]:
        deal.move_to_bin(by=admin_user)
    # The moves are made after the last of the random history (which reaches into the summer),
    # as history is written as it happens, then the inspection is read "today" again.
    with time_machine.travel(datetime(2025, 9, 1, tzinfo=timezone.get_current_timezone()), tick=False):
        deals = list(Opportunity.objects.order_by("pk"))
        assert _move_at_random(random.Random(7), deals, list(stages.values()), admin_user) > 10
    monkeypatch.setattr(base, "FEW_DEALS", 0)
    monkeypatch.setattr(base, "TEAM_DEALS", 0)
    compared = []
    real = inspection._then_from_opening
    monkeypatch.setattr(inspection, "_then_from_opening", lambda *args: compared.append(args[0]) or real(*args))
    cases = [
        (period, pipeline, limit)
        for period in ("this_quarter", "last_month", "all")
        for pipeline in (None, random_history)
        for limit in (None, 7)
    ]

    def inspect(period, pipeline, limit):
        scope = build_scope(user, None, resolve_period(period, date(2025, 5, 15)), pipeline=pipeline)
        return inspection.inspection_rows(scope, "quarter", limit)

    from_opening = {case: inspect(*case) for case in cases}
    # Every one of them read the opening (a newcomer's no deals are read by their ids).
    assert len(compared) == (len(cases) if who != "newcomer" else 0)
    monkeypatch.setattr(inspection, "_compare_in_sql", compared_in_python)
    for case in cases:
        assert from_opening[case] == inspect(*case), case
    if who != "newcomer":
        assert max(result["total"] for result in from_opening.values()) > 7
