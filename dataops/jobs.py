"""The job-run ledger: every background run leaves one row, whatever happens to it.

Two ways in, one record:

* Celery tasks declared with ``@app.task(base=LedgerTask, kind="docs.sync")``. The task body
  returns its counts (a dict) or a `JobOutcome`; transient errors are retried with
  exponential backoff on the same row; permanent errors and exhausted retries mark the row
  failed and notify the admins once.
* Synchronous code (management commands, "run now" buttons that must answer at once) uses
  ``with job_run(kind=..., trigger=...) as run:`` and sets ``run.counts``.

`enqueue` creates the row before the message is sent, so a run is visible (as *queued*)
even while no worker is running.
"""

from __future__ import annotations

import contextvars
import logging
import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from celery import Task
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import OperationalError, close_old_connections, transaction
from django.db.models import Model
from django.utils import timezone

from dataops.logging import bind_context_id
from dataops.models import JobRun
from dataops.redact import redact

log = logging.getLogger(__name__)

_current_run: contextvars.ContextVar[JobRun | None] = contextvars.ContextVar(
    "current_job_run", default=None
)


class TransientJobError(Exception):
    """A failure worth retrying later: a network blip, a lock held by someone else."""


class PermanentJobError(Exception):
    """A failure no retry will fix: bad input, a diverged git remote. Goes straight to failed."""


TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    TransientJobError,
    ConnectionError,
    TimeoutError,
    OperationalError,
)


@dataclass
class JobOutcome:
    """What a job reports when it finishes successfully."""

    counts: dict[str, int] = field(default_factory=dict)
    note: str = ""
    target: Model | None = None


def current_run() -> JobRun | None:
    """The run the calling code executes inside, if any (for progress updates)."""
    return _current_run.get()


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, TRANSIENT_ERRORS) and not isinstance(exc, PermanentJobError)


def backoff_seconds(retries_done: int) -> int:
    """Exponential backoff: base, 2×base, 4×base … capped at one hour."""
    return min(settings.JOB_RETRY_BACKOFF_SECONDS * (2**retries_done), 3600)


def format_error(exc: BaseException) -> str:
    """One readable, redacted text: the message first, the traceback tail after it."""
    head = f"{type(exc).__name__}: {exc}"
    tail = "".join(traceback.format_exception(exc)[-6:])
    return redact(f"{head}\n\n{tail}")[:20_000]


def _set_target(run: JobRun, target: Model | None) -> None:
    if target is None or target.pk is None:
        return
    run.target_type = ContentType.objects.get_for_model(target)
    run.target_id = str(target.pk)
    run.target_label = str(target)[:300]


def progress(**counts: int) -> None:
    """Store partial counts on the current run so pages can show progress."""
    run = current_run()
    if run is None or run.pk is None:
        return
    run.counts = {**run.counts, **counts}
    JobRun.objects.filter(pk=run.pk).update(counts=run.counts)


# --- state changes of a run -----------------------------------------------------------


def run_started(run: JobRun) -> None:
    run.status = JobRun.Status.RUNNING
    run.started_at = run.started_at or timezone.now()
    run.attempts += 1
    run.error = ""
    run.save(update_fields=["status", "started_at", "attempts", "error"])


def run_succeeded(run: JobRun, outcome: JobOutcome) -> None:
    run.status = JobRun.Status.SUCCEEDED
    run.finished_at = timezone.now()
    run.counts = {**run.counts, **outcome.counts}
    run.note = redact(outcome.note)[:500]
    _set_target(run, outcome.target)
    run.save()


def run_retrying(run: JobRun, exc: BaseException) -> None:
    run.status = JobRun.Status.RETRYING
    run.error = format_error(exc)
    run.save(update_fields=["status", "error"])


def run_failed(run: JobRun, exc: BaseException | str) -> None:
    """Mark the run failed and notify every admin once (after the row is committed)."""
    from dataops.services import notify_job_failed

    run.status = JobRun.Status.FAILED
    run.finished_at = timezone.now()
    run.error = format_error(exc) if isinstance(exc, BaseException) else redact(exc)
    run.save()
    transaction.on_commit(lambda: notify_job_failed(run=run))


def _as_outcome(result: Any) -> JobOutcome:
    if isinstance(result, JobOutcome):
        return result
    if isinstance(result, dict):
        return JobOutcome(counts={k: v for k, v in result.items() if isinstance(v, int)})
    return JobOutcome()


@contextmanager
def job_run(
    *,
    kind: str,
    trigger: str = JobRun.Trigger.COMMAND,
    by: Model | None = None,
    target: Model | None = None,
) -> Iterator[JobRun]:
    """Record a synchronous run. Exceptions mark it failed (admins notified) and re-raise."""
    run = JobRun.objects.create(
        kind=kind, trigger=trigger, triggered_by=by, task_id=f"sync-{uuid.uuid4()}"
    )
    _set_target(run, target)
    run_started(run)
    token = _current_run.set(run)
    try:
        with bind_context_id(f"job-{run.pk}"):
            yield run
    except BaseException as exc:
        run_failed(run, exc)
        raise
    else:
        run_succeeded(run, JobOutcome(counts=run.counts, note=run.note))
    finally:
        _current_run.reset(token)


class LedgerTask(Task):
    """Base class for every Celery task of the project: ledger row, retries, failure alert."""

    kind: str = ""
    max_retries = None  # read from settings at call time

    def _claim_run(self, args: tuple, kwargs: dict) -> JobRun:
        task_id = self.request.id or f"direct-{uuid.uuid4()}"
        run, _ = JobRun.objects.get_or_create(
            task_id=task_id,
            defaults={
                "kind": self.kind or self.name,
                "task_name": self.name,
                "args": list(args),
                "kwargs": dict(kwargs),
                "trigger": JobRun.Trigger.SCHEDULE,
            },
        )
        return run

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not self.request.is_eager:
            close_old_connections()
        run = self._claim_run(args, kwargs)
        run_started(run)
        token = _current_run.set(run)
        try:
            with bind_context_id(f"job-{run.pk}"):
                result = self.run(*args, **kwargs)
        except BaseException as exc:
            return self._handle_error(run, exc)
        finally:
            _current_run.reset(token)
        run_succeeded(run, _as_outcome(result))
        return run.counts

    def _handle_error(self, run: JobRun, exc: BaseException) -> Any:
        limit = settings.JOB_MAX_RETRIES
        if is_transient(exc) and self.request.retries < limit:
            run_retrying(run, exc)
            log.warning("job %s attempt %s failed, retrying: %s", run.pk, run.attempts, exc)
            raise self.retry(exc=exc, countdown=backoff_seconds(self.request.retries),
                             max_retries=limit)
        run_failed(run, exc)
        log.error("job %s (%s) failed: %s", run.pk, run.kind, redact(str(exc)))
        raise exc


def enqueue(
    task: LedgerTask,
    *,
    args: tuple | list = (),
    kwargs: dict | None = None,
    trigger: str = JobRun.Trigger.MANUAL,
    by: Model | None = None,
    target: Model | None = None,
) -> JobRun:
    """Create the run row now and send the task once the surrounding transaction commits."""
    kwargs = kwargs or {}
    run = JobRun.objects.create(
        kind=task.kind or task.name,
        task_name=task.name,
        task_id=str(uuid.uuid4()),
        args=list(args),
        kwargs=kwargs,
        trigger=trigger,
        triggered_by=by,
    )
    _set_target(run, target)
    if run.target_type_id:
        run.save(update_fields=["target_type", "target_id", "target_label"])
    transaction.on_commit(
        lambda: _send(task, run, args, kwargs)
    )
    return run


def _send(task: LedgerTask, run: JobRun, args: tuple | list, kwargs: dict) -> None:
    try:
        task.apply_async(args=list(args), kwargs=kwargs, task_id=run.task_id)
    except Exception as exc:  # broker down: the run must not stay "queued" forever
        run_failed(run, exc)
