"""The admin site keeps the edit-conflict rule of the application's forms: a stale admin form
does not overwrite a rep's save, and a rep's form opened before an admin's save is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from crm.admin_forms import VersionedAdminMixin
from leads.models import Lead
from opportunities.models import Opportunity
from tests.factories import LeadFactory, OpportunityFactory

from .pages import forms_on

pytestmark = pytest.mark.django_db

CONFLICT = "Someone else saved this record after you opened it"


def admin_form(client, obj):
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = next(f for f in forms_on(page.content.decode(), url) if f.method == "post" and f.action == url)
    return url, form


def deal_edit(deal, **changes):
    data = {"name": deal.name, "owner": deal.owner_id, "amount": str(deal.amount), "value_tier": deal.value_tier,
            "urgency": deal.urgency, "buying_stage": deal.buying_stage, "version": deal.version}  # fmt: skip
    return {**data, **changes}


def test_every_model_with_a_version_is_checked_in_the_admin():
    versioned = [m for m in apps.get_models() if any(f.name == "version" for f in m._meta.get_fields())]
    assert {Opportunity, Lead} <= set(versioned)
    for model in versioned:
        assert isinstance(admin.site._registry.get(model), VersionedAdminMixin), model


def test_an_admin_save_moves_the_version(admin_client_, rep, stages):
    deal = OpportunityFactory(owner=rep, amount=Decimal("1000"))
    url, form = admin_form(admin_client_, deal)
    response = admin_client_.post(url, form.data(amount="2000"))
    assert response.status_code == 302, response.content.decode()[:3000]
    deal.refresh_from_db()
    assert deal.amount == Decimal("2000") and deal.version == 2


def test_a_stale_admin_form_does_not_overwrite_a_reps_save(admin_client_, rep, rep_client, stages):
    deal = OpportunityFactory(owner=rep, amount=Decimal("1000"))
    url, form = admin_form(admin_client_, deal)
    saved = rep_client.post(reverse("opportunities:edit", args=[deal.pk]), deal_edit(deal, amount="5000"))
    assert saved.status_code == 302
    response = admin_client_.post(url, form.data(amount="2000"))
    assert response.status_code == 200
    assert CONFLICT in response.content.decode()
    deal.refresh_from_db()
    assert deal.amount == Decimal("5000") and deal.version == 2


def test_a_reps_form_opened_before_an_admin_save_is_refused(admin_client_, rep, rep_client, stages):
    deal = OpportunityFactory(owner=rep, amount=Decimal("1000"))
    opened = deal_edit(deal, amount="5000")  # the rep's form, opened at version 1
    url, form = admin_form(admin_client_, deal)
    assert admin_client_.post(url, form.data(amount="2000")).status_code == 302
    response = rep_client.post(reverse("opportunities:edit", args=[deal.pk]), opened)
    assert response.status_code == 200 and CONFLICT in response.content.decode()
    deal.refresh_from_db()
    assert deal.amount == Decimal("2000") and deal.version == 2


def test_a_follow_up_logged_after_the_admin_opened_a_lead_makes_the_admin_form_stale(admin_client_, rep, stages):
    lead = LeadFactory(owner=rep, company="Before")
    url, form = admin_form(admin_client_, lead)
    from opportunities.models import Activity

    Activity.log(by=rep, lead=lead, summary="Called")
    response = admin_client_.post(url, form.data(company="After"))
    assert response.status_code == 200 and CONFLICT in response.content.decode()
    lead.refresh_from_db()
    assert lead.company == "Before" and lead.version == 2
    url, form = admin_form(admin_client_, lead)
    assert admin_client_.post(url, form.data(company="After")).status_code == 302
    lead.refresh_from_db()
    assert lead.company == "After" and lead.version == 3
