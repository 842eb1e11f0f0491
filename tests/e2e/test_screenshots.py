"""Every workspace page at desktop and phone width: it renders, it does not overflow sideways on
a phone, and a screenshot lands in `screenshots/` for a human to look at."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from notifications.models import Notification
from opportunities.models import Activity, Objection

from ..factories import ContactFactory, LeadFactory, OpportunityFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots"
WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}


@pytest.fixture
def workspace(rep, teammate, stages):
    now = timezone.now()
    contact = ContactFactory(
        customer__owner=rep, customer__name="华东精密机械有限公司", name="王经理", buying_role="decision_maker"
    )
    deals = []
    for i in range(12):
        deals.append(
            OpportunityFactory(
                owner=rep if i % 3 else teammate,
                customer=contact.customer,
                name=f"Production line upgrade phase {i + 1}",
                amount=Decimal(150000 * (i + 1)),
                stage=stages[1 + i % 4],
                stage_entered_at=now - timedelta(days=3 * i),
                next_follow_up_at=now - timedelta(hours=5 * i) if i % 2 else None,
            )
        )
    deal = deals[1]
    deal.contacts.add(contact)
    for i in range(4):
        Activity.log(
            by=rep, opportunity=deal, summary=f"Call about the quotation, round {i + 1}", next_step="Send revised quote"
        )
    Objection.objects.create(opportunity=deal, kind="price", description="The price is 15% above budget")
    lead = LeadFactory(owner=rep, name="Li Na", company="Ningbo Port Logistics", next_follow_up_at=now)
    Notification.objects.create(recipient=rep, kind="other", title="Deal approval requested", dedup_key="s1")
    return {"deal": deal, "lead": lead, "customer": contact.customer}


def test_every_page_renders_at_desktop_and_phone_width(page: Page, live_server, sign_in, rep, workspace):
    SHOTS.mkdir(exist_ok=True)
    sign_in(page, rep)
    pages = {
        "home": "/",
        "leads": "/leads/",
        "lead-new": "/leads/new/",
        "lead": f"/leads/{workspace['lead'].pk}/",
        "lead-convert": f"/leads/{workspace['lead'].pk}/convert/",
        "opportunities": "/opportunities/",
        "board": "/opportunities/board/",
        "opportunity": f"/opportunities/{workspace['deal'].pk}/",
        "opportunity-edit": f"/opportunities/{workspace['deal'].pk}/edit/",
        "customers": "/customers/",
        "customer": f"/customers/{workspace['customer'].pk}/",
    }
    for width_name, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        for name, path in pages.items():
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, path
            page.screenshot(path=str(SHOTS / f"{name}-{width_name}.png"), full_page=True)
            if width_name == "phone":
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 1, f"{path} scrolls sideways by {overflow}px on a phone"
