"""Admin pages load for every configuration model; the stage list edits probabilities in place."""

from __future__ import annotations

import pytest
from django.urls import reverse

from opportunities.models import Opportunity
from tests.factories import ActivityFactory, LeadFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

ADMIN_MODELS = [
    "accounts/user",
    "accounts/team",
    "customers/customer",
    "customers/contact",
    "leads/lead",
    "leads/leadsource",
    "opportunities/stage",
    "opportunities/lossreason",
    "opportunities/competitor",
    "opportunities/quota",
    "opportunities/opportunity",
    "opportunities/approvalrequest",
    "notifications/notification",
]


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_admin_changelist_and_add_pages_load(admin_client_, model, rep):
    OpportunityFactory(owner=rep)
    LeadFactory(owner=rep)
    assert admin_client_.get(f"/admin/{model}/").status_code == 200
    assert admin_client_.get(f"/admin/{model}/add/").status_code == 200


def test_opportunity_admin_shows_the_stage_history_read_only(admin_client_, rep, stages):
    deal = Opportunity.open_new(by=rep, customer=OpportunityFactory(owner=rep).customer, name="History deal")
    ActivityFactory(opportunity=deal)
    response = admin_client_.get(reverse("admin:opportunities_opportunity_change", args=[deal.pk]))
    assert response.status_code == 200
    assert "stage_changes-TOTAL_FORMS" in response.content.decode()
    assert str(stages[1]) in response.content.decode()  # "Purchase plan confirmed"


def test_admin_changing_a_stage_probability_in_the_list_updates_open_deals(admin_client_, rep, stages):
    deal = OpportunityFactory(owner=rep, stage=stages[2])
    stage = stages[2]
    data = {
        "form-TOTAL_FORMS": "5",
        "form-INITIAL_FORMS": "5",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for i, s in enumerate(sorted(stages.values(), key=lambda s: s.order)):
        data.update(
            {
                f"form-{i}-id": str(s.pk),
                f"form-{i}-probability": "65" if s.pk == stage.pk else str(s.probability),
                f"form-{i}-stale_after_days": str(s.stale_after_days),
                f"form-{i}-approval_threshold": "" if s.approval_threshold is None else str(s.approval_threshold),
                f"form-{i}-is_active": "on",
            }
        )
    response = admin_client_.post(reverse("admin:opportunities_stage_changelist"), data)
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.probability == 65


def test_a_stage_in_use_cannot_be_deleted(admin_client_, rep, stages):
    OpportunityFactory(owner=rep, stage=stages[2])
    admin_client_.post(reverse("admin:opportunities_stage_delete", args=[stages[2].pk]), {"post": "yes"})
    assert type(stages[2]).objects.filter(pk=stages[2].pk).exists()


def test_a_rep_cannot_open_the_admin(rep_client):
    response = rep_client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_login_page_and_sign_in_with_a_password(client, rep):
    assert client.get("/login/").status_code == 200
    response = client.post("/login/", {"username": "rep_a", "password": "pw-12345-secret"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_language_switch_changes_the_interface(client, rep):
    client.force_login(rep)
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "我的一天" in client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "My day" in client.get("/").content.decode()


def test_admin_stage_action_moves_through_the_rules(admin_client_, rep, stages):
    from django.utils import timezone

    ready = OpportunityFactory(owner=rep, stage=stages[1], expected_close_date=timezone.localdate())
    not_ready = OpportunityFactory(owner=rep, stage=stages[1], expected_close_date=None)
    response = admin_client_.post(
        reverse("admin:opportunities_opportunity_changelist"),
        {"action": f"move_to_stage_{stages[4].pk}", "_selected_action": [ready.pk, not_ready.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert "1 deal(s) moved" in text and "Set the close date." in text
    ready.refresh_from_db()
    not_ready.refresh_from_db()
    assert ready.stage == stages[4] and ready.stage_changes.get().changed_by.username == "boss"
    assert not_ready.stage == stages[1] and not not_ready.stage_changes.exists()
