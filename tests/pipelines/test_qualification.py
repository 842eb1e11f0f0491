"""Each pipeline picks its qualification framework: BANT (default) or MEDDIC."""

from __future__ import annotations

import pytest
from django.urls import reverse

from opportunities.models import Pipeline, Stage, StageMoveRefused
from opportunities.models.qualification import MEDDIC_CODES
from tests.factories import LeadFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(db) -> Pipeline:
    """“项目 / Project”, qualified with MEDDIC; its second stage needs a confirmed champion."""
    pipeline = Pipeline.objects.create(name="项目", name_en="Project", order=3, qualification_framework="meddic")
    Stage.objects.create(pipeline=pipeline, order=1, name="立项", name_en="Approved", probability=10)
    Stage.objects.create(
        pipeline=pipeline,
        order=2,
        name="方案",
        name_en="Solution",
        probability=40,
        required_criteria=["champion", "economic_buyer"],
    )
    Stage.objects.create(pipeline=pipeline, order=3, name="赢单", name_en="Won", probability=100, outcome="won")
    Stage.objects.create(pipeline=pipeline, order=4, name="输单", name_en="Lost", probability=0, outcome="lost")
    return pipeline


def meddic_evidence(**overrides) -> dict:
    fields = {}
    for code in MEDDIC_CODES:
        fields[f"meddic_{code}"] = f"Evidence of {code}"
        fields[f"meddic_{code}_confirmed"] = True
    fields.update(overrides)
    return fields


def test_a_bant_qualified_lead_still_misses_all_six_meddic_criteria(rep, project):
    lead = LeadFactory(owner=rep, qualified=True, pipeline=project)
    assert lead.bant_missing() == []
    missing = lead.qualification_missing()
    assert len(missing) == 6 and missing[0].startswith("Metrics") and missing[-1].startswith("Champion")
    assert lead.qualification_missing(Pipeline.objects.default()) == []


def test_a_meddic_criterion_needs_its_evidence_and_its_confirmation(rep, project):
    lead = LeadFactory(owner=rep, pipeline=project, **meddic_evidence(meddic_champion="  "))
    assert [m.split(":")[0] for m in lead.qualification_missing()] == ["Champion"]
    lead = LeadFactory(owner=rep, pipeline=project, **meddic_evidence(meddic_metrics_confirmed=False))
    assert [m.split(":")[0] for m in lead.qualification_missing()] == ["Metrics"]


def test_conversion_into_a_meddic_pipeline_is_refused_until_meddic_is_complete(rep, rep_client, project):
    lead = LeadFactory(owner=rep, qualified=True, pipeline=project)
    response = rep_client.post(reverse("leads:convert", args=[lead.pk]), {"pipeline": project.pk})
    body = response.content.decode()
    assert response.status_code == 200 and "Economic buyer: name who signs off the budget" in body
    lead.refresh_from_db()
    assert lead.status != lead.Status.CONVERTED and lead.opportunity is None
    # The same lead converts into the BANT pipeline.
    default = Pipeline.objects.default()
    assert rep_client.post(reverse("leads:convert", args=[lead.pk]), {"pipeline": default.pk}).status_code == 302


def test_a_meddic_qualified_lead_converts_and_carries_meddic_onto_the_deal(rep, project):
    lead = LeadFactory(owner=rep, pipeline=project, **meddic_evidence())
    deal = lead.convert(rep)
    assert deal.stage == project.first_open_stage()
    assert deal.meddic_champion == "Evidence of champion" and deal.meddic_champion_confirmed
    assert deal.meddic_missing() == []


def test_a_stage_can_require_meddic_criteria(rep, project):
    first, solution = project.stages.get(order=1), project.stages.get(order=2)
    deal = OpportunityFactory(owner=rep, stage=first, **meddic_evidence(meddic_champion_confirmed=False))
    with pytest.raises(StageMoveRefused) as refusal:
        deal.move_to(solution, rep)
    assert [r.split(":")[0] for r in refusal.value.reasons] == ["Champion"]
    deal.meddic_champion_confirmed = True
    deal.save()
    deal.move_to(solution, rep)
    deal.refresh_from_db()
    assert deal.stage == solution


def test_the_deal_page_shows_and_edits_meddic_only_in_a_meddic_pipeline(rep, rep_client, project, stages):
    meddic_deal = OpportunityFactory(owner=rep, stage=project.stages.get(order=1))
    bant_deal = OpportunityFactory(owner=rep, stage=stages[1])
    assert 'id="meddic"' in rep_client.get(reverse("opportunities:detail", args=[meddic_deal.pk])).content.decode()
    assert 'id="meddic"' not in rep_client.get(reverse("opportunities:detail", args=[bant_deal.pk])).content.decode()
    assert "meddic_champion" in rep_client.get(reverse("opportunities:edit", args=[meddic_deal.pk])).content.decode()
    assert "meddic_champion" not in rep_client.get(reverse("opportunities:edit", args=[bant_deal.pk])).content.decode()


def test_the_lead_page_shows_the_meddic_checklist_for_a_meddic_pipeline(rep, rep_client, project):
    lead = LeadFactory(owner=rep, pipeline=project)
    body = rep_client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert "MEDDIC checklist" in body and "Decision process" in body


def test_admin_sets_the_meddic_criteria_a_stage_requires(admin_client_, project):
    stage = project.stages.get(order=1)
    response = admin_client_.post(
        reverse("admin:opportunities_stage_change", args=[stage.pk]),
        {
            "name": stage.name,
            "name_en": stage.name_en,
            "pipeline": project.pk,
            "order": "1",
            "probability": "10",
            # the page's select always posts the stage's category (a choice, never empty)
            "forecast_category": stage.forecast_category,
            "outcome": "open",
            "stale_after_days": "7",
            "is_active": "on",
            "required_criteria": ["metrics", "identify_pain"],
        },
    )
    assert response.status_code == 302
    stage.refresh_from_db()
    assert stage.required_criteria == ["metrics", "identify_pain"]
