"""The Trello import in a real browser (system Chromium): upload the sample board, map its
lists to templates, wait for the dry run, read it, approve, watch the import's cards count
up, find the work on Operations Home, roll back.

The dry run and the import are background jobs. Celery runs them eagerly in tests; here
their messages are held first, so the pages show the runs waiting, then run as a worker
would (the import in a thread of its own, slowed down, so the page sees its counts move).

Run alone with: pytest tasks/tests/test_trello_browser.py -m browser
"""

import re
import threading
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from dataops.models import JobRun
from tasks.models import ImportBatch, Task, Workflow, WorkflowTemplate
from tasks.services import imports, task_complete
from tasks.tasks import trello_approve, trello_dry_run

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SAMPLE = Path(__file__).resolve().parents[1] / "importers" / "fixtures" / "sample_board.json"
SCREENS = Path("/tmp/dataops-screens")
HAS_ITEMS = re.compile(r"\bhas-items\b")
# The sample board's due dates are fixed (every third day from 1 December 2026): on the 7th,
# the cards due on the 1st and 4th are overdue and those due on the 7th are due today.
TODAY = date(2026, 12, 7)
TOKEN = "ATTA9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6b5a4938271605f4e3d2c1b0a"


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SCREENS / f"trello-{name}.png"), full_page=True)


@contextmanager
def held(monkeypatch, task):
    """Keep the messages `task` sends; yields a function that runs them as a worker would."""
    messages: list[dict] = []

    def keep(args=None, kwargs=None, task_id=None, **options) -> None:
        messages.append({"kwargs": kwargs, "task_id": task_id})

    def release() -> None:
        while messages:
            message = messages.pop(0)
            task.apply(kwargs=message["kwargs"], task_id=message["task_id"])

    with monkeypatch.context() as patch:
        patch.setattr(task, "apply_async", keep)
        yield release


def in_a_worker(release) -> threading.Thread:
    from django.db import connection

    def work() -> None:
        try:
            release()
        finally:
            connection.close()

    worker = threading.Thread(target=work)
    worker.start()
    return worker


def slow_cards(monkeypatch) -> None:
    """Each card takes a little while and the counts move every 5 cards."""
    import time as clock

    take_card = imports._take_card

    def slowly(run, card) -> None:
        clock.sleep(0.08)
        take_card(run, card)

    monkeypatch.setattr(imports, "_take_card", slowly)
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 5)


def rename_template(template: WorkflowTemplate, slug: str) -> None:
    WorkflowTemplate.objects.filter(pk=template.pk).update(slug=slug)


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Good")


def lane_rows(page: Page, lane: str):
    return page.locator(f"#lane-{lane} li.task-row")


def upload_and_map(page: Page, base: str) -> None:
    page.goto(f"{base}/imports/")
    expect(page.locator(".empty-state")).to_contain_text("No imports yet")
    shot(page, "0-no-imports")
    page.goto(f"{base}/templates/")
    page.get_by_role("link", name="Import from Trello").click()
    expect(page.locator("h1")).to_have_text("Import from Trello")
    not_a_board = {"name": "notes.json", "mimeType": "application/json", "buffer": b"[1, 2]"}
    page.set_input_files("input[name=board]", files=not_a_board)
    page.get_by_role("button", name="Upload and map").click()
    expect(page.locator(".field-error")).to_contain_text("This is not a Trello board export")
    shot(page, "1-upload")
    page.set_input_files("input[name=board]", str(SAMPLE))
    page.get_by_role("button", name="Upload and map").click()
    expect(page.locator("h1")).to_have_text("Map “Operations board”")
    expect(page.locator("tr", has_text="Old ideas 2024")).to_contain_text("archived")
    page.get_by_label("Podcast episodes").select_option("template:podcast")
    page.get_by_label("Waiting on others").select_option("standalone")
    shot(page, "2-mapping")


def wait_for_the_dry_run(page: Page, monkeypatch) -> None:
    """The dry run queued: the page waits for it, then shows the report by itself."""
    with held(monkeypatch, trello_dry_run) as release:
        page.get_by_role("button", name="Dry run").click()
        expect(page.locator("h1")).to_have_text("Dry run of “Operations board”…")
        expect(page.locator(".job-status")).to_contain_text("Queued")
        expect(page.locator(".job-status")).to_contain_text("trello.dry-run")
        shot(page, "3a-dry-run-waiting")
        release()
    expect(page.locator("h1")).to_have_text("Dry run: “Operations board”", timeout=15_000)


def check_dry_run(page: Page) -> None:
    expect(page.locator("h1")).to_have_text("Dry run: “Operations board”")
    redactions = page.locator("#redactions")
    for kind in ("trello token", "signed url", "email address"):
        expect(redactions).to_contain_text(kind)
    assert TOKEN not in page.content() and "X-Amz-Signature=" not in page.content()
    expect(page.locator("section", has_text="Members without a person")).to_contain_text(
        "Sam Stranger"
    )
    shot(page, "3-dry-run")


def test_import_a_board_find_it_on_home_and_roll_it_back(
    page: Page, live_server, admin_user, operator, load_podcast, settings, monkeypatch
):
    SCREENS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    base = live_server.url
    morning = datetime.combine(TODAY, time(9, 30), ZoneInfo(settings.TIME_ZONE))
    with time_machine.travel(morning, tick=True):
        log_in(page, base, admin_user.username)
        upload_and_map(page, base)
        wait_for_the_dry_run(page, monkeypatch)
        check_dry_run(page)

        # The import runs in a worker, card by card: the page shows the count going up,
        # then moves on to the batch.
        with monkeypatch.context() as patch:
            slow_cards(patch)
            with held(monkeypatch, trello_approve) as release:
                page.get_by_role("button", name="Approve import").click()
                expect(page.locator("h1")).to_have_text("Importing “Operations board”…")
                worker = in_a_worker(release)
                status = page.locator(".job-status")
                expect(status).to_contain_text("Running", timeout=10_000)
                expect(status).to_contain_text(re.compile(r"cards [1-9]\d*"), timeout=10_000)
                expect(status).to_contain_text("cards_total 66")
                first = status.locator(".chip", has_text=re.compile("^cards ")).inner_text()
                shot(page, "3b-importing")
                expect(status.locator(".chip", has_text=re.compile("^cards "))).not_to_have_text(
                    first, timeout=10_000
                )
                batch_title = re.compile(r"Import #\d+: Operations board")
                expect(page.locator("h1")).to_have_text(batch_title, timeout=20_000)
                worker.join(timeout=30)
        batch = ImportBatch.objects.get()
        expect(page.locator("#messages")).to_contain_text(f"as import #{batch.pk}")
        assert JobRun.objects.get(kind="trello.import").counts["cards"] == 66
        shot(page, "4-batch")

        # The same board again, its template renamed while the dry run waits: the job fails
        # and the mapping page says why, with the choices kept.
        page.goto(f"{base}/imports/trello/")
        page.set_input_files("input[name=board]", str(SAMPLE))
        page.get_by_role("button", name="Upload and map").click()
        page.get_by_label("Podcast episodes").select_option("template:podcast")
        page.get_by_label("Waiting on others").select_option("workflow")
        with held(monkeypatch, trello_dry_run) as release:
            page.get_by_role("button", name="Dry run").click()
            expect(page.locator("h1")).to_have_text("Dry run of “Operations board”…")
            rename_template(load_podcast, "podcast-renamed")
            release()
        expect(page.locator("h1")).to_have_text("Map “Operations board”", timeout=15_000)
        missing = "The mapping names templates that do not exist: podcast."
        expect(page.locator(".form-error")).to_contain_text(f"The dry run failed: {missing}")
        expect(page.get_by_label("Waiting on others")).to_have_value("workflow")
        shot(page, "4b-dry-run-failed")

        # Back again, a small job: the report at once, and there is nothing new.
        rename_template(load_podcast, "podcast")
        page.reload()
        page.get_by_label("Podcast episodes").select_option("template:podcast")
        page.get_by_role("button", name="Dry run").click()
        expect(page.locator("main")).to_contain_text("Nothing new: every selected card")
        shot(page, "4c-nothing-new")

        # Renamed before the approval: the import fails, the report says so, nothing is
        # written; approved again once it is back, there is nothing new to import.
        rename_template(load_podcast, "podcast-renamed")
        page.get_by_role("button", name="Approve import").click()
        expect(page.locator(".message-error")).to_contain_text(f"The import failed: {missing}")
        shot(page, "4d-import-failed")
        rename_template(load_podcast, "podcast")
        page.get_by_role("button", name="Approve import").click()
        expect(page.locator("#messages")).to_contain_text("Nothing new: every card of")
        assert ImportBatch.objects.count() == 1
        assert [r.status for r in JobRun.objects.filter(kind="trello.import")] == [
            "succeeded",
            "failed",
            "succeeded",
        ][::-1]

        # Operations Home: the imported workflows' tasks are overdue and due today, and the
        # workflows themselves are at risk.
        page.goto(f"{base}/?scope=everyone")
        imported = set(Workflow.objects.values_list("title", flat=True))
        for lane in ("overdue", "today"):
            expect(lane_rows(page, lane).first).to_be_visible()
        overdue_chips = page.locator("#lane-overdue li.task-row a.chip").all_inner_texts()
        assert overdue_chips and set(overdue_chips) <= imported
        today_rows = lane_rows(page, "today").evaluate_all("rows => rows.map(r => r.dataset.task)")
        assert {int(pk) for pk in today_rows} <= set(Task.objects.values_list("pk", flat=True))
        at_risk = page.locator("#lane-risk a.risk-title").all_inner_texts()
        assert any(text.strip().endswith(title) for text in at_risk for title in imported)
        shot(page, "5-home")

        # Meanwhile the operator completes one of the imported tasks due today.
        done = Task.objects.filter(workflow=None, due_date=TODAY, status="todo").first()
        task_complete(task=done, by=operator)

        page.goto(f"{base}/imports/batches/{batch.pk}/")
        page.get_by_role("link", name="Roll back…").click()
        kept = page.locator("#rollback-kept")
        expect(kept).to_contain_text(done.title)
        expect(kept).to_contain_text("completed by Grace Hopper")
        shot(page, "6-rollback-preview")
        page.get_by_role("button", name=f"Roll back import #{batch.pk}").click()
        expect(page.locator("#messages")).to_contain_text("Kept 1 row(s) changed since")
        expect(page.get_by_role("link", name=done.title)).to_be_visible()
        shot(page, "7-rolled-back")

        page.goto(f"{base}/?scope=everyone")
        for lane in ("overdue", "today", "risk"):
            expect(page.locator(f".count-tile.count-{lane}")).not_to_have_class(HAS_ITEMS)
        expect(page.locator("main")).not_to_contain_text(overdue_chips[0])
        shot(page, "8-home-after")
        page.goto(f"{base}/imports/")
        expect(page.locator("tbody tr").first).to_contain_text("rolled back")
        shot(page, "9-imports")
    assert list(Task.objects.all()) == [done]
