"""Lead scoring (SPEC "Leads"): profile fit plus behaviour, by the rules set in admin.

`rescore_lead` recomputes a lead's score; the first time it reaches the admin's threshold the
lead is marked ready for sales and, if nobody owns it yet, routed by the assignment rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from .automation_models import LeadAutomationSettings, LeadEvent, ScoringRule
from .models import Lead


def _number(value: str) -> Decimal | None:
    try:
        return Decimal(value)
    except (InvalidOperation, ValueError):
        return None


def rule_points(rule: ScoringRule, lead: Lead, event_counts: Mapping[str, int]) -> int:
    """The points one rule gives one lead."""
    C = ScoringRule.Criterion
    if rule.criterion == C.EVENT:
        points = rule.points * event_counts.get(rule.value, 0)
        if rule.max_points is not None:
            points = min(points, rule.max_points)
        return points
    if rule.criterion == C.INDUSTRY:
        hit = lead.industry == rule.value
    elif rule.criterion == C.CUSTOMER_TYPE:
        hit = lead.customer_type == rule.value
    elif rule.criterion == C.REGION:
        hit = lead.region == rule.value
    elif rule.criterion == C.SOURCE:
        hit = lead.source.code == rule.value
    elif rule.criterion == C.BUDGET_AT_LEAST:
        threshold = _number(rule.value)
        hit = threshold is not None and lead.budget_amount is not None and lead.budget_amount >= threshold
    elif rule.criterion == C.COMPANY_SIZE_AT_LEAST:
        threshold = _number(rule.value)
        hit = threshold is not None and lead.company_size is not None and lead.company_size >= threshold
    else:
        hit = False
    return rule.points if hit else 0


def compute_score(lead: Lead, rules: Iterable[ScoringRule], event_counts: Mapping[str, int]) -> int:
    return sum(rule_points(rule, lead, event_counts) for rule in rules)


def record_event(lead: Lead, kind: str, *, detail: str = "", occurred_at: datetime | None = None) -> LeadEvent:
    """Record a behaviour event; the lead is re-scored after commit."""
    return LeadEvent.objects.create(
        lead=lead, kind=kind, detail=detail[:300], occurred_at=occurred_at or timezone.now()
    )


def rescore_lead(lead_id: int, *, now: datetime | None = None) -> Lead | None:
    """Recompute the score; mark the lead ready and route it the first time it reaches the threshold.

    A lead once surfaced stays ready (a lower score later does not take it back from the rep);
    a ready lead that is still unowned (no rule, no rep available before) is routed again.
    """
    from .assignment import assign_lead

    now = now or timezone.now()
    with transaction.atomic():
        lead = Lead.objects.select_for_update(of=("self",)).select_related("source").filter(pk=lead_id).first()
        if lead is None or not lead.is_open:
            return lead
        rules = list(ScoringRule.objects.filter(is_active=True))
        counts = dict(lead.events.values_list("kind").annotate(n=Count("pk")).values_list("kind", "n"))
        score = compute_score(lead, rules, counts)
        updates: dict = {}
        if score != lead.score:
            updates["score"] = score
        if lead.ready_for_sales_at is None and score >= LeadAutomationSettings.load().ready_threshold:
            updates["ready_for_sales_at"] = now
        if updates:
            Lead.objects.filter(pk=lead.pk).update(**updates)
            for name, value in updates.items():
                setattr(lead, name, value)
        if lead.ready_for_sales_at is not None and lead.owner_id is None:
            assign_lead(lead)
    return lead
