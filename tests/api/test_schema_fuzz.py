"""Schemathesis drives every operation of the published schema with generated input, as a
rep's token, and finds no server error and no response that breaks the schema."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from api.models import ApiToken
from tests.factories import LeadFactory, OpportunityFactory

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture
def _keep_test_connection():
    """As Django's test client does: the WSGI handler must not close the test's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def rep_key(rep, _keep_test_connection):
    OpportunityFactory(owner=rep)
    LeadFactory(owner=rep)
    return ApiToken.issue(rep, "fuzz")[1]


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_keeps_its_schema_under_generated_input(case, rep_key):
    response = case.call(headers={"Authorization": f"Bearer {rep_key}"})
    case.validate_response(response, checks=CHECKS)
