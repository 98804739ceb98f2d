"""The reader's journey in a real browser: browse, filter, search, read an SOP, follow links.

Screenshots at desktop and phone widths are written to /tmp/dataops-docs-shots/ for a look.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from docs_app.sync import docs_sync
from docs_app.tests.conftest import CREATE_PODCAST_DOC
from docs_app.tests.fixtures import point_docs_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/dataops-docs-shots")


@pytest.fixture
def synced(settings, local_cache, content_remote, tmp_path):
    point_docs_at(settings, content_remote, tmp_path)
    docs_sync()
    SHOTS.mkdir(exist_ok=True)


def log_in(page, base: str) -> None:
    page.goto(base + "/login/")
    page.fill("#id_username", "grace")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(base + "/")


def test_browse_filter_search_read_and_follow(page, live_server, operator, synced):
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, base)

    page.get_by_role("link", name="Docs", exact=True).click()
    expect(page.locator("h1")).to_have_text("Process docs")
    page.screenshot(path=str(SHOTS / "index-1280.png"), full_page=True)

    domain_facet = page.locator('.facet[data-facet="domain"]')
    domain_facet.get_by_role("link", name=re.compile(r"^events")).click()
    expect(page).to_have_url(re.compile(r"/docs/\?domain=events$"))
    expect(page.locator("#docs-list-title")).to_have_text("Matching documents")
    rows = page.locator(".doc-row")
    expect(rows.first).to_be_visible()
    for meta in rows.locator(".doc-row-meta").all_inner_texts():
        assert "events" in meta

    search_box = page.locator("#topbar-search-input")
    search_box.fill("podcats")
    expect(page.locator("#search-suggestions .suggest-item").first).to_be_visible()
    search_box.press("Enter")
    expect(page.locator(".did-you-mean")).to_contain_text("Did you mean podcast?")
    expect(page.locator(".search-hit mark").first).to_be_visible()
    page.screenshot(path=str(SHOTS / "search-1280.png"), full_page=True)

    page.locator("#search-q").fill("create podcast document")
    hit = page.locator(".search-hit-title", has_text="Create a podcast document with the questions")
    expect(hit).to_be_visible()
    hit.click()
    expect(page).to_have_url(re.compile(re.escape(f"/docs/{CREATE_PODCAST_DOC}")))

    step = page.locator("#step-6")
    expect(step.locator(".sop-step-number")).to_have_text("6")
    expect(step.locator(".chip-action")).to_have_text("click")
    expect(page.locator(".sop-step")).to_have_count(8)
    page.screenshot(path=str(SHOTS / "sop-1280.png"), full_page=True)

    shot = step.locator(".sop-shot-link")
    shot.scroll_into_view_if_needed()
    shot.click()
    lightbox = page.locator("#doc-lightbox")
    expect(lightbox).to_be_visible()
    expect(lightbox.locator(".lightbox-caption")).to_contain_text("Editor role")
    expect(lightbox.locator(".lightbox-body img")).to_have_attribute(
        "src", re.compile(r"docs-share-dialog-editor\.png$")
    )
    page.keyboard.press("ArrowRight")
    expect(lightbox.locator(".lightbox-caption")).not_to_contain_text("Editor role")
    page.screenshot(path=str(SHOTS / "lightbox-1280.png"))
    page.keyboard.press("Escape")
    expect(lightbox).to_be_hidden()

    page.locator(".sop-section-references").get_by_role(
        "link", name="Podcast question playbook"
    ).click()
    expect(page.locator("h1")).to_have_text("Podcast question playbook")
    backlinks = page.locator(".backlinks")
    expect(
        backlinks.get_by_role("link", name="Create a podcast document with the questions")
    ).to_be_visible()

    page.keyboard.press("Control+p")
    palette = page.locator("#quickopen")
    expect(palette).to_be_visible()
    page.keyboard.type("glossary")
    expect(palette.locator(".quickopen-item").first).to_contain_text("Glossary")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Glossary")


def test_phone_width_reads_well(browser, live_server, operator, synced):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/docs/{CREATE_PODCAST_DOC}")
    expect(page.locator("#step-1")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width}px)"
    page.screenshot(path=str(SHOTS / "sop-390.png"), full_page=True)
    page.goto(f"{live_server.url}/docs/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "index-390.png"), full_page=True)
    page.goto(f"{live_server.url}/docs/search/?q=luma+event")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "search-390.png"), full_page=True)
    context.close()
