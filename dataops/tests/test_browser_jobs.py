"""Background work moves on screen without a reload: a job page, Sync now, a re-clone.

Screenshots are written to /tmp/dataops-job-shots/ for a look.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from dataops.models import JobRun
from docs_app.sync import docs_sync
from docs_app.tests.fixtures import GitRemote, point_docs_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/dataops-job-shots")
NOT_RELOADED = "window.__notReloaded"


@pytest.fixture(autouse=True)
def _shots_dir():
    SHOTS.mkdir(exist_ok=True)


@pytest.fixture
def docs_remote(settings, tmp_path):
    remote = GitRemote.create(
        tmp_path / "origin", {"ops/start.md": "# Start here\n", "ops/close.md": "# Close the day\n"}
    )
    point_docs_at(settings, remote.url, tmp_path)
    docs_sync()
    return remote


def log_in_as_admin(page, base: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 860})
    page.goto(base + "/login/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(base + "/")


def mark_page(page) -> None:
    """A flag a reload would wipe: asserting it later proves the page was never reloaded."""
    page.evaluate(f"{NOT_RELOADED} = true")


def assert_not_reloaded(page) -> None:
    assert page.evaluate(NOT_RELOADED) is True


def test_a_queued_run_turns_succeeded_on_its_page_without_a_reload(page, live_server, admin_user):
    run = JobRun.objects.create(
        kind="platform.selfcheck",
        task_name="dataops.tasks.selfcheck",
        trigger=JobRun.Trigger.MANUAL,
        triggered_by=admin_user,
    )
    log_in_as_admin(page, live_server.url)
    page.goto(live_server.url + run.get_absolute_url())
    status = page.locator("#job-run .subtitle")
    expect(status).to_contain_text("Queued")
    mark_page(page)
    page.screenshot(path=str(SHOTS / "job-queued.png"), full_page=True)

    now = timezone.now()
    JobRun.objects.filter(pk=run.pk).update(
        status=JobRun.Status.RUNNING, started_at=now, attempts=1, counts={"checked": 0}
    )
    expect(status).to_contain_text("Running", timeout=15_000)
    JobRun.objects.filter(pk=run.pk).update(
        status=JobRun.Status.SUCCEEDED,
        finished_at=now + timedelta(seconds=2),
        counts={"checked": 1},
        note="worker eager",
    )
    expect(status).to_contain_text("Succeeded", timeout=15_000)
    expect(status).to_contain_text("worker eager")
    expect(page.locator("#job-run")).not_to_have_attribute("hx-trigger", re.compile("every"))
    assert_not_reloaded(page)
    page.screenshot(path=str(SHOTS / "job-succeeded.png"), full_page=True)

    waiting = JobRun.objects.create(kind="docs.sync", task_name="docs_app.tasks.sync_docs")
    page.goto(live_server.url + "/jobs/")
    row = page.locator("#job-table tr", has_text=f"#{waiting.pk}")
    expect(row).to_contain_text("Queued")
    mark_page(page)
    JobRun.objects.filter(pk=waiting.pk).update(
        status=JobRun.Status.FAILED, started_at=now, finished_at=now, error="boom"
    )
    expect(row).to_contain_text("Failed", timeout=15_000)
    assert_not_reloaded(page)
    page.screenshot(path=str(SHOTS / "job-list.png"), full_page=True)


def test_sync_now_shows_its_run_finish_and_the_docs_line_refresh(
    page, live_server, admin_user, docs_remote
):
    log_in_as_admin(page, live_server.url)
    docs_remote.write("ops/new.md", "# A new doc\n")
    docs_remote.commit("Add a doc")
    page.goto(live_server.url + "/docs/")
    expect(page.locator("#sync-state")).to_contain_text("2 documents")
    mark_page(page)
    page.get_by_role("button", name="Sync now").click()
    live = page.locator(".docs-sync-queued .job-status")
    expect(live).to_contain_text("docs.sync run #")
    expect(live).to_contain_text("Succeeded", timeout=15_000)
    expect(live).to_contain_text("added 1")
    expect(page.locator("#sync-state")).to_contain_text("3 documents", timeout=15_000)
    assert_not_reloaded(page)
    page.screenshot(path=str(SHOTS / "docs-sync-now.png"), full_page=True)


def test_admin_recovers_a_force_pushed_remote_from_the_browser(
    page, live_server, admin_user, docs_remote
):
    docs_remote.write("ops/new.md", "# After the rewrite\n")
    rewritten = docs_remote.rewrite_last_commit("Rewrite history")
    with pytest.raises(Exception, match="force-push"):
        docs_sync()

    log_in_as_admin(page, live_server.url)
    page.goto(live_server.url + "/docs/")
    failure = page.locator(".sync-state-failed")
    expect(failure).to_contain_text("Last sync failed")
    expect(failure).to_contain_text("The remote history was rewritten (force-push)")
    page.screenshot(path=str(SHOTS / "docs-sync-failed.png"), full_page=True)

    failure.get_by_role("link", name="Re-clone…").click()
    expect(page.locator("h1")).to_have_text("Re-clone the docs mirror")
    page.screenshot(path=str(SHOTS / "docs-reclone-confirm.png"), full_page=True)
    mark_page(page)
    page.get_by_role("button", name="Re-clone the mirror").click()
    live = page.locator("#reclone-action .job-status")
    expect(live).to_contain_text("Succeeded", timeout=15_000)
    expect(page.locator("#sync-state")).not_to_contain_text("Last sync failed", timeout=15_000)
    expect(page.locator("#sync-state")).to_contain_text(rewritten[:8])
    expect(page.locator(".backup-list li")).to_have_count(1)
    expect(page.locator(".backup-list")).to_contain_text("mirror.bak-")
    assert_not_reloaded(page)
    page.screenshot(path=str(SHOTS / "docs-reclone-done.png"), full_page=True)


def test_retry_on_failed_jobs_follows_the_new_run_to_its_end(
    page, live_server, admin_user, docs_remote
):
    from dataops.jobs import job_run

    for kind in ("legacy.export", "docs.sync"):
        with pytest.raises(RuntimeError), job_run(kind=kind):
            raise RuntimeError(f"{kind}: the remote did not answer")
    log_in_as_admin(page, live_server.url)
    page.goto(live_server.url + "/jobs/failed/")
    legacy = page.locator(".failed-row", has_text="legacy.export")
    expect(legacy).to_contain_text("Run it again with its command")
    expect(legacy.get_by_role("button", name="Retry")).to_have_count(0)
    page.screenshot(path=str(SHOTS / "failed-jobs.png"), full_page=True)

    mark_page(page)
    row = page.locator(".failed-row", has_text="docs.sync")
    row.get_by_role("button", name="Retry").click()
    expect(row).to_contain_text("Retry queued as run #")
    expect(row.locator(".job-status")).to_contain_text("Succeeded", timeout=15_000)
    expect(row.locator(".job-status")).to_contain_text("No changes")
    assert_not_reloaded(page)
    page.screenshot(path=str(SHOTS / "failed-jobs-retried.png"), full_page=True)
