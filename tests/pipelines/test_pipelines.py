"""Several pipelines: stages per pipeline, moves inside one, the pipeline change, and the pages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from opportunities.models import Opportunity, Pipeline, Stage, StageChange, StageMoveRefused
from tests.factories import LeadFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


def test_todays_stages_sit_in_the_default_pipeline_new_business(stages):
    default = Pipeline.objects.default()
    assert (default.name, default.name_en, default.is_default) == ("新业务", "New business", True)
    assert {s.pipeline_id for s in stages.values()} == {default.pk}
    assert Stage.objects.first_open() == stages[1]
    assert (Stage.objects.won(), Stage.objects.lost()) == (stages[4], stages[5])


def test_stage_order_is_unique_within_a_pipeline_only(renewal, stages):
    # Order 1 exists in both pipelines.
    assert renewal.stages.get(order=1).name_en == "Renewal talks"
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Stage.objects.create(pipeline=renewal, order=1, name="重复", probability=10)


def test_each_pipeline_has_its_own_first_won_and_lost_stage(renewal, renewal_stages):
    assert renewal.first_open_stage() == renewal_stages[1]
    assert renewal.won_stage() == renewal_stages[2]
    assert renewal.lost_stage() == renewal_stages[3]


def test_move_to_refuses_a_stage_of_another_pipeline(rep, stages, renewal_stages):
    deal = OpportunityFactory(owner=rep, stage=stages[1])
    with pytest.raises(StageMoveRefused) as refusal:
        deal.move_to(renewal_stages[1], rep)
    assert "belongs to the pipeline “Renewal”" in refusal.value.reasons[0]
    assert "Change pipeline" in refusal.value.reasons[0]
    deal.refresh_from_db()
    assert deal.stage == stages[1] and not StageChange.objects.filter(opportunity=deal).exists()


def test_the_pipeline_change_moves_the_deal_and_records_it(rep, stages, renewal, renewal_stages):
    deal = OpportunityFactory(owner=rep, stage=stages[2], amount=Decimal("5000"))
    change = deal.change_pipeline(renewal_stages[1], rep, note="Really a renewal")
    deal.refresh_from_db()
    assert deal.stage == renewal_stages[1] and deal.pipeline == renewal
    assert deal.probability == 60 and deal.closed_at is None
    assert (change.from_stage, change.to_stage, change.pipeline_changed) == (stages[2], renewal_stages[1], True)
    assert change.note == "Really a renewal" and change.stages_skipped == 0
    # Inside its new pipeline, the deal moves as usual.
    deal.move_to(renewal_stages[2], rep)
    assert Opportunity.objects.get(pk=deal.pk).stage == renewal_stages[2]


def test_the_pipeline_change_refuses_the_same_pipeline_a_closed_deal_and_a_closed_stage(rep, stages, renewal_stages):
    deal = OpportunityFactory(owner=rep, stage=stages[1])
    with pytest.raises(StageMoveRefused):
        deal.change_pipeline(stages[2], rep)
    with pytest.raises(StageMoveRefused):
        deal.change_pipeline(renewal_stages[2], rep)  # won stage of the other pipeline
    won = OpportunityFactory(owner=rep, stage=stages[4])
    with pytest.raises(StageMoveRefused):
        won.change_pipeline(renewal_stages[1], rep)
    assert not StageChange.objects.exists()


def test_the_pipeline_change_keeps_the_new_stages_entry_rules(rep, stages, renewal_stages):
    renewal_stages[1].requires_amount = True
    renewal_stages[1].save()
    deal = OpportunityFactory(owner=rep, stage=stages[1], amount=Decimal("0"))
    with pytest.raises(StageMoveRefused) as refusal:
        deal.change_pipeline(renewal_stages[1], rep)
    assert refusal.value.reasons == ["Enter an amount above zero."]


def test_the_deal_page_changes_the_pipeline(rep_client, rep, stages, renewal_stages):
    deal = OpportunityFactory(owner=rep, stage=stages[1])
    page = rep_client.get(reverse("opportunities:detail", args=[deal.pk])).content.decode()
    assert "Change pipeline" in page and "Renewal · Renewal talks" in page
    response = rep_client.post(
        reverse("opportunities:change_pipeline", args=[deal.pk]), {"stage": renewal_stages[1].pk}
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.stage == renewal_stages[1]


def test_the_deal_page_shows_why_a_pipeline_change_is_refused(rep_client, rep, stages, renewal_stages):
    deal = OpportunityFactory(owner=rep, stage=stages[1])
    response = rep_client.post(reverse("opportunities:change_pipeline", args=[deal.pk]), {"stage": stages[2].pk})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    deal.refresh_from_db()
    assert deal.stage == stages[1]


def test_an_outsider_cannot_change_a_deals_pipeline(outsider_client, rep, stages, renewal_stages):
    deal = OpportunityFactory(owner=rep, stage=stages[1])
    response = outsider_client.post(
        reverse("opportunities:change_pipeline", args=[deal.pk]), {"stage": renewal_stages[1].pk}
    )
    assert response.status_code == 404
    deal.refresh_from_db()
    assert deal.stage == stages[1]


def test_the_stage_form_refuses_a_stage_of_another_pipeline_in_words(rep_client, rep, stages, renewal_stages):
    deal = OpportunityFactory(owner=rep, stage=stages[1])
    response = rep_client.post(
        reverse("opportunities:move", args=[deal.pk]), {"stage": renewal_stages[1].pk}, follow=True
    )
    assert "belongs to the pipeline" in response.content.decode()
    deal.refresh_from_db()
    assert deal.stage == stages[1]


def test_the_board_shows_one_pipeline_and_remembers_the_users_choice(rep_client, rep, stages, renewal, renewal_stages):
    OpportunityFactory(owner=rep, stage=stages[1], name="New deal")
    OpportunityFactory(owner=rep, stage=renewal_stages[1], name="Renewal deal")
    body = rep_client.get(reverse("opportunities:board")).content.decode()
    assert "New deal" in body and "Renewal deal" not in body
    assert 'id="pipeline-switcher"' in body
    body = rep_client.get(reverse("opportunities:board"), {"pipeline": renewal.pk}).content.decode()
    assert "Renewal deal" in body and "New deal" not in body
    rep.refresh_from_db()
    assert rep.last_pipeline == renewal
    body = rep_client.get(reverse("opportunities:board")).content.decode()
    assert "Renewal deal" in body and "New deal" not in body
    # An unknown or inactive pipeline falls back to the remembered one, never a 500.
    assert rep_client.get(reverse("opportunities:board"), {"pipeline": "nope"}).status_code == 200


def test_with_one_pipeline_the_board_shows_no_switcher(rep_client, stages):
    assert 'id="pipeline-switcher"' not in rep_client.get(reverse("opportunities:board")).content.decode()


def test_the_list_and_csv_filter_by_pipeline(rep_client, rep, stages, renewal, renewal_stages):
    OpportunityFactory(owner=rep, stage=stages[1], name="New deal")
    OpportunityFactory(owner=rep, stage=renewal_stages[1], name="Renewal deal")
    both = rep_client.get(reverse("opportunities:list")).context["deals"]
    assert {d.name for d in both} == {"New deal", "Renewal deal"}
    only = rep_client.get(reverse("opportunities:list"), {"pipeline": renewal.pk}).context["deals"]
    assert [d.name for d in only] == ["Renewal deal"]
    csv = b"".join(rep_client.get(reverse("opportunities:export"), {"pipeline": renewal.pk}).streaming_content).decode()
    assert "Renewal deal" in csv and "New deal" not in csv


def test_my_day_filters_by_pipeline(rep_client, rep, stages, renewal, renewal_stages):
    OpportunityFactory(owner=rep, stage=stages[1], name="New deal", amount=Decimal("100"))
    OpportunityFactory(owner=rep, stage=renewal_stages[1], name="Renewal deal", amount=Decimal("40"))
    assert rep_client.get(reverse("home")).context["pipeline"]["total_amount"] == Decimal("140")
    response = rep_client.get(reverse("home"), {"pipeline": renewal.pk})
    assert response.context["pipeline"]["total_amount"] == Decimal("40")
    assert [d.name for d in response.context["ranked"]] == ["Renewal deal"]


def test_conversion_opens_the_deal_in_the_chosen_pipeline(rep, rep_client, stages, renewal, renewal_stages):
    lead = LeadFactory(owner=rep, qualified=True)
    response = rep_client.post(reverse("leads:convert", args=[lead.pk]), {"pipeline": renewal.pk})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.opportunity.stage == renewal_stages[1]


def test_conversion_defaults_to_the_leads_pipeline_then_the_default(rep, stages, renewal, renewal_stages):
    assert LeadFactory(owner=rep, qualified=True).convert(rep).stage == stages[1]
    assert LeadFactory(owner=rep, qualified=True, pipeline=renewal).convert(rep).stage == renewal_stages[1]
    quick = LeadFactory(owner=rep, pipeline=renewal).convert_as_won(rep, Decimal("10"))
    assert quick.stage == renewal_stages[2]


def test_a_renewal_follow_on_opens_in_the_renewal_pipeline(rep, stages, renewal_stages):
    won = OpportunityFactory(owner=rep, stage=stages[4], amount=Decimal("1000"))
    assert won.start_follow_on(rep, kind=Opportunity.Kind.RENEWAL).stage == renewal_stages[1]
    assert won.start_follow_on(rep, kind=Opportunity.Kind.UPSELL).stage == stages[1]
    chosen = won.start_follow_on(rep, kind=Opportunity.Kind.UPSELL, pipeline=renewal_stages[1].pipeline)
    assert chosen.stage == renewal_stages[1]


def test_the_follow_on_form_offers_the_pipeline(rep_client, rep, stages, renewal, renewal_stages):
    won = OpportunityFactory(owner=rep, stage=stages[4], amount=Decimal("1000"))
    rep_client.post(reverse("opportunities:follow_on", args=[won.pk]), {"kind": "repeat", "pipeline": renewal.pk})
    assert won.follow_ons.get().stage == renewal_stages[1]


def test_only_one_pipeline_is_the_default(renewal):
    renewal.is_default = True
    renewal.save()
    assert list(Pipeline.objects.filter(is_default=True)) == [renewal]
    assert Pipeline.objects.default() == renewal


def test_admin_refuses_a_pipeline_without_a_won_and_a_lost_stage(admin_client_):
    data = {
        "name": "项目",
        "name_en": "Project",
        "order": "3",
        "is_active": "on",
        "qualification_framework": "bant",
        "stages-TOTAL_FORMS": "1",
        "stages-INITIAL_FORMS": "0",
        "stages-MIN_NUM_FORMS": "0",
        "stages-MAX_NUM_FORMS": "1000",
        "stages-0-name": "立项",
        "stages-0-order": "1",
        "stages-0-probability": "10",
        "stages-0-outcome": "open",
        "stages-0-stale_after_days": "7",
        "stages-0-is_active": "on",
    }
    response = admin_client_.post(reverse("admin:opportunities_pipeline_add"), data)
    assert response.status_code == 200
    assert "exactly one active won stage" in response.content.decode()
    assert not Pipeline.objects.filter(name="项目").exists()
    for i, (name, outcome, probability) in enumerate([("赢单", "won", "100"), ("输单", "lost", "0")], start=1):
        data.update(
            {
                f"stages-{i}-name": name,
                f"stages-{i}-order": str(i + 1),
                f"stages-{i}-probability": probability,
                f"stages-{i}-outcome": outcome,
                f"stages-{i}-stale_after_days": "7",
                f"stages-{i}-is_active": "on",
            }
        )
    data["stages-TOTAL_FORMS"] = "3"
    response = admin_client_.post(reverse("admin:opportunities_pipeline_add"), data)
    assert response.status_code == 302
    assert Pipeline.objects.get(name="项目").stages.count() == 3


def test_admin_refuses_to_retire_a_pipelines_only_won_stage(admin_client_, renewal_stages):
    stage = renewal_stages[2]
    url = reverse("admin:opportunities_stage_change", args=[stage.pk])
    response = admin_client_.post(
        url,
        {
            "name": stage.name,
            "name_en": stage.name_en,
            "pipeline": stage.pipeline_id,
            "order": "2",
            "probability": "100",
            "outcome": "won",
            "stale_after_days": "7",
        },
    )
    assert response.status_code == 200
    assert "exactly one active won stage" in response.content.decode()
    stage.refresh_from_db()
    assert stage.is_active


@pytest.mark.parametrize("rows", [5, 120])
def test_a_pipelines_board_and_funnel_keep_a_fixed_number_of_queries(
    rows, rep, rep_client, stages, renewal, renewal_stages, django_assert_max_num_queries
):
    for i in range(rows):
        OpportunityFactory(owner=rep, stage=renewal_stages[1 + i % 3], amount=Decimal(i + 1))
        OpportunityFactory(owner=rep, stage=stages[1 + i % 3])
    # Measured flat at 5 and 120 deals: session, user, pipelines, the choice saved, stages, leader
    # check, column sums, 3 card queries, bell, team, saved views and loss reasons = 14.
    with django_assert_max_num_queries(14):
        assert rep_client.get(reverse("opportunities:board"), {"pipeline": renewal.pk}).status_code == 200
    with django_assert_max_num_queries(16):
        assert rep_client.get(reverse("reports:funnel"), {"pipeline": renewal.pk}).status_code == 200


def test_the_stage_lists_editable_columns_cannot_retire_a_won_stage(admin_client_, stages):
    won = stages[4]
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-id": str(won.pk),
        "form-0-probability": "100",
        "form-0-stale_after_days": "7",
        "form-0-approval_threshold": "",
        "_save": "Save",
    }
    admin_client_.post(reverse("admin:opportunities_stage_changelist"), data)
    won.refresh_from_db()
    assert won.is_active


def test_the_lists_stage_box_names_each_stages_pipeline_and_offers_only_active_stages(
    rep_client, stages, renewal, renewal_stages
):
    import re

    renewal_stages[1].is_active = False  # retired: no longer offered, though deals may keep it
    renewal_stages[1].save()
    page = rep_client.get(reverse("opportunities:list")).content.decode()
    stage_box = re.search(r'<select[^>]*name="stage".*?</select>', page, re.S).group(0)
    pipeline_box = re.search(r'<select[^>]*name="pipeline".*?</select>', page, re.S).group(0)
    assert "New business · " in stage_box and "Renewal · Renewed" in stage_box
    assert "Renewal talks" not in stage_box
    assert ">Renewal<" in pipeline_box and ">New business<" in pipeline_box
    # Choosing a stage from the box still filters by it, and the box shows it chosen.
    page = rep_client.get(reverse("opportunities:list"), {"stage": stages[2].pk}).content.decode()
    assert f'<option value="{stages[2].pk}" selected>' in page
