"""In a real browser (system Chromium): the start form's live preview, and long words on a
phone-sized screen.

Run alone with: pytest tasks/tests/test_work_browser.py -m browser
"""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tasks import services
from tasks.tests.conftest import days
from tasks.tests.test_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = Path("/tmp/dataops-screens")
LONG_WORD = "Supercalifragilistic" * 15  # 300 characters, no place to break


def test_the_start_preview_follows_template_anchor_topic_and_guest(
    page: Page, live_server, operator, load_podcast
):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server.url, operator.username)
    page.goto(f"{live_server.url}/workflows/start/")
    page.select_option("#id_template", "podcast")
    preview = page.locator("#start-preview")
    expect(preview).to_contain_text("Pick an anchor date")
    page.fill("#id_anchor_date", "2026-08-17")
    expect(preview).to_contain_text("42 tasks")
    expect(preview).to_contain_text("“Podcast: 2026-08-17”")
    page.fill("#id_title_topic", "Data contracts")
    expect(preview).to_contain_text("Podcast: 2026-08-17 - Data contracts")
    page.fill("#id_title_guest", "Ana")
    expect(preview).to_contain_text("Podcast: 2026-08-17 - Data contracts - Ana")
    page.fill("#id_anchor_date", "2026-09-07")
    expect(preview).to_contain_text("Podcast: 2026-09-07 - Data contracts - Ana")
    expect(page.locator("#id_title_guest")).to_have_value("Ana")  # typing was not lost
    SCREENS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENS / "start-preview.png", full_page=True)
    page.click("button:has-text('Start workflow')")
    expect(page.locator("h1")).to_contain_text("Podcast: 2026-09-07 - Data contracts - Ana")


def test_a_double_click_starts_one_workflow_and_a_second_one_is_asked_for(
    page: Page, live_server, operator, load_podcast
):
    from tasks.models import Workflow

    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server.url, operator.username)
    for attempt in (1, 2):
        page.goto(f"{live_server.url}/workflows/start/")
        page.select_option("#id_template", "podcast")
        expect(page.locator("#id_title_topic")).to_be_visible()
        page.fill("#id_anchor_date", "2026-08-17")
        expect(page.locator("#start-preview")).to_contain_text("42 tasks")
        page.dblclick("button:has-text('Start workflow')")
        if attempt == 1:
            expect(page.locator("h1")).to_contain_text("Podcast: 2026-08-17")
            assert Workflow.objects.count() == 1
    ask = page.locator(".start-same-anchor")
    expect(ask).to_contain_text("exists already")
    SCREENS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENS / "start-same-anchor.png", full_page=True)
    assert Workflow.objects.count() == 1
    page.click("button:has-text('Start another anyway')")
    expect(page.locator("h1")).to_contain_text("Podcast: 2026-08-17")
    assert Workflow.objects.count() == 2


def test_a_300_character_word_wraps_on_a_phone(page: Page, live_server, operator, today):
    task = services.task_create(
        title=LONG_WORD,
        due_date=today - days(1),
        by=operator,
        assignee=operator,
        description=f"See {LONG_WORD} there.",
    )
    services.task_add_comment(task=task, by=operator, text=f"Note {LONG_WORD}")
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, live_server.url, operator.username)
    SCREENS.mkdir(exist_ok=True)
    for name, path in (("home", "/"), ("task", task.get_absolute_url()), ("tasks", "/tasks/")):
        page.goto(f"{live_server.url}{path}")
        page.screenshot(path=SCREENS / f"long-word-{name}-375.png", full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{name} is {width}px wide at 375px"
        assert page.evaluate(CLIPPED) == [], f"{name} cuts the long word off"


# Elements showing the word whose content is wider than their box (clipped or overflowing).
CLIPPED = """[...document.querySelectorAll('.row-title, h1, .timeline-note, .prose p')]
  .filter(el => el.textContent.includes('Supercalifragilistic'))
  .filter(el => el.scrollWidth > el.clientWidth + 1)
  .map(el => el.className || el.tagName)"""
