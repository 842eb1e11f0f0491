"""The demo shows several pipelines with deals in them."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F

from opportunities.models import Opportunity, Pipeline, StageChange

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_renewal_and_a_project_pipeline_with_deals():
    call_command("seed_demo", stdout=StringIO())
    names = list(Pipeline.objects.values_list("name_en", flat=True))
    assert names == ["New business", "Renewal", "Project"]
    assert Pipeline.objects.for_renewals().name_en == "Renewal"
    for pipeline in Pipeline.objects.all():
        assert Opportunity.objects.filter(stage__pipeline=pipeline).exists(), pipeline
    # Every history stays inside the deal's pipeline.
    assert not StageChange.objects.exclude(to_stage__pipeline=F("opportunity__stage__pipeline")).exists()


def test_at_scale_the_deals_spread_over_three_pipelines():
    call_command("seed_demo", "--scale", "300", stdout=StringIO())
    per_pipeline = {p.name_en: Opportunity.objects.filter(stage__pipeline=p).count() for p in Pipeline.objects.all()}
    assert sum(per_pipeline.values()) == Opportunity.objects.count()
    assert per_pipeline["New business"] > per_pipeline["Renewal"] > 0 and per_pipeline["Project"] > 0


def test_the_demo_rates_some_deals_so_the_band_table_has_data():
    call_command("seed_demo", stdout=StringIO())
    rated = Opportunity.objects.filter(evaluation_score__isnull=False)
    assert 0 < rated.count() < Opportunity.objects.count()
    assert rated.filter(stage__outcome="won").exists() and rated.filter(stage__outcome="lost").exists()


def test_the_demo_has_a_pool_with_customers_and_rules():
    from customers.models import Customer, PoolEvent, PoolRule

    call_command("seed_demo", stdout=StringIO())
    assert Customer.objects.filter(owner__isnull=True, team__isnull=False).count() == 12
    assert PoolRule.objects.count() == 2
    assert PoolEvent.objects.filter(kind="recall").exists()
