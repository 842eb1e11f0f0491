"""Files and the recycle bin in a real browser: upload and download a quote; delete a deal and
have the leader restore it; the board's stage menu and the list totals on small screens."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from opportunities.models import Opportunity
from tests.factories import OpportunityFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_rep_uploads_a_quote_and_downloads_it(page: Page, live_server, sign_in, rep, tmp_path):
    deal = OpportunityFactory(owner=rep, name="Quote deal")
    quote = tmp_path / "报价单.pdf"
    quote.write_bytes(b"%PDF-1.4 the quote")
    sign_in(page, rep)
    page.goto(f"{live_server.url}{deal.get_absolute_url()}")
    page.set_input_files("#files input[type=file]", str(quote))
    page.click("#files button[type=submit] >> text=Upload")
    expect(page.locator("#files")).to_contain_text("报价单.pdf")
    with page.expect_download() as info:
        page.click("#files a >> text=报价单.pdf")
    download = info.value
    assert download.suggested_filename == "报价单.pdf"
    assert open(download.path(), "rb").read() == b"%PDF-1.4 the quote"


def test_a_rep_deletes_a_deal_and_the_leader_restores_it(
    page: Page, live_server, sign_in, rep, leader, browser, stages
):
    deal = OpportunityFactory(owner=rep, name="Oops deal")
    sign_in(page, rep)
    page.goto(f"{live_server.url}{deal.get_absolute_url()}")
    page.click("summary >> text=Delete")
    page.click("text=Move to recycle bin")
    expect(page.locator(".alert")).to_contain_text("moved to the recycle bin")
    assert not Opportunity.objects.filter(pk=deal.pk).exists()

    context = browser.new_context()
    leader_page = context.new_page()
    sign_in(leader_page, leader)
    leader_page.goto(f"{live_server.url}/recycle-bin/")
    row = leader_page.locator("#recycle-bin tr", has_text="Oops deal")
    row.locator("button >> text=Restore").click()
    expect(leader_page.locator(".alert")).to_contain_text("restored")
    assert Opportunity.objects.filter(pk=deal.pk).exists()
    leader_page.goto(f"{live_server.url}/opportunities/")
    expect(leader_page.locator("main")).to_contain_text("Oops deal")
    context.close()


def test_the_board_stage_menu_shows_won_and_lost_on_a_short_board(page: Page, live_server, sign_in, rep):
    deal = OpportunityFactory(owner=rep, name="Only card")
    page.set_viewport_size({"width": 1366, "height": 700})
    sign_in(page, rep)
    page.goto(f"{live_server.url}/opportunities/board/")
    page.locator(f"#card-{deal.pk} .stage-menu-toggle").click()
    menu = page.locator(f"#card-{deal.pk} .dropdown-menu")
    expect(menu).to_be_visible()
    last = menu.locator(".dropdown-item").last
    box = last.bounding_box()
    # The last entry (Lost) is inside the viewport and really on top (not clipped by a column).
    assert box is not None and box["y"] + box["height"] <= 700
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    on_top = page.evaluate(
        "([x, y]) => { const el = document.elementFromPoint(x, y); return el && el.closest('.dropdown-menu') !== null; }",
        [x, y],
    )
    assert on_top


def test_the_list_totals_fit_a_phone(page: Page, live_server, sign_in, rep):
    from decimal import Decimal

    OpportunityFactory(owner=rep, amount=Decimal("987654321.00"))
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, rep)
    page.goto(f"{live_server.url}/opportunities/")
    overflowing = page.evaluate(
        "() => [...document.querySelectorAll('#totals .figure-value')]"
        ".filter(el => el.scrollWidth > el.clientWidth + 1 || el.getBoundingClientRect().right >"
        " el.closest('.card').getBoundingClientRect().right).length"
    )
    assert overflowing == 0
