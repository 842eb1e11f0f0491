"""The benchmark's registry: each app lists its pages (and jobs) in its own `bench.py`.

An app's `bench.py` defines `pages(ctx) -> list[Page]` and optionally `jobs(ctx) -> list[Job]`.
`python manage.py bench` times every page's server response through the full Django stack
(the test client: middleware, views, templates, SQL) and every job once per repeat.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import QuerySet

from accounts.models import User


@dataclass
class Page:
    label: str
    url: str
    user: User


@dataclass
class Job:
    """A background job to time. With `prepare`, each repeat runs in a transaction that is
    rolled back afterwards: `prepare()` sets the data up (untimed), then `run()` is timed."""

    label: str
    run: Callable[[], Any]
    repeat: int = 3
    prepare: Callable[[], Any] | None = None
    # Tables the job rewrites (even in a rolled-back transaction): compacted (VACUUM FULL) and
    # vacuumed after it on PostgreSQL, so what it leaves never slows the next measurement, in
    # this run or the next.
    dirties: tuple[str, ...] = ()


class BenchContext:
    """The demo accounts every benchmark signs in as, and sample records they can see."""

    def __init__(self) -> None:
        self.rep = User.objects.get(username="rep1")
        self.leader = User.objects.get(username="leader1")
        self.admin = User.objects.get(username="admin")
        # A sales director leads several teams (the demo at benchmark scale has one).
        self.director = User.objects.filter(username="director").first()

    def roles(self) -> list[tuple[str, User]]:
        """Every kind of viewer, narrowest scope first: rep, leader, director, admin."""
        pairs = [("rep", self.rep), ("leader", self.leader), ("director", self.director), ("admin", self.admin)]
        return [(name, user) for name, user in pairs if user is not None]

    @staticmethod
    def sample(queryset: QuerySet) -> int:
        """A deterministic record from a (scoped) queryset: the one in the middle by id."""
        count = queryset.count()
        if not count:
            raise LookupError(f"No {queryset.model.__name__} to benchmark with")
        return queryset.order_by("pk").values_list("pk", flat=True)[count // 2]


def discover() -> list[Any]:
    modules = []
    for config in apps.get_app_configs():
        try:
            modules.append(importlib.import_module(f"{config.name}.bench"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.bench":
                raise
    return modules
