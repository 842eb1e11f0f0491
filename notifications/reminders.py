"""The reminder scans: stale deals (SPEC "Automation") and follow-ups that are due.

Both walk their table in primary-key order in bounded batches (keyset pagination), with a
fixed number of queries per batch: the batch itself, its recipients, and `notify_many`'s
three. The reminder for a stale episode is keyed by the deal, the moment the deal went idle
(`idle_since`) and the recipient, so a follow-up or a stage move starts a new episode and
re-running the scan within one episode finds nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from leads.models import Lead
from opportunities.models import Opportunity, Stage
from opportunities.models.opportunity import stale_q

from .models import Notification
from .services import Draft, episode_stamp, in_language_of, notify_many, record_url


def batch_size() -> int:
    return int(getattr(settings, "REMINDER_BATCH_SIZE", 1000))


@dataclass
class ScanResult:
    scanned: int = 0
    created: int = 0
    batches: int = 0


def _users(ids: set[int]) -> dict[int, User]:
    return User.objects.only("id", "username", "first_name", "last_name", "language", "is_active").in_bulk(ids)


def stale_drafts(row: tuple, stage: Stage, users: dict[int, User], now: datetime) -> list[Draft]:
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
        with in_language_of(owner):
            drafts.append(
                Draft(
                    recipient_id=owner_id,
                    kind=Notification.Kind.STALE,
                    dedup_key=f"stale:{pk}:{episode}:{owner_id}",
                    title=_("Stale deal: %(deal)s") % {"deal": name},
                    body=_(
                        "No follow-up and no stage change for %(days)s days; the stage “%(stage)s” "
                        "expects activity at least every %(limit)s days. Log a follow-up or move the deal."
                    )
                    % {"days": idle_days, "stage": stage, "limit": limit},
                    url=url,
                    opportunity_id=pk,
                )
            )
    leader = users.get(leader_id) if leader_id else None
    if leader is not None and leader.is_active and leader_id != owner_id and now - idle_since > timedelta(days=2 * limit):
        with in_language_of(leader):
            drafts.append(
                Draft(
                    recipient_id=leader_id,
                    kind=Notification.Kind.STALE_ESCALATION,
                    dedup_key=f"stale:{pk}:{episode}:{leader_id}",
                    title=_("Stale deal in your team: %(deal)s (%(owner)s)")
                    % {"deal": name, "owner": owner or owner_id},
                    body=_(
                        "%(owner)s's deal has had no follow-up and no stage change for %(days)s days, "
                        "more than twice the %(limit)s days the stage “%(stage)s” allows."
                    )
                    % {"owner": owner or owner_id, "days": idle_days, "limit": limit, "stage": stage},
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
    last_pk = 0
    while True:
        rows = list(
            stale.filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list(
                "pk", "name", "stage_id", "stage_entered_at", "last_activity_at", "owner_id", "owner__team__leader_id"
            )[:size]
        )
        if not rows:
            break
        last_pk = rows[-1][0]
        result.batches += 1
        result.scanned += len(rows)
        users = _users({r[5] for r in rows} | {r[6] for r in rows if r[6]})
        drafts = [d for row in rows for d in stale_drafts(row, stages[row[2]], users, now)]
        result.created += notify_many(drafts)
        if len(rows) < size:
            break
    return result


def _follow_up_drafts(rows: list[tuple], namespace: str, users: dict[int, User], now: datetime) -> list[Draft]:
    drafts = []
    for pk, name, due, owner_id in rows:
        owner = users.get(owner_id)
        if owner is None or not owner.is_active:
            continue
        with in_language_of(owner):
            if namespace == "opportunities":
                title = _("Follow-up due: %(deal)s") % {"deal": name}
            else:
                title = _("Follow-up due on lead: %(lead)s") % {"lead": name}
            body = _("The follow-up planned for %(when)s has not been logged yet.") % {
                "when": timezone.localtime(due).strftime("%Y-%m-%d %H:%M")
            }
        drafts.append(
            Draft(
                recipient_id=owner_id,
                kind=Notification.Kind.FOLLOW_UP_DUE,
                dedup_key=f"follow_up:{namespace}:{pk}:{episode_stamp(due)}:{owner_id}",
                title=title,
                body=body,
                url=record_url(namespace, pk),
                opportunity_id=pk if namespace == "opportunities" else None,
                lead_id=pk if namespace == "leads" else None,
            )
        )
    return drafts


def scan_follow_ups_due(*, now: datetime | None = None, size: int | None = None) -> ScanResult:
    """Remind the owner once of each planned follow-up whose time has passed (deals and leads)."""
    now = now or timezone.now()
    size = size or batch_size()
    result = ScanResult()
    sources = [
        (
            "opportunities",
            Opportunity.objects.filter(stage__outcome=Stage.Outcome.OPEN, next_follow_up_at__lte=now),
            "name",
        ),
        (
            "leads",
            Lead.objects.filter(owner__isnull=False, next_follow_up_at__lte=now).exclude(
                Q(status=Lead.Status.CONVERTED) | Q(status=Lead.Status.DISQUALIFIED)
            ),
            "company",
        ),
    ]
    for namespace, queryset, label in sources:
        last_pk = 0
        while True:
            rows = list(
                queryset.filter(pk__gt=last_pk)
                .order_by("pk")
                .values_list("pk", label, "next_follow_up_at", "owner_id")[:size]
            )
            if not rows:
                break
            last_pk = rows[-1][0]
            result.batches += 1
            result.scanned += len(rows)
            users = _users({r[3] for r in rows})
            result.created += notify_many(_follow_up_drafts(rows, namespace, users, now))
            if len(rows) < size:
                break
    return result


def run_all(now: datetime | None = None) -> dict[str, ScanResult]:
    now = now or timezone.now()
    return {"stale": scan_stale(now=now), "follow_up": scan_follow_ups_due(now=now)}
