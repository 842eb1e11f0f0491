"""The forecast-truth tests reuse the reports' hand-made sales history (see tests/reports/conftest.py)."""

from tests.reports.conftest import NOW, TZ, at, frozen, history, make_deal  # noqa: F401
