"""The guest form end to end in a real browser: the team makes a link, the guest fills it on
a phone without logging in, the answers land in the inbox, the team attaches them to the
episode and starts the episode's Podcast workflow.

Run alone with: DJANGO_ALLOW_ASYNC_UNSAFE=true pytest podcast/tests/test_guest_form_browser.py
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from dataops.models import Notification
from podcast.models import GuestFormLink, IntakeItem
from podcast.tests.intake_fixtures import *  # noqa: F403 (fixtures)
from podcast.tests.test_intake_browser import log_in
from tasks.services import templates_load
from tasks.services.templates import SHIPPED_DIR

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = Path("/tmp/dataops-screens")
PHONE = {"width": 390, "height": 844}


def test_guest_fills_the_form_on_a_phone_and_the_team_attaches_it(
    page: Page, browser: Browser, live_server, operator, admin_user, guest, episode
):
    cache.clear()  # rate-limit counters of earlier runs
    templates_load(paths=[SHIPPED_DIR / "podcast.yaml"])
    episode.stream_at = timezone.now() + timedelta(days=40)
    episode.save(update_fields=["stream_at"])
    SCREENS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server.url, operator.username)

    # The team makes a link for the guest and the episode.
    page.goto(f"{live_server.url}/podcast/guests/{guest.pk}/form-links/")
    expect(page.locator("#guest-form-links")).to_contain_text("No link yet")
    page.select_option("#guest-form-links select[name=episode]", str(episode.pk))
    page.get_by_role("button", name="Create a form link").click()
    link_input = page.locator("input.gf-url")
    expect(link_input).to_have_count(1)
    link_url = link_input.input_value()
    assert link_url.startswith(live_server.url + "/podcast/form/")
    page.screenshot(path=str(SCREENS / "guest-form-links.png"), full_page=True)
    page.goto(f"{live_server.url}{guest.get_absolute_url()}")
    expect(page.locator("#guest-form-links input.gf-url")).to_have_value(link_url)
    page.screenshot(path=str(SCREENS / "guest-page-form-links.png"), full_page=True)

    # The guest: a new browser context, no login, a phone-sized screen.
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    guest_page = phone.new_page()
    guest_page.goto(link_url)
    expect(guest_page.locator("h1")).to_contain_text("Hi Dana Reyes")
    expect(guest_page.locator("input[name=name]")).to_have_value("Dana Reyes")
    hook = guest_page.locator("input[name=hook]")
    hook.fill("Data contracts stop the 3 a.m. pages.")
    expect(guest_page.locator('[data-counter-for="id_hook"]')).to_have_text("37 / 300")
    guest_page.fill("textarea[name=short_bio]", "Dana builds data platforms at Acme.")
    guest_page.fill("input[name=topic_1]", "Data contracts")
    guest_page.fill("input[name=topic_2]", "Schema evolution without tears")
    guest_page.fill("textarea[name=q_main]", "How do you start with contracts?")
    width = guest_page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the form scrolls sideways on a phone ({width}px)"
    guest_page.screenshot(path=str(SCREENS / "guest-form-phone.png"), full_page=True)
    guest_page.locator("#section-topics").scroll_into_view_if_needed()
    guest_page.screenshot(path=str(SCREENS / "guest-form-phone-topics.png"))
    guest_page.get_by_role("button", name="Send", exact=True).click()
    expect(guest_page.locator(".message-success")).to_contain_text("Thank you")
    guest_page.screenshot(path=str(SCREENS / "guest-form-sent.png"))
    phone.close()

    item = IntakeItem.objects.get()
    assert (item.source, item.guest_id, item.fields["topic_2"]) == (
        "form",
        guest.pk,
        "Schema evolution without tears",
    )
    assert Notification.objects.filter(recipient=admin_user, kind="guest_form").exists()
    assert GuestFormLink.objects.get().submit_count == 1

    # The team finds it in the inbox and attaches it to the episode from the keyboard.
    page.goto(f"{live_server.url}/podcast/intake/")
    form_row = page.locator(f"#intake-{item.pk}")
    expect(form_row).to_contain_text("Guest form")
    page.keyboard.press("j")
    page.keyboard.press("a")
    form_row.locator("select[name=episode]").select_option(str(episode.pk))
    form_row.get_by_role("button", name="Attach").click()
    expect(form_row).to_contain_text("Attached")
    expect(form_row).to_contain_text(episode.working_title)
    item.refresh_from_db()
    assert (item.status, item.episode_id) == ("attached", episode.pk)

    page.goto(f"{live_server.url}/podcast/intake/{item.pk}/")
    expect(page.locator(".intake-answers").first).to_contain_text("Dana Reyes")
    page.screenshot(path=str(SCREENS / "intake-form-answers.png"), full_page=True)

    # From the episode's page, start its Podcast workflow.
    page.goto(f"{live_server.url}{episode.get_absolute_url()}")
    page.get_by_role("button", name="Start Podcast workflow").first.click()
    expect(page.locator("#messages")).to_contain_text("with 42 tasks")
    page.screenshot(path=str(SCREENS / "guest-form-episode-started.png"), full_page=True)
    episode.refresh_from_db()
    workflow = episode.workflow
    assert workflow.tasks.count() == 42
    slot = workflow.link_slots.get(name="Guest email")
    assert "dana@example.org" in slot.url
    stream_day = timezone.localdate(episode.stream_at)
    dates = sorted(workflow.tasks.values_list("due_date", flat=True))
    assert dates[0] < stream_day < dates[-1] + timedelta(days=60)
