"""Reports and exports read from a replica when one is configured (`REPLICA_DATABASE_URL`).

Only reads that ask for it (`replica_reads()`: the report pages and the CSV exports) go to the
replica, and only until the same request writes: every write, and every read after a write in
the same request, goes to the primary, so nobody reads their own change from a replica that
has not caught up. Everything else reads the primary as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.http import StreamingHttpResponse

REPLICA = "replica"

_prefer_replica: ContextVar[bool] = ContextVar("prefer_replica", default=False)
_wrote: ContextVar[bool] = ContextVar("wrote_to_primary", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES and getattr(settings, "REPLICA_READS", True)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads inside the block go to the replica until something writes."""
    prefer, wrote = _prefer_replica.set(True), _wrote.set(False)
    try:
        yield
    finally:
        _prefer_replica.reset(prefer)
        _wrote.reset(wrote)


def reads_from_replica(view: Callable) -> Callable:
    """View decorator: the view, and a streamed response's rows, read from the replica."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        with replica_reads():
            response = view(request, *args, **kwargs)
        if isinstance(response, StreamingHttpResponse):
            response.streaming_content = _streamed_from_replica(response.streaming_content)
        return response

    return wrapper


def _streamed_from_replica(chunks):
    with replica_reads():
        yield from chunks


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _prefer_replica.get() and not _wrote.get() and replica_configured():
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        if _prefer_replica.get():
            _wrote.set(True)
        return None

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA  # the replica follows the primary; never migrate it directly
