"""The deal timeline shows objections, contact changes, files and reassignments beside the
follow-ups and stage moves, in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opportunities.models import Opportunity
from tests.factories import ActivityFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _timeline(client, deal) -> str:
    page = client.get(deal.get_absolute_url()).content.decode()
    return page[page.index('id="timeline"') : page.index("</ol>", page.index('id="timeline"'))]


def test_objections_contacts_files_and_reassignments_are_on_the_timeline(rep, teammate, rep_client, leader_client):
    deal = OpportunityFactory(owner=rep)
    rep_client.post(
        reverse("opportunities:add_objection", args=[deal.pk]), {"kind": "price", "description": "Too dear"}
    )
    rep_client.post(
        reverse("opportunities:add_contact", args=[deal.pk]),
        {"name": "Han Meimei", "title": "CIO", "buying_role": "influencer", "attitude": "neutral"},
    )
    contact = deal.contacts.get()
    rep_client.post(
        reverse("opportunities:update_contact", args=[deal.pk, contact.pk]),
        {"buying_role": "decision_maker", "attitude": "supportive"},
    )
    rep_client.post(
        reverse("attachments:upload_to_deal", args=[deal.pk]),
        {"file": SimpleUploadedFile("quote.pdf", b"%PDF quote")},
    )
    moved = Opportunity.objects.get(pk=deal.pk)
    moved.owner = teammate
    moved.save()

    timeline = _timeline(leader_client, deal)

    assert "Objection raised: Price" in timeline and "Too dear" in timeline
    assert "Contact added to the decision chain" in timeline
    assert (
        "Contact changed" in timeline and "Han Meimei · Influencer · Neutral → Han Meimei · Decision maker" in timeline
    )
    assert "File attached" in timeline and "quote.pdf" in timeline
    assert "Reassigned from Rita to Tom" in timeline


def test_the_timeline_costs_the_same_queries_with_more_history(rep, rep_client, leader_client, teammate):
    deal = OpportunityFactory(owner=rep)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert leader_client.get(deal.get_absolute_url()).status_code == 200
        return len(queries)

    ActivityFactory(opportunity=deal)
    first = Opportunity.objects.get(pk=deal.pk)
    first.owner = teammate
    first.save()
    small = count()
    for i in range(3):
        ActivityFactory(opportunity=deal)
        rep_client.post(
            reverse("opportunities:add_objection", args=[deal.pk]), {"kind": "price", "description": f"No {i}"}
        )
        rep_client.post(
            reverse("attachments:upload_to_deal", args=[deal.pk]),
            {"file": SimpleUploadedFile(f"q{i}.pdf", b"%PDF")},
        )
        moved = Opportunity.objects.get(pk=deal.pk)
        moved.owner = teammate if i % 2 == 0 else rep
        moved.save()
    assert count() == small
