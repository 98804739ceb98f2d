"""The recurring editor in a real browser: type a schedule, watch the six dates, save,
generate now, find the task on Home. Screenshots land in /tmp/dataops-screens."""

from datetime import date

import pytest
import time_machine
from playwright.sync_api import Page, expect

from tasks.tests.conftest import at
from tasks.tests.test_browser import SCREENS, log_in, row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MONDAY = date(2026, 11, 23)
SIX = [
    "Mon 23 Nov 2026",
    "Mon 7 Dec 2026",
    "Mon 21 Dec 2026",
    "Mon 4 Jan 2027",
    "Mon 18 Jan 2027",
    "Mon 1 Feb 2027",
]


def test_every_second_monday_from_the_form_to_home(page: Page, live_server, operator):
    SCREENS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    with time_machine.travel(at(MONDAY, 9, 30), tick=True):
        log_in(page, live_server.url, operator.username)
        page.goto(f"{live_server.url}/recurring/new/")
        page.get_by_label("Chore").fill("Water the office plants")
        page.get_by_label("Repeats").select_option("every_n_weeks")
        page.get_by_label("Every", exact=True).fill("2")
        expect(page.get_by_role("checkbox", name="Mon")).to_be_checked()  # today's weekday
        page.get_by_label("Starts on").fill(MONDAY.isoformat())

        preview = page.locator("#schedule-preview")
        expect(preview.locator(".preview-sentence")).to_have_text(
            "Every 2 weeks on Monday at 09:00, Europe/Berlin"
        )
        expect(preview.locator(".preview-date")).to_have_text(SIX)
        page.screenshot(path=str(SCREENS / "recurring-editor.png"), full_page=True)

        page.get_by_role("button", name="Save chore").click()
        expect(page.locator("h1")).to_have_text("Water the office plants")
        expect(page.locator("#messages")).to_contain_text(
            "Saved “Water the office plants”. Next: Mon 23 Nov 2026."
        )
        page.get_by_role("button", name="Generate now").click()
        expect(page.locator("#messages")).to_contain_text("Generating “Water the office plants”")
        expect(page.get_by_role("cell", name="Mon 23 Nov 2026")).to_be_visible()
        page.screenshot(path=str(SCREENS / "recurring-rule.png"), full_page=True)

        page.goto(f"{live_server.url}/")
        expect(row(page, "today", "Water the office plants")).to_be_visible()
        page.goto(f"{live_server.url}/recurring/")
        expect(page.locator(".recurring-row", has_text="Water the office plants")).to_contain_text(
            "Mon 7 Dec"
        )
        page.screenshot(path=str(SCREENS / "recurring-list.png"), full_page=True)
