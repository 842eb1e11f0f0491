"""The exports are checked on the reports' hand-made sales history."""

from tests.reports.conftest import frozen, history  # noqa: F401
