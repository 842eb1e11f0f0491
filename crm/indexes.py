"""Index definitions that mean the same on PostgreSQL and SQLite."""

from __future__ import annotations

from django.db import models
from django.db.models.expressions import OrderBy


class NullsFirstIndex(models.Index):
    """An index whose ascending NULLS FIRST columns PostgreSQL stores as written.

    SQLite cannot say NULLS FIRST in an index, but it sorts NULL before every value in ascending
    order anyway, so there the column is indexed plainly: the same order on both databases.
    """

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor == "postgresql":
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        plain = models.Index(
            *(
                e.expression if isinstance(e, OrderBy) and not e.descending and e.nulls_first else e
                for e in self.expressions
            ),
            name=self.name,
            condition=self.condition,
        )
        return plain.create_sql(model, schema_editor, using=using, **kwargs)
