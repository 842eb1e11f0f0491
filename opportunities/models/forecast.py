"""The forecast-category rule, in Python and in SQL side by side (keep them in step).

Which category a deal counts in:
1. a closed deal: won is Closed, lost is Omitted, whatever anyone said before;
2. for the team forecast, the leader's judgement when there is one (Salesforce's manager
   judgement);
3. the rep's override when there is one;
4. the stage's default category (admin sets it per stage).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Case, CharField, F, Q, Value, When

from crm.choices import ForecastCategory

from .stages import Stage

# What a rep or a leader may choose for an open deal (Closed comes only from winning it).
CHOOSABLE = (ForecastCategory.PIPELINE, ForecastCategory.BEST_CASE, ForecastCategory.COMMIT, ForecastCategory.OMITTED)


def resolve_category(stage: Stage, override: str = "", judgement: str = "", *, with_judgement: bool = True) -> str:
    """The rule above for one deal's values."""
    if stage.outcome != Stage.Outcome.OPEN:
        return stage.default_forecast_category
    if with_judgement and judgement:
        return judgement
    if override:
        return override
    return stage.forecast_category


def category_expression(stages: Iterable[Stage], *, with_judgement: bool = True, prefix: str = "") -> Case:
    """The same rule as an SQL CASE over a deal's columns (stage ids from the loaded stages,
    so no join on the stage table)."""
    stages = list(stages)
    whens = []
    for outcome, category in (
        (Stage.Outcome.WON, ForecastCategory.CLOSED),
        (Stage.Outcome.LOST, ForecastCategory.OMITTED),
    ):
        ids = [s.pk for s in stages if s.outcome == outcome]
        if ids:
            whens.append(When(Q(**{f"{prefix}stage_id__in": ids}), then=Value(category)))
    if with_judgement:
        whens.append(When(~Q(**{f"{prefix}manager_category": ""}), then=F(f"{prefix}manager_category")))
    whens.append(When(~Q(**{f"{prefix}forecast_category_override": ""}), then=F(f"{prefix}forecast_category_override")))
    by_category: dict[str, list[int]] = {}
    for stage in stages:
        if stage.outcome == Stage.Outcome.OPEN:
            by_category.setdefault(stage.forecast_category, []).append(stage.pk)
    for category, ids in by_category.items():
        whens.append(When(Q(**{f"{prefix}stage_id__in": ids}), then=Value(category)))
    return Case(*whens, default=Value(ForecastCategory.PIPELINE), output_field=CharField())
