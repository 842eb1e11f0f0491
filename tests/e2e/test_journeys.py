"""The rep's main journey and the leader's board, in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from opportunities.models import Opportunity

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def drag(page: Page, card, column) -> None:
    """Drag with real mouse moves (SortableJS runs in fallback mode, as on touch screens)."""
    start = card.bounding_box()
    end = column.bounding_box()
    x, y = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 15, y + 10, steps=5)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 40, steps=25)
    page.mouse.up()


def test_a_rep_takes_a_lead_to_a_won_deal(page: Page, live_server, sign_in, rep, stages):
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, rep)

    # Capture a lead
    page.goto(f"{live_server.url}/leads/new/")
    page.fill("#id_name", "Chen Jing")
    page.fill("#id_company", "Suzhou Robotics")
    page.select_option("#id_source", index=1)
    page.fill("#id_email", "chen@suzhou-robotics.example")
    page.click("button:has-text('Save')")
    expect(page.locator("h1")).to_contain_text("Chen Jing")
    expect(page.locator("#bant-missing")).to_contain_text("Budget")

    # Confirm BANT
    page.click("a:has-text('Edit')")
    page.fill("#id_budget_amount", "2000000")
    page.check("#id_budget_confirmed")
    page.check("#id_is_decision_maker")
    page.check("#id_authority_confirmed")
    page.fill("#id_need_description", "Automate the quoting of robot cells")
    page.check("#id_need_confirmed")
    page.fill("#id_timeline_date", "2030-06-30")
    page.check("#id_timeline_confirmed")
    page.click("button:has-text('Save')")
    expect(page.locator(".bant-checklist .met")).to_have_count(4)

    # Convert
    page.click("a:has-text('Convert')")
    page.click("button:has-text('Convert to opportunity')")
    expect(page).to_have_url(re.compile(r"/opportunities/\d+/$"))
    deal = Opportunity.objects.get()
    expect(page.locator("#next-requirements")).to_contain_text("Log at least one follow-up")

    # Log a follow-up in place
    page.fill("#id_summary", "Walked the plant with the COO")
    page.fill("#id_next_step", "Send the quotation")
    page.click("button:has-text('Log follow-up')")
    expect(page.locator("#follow-up-form .alert-success")).to_contain_text("Follow-up logged.")
    expect(page.locator("#timeline")).to_contain_text("Walked the plant with the COO")
    expect(page.locator("#key-figures")).to_contain_text("Send the quotation")
    assert deal.activities.count() == 1

    # The board: a refused drag (approval needed), then an accepted one
    page.goto(f"{live_server.url}/opportunities/board/")
    card = page.locator(f"#card-{deal.pk}")
    drag(page, card, page.locator(f"#col-cards-{stages[3].pk}"))
    feedback = page.locator("#board-feedback")
    expect(feedback).to_contain_text("approval")
    expect(page.locator(f"#col-cards-{stages[1].pk} #card-{deal.pk}")).to_be_visible()
    deal.refresh_from_db()
    assert deal.stage == stages[1]

    drag(page, page.locator(f"#card-{deal.pk}"), page.locator(f"#col-cards-{stages[2].pk}"))
    expect(feedback).to_contain_text("moved to")
    expect(page.locator(f"#col-cards-{stages[2].pk} #card-{deal.pk}")).to_be_visible()
    expect(page.locator(f"#col-head-{stages[2].pk} [data-count]")).to_have_text("1")
    deal.refresh_from_db()
    assert deal.stage == stages[2]

    # Mark it won with the card's stage menu (the way without dragging)
    page.locator(f"#card-{deal.pk} .stage-menu-toggle").click()
    page.locator(f"#card-{deal.pk} .dropdown-menu button", has_text=str(stages[4])).click()
    expect(page.locator(f"#col-cards-{stages[4].pk} #card-{deal.pk}")).to_be_attached()
    deal.refresh_from_db()
    assert deal.stage == stages[4] and deal.closed_at is not None


def test_moving_to_lost_on_the_board_asks_for_the_reason(page: Page, live_server, sign_in, rep, stages, loss_reason):
    from ..factories import OpportunityFactory

    deal = OpportunityFactory(owner=rep, name="Doomed deal")
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, rep)
    page.goto(f"{live_server.url}/opportunities/board/")
    page.locator(f"#card-{deal.pk} .stage-menu-toggle").click()
    page.locator(f"#card-{deal.pk} .js-ask-loss").click()
    expect(page.locator("#loss-modal")).to_be_visible()
    page.select_option("#loss-reason", str(loss_reason.pk))
    page.click("#loss-modal button[type=submit]")
    expect(page.locator("#board-feedback")).to_contain_text("moved to")
    deal.refresh_from_db()
    assert deal.stage == stages[5] and deal.loss_reason == loss_reason


def test_a_leader_opens_the_board_for_the_team(
    page: Page, live_server, sign_in, leader, rep, teammate, outsider, stages
):
    from ..factories import OpportunityFactory

    OpportunityFactory(owner=rep, name="Deal of Rita")
    OpportunityFactory(owner=teammate, name="Deal of Tom", stage=stages[2])
    OpportunityFactory(owner=outsider, name="Deal of Olga")
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, leader)
    page.click("nav >> text=Pipeline")
    board = page.locator("#board")
    expect(board).to_contain_text("Deal of Rita")
    expect(board).to_contain_text("Deal of Tom")
    expect(board).not_to_contain_text("Deal of Olga")
    expect(board).to_contain_text("Rita")  # owners are shown to a leader
