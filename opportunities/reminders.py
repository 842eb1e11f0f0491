"""The deal reminder scans: stale deals (SPEC "Automation") and deal follow-ups that are due.

Both walk the deals in consecutive primary-key ranges of a fixed size, with a bounded number of
queries per batch: the batch itself, the recipients not met yet, and `notify_many`'s insert
(one statement on PostgreSQL). The reminder for a stale episode is keyed by the deal, the moment
the deal went idle (`idle_since`) and the recipient, so a follow-up or a stage move starts a new
episode and re-running the scan within one episode finds nothing new. Which deals are stale is
`stale_q`, the rule the lists, the board, my day and the data-quality report use too.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from notifications.models import Notification
from notifications.scans import Phrases, ScanResult, UserCache, batch_size, pk_windows
from notifications.services import Draft, episode_stamp, notify_many, record_url

from .models import Opportunity, Stage
from .models.opportunity import stale_q

MESSAGES = {
    "stale_title": _("Stale deal: %(deal)s"),
    "stale_body": _(
        "No follow-up and no stage change for %(days)s days; the stage “%(stage)s” "
        "expects activity at least every %(limit)s days. Log a follow-up or move the deal."
    ),
    "escalation_title": _("Stale deal in your team: %(deal)s (%(owner)s)"),
    "escalation_body": _(
        "%(owner)s's deal has had no follow-up and no stage change for %(days)s days, "
        "more than twice the %(limit)s days the stage “%(stage)s” allows."
    ),
    "due_deal_title": _("Follow-up due: %(deal)s"),
    "due_body": _("The follow-up planned for %(when)s has not been logged yet."),
}


def stale_drafts(row: tuple, stage: Stage, users: dict[int, User], now: datetime, phrases: Phrases) -> list[Draft]:
    """The owner's reminder, and the leader's when the deal is idle past twice the threshold."""
    pk, name, _stage_id, entered, last_activity, owner_id, leader_id = row
    idle_since = last_activity if last_activity and last_activity > entered else entered
    idle_days = (now - idle_since).days
    limit = stage.stale_after_days
    episode = episode_stamp(idle_since)
    url = record_url("opportunities", pk)
    owner = users.get(owner_id)
    drafts = []
    if owner is not None and owner.is_active:
        values = {"deal": name, "days": idle_days, "stage": phrases.name(owner, stage), "limit": limit}
        drafts.append(
            Draft(
                recipient_id=owner_id,
                kind=Notification.Kind.STALE,
                dedup_key=f"stale:{pk}:{episode}:{owner_id}",
                title=phrases.text(owner, "stale_title") % values,
                body=phrases.text(owner, "stale_body") % values,
                url=url,
                opportunity_id=pk,
            )
        )
    leader = users.get(leader_id) if leader_id else None
    if (
        leader is not None
        and leader.is_active
        and leader_id != owner_id
        and now - idle_since > timedelta(days=2 * limit)
    ):
        values = {
            "deal": name,
            "owner": str(owner or owner_id),
            "days": idle_days,
            "stage": phrases.name(leader, stage),
            "limit": limit,
        }
        drafts.append(
            Draft(
                recipient_id=leader_id,
                kind=Notification.Kind.STALE_ESCALATION,
                dedup_key=f"stale:{pk}:{episode}:{leader_id}",
                title=phrases.text(leader, "escalation_title") % values,
                body=phrases.text(leader, "escalation_body") % values,
                url=url,
                opportunity_id=pk,
            )
        )
    return drafts


def scan_stale(*, now: datetime | None = None, size: int | None = None) -> ScanResult:
    """Notify owners of stale open deals, and team leaders past twice the threshold; once per episode."""
    now = now or timezone.now()
    size = size or batch_size()
    stages = {s.pk: s for s in Stage.objects.open()}
    stale = Opportunity.objects.filter(stale_q(now, list(stages.values())))
    result = ScanResult()
    phrases = Phrases(MESSAGES)
    users = UserCache()
    columns = ("pk", "name", "stage_id", "stage_entered_at", "last_activity_at", "owner_id", "owner__team__leader_id")
    for low, high in pk_windows(Opportunity.objects.all(), size):
        rows = list(stale.filter(pk__gt=low, pk__lte=high).order_by().values_list(*columns))
        result.batches += 1
        if not rows:
            continue
        result.scanned += len(rows)
        known = users.load({r[5] for r in rows} | {r[6] for r in rows if r[6]})
        drafts = [d for row in rows for d in stale_drafts(row, stages[row[2]], known, now, phrases)]
        result.created += notify_many(drafts)
    return result


def follow_up_drafts(
    rows: list[tuple], namespace: str, users: dict[int, User], phrases: Phrases, title_key: str
) -> list[Draft]:
    """One reminder per planned follow-up (record, planned time, owner) whose time has passed.

    Shared with the lead scan, which words its title itself (`title_key` in its `phrases`).
    """
    drafts = []
    for pk, name, due, owner_id in rows:
        owner = users.get(owner_id)
        if owner is None or not owner.is_active:
            continue
        values = {"deal": name, "lead": name, "when": timezone.localtime(due).strftime("%Y-%m-%d %H:%M")}
        drafts.append(
            Draft(
                recipient_id=owner_id,
                kind=Notification.Kind.FOLLOW_UP_DUE,
                dedup_key=f"follow_up:{namespace}:{pk}:{episode_stamp(due)}:{owner_id}",
                title=phrases.text(owner, title_key) % values,
                body=phrases.text(owner, "due_body") % values,
                url=record_url(namespace, pk),
                opportunity_id=pk if namespace == "opportunities" else None,
                lead_id=pk if namespace == "leads" else None,
            )
        )
    return drafts


def scan_due(
    queryset, label: str, namespace: str, title_key: str, phrases: Phrases, *, size: int | None = None
) -> ScanResult:
    """Walk `queryset` (records whose planned follow-up has passed) in id ranges and remind owners."""
    size = size or batch_size()
    result = ScanResult()
    users = UserCache()
    for low, high in pk_windows(queryset.model.objects.all(), size):
        rows = list(
            queryset.filter(pk__gt=low, pk__lte=high)
            .order_by()
            .values_list("pk", label, "next_follow_up_at", "owner_id")
        )
        result.batches += 1
        if not rows:
            continue
        result.scanned += len(rows)
        known = users.load({r[3] for r in rows})
        result.created += notify_many(follow_up_drafts(rows, namespace, known, phrases, title_key))
    return result


def scan_follow_ups_due(*, now: datetime | None = None, size: int | None = None) -> ScanResult:
    """Remind the owner once of each planned deal follow-up whose time has passed."""
    now = now or timezone.now()
    due = Opportunity.objects.filter(stage__outcome=Stage.Outcome.OPEN, next_follow_up_at__lte=now)
    return scan_due(due, "name", "opportunities", "due_deal_title", Phrases(MESSAGES), size=size)
