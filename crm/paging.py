"""Paging a sorted list by its ids first."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet


class IdsFirst:
    """A sorted queryset as the paginator slices it: a page is one statement that sorts and cuts
    the matching rows' ids (`WHERE id IN (SELECT id ... ORDER BY ... LIMIT 25 OFFSET n)`), then
    reads those rows as the list reads a row (`rows`), in the same order.

    Sorting ids alone, PostgreSQL reads the set from the narrowest index it has and sorts only
    the sort columns; asked for whole rows it hashed or walked whole rows of everyone's. A
    leader's deal list of one pipeline: 20 ms → 1 ms at 100,000 deals; a director's customer
    list, 19,000 visible customers sorted by name: 56 → 30 ms.
    """

    def __init__(self, queryset: QuerySet, rows: Callable[[QuerySet], QuerySet] = lambda rows: rows):
        self.queryset, self.rows = queryset, rows

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, cut: slice):
        ids = self.queryset.values("pk")[cut]
        model = self.queryset.model
        return self.rows(model._default_manager.filter(pk__in=ids)).order_by(*self.queryset.query.order_by)
