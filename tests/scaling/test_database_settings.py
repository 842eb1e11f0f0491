"""PostgreSQL connections are set up for what the application does with them."""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.django_db
def test_a_postgresql_connection_plans_cursors_for_all_their_rows_and_does_not_compile_queries():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL connection settings (the SQLite run has none of them)")
    with connection.cursor() as cursor:
        # Exports and jobs read their server-side cursors to the end: a plan for the first
        # tenth of the rows walked a whole index for a team's export.
        cursor.execute("SHOW cursor_tuple_fraction")
        assert float(cursor.fetchone()[0]) == 1.0
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
