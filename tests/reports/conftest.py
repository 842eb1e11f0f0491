"""A small hand-made sales history with known figures (all times 10:00 Asia/Shanghai).

"Today" is 2025-05-15 12:00, so "this quarter" is April to June 2025.

| deal | owner    | now in      | amount  | history (entered)                              | notes                         |
| D1   | rep      | stage 1     | 100,000 | s1 04-01                                       | close 06-20, active 05-14     |
| D2   | rep      | stage 2     | 200,000 | s1 03-01, s2 04-10                             | close 05-10 (past due), stale |
| D3   | rep      | stage 3     | 300,000 | s1 04-05, s2 04-15, s3 05-01                   | close 07-15, active 05-14     |
| D4   | rep      | won         | 400,000 | s1 01-10, s2 03-01, s3 04-01, won 04-20        | source referral               |
| D5   | rep      | lost        |  50,000 | s1 04-02, lost 04-25 (Price)                   |                               |
| D6   | rep      | won         | 150,000 | s1 01-01, won 05-05 (skips 2 stages)           | 124 days in stage 1           |
| D7   | rep      | won (quick) |  30,000 | won 05-02                                      | quick win                     |
| D8   | teammate | stage 1     |  80,000 | s1 04-20                                       | close 08-05, stale            |
| D9   | teammate | lost        | 120,000 | s1 03-15, s2 04-01, lost 05-10 (Competitor)    |                               |
| D10  | outsider | stage 2     | 999,000 | s1 04-03, s2 04-08                             | close 06-01, other team       |
| D11  | outsider | won         | 777,000 | s1 04-01, won 04-30                            | other team                    |
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from leads.models import LeadSource
from opportunities.models import LossReason, Opportunity, Quota, StageChange

from ..factories import CustomerFactory, OpportunityFactory

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 5, 15, 12, 0, tzinfo=TZ)


def at(month: int, day: int, year: int = 2025) -> datetime:
    return datetime(year, month, day, 10, 0, tzinfo=TZ)


@pytest.fixture
def frozen(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    with time_machine.travel(NOW, tick=False):
        yield NOW


def make_deal(name, owner, stages, history, *, amount, source="website", **fields) -> Opportunity:
    """A deal with the given history: [(stage order, entered at, stages skipped)], the last is now.

    The StageChange rows are written here, back-dated, with the days spent in the previous stage.
    """
    final_order, entered, _ = history[-1]
    final = stages[final_order]
    deal = OpportunityFactory(
        name=name,
        owner=owner,
        customer=CustomerFactory(owner=owner, customer_type=fields.pop("customer_type", "enterprise")),
        stage=final,
        probability=final.probability,
        amount=Decimal(amount),
        created_at=history[0][1],
        stage_entered_at=entered,
        closed_at=None if final.is_open else entered,
        source=LeadSource.objects.get(code=source),
        **fields,
    )
    previous = None
    for order, when, skipped in history:
        stage = stages[order]
        StageChange.objects.create(
            opportunity=deal,
            from_stage=previous[0] if previous else None,
            to_stage=stage,
            from_probability=previous[0].probability if previous else None,
            to_probability=stage.probability,
            changed_at=when,
            days_in_previous_stage=Decimal((when - previous[1]).days) if previous else Decimal("0"),
            stages_skipped=skipped,
            amount=deal.amount,
            loss_reason=deal.loss_reason if stage.outcome == "lost" else None,
        )
        previous = (stage, when)
    return deal


@pytest.fixture
def history(frozen, rep, teammate, outsider, team, other_team, stages):
    price = LossReason.objects.get(name_en="Price")
    competitor = LossReason.objects.get(name_en="Competitor")
    deals = {
        "D1": make_deal(
            "D1",
            rep,
            stages,
            [(1, at(4, 1), 0)],
            amount=100000,
            expected_close_date=date(2025, 6, 20),
            last_activity_at=at(5, 14),
        ),
        "D2": make_deal(
            "D2",
            rep,
            stages,
            [(1, at(3, 1), 0), (2, at(4, 10), 0)],
            amount=200000,
            expected_close_date=date(2025, 5, 10),
        ),
        "D3": make_deal(
            "D3",
            rep,
            stages,
            [(1, at(4, 5), 0), (2, at(4, 15), 0), (3, at(5, 1), 0)],
            amount=300000,
            expected_close_date=date(2025, 7, 15),
            last_activity_at=at(5, 14),
        ),
        "D4": make_deal(
            "D4",
            rep,
            stages,
            [(1, at(1, 10), 0), (2, at(3, 1), 0), (3, at(4, 1), 0), (4, at(4, 20), 0)],
            amount=400000,
            source="referral",
            expected_close_date=date(2025, 4, 20),
        ),
        "D5": make_deal("D5", rep, stages, [(1, at(4, 2), 0), (5, at(4, 25), 0)], amount=50000, loss_reason=price),
        "D6": make_deal(
            "D6", rep, stages, [(1, at(1, 1), 0), (4, at(5, 5), 2)], amount=150000, expected_close_date=date(2025, 5, 5)
        ),
        "D7": make_deal("D7", rep, stages, [(4, at(5, 2), 0)], amount=30000, is_quick_win=True),
        "D8": make_deal(
            "D8", teammate, stages, [(1, at(4, 20), 0)], amount=80000, expected_close_date=date(2025, 8, 5)
        ),
        "D9": make_deal(
            "D9",
            teammate,
            stages,
            [(1, at(3, 15), 0), (2, at(4, 1), 0), (5, at(5, 10), 0)],
            amount=120000,
            loss_reason=competitor,
            customer_type="government",
        ),
        "D10": make_deal(
            "D10",
            outsider,
            stages,
            [(1, at(4, 3), 0), (2, at(4, 8), 0)],
            amount=999000,
            expected_close_date=date(2025, 6, 1),
        ),
        "D11": make_deal("D11", outsider, stages, [(1, at(4, 1), 0), (4, at(4, 30), 0)], amount=777000),
    }
    for user, month, amount in [(rep, 4, 200000), (rep, 5, 500000), (rep, 6, 100000), (teammate, 5, 300000)]:
        Quota.objects.create(user=user, month=date(2025, month, 1), amount=Decimal(amount))
    Quota.objects.create(team=team, month=date(2025, 5, 1), amount=Decimal("1000000"))
    Quota.objects.create(team=other_team, month=date(2025, 5, 1), amount=Decimal("2000000"))
    return deals
