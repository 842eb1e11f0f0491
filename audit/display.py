"""History in words: `FieldChange` rows turned into what a person reads on a record's page.

`describe(rows)` groups the rows one save wrote into one entry (who, when, what) and puts each
value in the words the rest of the app uses: the field's label from the model, a related
record's name instead of its id, a choice's label, money as ¥300,000, dates in the reader's
language. Names of related records are read in bulk: one query per related model, however
many rows there are. The partial `templates/audit/_history.html` renders the entries.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.formats import number_format
from django.utils.text import Truncator, capfirst
from django.utils.translation import get_language, gettext, pgettext

from .models import FieldChange

EMPTY = "—"
TEXT_LIMIT = 120


@dataclass
class ChangeLine:
    field: str
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    """One save (or one event) of one record: its changed fields in words."""

    when: datetime.datetime
    by: Any
    action: str
    record: str = ""
    note: str = ""
    lines: list[ChangeLine] = field(default_factory=list)

    @property
    def by_name(self) -> str:
        return str(self.by) if self.by is not None else gettext("System")

    @property
    def title(self) -> str:
        titles = {
            FieldChange.Action.CREATED: pgettext("history entry", "Created"),
            FieldChange.Action.CHANGED: pgettext("history entry", "Changed"),
            FieldChange.Action.DELETED: pgettext("history entry", "Deleted"),
            FieldChange.Action.RESTORED: pgettext("history entry", "Restored"),
            FieldChange.Action.MERGED: pgettext("history entry", "Merged"),
            FieldChange.Action.REASSIGNED: pgettext("history entry", "Reassigned"),
        }
        return titles.get(self.action, self.action)

    @property
    def fields(self) -> set[str]:
        return {line.field for line in self.lines}


def day_formats() -> tuple[str, str]:
    """(this year, another year): "3 Nov" / "3 Nov 2025" in English, "11月3日" / "2025年11月3日"."""
    if (get_language() or "").lower().startswith("zh"):
        return "n月j日", "Y年n月j日"
    return "j M", "j M Y"


def format_day(value: datetime.date | datetime.datetime, *, with_year: bool | None = None) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        day = value.date()
    else:
        day = value
    if with_year is None:
        with_year = day.year != timezone.localdate().year
    short, full = day_formats()
    return date_format(value, full if with_year else short)


def _field(model: type[models.Model], name: str) -> models.Field | None:
    for f in (*model._meta.concrete_fields, *model._meta.many_to_many):
        if f.attname == name or f.name == name:
            return f
    return None


def _ids(raw: str | None) -> list[str]:
    return [part for part in (raw or "").split(",") if part]


def _model(content_type_id: int) -> type[models.Model] | None:
    return ContentType.objects.get_for_id(content_type_id).model_class()


def _money(value: str) -> str:
    from crm.templatetags.crm import money

    return money(value)


class _Names:
    """Names of related records, read once per related model for all rows."""

    def __init__(self) -> None:
        self.wanted: dict[type[models.Model], set[int]] = defaultdict(set)
        self.found: dict[type[models.Model], dict[int, str]] = {}

    def want(self, model: type[models.Model], raw: str | None) -> None:
        if raw not in (None, ""):
            try:
                self.wanted[model].add(int(raw))
            except ValueError:
                pass

    def load(self) -> None:
        for model, ids in self.wanted.items():
            manager = model._base_manager
            if model._meta.label_lower == "accounts.user":
                # Only what the name needs (and never the password hash).
                manager = manager.only("pk", "username", "first_name", "last_name")
            self.found[model] = {pk: str(obj) for pk, obj in manager.in_bulk(ids).items()}

    def name(self, model: type[models.Model], raw: str) -> str:
        try:
            pk = int(raw)
        except ValueError:
            return raw
        found = self.found.get(model, {}).get(pk)
        # A record deleted since: its id is all history has.
        return found if found is not None else f"{capfirst(model._meta.verbose_name)} #{pk}"


def format_value(f: models.Field | None, raw: str | None, names: _Names) -> str:
    """A stored history value (see `audit.tracking.to_text`) in the app's words."""
    if raw is None or raw == "":
        return EMPTY
    if f is None:
        return Truncator(raw).chars(TEXT_LIMIT)
    if f.is_relation and f.many_to_one:
        return names.name(f.related_model, raw)
    if f.many_to_many:
        return ", ".join(names.name(f.related_model, pk) for pk in _ids(raw)) or EMPTY
    if f.choices:
        labels = {str(value): label for value, label in f.flatchoices}
        return str(labels.get(raw, raw))
    if isinstance(f, models.BooleanField):
        return gettext("yes") if raw == "true" else gettext("no")
    try:
        if isinstance(f, models.DateTimeField):
            moment = datetime.datetime.fromisoformat(raw)
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return f"{format_day(moment, with_year=True)} {date_format(moment, 'H:i')}"
        if isinstance(f, models.DateField):
            return format_day(datetime.date.fromisoformat(raw), with_year=True)
        if isinstance(f, models.DecimalField) and f.decimal_places == 2:
            return _money(raw)
        if f.name == "probability":
            return f"{number_format(int(raw), 0)} %"
        if isinstance(f, models.IntegerField | models.DecimalField):
            return number_format(Decimal(raw), force_grouping=True)
    except (ValueError, InvalidOperation):
        return raw
    return Truncator(raw).chars(TEXT_LIMIT)


def describe(
    rows: Iterable[FieldChange], *, records: Mapping[tuple[int, int], str] | None = None
) -> list[HistoryEntry]:
    """The rows (newest first, `changed_by` selected) as entries in words, one per save.

    `records` labels rows of other records shown on the same page (a customer's contacts):
    {(content type id, object id): "Contact Zhang Wei"}; rows without a label get none.
    """
    rows = list(rows)
    names = _Names()
    resolved: list[tuple[FieldChange, models.Field | None]] = []
    for row in rows:
        model = _model(row.content_type_id)
        f = _field(model, row.field) if model is not None and row.field else None
        if f is not None and f.is_relation and f.many_to_one:
            names.want(f.related_model, row.old_value)
            names.want(f.related_model, row.new_value)
        elif f is not None and f.many_to_many:
            for raw in _ids(row.old_value) + _ids(row.new_value):
                names.want(f.related_model, raw)
        resolved.append((row, f))
    names.load()
    entries: list[HistoryEntry] = []
    previous_key = None
    for row, f in resolved:
        key = (row.content_type_id, row.object_id, row.changed_at, row.changed_by_id, row.action)
        if key != previous_key or not entries:
            entries.append(
                HistoryEntry(
                    when=row.changed_at,
                    by=row.changed_by,
                    action=row.action,
                    record=(records or {}).get((row.content_type_id, row.object_id), ""),
                    note=row.note,
                )
            )
            previous_key = key
        entry = entries[-1]
        if row.note and row.note not in entry.note:
            entry.note = f"{entry.note} {row.note}".strip()
        if row.field:
            label = capfirst(f.verbose_name) if f is not None else row.field
            entry.lines.append(
                ChangeLine(
                    field=row.field,
                    label=str(label),
                    old=format_value(f, row.old_value, names),
                    new=format_value(f, row.new_value, names),
                )
            )
    for entry in entries:
        entry.lines.reverse()  # newest first is by descending id: back to the model's field order
    return entries


def history_of(obj: models.Model, limit: int = 50) -> list[HistoryEntry]:
    """A record's latest history in words (two queries plus one per related model named)."""
    rows = FieldChange.objects.for_object(obj).newest_first().select_related("changed_by")[:limit]
    return describe(rows)
