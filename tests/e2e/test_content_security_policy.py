"""With the Content Security Policy enforced, a real browser walks every page reachable from the
navigation as a rep, a leader and an admin (plus the public pages) and sees no violation: no
inline script or style is blocked, and the charts (plotly), the board (SortableJS, htmx) and the
in-place follow-up form (htmx) still work."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve
from playwright.sync_api import Page, expect

from accounts.models import User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "demo12345"
# Not pages: downloads, actions, and leaving the app.
SKIP_VIEWS = {
    "logout",
    "opportunities:export",
    "set_language",
    "notifications:open",
    "api:schema",  # a YAML download
    "attachments:download",
}
PAGES_PER_VIEW = 2  # e.g. two deal pages, two report periods: the same template, different data
MAX_PAGES = 120

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " +
                    e.sourceFile + ":" + e.lineNumber + " " + (e.sample || ""));
});
"""


@pytest.fixture
def enforced_csp(settings):
    settings.SECURE_CSP = settings.CRM_CSP_POLICY
    settings.SECURE_CSP_REPORT_ONLY = {}


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=io.StringIO())


class Watcher:
    def __init__(self, page: Page):
        self.page = page
        self.violations: list[str] = []
        page.add_init_script(WATCH)
        page.on(
            "console",
            lambda msg: (
                self.violations.append(f"console: {msg.text}")
                if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text
                else None
            ),
        )

    def collect(self, where: str) -> None:
        found = self.page.evaluate("window.__csp || []")
        self.violations.extend(f"{where}: {v}" for v in found)
        self.page.evaluate("window.__csp = []")


def view_name(url: str) -> str | None:
    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return None


def crawl(page: Page, base: str, watcher: Watcher, start: list[str], *, admin_pages: bool = False) -> list[str]:
    """Breadth-first over same-site links, a few pages per view, checking each for violations."""
    seen_urls: set[str] = set()
    per_view: dict[str, int] = {}
    queue = list(start)
    visited = []
    while queue and len(visited) < MAX_PAGES:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.netloc and parts.netloc != urlsplit(base).netloc:
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        name = view_name(path)
        if path in seen_urls or name is None or name in SKIP_VIEWS:
            continue
        if name.startswith("admin:") and (not admin_pages or name.endswith(("_history", "_delete"))):
            continue
        if per_view.get(name, 0) >= PAGES_PER_VIEW:
            continue
        seen_urls.add(path)
        per_view[name] = per_view.get(name, 0) + 1
        response = page.goto(base + path)
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        assert "Content-Security-Policy" in response.headers or "content-security-policy" in response.headers
        if page.locator("[data-figure]").count():
            expect(page.locator(".js-plotly-plot .main-svg").first).to_be_visible()
        page.wait_for_load_state("networkidle")
        watcher.collect(path)
        visited.append(name)
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        queue.extend(h for h in hrefs if h and not h.startswith(("#", "mailto:", "tel:", "javascript:")))
    return visited


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def nav_links(page: Page) -> list[str]:
    return page.eval_on_selector_all("#mainnav a[href]", "els => els.map(e => e.getAttribute('href'))")


def test_public_pages_have_no_policy_violation(page: Page, live_server, enforced_csp):
    watcher = Watcher(page)
    for path in ("/login/", "/password-reset/", "/password-reset/sent/", "/intake/", "/intake/thanks/"):
        assert page.goto(live_server.url + path).status == 200
        page.wait_for_load_state("networkidle")
        watcher.collect(path)
    page.goto(live_server.url + "/login/")
    page.select_option("select[name=language]", "zh-hans")  # the switch submits itself (static/js/crm.js)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.wait_for_load_state("networkidle")
    watcher.collect("language switch")
    assert watcher.violations == []


def test_every_page_from_the_navigation_has_no_policy_violation(page: Page, live_server, enforced_csp, demo):
    """As a rep, a leader and an admin in turn (one seeded demo, signed out in between)."""
    page.set_viewport_size({"width": 1366, "height": 900})
    watcher = Watcher(page)
    for username in ("rep1", "leader1", "admin"):
        page.context.clear_cookies()
        sign_in(page, live_server.url, username)
        start = nav_links(page)
        assert len(start) >= 6
        visited = crawl(page, live_server.url, watcher, start, admin_pages=username == "admin")
        for expected in (
            "home",
            "leads:detail",
            "opportunities:detail",
            "opportunities:board",
            "customers:detail",
            "reports:overview",
            "reports:team",
            "notifications:list",
            "accounts:profile",
        ):
            assert expected in visited, (
                f"{expected} not reached from the navigation as {username}: {sorted(set(visited))}"
            )
        if username == "admin":
            assert "admin:index" in visited
    assert watcher.violations == [], "\n".join(watcher.violations)


def test_the_board_and_the_follow_up_form_work_under_the_policy(page: Page, live_server, enforced_csp, demo):
    """SortableJS and htmx: drag a card (the server answers with out-of-band swaps) and log a
    follow-up in place, with the policy enforced."""
    from opportunities.models import Opportunity

    page.set_viewport_size({"width": 1366, "height": 900})
    watcher = Watcher(page)
    sign_in(page, live_server.url, "rep1")
    rep = User.objects.get(username="rep1")
    deal = Opportunity.objects.filter(owner=rep, stage__order=1).order_by("pk").first()
    assert deal is not None

    page.goto(f"{live_server.url}/opportunities/{deal.pk}/")
    page.fill("#id_summary", "Walked the plant with the COO")
    page.click("button:has-text('Log follow-up')")
    expect(page.locator("#follow-up-form .alert-success")).to_contain_text("Follow-up logged.")
    expect(page.locator("#timeline")).to_contain_text("Walked the plant with the COO")
    watcher.collect("follow-up logged in place")

    page.goto(f"{live_server.url}/opportunities/board/")
    card = page.locator(".board-column-cards").first.locator(".board-card").first
    card.scroll_into_view_if_needed()
    target = page.locator(".board-column-cards").nth(1)
    start, end = card.bounding_box(), target.bounding_box()
    x, y = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 15, y + 10, steps=5)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 40, steps=25)
    page.mouse.up()
    expect(page.locator("#board-feedback")).not_to_be_empty()
    page.wait_for_load_state("networkidle")
    watcher.collect("board drag")
    assert watcher.violations == [], "\n".join(watcher.violations)
