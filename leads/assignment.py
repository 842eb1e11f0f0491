"""Lead assignment (SPEC "Leads"): ordered rules route a lead to a team, then to a named rep or
the next rep in the team's round robin; a lead no rule matches goes to the default team.

The round robin keeps its position in one `AssignmentCursor` row per team, locked while the
next rep is chosen, so concurrent assignments queue up and every rep gets their turn.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Team, User
from audit.tracking import acting_as, record_bulk

from .automation_models import AssignmentCursor, AssignmentRule, LeadAutomationSettings
from .models import Lead


@dataclass
class Route:
    team: Team | None
    rep: User | None
    rule: AssignmentRule | None


def route(lead: Lead) -> Route:
    """The team (and named rep, if any) the first matching rule gives, or the default team."""
    for rule in AssignmentRule.objects.filter(is_active=True, team__is_active=True).select_related("team", "rep"):
        if rule.matches(lead):
            rep = rule.rep if rule.rep is not None and rule.rep.is_active else None
            return Route(rule.team, rep, rule)
    return Route(LeadAutomationSettings.load().default_team, None, None)


def next_rep(team: Team) -> User | None:
    """The team's next active rep in turn (by id, wrapping round); the leader when the team
    has no other active member. Must run inside a transaction (the cursor row stays locked)."""
    AssignmentCursor.objects.get_or_create(team=team)
    cursor = AssignmentCursor.objects.select_for_update().get(team=team)
    reps = list(
        User.objects.filter(team=team, is_active=True)
        .exclude(pk=team.leader_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not reps and team.leader_id and User.objects.filter(pk=team.leader_id, is_active=True).exists():
        reps = [team.leader_id]
    if not reps:
        return None
    chosen = next((pk for pk in reps if cursor.last_user_id is None or pk > cursor.last_user_id), reps[0])
    cursor.last_user_id = chosen
    cursor.assigned_count += 1
    cursor.save(update_fields=["last_user_id", "assigned_count"])
    return User.objects.get(pk=chosen)


def assign_lead(lead: Lead) -> User | None:
    """Route an unowned lead and notify the assignee; returns the new owner (None: left with
    the team, or no team at all). A lead that has an owner meanwhile is left alone."""
    from notifications.models import Notification
    from notifications.services import Draft, in_language_of, notify, record_url

    # Routing is the system's decision, whoever's request or job runs it.
    with transaction.atomic(), acting_as(None):
        current = Lead.objects.select_for_update(of=("self",)).get(pk=lead.pk)
        if current.owner_id is not None:
            return None
        target = route(current)
        if target.team is None:
            return None
        rep = target.rep or next_rep(target.team)
        Lead.objects.filter(pk=lead.pk).update(owner=rep, team=target.team)
        record_bulk(
            Lead,
            [
                (lead.pk, "owner_id", current.owner_id, rep.pk if rep else None),
                (lead.pk, "team_id", current.team_id, target.team.pk),
            ],
            note=target.rule.name if target.rule else "",
        )
        lead.owner, lead.team = rep, target.team
        lead.history_mark_saved(["owner", "team"])
        if rep is not None:
            with in_language_of(rep):
                draft = Draft(
                    recipient_id=rep.pk,
                    kind=Notification.Kind.LEAD_ASSIGNED,
                    dedup_key=f"lead_assigned:{lead.pk}:{rep.pk}",
                    title=_("New lead for you: %(name)s · %(company)s") % {"name": lead.name, "company": lead.company},
                    body=_("Score %(score)s, source “%(source)s”. Contact the prospect and qualify the lead (BANT).")
                    % {"score": lead.score, "source": lead.source},
                    url=record_url("leads", lead.pk),
                    lead_id=lead.pk,
                )
            notify(draft)
            from webhooks.dispatch import emit

            emit("lead.assigned", lead.webhook_data)
    return rep
