"""Demo data for the automation (called by `seed_demo` after the sales data exists): stale
deals, overdue follow-ups, a pending large-deal approval, routing rules and scored web leads,
then one reminder run so that a newcomer sees every kind of notification at first sign-in."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import Team, User
from leads.models import AssignmentRule, Lead, LeadAutomationSettings, LeadEvent, LeadSource
from leads.scoring import rescore_lead
from opportunities.models import ApprovalRequest, Opportunity, Stage

from .reminders import run_all

# Above this many deals the data is a benchmark, not a demo: leave the scans to the scheduler.
SCAN_LIMIT = 5000


def _routing(teams: list[Team]) -> None:
    if AssignmentRule.objects.exists() or not teams:
        return
    website = LeadSource.objects.filter(code="website").first()
    AssignmentRule.objects.create(name="官网表单 → " + teams[0].name, order=10, source=website, team=teams[0])
    if len(teams) > 1:
        AssignmentRule.objects.create(name="华北 → " + teams[1].name, order=20, region="north", team=teams[1])
    settings = LeadAutomationSettings.load()
    settings.default_team = settings.default_team or teams[0]
    settings.save()


def _open_deals(user: User, stage: Stage | None = None):
    qs = Opportunity.objects.filter(owner=user, stage__outcome=Stage.Outcome.OPEN).order_by("pk")
    return qs.filter(stage=stage) if stage is not None else qs


def _pending_approval(rep: User, stages: dict[int, Stage]) -> ApprovalRequest | None:
    from customers.models import Contact

    target = next((s for s in stages.values() if s.is_open and s.approval_threshold), None)
    if target is None:
        return None
    before = [s for s in stages.values() if s.is_open and s.order < target.order]
    deal = _open_deals(rep).filter(stage__in=before).exclude(approval_requests__status="pending").last()
    if deal is None:
        return None
    contact = deal.primary_contact or deal.customer.contacts.first()
    if contact is None:
        contact = Contact.objects.create(customer=deal.customer, name="张总", title="总经理")
    Contact.objects.filter(pk=contact.pk).update(buying_role=Contact.BuyingRole.DECISION_MAKER)
    Opportunity.objects.filter(pk=deal.pk).update(
        primary_contact=contact, amount=max(deal.amount, target.approval_threshold + Decimal("500000"))
    )
    deal.refresh_from_db()
    try:
        return deal.request_approval(target, by=rep, note="客户要求本月内签约，折扣 8%。")
    except Exception:  # the demo still works without it; the data may not meet the stage rules
        return None


def _age(deal: Opportunity, *, idle_since) -> None:
    """Make a deal idle since `idle_since` by moving its later follow-ups back to that moment.

    Only for a deal that entered its stage before `idle_since`: stage changes are immutable
    history (the database refuses to rewrite them), so the stage move must already be old."""
    from django.db.models import Max

    from opportunities.models import Activity

    Activity.objects.filter(opportunity=deal, occurred_at__gt=idle_since).update(occurred_at=idle_since)
    latest = Activity.objects.filter(opportunity=deal).aggregate(at=Max("occurred_at"))["at"]
    Opportunity.objects.filter(pk=deal.pk).update(last_activity_at=latest)


@transaction.atomic
def _shape(stdout) -> None:
    now = timezone.now()
    stages = {s.order: s for s in Stage.objects.in_pipeline(None)}
    teams = list(Team.objects.filter(is_active=True).order_by("pk"))
    _routing(teams)
    rep = User.objects.filter(username="rep1").first() or User.objects.filter(team__isnull=False).first()
    if rep is None:
        return
    # Two stale deals (one past twice its stage's threshold, so the leader hears too), among
    # the deals that entered their stage long enough ago ...
    aged = []
    for days in (25, 10):
        idle_since = now - timedelta(days=days)
        deal = _open_deals(rep).filter(stage_entered_at__lt=idle_since).exclude(pk__in=aged).first()
        if deal is not None:
            _age(deal, idle_since=idle_since)
            aged.append(deal.pk)
    deals = list(_open_deals(rep).exclude(pk__in=aged)[:2])
    # ... and two follow-ups that were due yesterday and this morning.
    for deal, hours in zip(deals, (26, 3), strict=False):
        Opportunity.objects.filter(pk=deal.pk).update(next_follow_up_at=now - timedelta(hours=hours))
    approval = _pending_approval(rep, stages)
    # Web leads with behaviour: scored, and routed when they reach the threshold.
    website = LeadSource.objects.filter(code="website").first()
    fresh = list(Lead.objects.filter(owner__isnull=True, status=Lead.Status.NEW).order_by("pk")[:5])
    events = []
    for i, lead in enumerate(fresh):
        if website is not None:
            Lead.objects.filter(pk=lead.pk).update(source=website, team=None)
        events.append(LeadEvent(lead=lead, kind=LeadEvent.Kind.FORM_SUBMISSION, occurred_at=now - timedelta(hours=i)))
        events += [
            LeadEvent(lead=lead, kind=LeadEvent.Kind.SITE_VISIT, occurred_at=now - timedelta(days=d)) for d in range(i)
        ]
    LeadEvent.objects.bulk_create(events)
    for lead in fresh:
        rescore_lead(lead.pk)
    stdout.write(
        f"  automation: {len(aged)} stale deals and 2 due follow-ups for {rep.username}, "
        f"{'a pending approval' if approval else 'no approval (no deal fitted)'}, {len(fresh)} scored web leads"
    )


def seed_automation_demo(stdout) -> None:
    _shape(stdout)
    if Opportunity.objects.count() > SCAN_LIMIT:
        stdout.write("  automation: large data set, reminders left to the scheduler (or run_reminders)")
        return
    results = run_all()
    stdout.write(
        "  automation: reminders sent: " + ", ".join(f"{name} {result.created}" for name, result in results.items())
    )
