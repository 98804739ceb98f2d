"""While import_data restores, recurring generation and the due-notifier are paused: their
beat jobs skip with a note and create nothing; once the import ends (or fails) they run."""

from __future__ import annotations

import json
import os
import time
from datetime import timedelta

import pytest

from dataops.models import JobRun, Notification, User
from dataops.portability import importer, pause
from dataops.portability.importer import ImportRefused, import_data
from dataops.tests.portability_archives import export
from dataops.tests.test_portability_import import empty_the_installation, row_counts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _var(tmp_path, settings):
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def due_work():
    """A daily rule due today and a task overdue since yesterday (assigned, so notified)."""
    from tasks import services
    from tasks.services.common import local_today

    today = local_today()
    person = User.objects.create_user(username="grace")
    services.recurring_rule_create(
        data=services.RuleInput(title="Water plants", rrule="FREQ=DAILY", start_date=today),
        by=None,
    )
    services.task_create(
        title="File the report", due_date=today - timedelta(days=1), by=None, assignee=person
    )


def generate_and_notify() -> tuple[JobRun, JobRun]:
    from tasks.tasks import generate_recurring, notify_due

    generate_recurring.apply()
    notify_due.apply()
    runs = JobRun.objects.order_by("-pk")
    return runs.get(kind="recurring.generate"), runs.get(kind="tasks.notify-due")


def delete_runs() -> None:
    JobRun.objects.filter(kind__in=["recurring.generate", "tasks.notify-due"]).delete()


def test_while_paused_nothing_is_generated_or_notified_and_afterwards_it_is(due_work):
    from tasks.models import Task

    tasks_before = Task.objects.count()
    with pause.paused("import_data restores test.tar.gz"):
        assert pause.active().reason == "import_data restores test.tar.gz"
        generate, notify = generate_and_notify()
        assert Task.objects.count() == tasks_before
        assert not Notification.objects.exists()
    for run in (generate, notify):
        assert run.status == JobRun.Status.SUCCEEDED
        assert run.note.startswith("skipped: paused while import_data restores test.tar.gz")
    assert pause.active() is None
    delete_runs()
    generate, notify = generate_and_notify()
    assert Task.objects.count() == tasks_before + 1  # today's chore
    assert Notification.objects.filter(kind="task_overdue").count() == 1
    assert generate.counts["created"] == 1 and notify.counts["notified"] == 1


def test_an_import_holds_the_pause_while_it_writes_and_lifts_it_after(
    tmp_path, due_work, monkeypatch
):
    from tasks.models import Task

    archive = export(tmp_path / "out")
    empty_the_installation()
    seen = []
    real_reset = importer._reset_sequences

    def inside_the_import(models):
        # The rows are in, the transaction not yet committed: the beat jobs come by.
        seen.append(pause.active())
        seen.extend(generate_and_notify())
        return real_reset(models)

    monkeypatch.setattr(importer, "_reset_sequences", inside_the_import)
    result = import_data(path=archive, dry_run=False)
    assert result.ok, result.problems
    held, generate, notify = seen
    assert held is not None and held.reason == f"import_data restores {archive.name}"
    assert "paused" in generate.note and "paused" in notify.note
    assert pause.active() is None
    assert Task.objects.count() == 1 and not Notification.objects.exists()  # as exported


def test_a_failed_import_lifts_the_pause_too(tmp_path, due_work, monkeypatch):
    archive = export(tmp_path / "out")
    empty_the_installation()

    def refuse(*args, **kwargs):
        assert pause.active() is not None
        raise ImportRefused(["refused on purpose"])

    monkeypatch.setattr(importer, "_restore", refuse)
    assert import_data(path=archive, dry_run=False).problems == ["refused on purpose"]
    assert pause.active() is None and not any(row_counts().values())


def test_a_dry_run_does_not_pause(tmp_path, due_work, monkeypatch):
    archive = export(tmp_path / "out")
    monkeypatch.setattr(pause, "paused", None)  # would raise if called
    assert import_data(path=archive, dry_run=True).problems  # the installation has data


def write_flag(*, pid: int, age_seconds: float = 0) -> None:
    pause.folder().mkdir(parents=True, exist_ok=True)
    path = pause.folder() / f"pause-other-{pid}.json"
    data = {"reason": "an import", "since": "2026-01-01T00:00:00+00:00", "pid": pid}
    path.write_text(json.dumps(data | {"host": "other-host"}))
    stamp = time.time() - age_seconds
    os.utime(path, (stamp, stamp))


def test_a_flag_left_by_a_killed_import_lifts_by_itself(due_work):
    # Another machine's flag, refreshed recently: honoured.
    write_flag(pid=4242)
    assert pause.active() is not None
    # Not refreshed for longer than STALE_SECONDS: ignored.
    write_flag(pid=4242, age_seconds=pause.STALE_SECONDS + 60)
    assert pause.active() is None
    # This machine's flag whose process is gone: ignored at once.
    with pause.paused("an import") as own:
        data = json.loads(own.read_text())
        own.write_text(json.dumps(data | {"pid": 2**22 + 12345}))
        assert pause.active() is None
    generate, _ = generate_and_notify()
    assert "paused" not in generate.note
