"""In a real browser (system Chromium): create a guest (past the duplicate guard), plan an
episode with them, start its Podcast workflow — 42 tasks dated around the stream, the
Guest email slot filled — and move the stream with the re-date preview. Screenshots of each
page go to /tmp/dataops-screens/podcast-*.png.

Run alone with: pytest podcast/tests/test_guest_episode_browser.py -m browser
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from podcast.models import Episode, Guest, IntakeItem
from podcast.selectors import stream_date
from podcast.tests.core_fixtures import *  # noqa: F403 (fixtures)
from tasks.services.common import local_today
from tasks.tests.test_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = Path("/tmp/dataops-screens")


def shot(page: Page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.wait_for_load_state("networkidle")  # the panels htmx loads into the page
    page.screenshot(path=str(SCREENS / f"podcast-{name}.png"), full_page=True)


def test_guest_to_episode_to_started_workflow(
    page: Page, live_server, operator, podcast_template, make_guest
):
    make_guest("Dana Reyes", email="dana@acme.example", company="Acme", tags="mlops")
    IntakeItem.objects.create(source="manual", text="Priya could talk about feature stores")
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, base, operator.username)
    expect(page.locator(".home-counters")).to_contain_text("Intake to triage")
    shot(page, "home")

    # The guest list, then a new guest who at first looks like Dana.
    page.get_by_role("link", name="Podcast", exact=True).click()
    page.get_by_role("link", name="Guests", exact=True).first.click()
    expect(page.locator("#guest-results")).to_contain_text("Dana Reyes")
    shot(page, "guest-list")
    page.get_by_role("link", name="New guest").click()
    page.fill("input[name=name]", "Priya Raman")
    page.fill("input[name=email]", "DANA@acme.example")
    page.fill("input[name=timezone]", "Mars/Olympus")
    page.get_by_role("button", name="Add guest").click()
    expect(page.locator(".field-error")).to_contain_text("is not a time zone name")
    page.fill("input[name=timezone]", "Asia/Kolkata")
    page.get_by_role("button", name="Add guest").click()
    expect(page.locator(".duplicate-box")).to_contain_text("Dana Reyes")
    shot(page, "guest-duplicate")
    page.fill("input[name=email]", "priya@fernwood.example")
    page.fill("input[name=company]", "Fernwood Analytics")
    page.get_by_role("button", name="Add guest").click()
    expect(page.locator("h1")).to_have_text("Priya Raman")
    priya = Guest.objects.get(name="Priya Raman")
    shot(page, "guest-detail")

    # Plan an episode with her, three weeks ahead at 18:00 organisation time.
    day = local_today() + timedelta(days=21)
    page.get_by_role("link", name="New episode").click()
    page.fill("input[name=working_title]", "Feature stores without the hype")
    page.fill("input[name=topic]", "Feature stores")
    page.fill("input[name=stream_date]", day.isoformat())
    page.fill("input[name=stream_time]", "18:00")
    expect(page.locator("select[name=guests] option:checked")).to_have_text("Priya Raman")
    shot(page, "episode-form")
    page.get_by_role("button", name="Add episode").click()
    expect(page.locator("h1")).to_have_text("Feature stores without the hype")
    expect(page.locator(".clock-list")).to_contain_text("Asia/Kolkata")
    shot(page, "episode-detail-new")

    # Start the Podcast workflow from the episode.
    page.get_by_role("button", name="Start Podcast workflow").click()
    expect(page.locator("#messages")).to_contain_text("with 42 tasks")
    title = f"Podcast: {day.isoformat()} - Feature stores - Priya Raman"
    expect(page.locator("#workflow-title").locator("..").locator("..")).to_contain_text(title)
    expect(page.locator(".slot-list a[href*='priya@fernwood.example']")).to_have_count(1)
    shot(page, "episode-detail-started")

    episode = Episode.objects.get()
    workflow = episode.workflow
    assert stream_date(episode) == day == workflow.anchor_date
    assert list(episode.guests.all()) == [priya]
    dates = sorted(workflow.tasks.values_list("due_date", flat=True))
    assert len(dates) == 42 and dates[0] < day <= dates[-1]
    assert dates[0] >= day - timedelta(days=60) and dates[-1] <= day + timedelta(days=60)
    assert "priya@fernwood.example" in workflow.link_slots.get(name="Guest email").url

    # The stream moves a week: the preview lists old → new, and nothing moves before confirm.
    page.get_by_role("link", name="Edit").first.click()
    page.fill("input[name=stream_date]", (day + timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_have_text("Re-date the workflow?")
    expect(page.locator(".redate-table tbody tr")).to_have_count(42)
    shot(page, "episode-redate")
    workflow.refresh_from_db()
    assert workflow.anchor_date == day
    page.get_by_role("button", name="Move 42 open tasks").click()
    expect(page.locator("#messages")).to_contain_text("Moved 42 open tasks")
    workflow.refresh_from_db()
    assert workflow.anchor_date == day + timedelta(days=7)

    page.goto(f"{base}/podcast/")
    expect(page.locator("#episode-results")).to_contain_text("Feature stores without the hype")
    shot(page, "episode-list")


def test_screenshots_of_the_empty_pages_on_a_phone(page: Page, live_server, operator):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, operator.username)
    page.goto(f"{live_server.url}/podcast/guests/")
    expect(page.locator(".empty-state")).to_contain_text("No guests yet")
    shot(page, "guest-list-empty-phone")
    page.goto(f"{live_server.url}/podcast/")
    expect(page.locator(".empty-state")).to_contain_text("No episodes planned")
    shot(page, "episode-list-empty-phone")
    page.goto(f"{live_server.url}/podcast/guests/new/")
    shot(page, "guest-form-phone")
