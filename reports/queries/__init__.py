"""Report figures, read from the database as SQL aggregates: one function per table.

Every function takes a `ReportScope` (the user's visible, filtered deals and the period) and
returns plain rows (dicts). Turning rows into charts is `reports.charts`' job.
"""

from .base import ReportScope, build_scope, person_name

__all__ = ["ReportScope", "build_scope", "person_name"]
