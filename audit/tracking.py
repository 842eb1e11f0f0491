"""How records write their history: the `TracksHistory` mixin and who is acting.

A model that mixes in `TracksHistory` remembers the values of its tracked fields when it is
loaded (or last saved); its `save()` writes one `FieldChange` per changed field in a single
INSERT, in the same transaction as the change. So every path that saves a record (forms, model
methods, the board, the admin, jobs, the API) writes history the same way, at a constant cost
of one query per save. Bulk updates bypass `save()`; code that runs one calls `record_bulk`.

Who acted comes from `acting_as(user)` (model methods that take `by`) or, failing that, from
the signed-in user of the current request (`audit.middleware.ActorMiddleware`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import Any, ClassVar

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

_actor: ContextVar[Any] = ContextVar("audit_actor", default=None)

# Bookkeeping fields that change with every save and carry no business meaning.
# (Moving to the recycle bin and back is recorded as its own event, not as field changes.)
ALWAYS_EXCLUDED = frozenset(
    {"id", "updated_at", "version", "last_login", "password", "deleted_at", "deleted_by", "purged_at"}
)


@contextmanager
def acting_as(user) -> Iterator[None]:
    """Attribute the history written inside the block to `user` (None: the system)."""
    token = _actor.set(user if user is not None else _SYSTEM)
    try:
        yield
    finally:
        _actor.reset(token)


class _System:
    """Marker: an explicit `acting_as(None)`, which must not fall back to the request user."""


_SYSTEM = _System()


def current_actor():
    actor = _actor.get()
    if actor is None or isinstance(actor, _System):
        return None
    if callable(actor):  # the middleware's lazy request user
        actor = actor()
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return actor


def set_request_actor(getter) -> Any:
    """Used by the middleware: a callable returning the request's user, resolved lazily."""
    return _actor.set(getter)


def reset_actor(token) -> None:
    _actor.reset(token)


def to_text(value: Any) -> str | None:
    """A field value as stored in history: ISO dates, plain decimals, ids for relations."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


class TracksHistory:
    """Mix into a model (before `models.Model`) to record every change of its fields.

    `history_fields`: attribute names to track (None: every concrete field but the bookkeeping
    ones and `history_exclude`). Many-to-many fields listed in `history_m2m` are recorded by the
    forms that set them (`history_m2m_ids` before, `record_m2m_changes` after), as one row per
    changed relation with the sorted ids before and after.
    """

    history_fields: ClassVar[tuple[str, ...] | None] = None
    history_exclude: ClassVar[tuple[str, ...]] = ()
    history_m2m: ClassVar[tuple[str, ...]] = ()
    _history_attnames_cache: ClassVar[dict[type, tuple[str, ...]]] = {}

    @classmethod
    def history_attnames(cls) -> tuple[str, ...]:
        cached = TracksHistory._history_attnames_cache.get(cls)
        if cached is None:
            wanted = None
            if cls.history_fields is not None:
                wanted = {name for name in cls.history_fields}
            names = []
            for field in cls._meta.concrete_fields:
                if wanted is not None:
                    if field.name in wanted or field.attname in wanted:
                        names.append(field.attname)
                    continue
                if field.name in ALWAYS_EXCLUDED or field.name in cls.history_exclude:
                    continue
                if field.attname in cls.history_exclude or getattr(field, "auto_now", False):
                    continue
                names.append(field.attname)
            cached = tuple(names)
            TracksHistory._history_attnames_cache[cls] = cached
        return cached

    def _history_values(self) -> dict[str, str | None]:
        loaded = self.__dict__
        return {name: to_text(loaded[name]) for name in self.history_attnames() if name in loaded}

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # What was loaded, kept as loaded: turned into history text only when a save asks what
        # changed, so a page that lists hundreds of records never pays for it. Mutable values
        # (JSON) are turned into text now, since they can be changed in place.
        loaded = instance.__dict__
        instance.__dict__["_history_loaded"] = {
            name: to_text(loaded[name]) if isinstance(loaded[name], dict | list) else loaded[name]
            for name in cls.history_attnames()
            if name in loaded
        }
        return instance

    @property
    def _history_baseline(self) -> dict[str, str | None] | None:
        """The tracked fields' values as the database holds them, as history text (None: unknown)."""
        state = self.__dict__
        if "_history_baseline_text" not in state:
            loaded = state.get("_history_loaded")
            if loaded is None:
                return None
            state["_history_baseline_text"] = {name: to_text(value) for name, value in loaded.items()}
        return state["_history_baseline_text"]

    @_history_baseline.setter
    def _history_baseline(self, value: dict[str, str | None] | None) -> None:
        self.__dict__["_history_baseline_text"] = value
        self.__dict__.pop("_history_loaded", None)

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        if fields is None:
            self._history_baseline = self._history_values()
        else:
            # A deferred field loaded on access, or a partial refresh: only those fields now
            # match the database; other unsaved edits must still count as changes.
            self.history_mark_saved(fields)

    def history_mark_saved(self, names: Iterable[str]) -> None:
        """Take the current values of these fields as what the database holds (after a write
        that bypassed `save()`, such as a `QuerySet.update` recorded with `record_bulk`)."""
        baseline = dict(getattr(self, "_history_baseline", None) or {})
        current = self._history_values()
        for name in names:
            attname = self._meta.get_field(name).attname
            if attname in current:
                baseline[attname] = current[attname]
        self._history_baseline = baseline

    def history_ensure_baseline(self) -> None:
        """An instance built by hand rather than loaded reads what the database holds, once."""
        if self._state.adding or self.pk is None or getattr(self, "_history_baseline", None) is not None:
            return
        row = type(self)._base_manager.filter(pk=self.pk).values(*self.history_attnames()).first()
        self._history_baseline = {k: to_text(v) for k, v in (row or {}).items()}

    def history_changes(self) -> dict[str, tuple[str | None, str | None]]:
        """The tracked fields whose value differs from what was loaded: {attname: (old, new)}."""
        baseline = getattr(self, "_history_baseline", None)
        if baseline is None:
            return {}
        now = self._history_values()
        return {
            name: (baseline[name], value) for name, value in now.items() if name in baseline and baseline[name] != value
        }

    def save(self, *args, **kwargs):
        adding = self._state.adding
        self.history_ensure_baseline()
        from .models import FieldChange

        update_fields = kwargs.get("update_fields")
        with transaction.atomic(savepoint=False):
            super().save(*args, **kwargs)
            if adding:
                rows = [self._history_row(FieldChange.Action.CREATED, "", None, None)]
            else:
                changes = self.history_changes()
                if update_fields is not None:
                    allowed = set()
                    for name in update_fields:
                        field = self._meta.get_field(name)
                        allowed.add(field.attname)
                    changes = {k: v for k, v in changes.items() if k in allowed}
                rows = [self._history_row(FieldChange.Action.CHANGED, k, old, new) for k, (old, new) in changes.items()]
            if rows:
                now = timezone.now()
                for row in rows:
                    row.changed_at = now
                FieldChange.objects.bulk_create(rows)
                self.history_written(rows)
        if update_fields is None:
            self._history_baseline = self._history_values()
        else:
            self.history_mark_saved(update_fields)

    def history_written(self, rows: list) -> None:
        """Hook for models that keep a figure derived from their history (e.g. push counts)."""

    def _history_row(self, action: str, field: str, old, new, note: str = ""):
        from .models import FieldChange

        return FieldChange(
            content_type=ContentType.objects.get_for_model(type(self)),
            object_id=self.pk,
            action=action,
            field=field,
            old_value=old,
            new_value=new,
            note=note,
            changed_by=current_actor(),
        )

    def record_event(self, action: str, *, field: str = "", old=None, new=None, note: str = "", at=None):
        """Write one whole-record event (deleted, restored, merged, reassigned...)."""
        row = self._history_row(action, field, to_text(old), to_text(new), note)
        row.changed_at = at or timezone.now()
        row.save(force_insert=True)
        return row

    def history_m2m_ids(self, names: Iterable[str] | None = None) -> dict[str, list[int]]:
        """The ids each tracked many-to-many relation (of `names`, default all) holds now, one
        query per relation."""
        names = [n for n in self.history_m2m if names is None or n in names]
        if self.pk is None:
            return {name: [] for name in names}
        return {name: sorted(getattr(self, name).values_list("pk", flat=True)) for name in names}

    def record_m2m_changes(self, before: dict[str, list[int]]) -> None:
        """One row per relation of `before` whose set of ids differs now."""
        after = self.history_m2m_ids(before)
        rows = [
            self._history_row(
                "changed", name, ",".join(map(str, before.get(name, []))) or None, ",".join(map(str, ids)) or None
            )
            for name, ids in after.items()
            if ids != before.get(name, [])
        ]
        if rows:
            from .models import FieldChange

            now = timezone.now()
            for row in rows:
                row.changed_at = now
            FieldChange.objects.bulk_create(rows)

    def history(self):
        """This record's history, newest first."""
        from .models import FieldChange

        return FieldChange.objects.for_object(self).newest_first().select_related("changed_by")


def record_bulk(model: type[models.Model], changes: Iterable[tuple[int, str, Any, Any]], *, note: str = "") -> int:
    """History for a bulk update that bypassed `save()`: (object id, attname, old, new) rows."""
    from .models import FieldChange

    ct = ContentType.objects.get_for_model(model)
    actor = current_actor()
    now = timezone.now()
    rows = []
    for pk, field, old, new in changes:
        old, new = to_text(old), to_text(new)
        if old == new:
            continue
        rows.append(
            FieldChange(
                content_type=ct,
                object_id=pk,
                field=field,
                old_value=old,
                new_value=new,
                note=note,
                changed_by=actor,
                changed_at=now,
            )
        )
    if rows:
        FieldChange.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
