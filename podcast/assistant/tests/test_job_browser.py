"""The prep-document assistant in a real browser (system Chromium) on the embedded default:
from an episode with a filled guest form, draft the prep document, watch the timeline reach
“waiting for approval”, edit one question, approve; the workflow's “Create podcast
document” task has its proof and completes; screenshots of every assistant page.

The run is a background job. Celery runs it eagerly in tests; here its message is held
first, so the job page shows it queued, then it runs in a thread as a worker would (slowed
down, so the page sees the timeline move).

Run alone with: pytest podcast/assistant/tests/test_job_browser.py -m browser
"""

from __future__ import annotations

import re
import threading
import time as clock
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from podcast.assistant import services
from podcast.assistant.models import AssistantJob
from podcast.assistant.tasks import run_assistant_job
from podcast.assistant.tests.jobs_fixtures import *  # noqa: F403
from tasks.tests.test_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = Path("/tmp/dataops-screens")
NEW_QUESTION = "What first pulled you from analysis into running an ML platform?"


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SCREENS / f"assistant-{name}.png"), full_page=True)


def hold_runs(monkeypatch) -> list[dict]:
    held: list[dict] = []

    def keep(args=None, kwargs=None, task_id=None, **options) -> None:
        held.append({"args": args, "task_id": task_id})

    monkeypatch.setattr(run_assistant_job, "apply_async", keep)
    return held


def work_slowly(monkeypatch, held: list[dict]) -> threading.Thread:
    """Run the held message in a thread as a worker would, pausing before the draft lands."""
    from django.db import connection

    finish = services.run_finish

    def slow_finish(*args, **kwargs):
        clock.sleep(2.5)
        return finish(*args, **kwargs)

    monkeypatch.setattr(services, "run_finish", slow_finish)

    def work() -> None:
        try:
            for message in held:
                run_assistant_job.apply(args=message["args"], task_id=message["task_id"])
        finally:
            connection.close()

    worker = threading.Thread(target=work)
    worker.start()
    return worker


def test_draft_edit_approve_and_complete_the_task(
    page: Page, live_server, operator, admin_user, prep_episode, monkeypatch, browser
):
    SCREENS.mkdir(exist_ok=True)
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, base, operator.username)

    page.goto(base + prep_episode.get_absolute_url())
    panel = page.locator(".assistant-panel")
    expect(panel).to_contain_text("No draft yet")
    shot(page, "1-episode")

    held = hold_runs(monkeypatch)
    panel.get_by_role("button", name="Draft prep document").click()
    expect(page.locator("h1")).to_contain_text("Prep document")
    expect(page.locator(".page-header .pill")).to_have_text("Queued")
    expect(page.locator("#assistant-timeline")).to_contain_text("Queued")
    expect(page.locator(".assistant-live")).to_be_visible()
    shot(page, "2-queued")

    worker = work_slowly(monkeypatch, held)
    expect(page.locator("#assistant-timeline")).to_contain_text("Attempt 1 of 2 started")
    expect(page.locator("#assistant-timeline")).to_contain_text("drafting with offline")
    shot(page, "3-running")
    expect(page.locator(".page-header .pill")).to_have_text("Waiting for approval", timeout=15000)
    worker.join()
    timeline = page.locator("#assistant-timeline")
    expect(timeline).to_contain_text("Approval requested")
    expect(timeline).not_to_have_attribute("hx-trigger", re.compile("every"))
    expect(page.locator(".assistant-doc h2", has_text="Questions")).to_be_visible()
    expect(page.locator(".assistant-kv")).to_contain_text("1 intake item")
    shot(page, "4-waiting")

    # Edit one question.
    page.get_by_role("link", name="Edit the document").click()
    editor = page.locator("textarea[name=markdown]")
    text = editor.input_value()
    first = re.search(r"^1\. (.+)$", text, re.M).group(1)
    shot(page, "5-edit")
    editor.fill(text.replace(f"1. {first}", f"1. {NEW_QUESTION}", 1))
    page.get_by_role("button", name="Save revision").click()
    expect(page.locator(".messages")).to_contain_text("Saved as revision 2")
    expect(page.locator(".assistant-doc")).to_contain_text(NEW_QUESTION)

    # The document: 10–14 questions, each with its source, none on a topic to avoid.
    questions = page.locator(".assistant-doc ol > li")
    count = questions.count()
    assert 10 <= count <= 14
    for n in range(count):
        expect(questions.nth(n)).to_contain_text("Source:")
    asked = " ".join(questions.all_inner_texts()).lower()
    assert "salar" not in asked and "compensation" not in asked and "northbank" not in asked

    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".messages")).to_contain_text("now the proof")
    expect(page.locator(".page-header .pill")).to_have_text("Succeeded")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    shot(page, "6-approved")
    job = AssistantJob.objects.get(episode=prep_episode)
    assert job.status == "succeeded"

    # The task has its proof and completes.
    task = prep_episode.workflow.tasks.get(template_ref="create-podcast-document")
    assert task.proof_url == f"{base}{job.get_absolute_url()}"
    page.goto(base + task.get_absolute_url())
    expect(page.locator(".assistant-panel")).to_contain_text("Succeeded")
    expect(page.locator(".timeline")).to_contain_text("Approved the prep document")
    shot(page, "7-task")
    page.get_by_role("button", name="Complete", exact=True).click()
    expect(page.locator(".task-facts .pill")).to_have_text("Done")
    task.refresh_from_db()
    assert task.status == "done"

    # The admins' list of drafts.
    admin = browser.new_page(viewport={"width": 1280, "height": 800})
    log_in(admin, base, admin_user.username)
    expect(admin.locator("body")).to_contain_text("Drafts waiting for approval")
    admin.screenshot(path=str(SCREENS / "assistant-0-home.png"), full_page=True)
    admin.goto(f"{base}/podcast/assistant/jobs/")
    expect(admin.locator("tbody tr")).to_have_count(1)
    admin.screenshot(path=str(SCREENS / "assistant-8-list.png"), full_page=True)
    admin.goto(f"{base}/podcast/assistant/jobs/?status=failed")
    expect(admin.locator(".empty-state")).to_contain_text("No drafts in this state")
    admin.screenshot(path=str(SCREENS / "assistant-9-list-empty.png"), full_page=True)
    admin.close()


def test_a_failed_draft_says_why_and_offers_a_retry(
    page: Page, live_server, operator, prep_episode
):
    SCREENS.mkdir(exist_ok=True)
    job = services.job_create(episode=prep_episode, by=operator, send=False)
    services.run_start(job.pk, run=job.run)
    services.run_fail(job, code="llm_timeout", summary="The model server did not answer in 30 s.")
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, live_server.url, operator.username)
    page.goto(live_server.url + job.get_absolute_url())
    expect(page.locator(".message-error")).to_contain_text("llm_timeout")
    expect(page.locator(".empty-state")).to_contain_text("No document")
    shot(page, "10-failed")
    page.get_by_role("button", name="Retry (1 left)").click()
    # Celery runs eagerly in tests: the second attempt has drafted by the time the page loads.
    expect(page.locator(".page-header .pill")).to_have_text("Waiting for approval")
    expect(page.locator(".page-header")).to_contain_text("attempt 2 of 2")
