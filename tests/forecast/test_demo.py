"""The demo shows believable forecast history on first start."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.urls import reverse

from accounts.models import User
from audit.models import FieldChange
from opportunities.models import Opportunity
from reports.models import ForecastSnapshot
from tests.conftest import client_for
from tests.reports.helpers import csv_table

pytestmark = pytest.mark.django_db


def test_the_demo_has_slips_overrides_and_a_year_of_snapshots():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "weekly forecast snapshots" in out.getvalue()
    # The job ran for 52 weeks; the demo's deals go back six months, so about 26 weeks hold rows.
    assert ForecastSnapshot.objects.order_by().values("week").distinct().count() >= 24
    pushes = FieldChange.objects.filter(field="expected_close_date")
    assert pushes.count() > 20
    assert Opportunity.objects.filter(close_date_push_count__gte=1).exists()
    assert Opportunity.objects.exclude(forecast_category_override="").exists()
    assert Opportunity.objects.exclude(manager_category="").exists()
    # Every deal's history rewinds to values that existed: the last change ends at today's value.
    deal = Opportunity.objects.filter(close_date_push_count__gte=2).first()
    last = FieldChange.objects.for_object(deal).filter(field="expected_close_date").newest_first().first()
    assert last.new_value == deal.expected_close_date.isoformat()

    leader = client_for(User.objects.get(username="leader1"))
    for name in ("forecast", "inspection", "accuracy", "calibration"):
        assert leader.get(reverse(f"reports:{name}")).status_code == 200
    assert csv_table(leader, "inspection", "changes", since="quarter")
    accuracy = csv_table(leader, "accuracy", "accuracy")
    assert any(r["Weighted accuracy"] for r in accuracy)
    assert csv_table(leader, "forecast", "trend")
    calibration = csv_table(leader, "calibration", "calibration")
    assert int(calibration[0]["Closed deals"]) > 0
    per_week = ForecastSnapshot.objects.values("week").annotate(n=Count("pk"))
    assert max(r["n"] for r in per_week) > 6
