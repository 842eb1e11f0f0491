"""Deals as they stood at an earlier moment: today's values with the later history undone.

Every tracked change (`audit.FieldChange`) holds the old value, so walking the changes made
after a moment from the newest back to the oldest and putting each old value back gives each
field's value at that moment. The stage is taken from `StageChange` (the stage history the
conversion reports use, older than field history), the rest from field history.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import connections

from audit.models import FieldChange
from opportunities.models import Opportunity, StageChange

# The deal fields the forecast reads, as stored in field history (attribute names).
REWOUND_FIELDS = (
    "amount",
    "expected_close_date",
    "stage_id",
    "probability",
    "forecast_category_override",
    "manager_category",
    "owner_id",
)


def parse(field: str, text: str | None):
    """A history value back in the field's Python type."""
    if field in ("forecast_category_override", "manager_category"):
        return text or ""
    if text in (None, ""):
        return None
    if field == "amount":
        return Decimal(text)
    if field == "expected_close_date":
        return date.fromisoformat(text[:10])
    return int(text)


def _first_per(queryset, *keys: str):
    """Where the database can say it (PostgreSQL's DISTINCT ON), only the earliest change of each
    key: the one whose old value `rewind` ends with. Elsewhere every change, newest first."""
    if connections[queryset.db].vendor == "postgresql":
        return queryset.order_by(*keys, "changed_at", "pk").distinct(*keys)
    return queryset.order_by("-changed_at", "-pk")


def field_changes_after(point: datetime, fields: Iterable[str] = REWOUND_FIELDS, **object_filter):
    """(object id, field, old value) of the deals' tracked changes to `fields` after `point`:
    newest first, or only the earliest of each field of each deal (`_first_per`)."""
    changes = FieldChange.objects.filter(
        content_type=ContentType.objects.get_for_model(Opportunity),
        changed_at__gt=point,
        field__in=fields,
        **object_filter,
    )
    return _first_per(changes, "object_id", "field").values_list("object_id", "field", "old_value")


def stage_changes_after(point: datetime, everyone: bool = False, **deal_filter):
    """(deal id, from stage, from probability) of the stage moves after `point`: newest first,
    or only the earliest of each deal (`_first_per`); binned deals' moves too with `everyone`."""
    manager = StageChange.all_objects if everyone else StageChange.objects
    changes = manager.filter(changed_at__gt=point, **deal_filter)
    return _first_per(changes, "opportunity_id").values_list("opportunity_id", "from_stage_id", "from_probability")


def rewind(deals: dict[int, dict], field_changes: Iterable, stage_changes: Iterable) -> dict[int, dict]:
    """Undo, in place, the changes made after the moment: `deals` maps id -> today's values;
    both change lists are newest first (or hold only each key's earliest change, which is where
    undoing them all in that order ends). Returns `deals`."""
    reprobed = set()
    for object_id, field, old in field_changes:
        state = deals.get(object_id)
        if state is not None:
            state[field] = parse(field, old)
            if field == "probability":
                reprobed.add(object_id)
    for deal_id, from_stage_id, from_probability in stage_changes:
        state = deals.get(deal_id)
        if state is None:
            continue
        state["stage_id"] = from_stage_id  # None: the deal did not exist yet
        if deal_id not in reprobed and from_probability is not None:
            state["probability"] = from_probability
    return deals
