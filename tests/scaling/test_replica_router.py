"""Reports and exports read from the replica; writes, and reads after a write, use the primary."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.db_router import ReplicaRouter, replica_reads
from opportunities.models import Opportunity
from tests.conftest import client_for
from tests.factories import OpportunityFactory

router = ReplicaRouter()


@pytest.fixture
def replica_on(monkeypatch):
    monkeypatch.setattr("crm.db_router.replica_configured", lambda: True)


def test_reads_outside_reports_and_exports_go_to_the_primary(replica_on):
    assert router.db_for_read(Opportunity) is None


def test_report_reads_go_to_the_replica(replica_on):
    with replica_reads():
        assert router.db_for_read(Opportunity) == "replica"


def test_a_write_pins_the_rest_of_the_request_to_the_primary(replica_on):
    with replica_reads():
        assert router.db_for_read(Opportunity) == "replica"
        assert router.db_for_write(Opportunity) is None
        assert router.db_for_read(Opportunity) is None
    with replica_reads():  # the next request starts afresh
        assert router.db_for_read(Opportunity) == "replica"


def test_without_a_replica_every_read_goes_to_the_primary():
    with replica_reads():
        assert router.db_for_read(Opportunity) is None


def test_the_replica_is_never_migrated():
    assert router.allow_migrate("replica", "opportunities") is False
    assert router.allow_migrate("default", "opportunities") is True


def _needs_replica():
    assert "replica" in settings.DATABASES, (
        "The PostgreSQL test run sets REPLICA_DATABASE_URL (a test mirror of the primary); see scripts/test.sh."
    )


@pytest.mark.replica
@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_a_report_page_and_the_csv_export_read_from_the_replica(rep):
    _needs_replica()
    OpportunityFactory(owner=rep, amount=Decimal("123456"))
    client = client_for(rep)
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        with CaptureQueriesContext(connections["default"]) as on_primary:
            page = client.get(reverse("reports:funnel"))
            export = client.get(reverse("opportunities:export"))
            rows = b"".join(export.streaming_content).decode("utf-8-sig")
    assert page.status_code == 200 and export.status_code == 200
    assert "123456" in rows.replace(",", "")
    replica_sql = " ".join(q["sql"] for q in on_replica.captured_queries)
    assert "opportunities_opportunity" in replica_sql
    # The primary answers only the session and the signed-in user, never the report's rows.
    primary_sql = " ".join(q["sql"] for q in on_primary.captured_queries)
    assert "opportunities_opportunity" not in primary_sql


@pytest.mark.replica
@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_a_read_after_a_write_in_the_same_request_uses_the_primary(rep):
    _needs_replica()
    deal = OpportunityFactory(owner=rep)
    with replica_reads():
        with CaptureQueriesContext(connections["replica"]) as on_replica:
            Opportunity.objects.filter(pk=deal.pk).count()
        assert len(on_replica) == 1
        Opportunity.objects.filter(pk=deal.pk).update(name="Renamed")
        with CaptureQueriesContext(connections["default"]) as on_primary:
            assert Opportunity.objects.get(pk=deal.pk).name == "Renamed"
        assert len(on_primary) == 1
