"""The Content-Security-Policy in a real browser: an operator and an admin walk every main
page and use the htmx interactions, and Chromium reports no violation.

Violations are recorded two ways: the `securitypolicyviolation` event (reported back to the
test from every page of the context) and Chromium's console messages. The recorder proves
itself at the end by catching an inline script and an inline style injected into a page.

To cover a new page, add its URL to OPERATOR_PAGES or ADMIN_PAGES. Screenshots go to
/tmp/dataops-csp-shots/.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from conftest import PASSWORD
from dataops.models import JobRun, Notification
from docs_app.tests.conftest import (  # noqa: F401 (fixtures)
    CREATE_PODCAST_DOC,
    content_docs,
    content_remote,
    content_workdir,
    local_cache,
)
from tasks import services
from tasks.demo import sample_proof
from tasks.models import ClosureDay
from tasks.services.common import local_today
from tasks.tests.conftest import days, load_podcast, make_rule, make_task, start_podcast  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/dataops-csp-shots")

# Paths are formatted with the ids of the objects the `world` fixture creates.
OPERATOR_PAGES = [
    "/",
    "/tasks/",
    "/tasks/{task}/",
    "/tasks/new/",
    "/workflows/",
    "/workflows/{workflow}/",
    "/workflows/start/",
    "/templates/",
    "/templates/podcast/",
    "/recurring/",
    "/recurring/{rule}/",
    "/recurring/new/",
    "/docs/",
    "/docs/" + CREATE_PODCAST_DOC,
    "/docs/search/?q=podcast",
    "/docs/quality/",
    "/notifications/",
    "/account/",
    "/account/password/",
]
ADMIN_PAGES = [
    "/",
    "/health/",
    "/jobs/",
    "/jobs/failed/",
    "/jobs/{job}/",
    "/audit/",
    "/data/exports/",
    "/data/drills/",
    "/invites/",
    "/people/waiting/",
    "/admin/",
    "/admin/dataops/user/{operator}/change/",
    "/admin/tasks/recurringrule/{rule}/change/",
    "/admin/tasks/workflowtemplate/{template}/change/",
    "/admin/tasks/task/?q=venue",
    "/admin/tasks/closureday/",
    "/admin/tasks/closureday/add/",
]

RECORDER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || document.location.pathname}:${event.lineNumber}`);
});
document.addEventListener("htmx:evalDisallowedError", () => {
  window.reportViolation(`htmx needed eval on ${document.location.pathname}`);
});
"""


@dataclass
class Session:
    """One logged-in browser context whose pages report every CSP violation to `found`."""

    context: BrowserContext
    page: Page
    base: str
    found: list[str] = field(default_factory=list)

    def record(self, violation: str) -> None:
        self.found.append(violation)

    def visit(self, path: str) -> None:
        response = self.page.goto(self.base + path)
        assert response.status == 200, f"{path} answered {response.status}"
        self.page.wait_for_load_state("networkidle")
        name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
        self.page.screenshot(path=str(SHOTS / f"{name[:60]}.png"), full_page=True)


def open_session(browser, base: str, username: str) -> Session:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    session = Session(context, context.new_page(), base)
    context.expose_function("reportViolation", session.record)
    context.add_init_script(script=RECORDER)
    context.on(
        "console",
        lambda message: (
            session.record(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page = session.page
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(base + "/")
    return session


@pytest.fixture
def world(operator, admin_user, start_podcast, make_task, make_rule, content_docs):  # noqa: F811
    """A workflow, a loose task, a recurring rule, a failed job and a notification; the admin
    is a superuser, as the first admin (createsuperuser) is, so every admin page opens."""
    SHOTS.mkdir(exist_ok=True)
    admin_user.is_superuser = True
    admin_user.save(update_fields=["is_superuser"])
    workflow = start_podcast(local_today() + days(17), title="Podcast: CSP walk")
    for done in workflow.tasks.filter(due_date__lt=local_today() - days(5)):  # some progress
        services.task_complete(task=done, by=operator, proof=sample_proof(done))
    task = make_task("Call the venue")
    rule = make_rule("FREQ=WEEKLY;BYDAY=MO", title="Water the plants", by=admin_user)
    job = JobRun.objects.create(kind="docs.sync", status=JobRun.Status.FAILED, error="boom")
    queued = JobRun.objects.create(kind="docs.sync")  # its page polls the status
    Notification.objects.create(
        recipient=operator, kind="task.due", text="Call the venue is due", dedup_key="csp-walk"
    )
    return {
        "workflow": workflow.pk,
        "task": task.pk,
        "rule": rule.pk,
        "job": job.pk,
        "queued": queued.pk,
        "operator": operator.pk,
        "template": workflow.template_id,
    }


def test_operator_pages_and_interactions_report_no_violation(browser, live_server, world):
    session = open_session(browser, live_server.url, "grace")
    page = session.page
    for path in OPERATOR_PAGES:
        session.visit(path.format(**world))
    page.goto(f"{live_server.url}/workflows/")
    expect(page.locator("progress.progress").first).to_be_visible()
    page.screenshot(path=str(SHOTS / "workflows.png"), full_page=True)

    page.goto(live_server.url + "/")
    venue = page.locator("li.task-row", has_text="Call the venue").first
    venue.get_by_role("button", name="Complete: Call the venue").click()
    expect(page.locator("#messages")).to_contain_text("Call the venue")
    expect(page.locator("li.task-row", has_text="Call the venue")).to_have_count(0)

    quick = page.locator("#quick-task")
    quick.locator("#qt-title").fill("Order name badges")
    quick.locator("#qt-due").fill(local_today().isoformat())
    quick.get_by_role("button", name="Add").click()
    expect(page.locator("li.task-row", has_text="Order name badges")).to_be_visible()
    expect(quick.locator("#qt-title")).to_have_value("")  # reset by app.js after the save

    page.keyboard.press("Control+p")
    palette = page.locator("#quickopen")
    expect(palette).to_be_visible()
    page.keyboard.type("glossary")
    expect(palette.locator(".quickopen-item").first).to_contain_text("Glossary")
    page.screenshot(path=str(SHOTS / "quickopen.png"))
    page.keyboard.press("Escape")
    expect(palette).to_be_hidden()

    page.locator("#topbar-search-input").fill("podcats")
    expect(page.locator("#search-suggestions .suggest-item").first).to_be_visible()

    page.goto(f"{live_server.url}/notifications/")
    page.get_by_role("button", name="Mark read").first.click()
    expect(page.get_by_role("button", name="Mark read")).to_have_count(0)

    page.goto(f"{live_server.url}/recurring/new/")
    page.select_option("#id_kind", label="Every day")  # the live preview (hx-trigger from the form)
    expect(page.locator("#schedule-preview .preview-sentence")).to_contain_text("day")
    expect(page.locator("#schedule-preview .preview-dates li")).to_have_count(6)

    assert session.found == []
    session.context.close()


def test_theme_switch_survives_a_reload_without_inline_script(browser, live_server, operator):
    session = open_session(browser, live_server.url, "grace")
    page = session.page
    root = page.locator("html")
    expect(root).to_have_attribute("data-theme", "auto")
    page.click(".user-chip")
    for theme in ("light", "dark"):
        page.click("[data-theme-cycle]")
        expect(root).to_have_attribute("data-theme", theme)
    page.reload()
    expect(root).to_have_attribute("data-theme", "dark")
    # The dark palette is applied (the body's background is the dark --bg).
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(15, 19, 27)"
    page.screenshot(path=str(SHOTS / "home-dark.png"))
    assert session.found == []
    session.context.close()


def test_admin_pages_and_interactions_report_no_violation(browser, live_server, world):
    session = open_session(browser, live_server.url, "ada")
    page = session.page
    for path in ADMIN_PAGES:
        session.visit(path.format(**world))
    page.screenshot(path=str(SHOTS / "admin-task-list.png"), full_page=True)

    session.visit("/health/")
    expect(page.locator("[data-check]").first).to_be_visible()
    page.screenshot(path=str(SHOTS / "health.png"), full_page=True)

    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        session.visit("/jobs/{queued}/".format(**world))  # htmx polls the queued run

    session.visit("/jobs/failed/")
    page.get_by_role("button", name="Dismiss").click()
    expect(page.get_by_role("button", name="Dismiss")).to_have_count(0)

    session.visit("/admin/tasks/closureday/add/")
    page.get_by_role("link", name="Today").click()  # the admin's own date shortcuts (JS)
    page.fill("#id_reason", "Team day")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    assert ClosureDay.objects.filter(date=local_today(), reason="Team day").exists()
    page.screenshot(path=str(SHOTS / "admin-saved.png"), full_page=True)

    assert session.found == []
    session.context.close()


def test_the_recorder_catches_inline_script_and_style(browser, live_server, operator):
    session = open_session(browser, live_server.url, "grace")
    page = session.page
    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.inlineRan = true";
        document.body.append(script);
        document.querySelector("main").insertAdjacentHTML(
            "beforeend", '<p id="styled" style="color: rgb(255, 0, 0)">red?</p>');
    }""")
    page.wait_for_function("document.getElementById('styled') !== null")
    assert page.evaluate("window.inlineRan") is None
    assert page.evaluate("getComputedStyle(document.getElementById('styled')).color") != (
        "rgb(255, 0, 0)"
    )
    page.wait_for_timeout(300)  # violation reports arrive asynchronously
    assert any(v.startswith("script-src") for v in session.found), session.found
    assert any(v.startswith("style-src") for v in session.found), session.found
    session.context.close()
