"""The operator's day in a real browser (system Chromium), plus screenshots of the pages.

Run alone with: pytest tasks/tests/test_browser.py -m browser
"""

from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from docs_app import api as docs_api
from docs_app.api import DocLink
from tasks import services
from tasks.demo import sample_proof
from tasks.services.common import local_today
from tasks.tests.conftest import days

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = Path("/tmp/dataops-screens")
SOP = "sop.events.venue.call-the-venue"


@pytest.fixture
def docs_available(monkeypatch):
    """The docs app answers as if the SOP were in the mirror (its own tests cover that)."""
    monkeypatch.setattr(
        docs_api,
        "doc_links",
        lambda refs: {
            ref: DocLink(ref, "Call the venue", f"/docs/id/{ref}/", True) for ref in refs
        },
    )
    monkeypatch.setattr(
        docs_api,
        "render_doc_panel",
        lambda ref, step_id=None: (
            '<h2>Call the venue</h2><ol><li id="step-2" class="is-linked-step">Confirm the room'
            "</li></ol>"
        ),
    )


def log_in(page: Page, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Good")


def row(page: Page, lane: str, title: str):
    return page.locator(f"#lane-{lane} li.task-row", has_text=title)


def test_the_operators_day(
    page: Page, live_server, operator, start_podcast, docs_available, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    today = local_today()
    workflow = start_podcast(today + days(17), title="Podcast: browser day")
    for task in workflow.tasks.filter(due_date__lt=today):  # the weeks before went well
        services.task_complete(task=task, by=operator, proof=sample_proof(task))
    venue = services.task_create(
        title="Call the venue",
        due_date=today,
        by=operator,
        assignee=operator,
        instruction_doc=SOP,
        instruction_step="2",
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server.url, operator.username)
    page.evaluate("window.stillTheSamePage = true")
    expect(row(page, "today", "Create an event in Luma")).to_be_visible()
    expect(row(page, "today", "Call the venue")).to_be_visible()

    # Complete a task that needs a link: refused, paste the link, done — no reload.
    luma = row(page, "today", "Create an event in Luma")
    luma.get_by_role("button", name="Complete: Create an event in Luma").click()
    expect(luma.locator(".row-error")).to_have_text("Add the “Luma” link before completing.")
    luma.locator("input[name=url]").fill("https://lu.ma/browser-day")
    luma.locator(".proof-prompt").get_by_role("button", name="Complete").click()
    expect(row(page, "today", "Create an event in Luma")).to_have_count(0)
    expect(page.locator("#messages")).to_contain_text("Done: “Create an event in Luma”.")
    assert page.evaluate("window.stillTheSamePage") is True

    # Mark another one waiting: it moves to the Waiting lane.
    tomorrow = today + timedelta(days=1)
    venue_row = row(page, "today", "Call the venue")
    venue_row.get_by_role("link", name="Wait").click()
    venue_row.locator("input[name=waiting_for]").fill("the venue manager")
    venue_row.locator("input[name=follow_up_date]").fill(tomorrow.isoformat())
    venue_row.get_by_role("button", name="Mark waiting").click()
    expect(row(page, "waiting", "Call the venue")).to_be_visible()
    expect(row(page, "today", "Call the venue")).to_have_count(0)
    assert page.evaluate("window.stillTheSamePage") is True

    # Time moves to its follow-up date: it shows in Follow-ups due.
    zone = ZoneInfo(settings.TIME_ZONE)
    with time_machine.travel(datetime.combine(tomorrow, time(9, 30), zone), tick=True):
        page.reload()
        follow_up = row(page, "follow_ups", "Call the venue")
        expect(follow_up).to_contain_text("Follow up with the venue manager")
        follow_up.get_by_role("button", name="Response received").click()
        expect(row(page, "today", "Call the venue")).to_be_visible()
        expect(row(page, "follow_ups", "Call the venue")).to_have_count(0)

        # Open its SOP from the task, and come back.
        row(page, "today", "Call the venue").get_by_role("link", name="Call the venue").click()
        expect(page.locator("h1")).to_have_text("Call the venue")
        expect(page.locator(".task-doc-body .is-linked-step")).to_have_text("Confirm the room")
        sop = page.get_by_role("link", name="Open the SOP")
        expect(sop).to_have_attribute("href", f"/docs/id/{SOP}/?from_task={venue.pk}#step-2")
        sop.click()
        page.wait_for_url(f"**/docs/id/{SOP}/?from_task={venue.pk}#step-2")
        back = page.get_by_role("link", name="back to task")
        if back.count():  # the docs app offers the way back once it is in place
            back.click()
        else:
            page.go_back()
        expect(page.locator("h1")).to_have_text("Call the venue")
    venue.refresh_from_db()
    assert (venue.status, venue.due_date) == ("todo", tomorrow)


@pytest.mark.parametrize("width", [1280, 390])
def test_screenshots_of_home_and_the_workflow_page(
    page: Page, live_server, settings, width, tmp_path
):
    """Demo data, as on first login; the images land in /tmp/dataops-screens for a look."""
    from dataops.demo import DEMO_PASSWORD, load_users
    from tasks import demo
    from tasks.models import Workflow

    settings.DEMO_MODE, settings.MEDIA_ROOT = True, tmp_path
    load_users()
    demo.load()
    SCREENS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server.url, "grace", DEMO_PASSWORD)
    for lane in ("overdue", "today", "follow_ups", "missing_proof", "waiting", "upcoming"):
        expect(page.locator(f"#lane-{lane} li.task-row").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scroll
    page.screenshot(path=str(SCREENS / f"home-{width}.png"), full_page=True)
    workflow = Workflow.objects.filter(stage="after-event").first()
    page.goto(f"{live_server.url}/workflows/{workflow.pk}/")
    expect(page.locator("#wf-summary")).to_contain_text("tasks done")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(SCREENS / f"workflow-{width}.png"), full_page=True)
