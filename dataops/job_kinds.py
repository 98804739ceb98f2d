"""Which Celery task does the work of each job kind: the retry path of every run.

A run queued with `enqueue` remembers its task's name; a run recorded synchronously with
`job_run(kind=...)` (a management command) has none. Both are retried by sending the task
that does the same work, found by kind: every task declared with ``base=LedgerTask``
carries its `kind`, so the registry is read from the Celery app's own task list and a new
task needs no second registration.
"""

from __future__ import annotations

from collections.abc import Iterable

from dataops.jobs import LedgerTask
from dataops.models import JobRun


def _celery_app():
    from dataops.celery import app

    # The web process never starts a worker, so the apps' `tasks` modules may not be
    # imported yet; this imports them once (Celery's autodiscovery) and is cheap afterwards.
    app.loader.import_default_modules()
    return app


def _ledger_tasks() -> dict[str, LedgerTask]:
    return {
        name: task for name, task in _celery_app().tasks.items() if isinstance(task, LedgerTask)
    }


def _by_kind(tasks: dict[str, LedgerTask]) -> dict[str, LedgerTask]:
    """Two tasks declaring one kind: the first by name wins (the retry test keeps it so)."""
    registry: dict[str, LedgerTask] = {}
    for name in sorted(tasks):
        if tasks[name].kind:
            registry.setdefault(tasks[name].kind, tasks[name])
    return registry


def tasks_by_kind() -> dict[str, LedgerTask]:
    """Every ledger task by the kind of run it records."""
    return _by_kind(_ledger_tasks())


def retry_task_for(run: JobRun) -> LedgerTask | None:
    """The task a retry of `run` sends: its own task when it still exists, else its kind's."""
    return _retry_task(run, _ledger_tasks())


def runs_without_retry(runs: Iterable[JobRun]) -> set[int]:
    """The ids of `runs` no task can retry, so pages offer no Retry for them."""
    tasks = _ledger_tasks()
    return {run.pk for run in runs if _retry_task(run, tasks) is None}


def _retry_task(run: JobRun, tasks: dict[str, LedgerTask]) -> LedgerTask | None:
    return tasks.get(run.task_name) or _by_kind(tasks).get(run.kind)
