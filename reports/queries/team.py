"""Team: the leaderboard against target, openers versus converters, and (admins) teams side by side."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, Sum
from django.db.models.functions import Coalesce

from accounts.models import Team, visible_users
from opportunities.models import Quota

from .base import ReportScope, money, ratio
from .owners import owner_figures, per_owner_aggregates
from .targets import target_per_rep


def _figures(row: dict, target: Decimal | None) -> dict:
    won_amount = money(row.get("won_amount"))
    closed_won, closed_lost = row.get("closed_won", 0), row.get("closed_lost", 0)
    return {
        "won_amount": won_amount,
        "won_count": row.get("won_count", 0),
        "target": target,
        "attainment": ratio(won_amount, target) if target else None,
        "new_count": row.get("new_count", 0),
        "conversion_rate": ratio(closed_won, closed_won + closed_lost),
        "weighted": money(row.get("weighted")),
        "stale": row.get("stale", 0),
    }


def leaderboard_rows(scope: ReportScope) -> list[dict]:
    """One row per visible rep (those without deals too), best won amount first. Three queries.

    Won amount and count count every deal won in the period, quick wins included (they are
    real revenue); new deals and the conversion rate (won / closed in the period) leave quick
    wins out, as the stage statistics do.
    """
    people = visible_users(scope.user).filter(is_active=True)
    if scope.team is not None:
        people = people.filter(team=scope.team)
    if scope.rep is not None:
        people = people.filter(pk=scope.rep.pk)
    people = list(
        people.only("pk", "first_name", "last_name", "username")
        .annotate(leads_a_team=Exists(Team.objects.filter(leader=OuterRef("pk"))))
        .order_by("pk")
    )
    figures = owner_figures(scope)
    months = scope.period.months()
    targets = target_per_rep(scope, months)
    rows = []
    for person in people:
        if person.leads_a_team and not figures.get(person.pk) and not targets.get(person.pk):
            continue  # a leader who sells nothing themselves is not a rep at ¥0 on their own board
        target = targets.get(person.pk, money(0)) if months else None
        rows.append({"owner_id": person.pk, "rep": str(person), **_figures(figures.get(person.pk, {}), target)})
    return sorted(rows, key=lambda r: (-r["won_amount"], -r["won_count"], r["rep"]))


def team_rows(scope: ReportScope) -> list[dict]:
    """Admins compare teams: the same figures per team, against the team target. Three queries."""
    teams = Team.objects.filter(is_active=True)
    if scope.team is not None:
        teams = teams.filter(pk=scope.team.pk)
    teams = list(teams.order_by("name"))
    figures = {
        row["owner__team_id"]: row
        for row in scope.deals().values("owner__team_id").annotate(**per_owner_aggregates(scope)).order_by()
    }
    months = scope.period.months()
    per_team: dict[int, Decimal] = defaultdict(Decimal)
    if months:
        quota_rows = (
            Quota.objects.filter(month__in=months)
            .annotate(team_key=Coalesce("team_id", "user__team_id"))
            .values("month", "team_key")
            .annotate(
                team_total=Sum("amount", filter=Q(team__isnull=False)),
                rep_total=Sum("amount", filter=Q(user__isnull=False)),
            )
            .order_by()
        )
        for row in quota_rows:
            amount = row["team_total"] if row["team_total"] is not None else row["rep_total"]
            per_team[row["team_key"]] += money(amount)
    return [
        {
            "team_id": team.pk,
            "team": team.name,
            **_figures(figures.get(team.pk, {}), money(per_team[team.pk]) if months else None),
        }
        for team in teams
    ]
