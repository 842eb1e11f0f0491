"""Rows read key by key: a table narrowed to the rows whose key is in a small set, read one key at
a time through the table's index on that key.

PostgreSQL chooses between visiting the index once per key and scanning the table by its cost
estimates, which assume a disk (`random_page_cost = 4`): for a team's 1,500 deals among 100,000,
it scanned and hashed everyone's rows, so the page grew with everyone's data. Read key by key, it
visits only the set's rows, at any size of the rest (about 5 microseconds a key: for a few
thousand keys, not tens of thousands).
"""

from __future__ import annotations

from django.db import connections
from django.db.models import QuerySet
from django.db.models.sql.datastructures import BaseTable


class _RowsByKey(BaseTable):
    """The table in a query's FROM as `(SELECT t.* FROM <keys> CROSS JOIN LATERAL (the key's rows))`
    under the table's own alias: the rest of the query (its filters, joins and `values()` groups)
    reads it as the table itself. The keys go in as one array parameter. Not for a grouping by
    the model itself (Django then groups by its primary key alone, which PostgreSQL accepts for
    a table, not for a derived one)."""

    def __init__(self, table_name: str, alias: str, keys: list[int], column: str):
        super().__init__(table_name, alias)
        self.keys, self.column = keys, column

    def as_sql(self, compiler, connection):
        table, column = connection.ops.quote_name(self.table_name), connection.ops.quote_name(self.column)
        # OFFSET 0: one index scan per key, not a join PostgreSQL may turn back into a scan of all.
        rows = (
            f"SELECT t.* FROM unnest(%s::bigint[]) AS k (key) CROSS JOIN LATERAL"
            f" (SELECT * FROM {table} WHERE {column} = k.key OFFSET 0) AS t"
        )
        return f"({rows}) {compiler.quote_name_unless_alias(self.table_alias)}", [self.keys]

    def relabeled_clone(self, change_map):
        alias = change_map.get(self.table_alias, self.table_alias)
        return self.__class__(self.table_name, alias, self.keys, self.column)

    @property
    def identity(self):
        return (*super().identity, id(self.keys), self.column)


def rows_by_key(queryset: QuerySet, keys: list[int], column: str) -> QuerySet:
    """`queryset` narrowed to the rows whose `column` (a column that is also the field's name, such
    as `opportunity_id` or `id`) is one of `keys`, read key by key on PostgreSQL (each key once);
    elsewhere `column IN keys`, the same rows.

    For reading only: Django writes an update, a delete or a combination with another queryset
    on the table itself, without the narrowing, and a row lock cannot name a derived table. (The
    condition is not repeated on the query for safety: with a few thousand keys PostgreSQL tests
    each row against the list one key at a time, which doubled the reports' time.)
    """
    keys = sorted(set(keys))
    if connections[queryset.db].vendor != "postgresql":
        return queryset.filter(**{f"{column}__in": keys})
    narrowed = queryset.all()
    alias = narrowed.query.get_initial_alias()
    narrowed.query.alias_map[alias] = _RowsByKey(narrowed.model._meta.db_table, alias, keys, column)
    return narrowed
