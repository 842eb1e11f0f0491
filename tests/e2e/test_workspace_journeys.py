"""A team's workspace in a real browser: a duplicate warning, search, a bulk reassign, and a
refused reopen of a lost deal followed by an approved one."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from customers.models import Customer
from opportunities.models import ApprovalRequest, Opportunity, StageChange
from tests.factories import CustomerFactory, OpportunityFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_duplicate_customer_is_flagged_then_found_by_search(page: Page, live_server, sign_in, rep):
    existing = CustomerFactory(owner=rep, name="华信科技有限公司", phone="010-88886666")
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, rep)
    page.goto(f"{live_server.url}/customers/new/")
    page.fill("#id_name", "华信科技")
    page.click("button:has-text('Save')")
    warning = page.locator("#duplicate-warning")
    expect(warning).to_contain_text("华信科技有限公司")
    expect(warning.locator(f"a[href='/customers/{existing.pk}/']")).to_have_count(1)
    assert Customer.objects.count() == 1
    page.click("button:has-text('save anyway')")
    expect(page).to_have_url(re.compile(r"/customers/\d+/$"))
    assert Customer.objects.count() == 2

    page.fill("#global-search input[name=q]", "88886666")
    page.keyboard.press("Enter")
    expect(page.locator("#results-customers")).to_contain_text("华信科技有限公司")


def test_a_leader_reassigns_deals_in_bulk(page: Page, live_server, sign_in, leader, rep, teammate, stages):
    deals = [OpportunityFactory(owner=rep, name=f"Bulk deal {i}") for i in range(3)]
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, leader)
    page.goto(f"{live_server.url}/opportunities/")
    for deal in deals[:2]:
        page.check(f"input[name=ids][value='{deal.pk}']")
    page.select_option("#bulk-action", "reassign")
    page.select_option("#bulk-owner", str(teammate.pk))
    page.click("#bulk-form button:has-text('Apply')")
    expect(page.locator(".alert-success")).to_contain_text("2 reassigned")
    owners = dict(Opportunity.objects.values_list("name", "owner_id"))
    assert owners == {"Bulk deal 0": teammate.pk, "Bulk deal 1": teammate.pk, "Bulk deal 2": rep.pk}


def test_a_refused_reopen_then_an_approved_one(page: Page, live_server, sign_in, rep, leader, stages, loss_reason):
    deal = Opportunity.open_new(
        by=rep,
        name="Lost ERP",
        customer=CustomerFactory(owner=rep),
        amount=Decimal("80000"),
        budget_amount=Decimal("80000"),
        budget_confirmed=True,
        timeline_confirmed=True,
        expected_close_date=date(2030, 1, 1),
    )
    deal.move_to(stages[5], rep, loss_reason=loss_reason)
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, rep)
    page.goto(f"{live_server.url}/opportunities/{deal.pk}/")
    expect(page.locator("#reopen-hint")).to_be_visible()
    page.select_option("#move-form select[name=stage]", str(stages[1].pk))
    page.click("#move-form button[type=submit]")
    expect(page.locator(".alert-danger")).to_contain_text("Give the reason for reopening")
    deal.refresh_from_db()
    assert deal.stage == stages[5]

    page.select_option("#move-form select[name=stage]", str(stages[1].pk))
    page.fill("#move-form textarea[name=note]", "Their new CFO wants to restart")
    page.click("#move-form button[type=submit]")
    expect(page.locator(".alert-info[role=alert]")).to_contain_text("needs the team leader's approval")
    assert ApprovalRequest.objects.filter(opportunity=deal, status="pending").exists()

    page.context.clear_cookies()
    sign_in(page, leader)
    page.goto(f"{live_server.url}/opportunities/{deal.pk}/")
    page.click("#approval-panel button:has-text('Approve')")
    expect(page.locator(".alert-success")).to_contain_text("reopened")
    deal.refresh_from_db()
    assert deal.stage == stages[1]
    assert StageChange.objects.filter(opportunity=deal, is_reopen=True).count() == 1
