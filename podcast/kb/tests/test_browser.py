"""The knowledge base in a real browser (system Chromium): the bundled sample episodes
imported, searched as you type, filtered, an episode's question opened at its moment in the
transcript, and the panel on a guest's page; screenshots of each page.

Run alone with: pytest podcast/kb/tests/test_browser.py -m browser
"""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from podcast.kb.importer import kb_import
from podcast.models import Guest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = Path("/tmp/dataops-screens")
SAMPLES = Path(django_settings.BASE_DIR) / "content" / "podcast"


def test_search_an_episode_and_a_guest_panel(page: Page, live_server, operator, kb_index):
    report = kb_import(episodes_dir=SAMPLES / "episodes", people_dir=SAMPLES / "people")
    assert report.created >= 12 and not report.failed
    SCREENS.mkdir(exist_ok=True)
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", operator.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")

    page.goto(f"{live_server.url}/podcast/kb/")
    expect(page.locator("h1")).to_have_text("Knowledge base")
    page.fill("#kb-q", "feature store")
    first = page.locator("#kb-results .kb-row-title").first
    expect(first).to_contain_text("Feature Stores in Production")
    page.select_option("#kb-category", "technical")
    expect(page.locator("#kb-results .kb-question").first).to_contain_text("feature store")
    page.screenshot(path=str(SCREENS / "kb-search.png"), full_page=True)

    page.locator("#kb-results .kb-question").first.locator("xpath=..").locator("a").first.click()
    expect(page.locator("h1")).to_contain_text("Feature Stores in Production")
    assert "#t-" in page.url
    expect(page.locator(".kb-line:target")).to_have_count(1)
    expect(page.locator("h3#why-a-feature-store")).to_be_visible()
    page.screenshot(path=str(SCREENS / "kb-episode.png"), full_page=True)

    guest = Guest.objects.get(kb_id="tomas-novak")
    page.goto(f"{live_server.url}{guest.get_absolute_url()}")
    panel = page.locator(".kb-related")
    expect(panel).to_contain_text("Past episodes on this topic")
    expect(panel).to_contain_text("Feature Stores in Production")
    page.screenshot(path=str(SCREENS / "kb-guest-panel.png"), full_page=True)
