"""Work on many records at once: reassign, set the next follow-up, export, and hand a
leaver's open work to a colleague. Every change is written to the field history
(`audit.FieldChange`): owner changes as "reassigned", follow-up dates as "changed".

Each function takes the records already narrowed to what the acting user may see
(`visible_to`) and runs in one transaction, with a fixed number of queries per call.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import assignable_users
from audit.models import FieldChange
from customers.models import Customer
from leads.models import Lead
from opportunities.models import Opportunity, Stage

if TYPE_CHECKING:
    from accounts.models import User

FOLLOW_UP_HOUR = time(9, 0)
OPEN_LEAD_STATUSES = (Lead.Status.NEW, Lead.Status.WORKING, Lead.Status.QUALIFIED)


def can_reassign(user: User) -> bool:
    """Handing records to someone else is a leader's (within the team) or an admin's call."""
    return bool(user.is_authenticated and (user.is_admin or user.is_leader))


def _history(model: type[models.Model], rows: Iterable[tuple[int, str, object, object]], *, action, by, note=""):
    content_type = ContentType.objects.get_for_model(model)
    now = timezone.now()
    FieldChange.objects.bulk_create(
        [
            FieldChange(
                content_type=content_type,
                object_id=pk,
                action=action,
                field=field,
                old_value=None if old is None else str(old),
                new_value=None if new is None else str(new),
                note=note,
                changed_by=by,
                changed_at=now,
            )
            for pk, field, old, new in rows
        ],
        batch_size=2000,
    )


def _reassign(queryset: models.QuerySet, to: User, *, by: User, note: str, with_team: bool = False) -> int:
    """Set the owner of every row of `queryset` to `to`, one "reassigned" history row each."""
    model = queryset.model
    rows = list(queryset.exclude(owner=to).select_for_update(of=("self",)).values_list("pk", "owner_id"))
    if not rows:
        return 0
    changes: dict = {"owner": to, "version": F("version") + 1}
    if with_team:
        changes["team_id"] = to.team_id
    model._base_manager.filter(pk__in=[pk for pk, _owner in rows]).update(**changes)
    _history(
        model,
        [(pk, "owner_id", owner, to.pk) for pk, owner in rows],
        action=FieldChange.Action.REASSIGNED,
        by=by,
        note=note,
    )
    return len(rows)


def reassign(queryset: models.QuerySet, to: User, *, by: User) -> int:
    """Bulk reassign deals or leads: a leader within their team, an admin anywhere; the new
    owner must be someone `by` may assign to (`assignable_users`). Returns how many changed."""
    if not can_reassign(by):
        raise PermissionDenied(gettext("Only a team leader or an admin can reassign records."))
    if not assignable_users(by).filter(pk=to.pk).exists():
        raise ValidationError({"owner": gettext("Choose someone in your team.")})
    with transaction.atomic():
        return _reassign(queryset, to, by=by, note=gettext("Bulk reassignment"), with_team=queryset.model is Lead)


def set_next_follow_up(queryset: models.QuerySet, day: date, *, by: User) -> int:
    """Bulk "next follow-up on `day`" (at 09:00 local time) for open deals or leads; closed
    ones are left alone. A date in the past is refused."""
    if day < timezone.localdate():
        raise ValidationError({"follow_up_on": gettext("Choose today or a later date.")})
    when = timezone.make_aware(datetime.combine(day, FOLLOW_UP_HOUR))
    model = queryset.model
    if model is Opportunity:
        queryset = queryset.filter(stage__outcome=Stage.Outcome.OPEN)
    else:
        queryset = queryset.filter(status__in=OPEN_LEAD_STATUSES)
    with transaction.atomic():
        rows = list(queryset.select_for_update(of=("self",)).values_list("pk", "next_follow_up_at"))
        if not rows:
            return 0
        model._base_manager.filter(pk__in=[pk for pk, _old in rows]).update(
            next_follow_up_at=when, version=F("version") + 1
        )
        _history(
            model,
            [(pk, "next_follow_up_at", old.isoformat() if old else None, when.isoformat()) for pk, old in rows],
            action=FieldChange.Action.CHANGED,
            by=by,
            note=gettext("Bulk follow-up date"),
        )
    return len(rows)


def hand_over(leaver: User, to: User, *, by: User) -> dict[str, int]:
    """A rep leaves: deactivate them and give every open record they own (open leads, open
    deals, their customers) to a named colleague, in one transaction, each transfer recorded.
    Closed deals stay theirs (their wins and losses are history). Admins only."""
    if not by.is_admin:
        raise PermissionDenied(gettext("Only an admin can hand over a leaver's work."))
    if leaver.pk == to.pk:
        raise ValidationError({"to": gettext("Choose a colleague other than the person leaving.")})
    if not to.is_active:
        raise ValidationError({"to": gettext("The colleague must have an active account.")})
    if leaver.pk == by.pk:
        raise ValidationError({"leaver": gettext("You cannot deactivate yourself.")})
    if leaver.led_teams.exists():
        raise ValidationError({"leaver": gettext("This person leads a team: give the team a new leader first.")})
    note = gettext("Handed over from %(leaver)s, who left.") % {"leaver": leaver}
    with transaction.atomic():
        moved = {
            "leads": _reassign(
                Lead.objects.filter(owner=leaver, status__in=OPEN_LEAD_STATUSES), to, by=by, note=note, with_team=True
            ),
            "deals": _reassign(
                Opportunity.objects.filter(owner=leaver, stage__outcome=Stage.Outcome.OPEN), to, by=by, note=note
            ),
            "customers": _reassign_customers(leaver, to, by=by, note=note),
        }
        type(leaver)._base_manager.filter(pk=leaver.pk).update(is_active=False)
        _history(
            type(leaver),
            [(leaver.pk, "is_active", "true", "false")],
            action=FieldChange.Action.CHANGED,
            by=by,
            note=gettext("Left; work handed to %(to)s.") % {"to": to},
        )
    leaver.is_active = False
    return moved


def _reassign_customers(leaver: User, to: User, *, by: User, note: str) -> int:
    rows = list(Customer.objects.filter(owner=leaver).select_for_update().values_list("pk", flat=True))
    if rows:
        Customer.objects.filter(pk__in=rows).update(owner=to, version=F("version") + 1)
        _history(
            Customer,
            [(pk, "owner_id", leaver.pk, to.pk) for pk in rows],
            action=FieldChange.Action.REASSIGNED,
            by=by,
            note=note,
        )
    return len(rows)


# --- export ------------------------------------------------------------------------------------


LEAD_COLUMNS = [
    ("id", _("ID")),
    ("name", _("Contact")),
    ("company", _("Company")),
    ("phone", _("Phone")),
    ("email", _("Email")),
    ("source", _("Source")),
    ("owner", _("Owner")),
    ("status", _("Status")),
    ("score", _("Score")),
    ("budget_amount", _("Budget")),
    ("next_follow_up_at", _("Next follow-up")),
    ("created_at", _("Created")),
]


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def deal_csv_rows(queryset) -> Iterator[tuple]:
    """The selected deals in the list export's columns and values (`opportunities.views.lists`)."""
    from opportunities.views.lists import export_rows

    return export_rows(queryset.with_weighted().with_stale_flag().order_by("-pk"))


def lead_csv_rows(queryset) -> Iterator[list]:
    for lead in queryset.select_related("source", "owner").order_by("-pk").iterator(chunk_size=2000):
        yield [
            lead.pk,
            lead.name,
            lead.company,
            lead.phone,
            lead.email,
            str(lead.source),
            str(lead.owner or ""),
            lead.get_status_display(),
            lead.score,
            lead.budget_amount if lead.budget_amount is not None else "",
            _when(lead.next_follow_up_at),
            _when(lead.created_at),
        ]
