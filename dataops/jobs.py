"""The job-run ledger: every background run leaves one row, whatever happens to it.

Two ways in, one record:

* Celery tasks declared with ``@app.task(base=LedgerTask, kind="docs.sync")``. The task body
  returns its counts (a dict) or a `JobOutcome`; transient errors are retried with
  exponential backoff on the same row; permanent errors and exhausted retries mark the row
  failed and notify the admins once.
* Synchronous code (management commands, "run now" buttons that must answer at once) uses
  ``with job_run(kind=..., trigger=...) as run:`` and sets ``run.counts``.

`enqueue` creates the row before the message is sent, so a run is visible (as *queued*)
even while no worker is running. A broker that cannot take the message leaves the run
*queued* with the code `queue_unavailable`; `resend_waiting_runs` (beat, and every worker
start) sends it once the queue is back.

Messages are acknowledged after the job ends and re-delivered when a worker dies mid-job,
so a job may run again: jobs are idempotent, and a delivery of a run that already succeeded
is skipped. `reap_lost_runs` (beat) ends what no worker will finish: runs *running* past
their time limit and *queued* runs whose message the broker no longer holds become failed
with the code `lost`, which admins are told about and can retry.
"""

from __future__ import annotations

import contextvars
import logging
import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from celery import Task
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import OperationalError, close_old_connections, transaction
from django.db.models import Model
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from dataops.logging import bind_context_id
from dataops.models import JobRun
from dataops.redact import redact

log = logging.getLogger(__name__)

LOST_IN_WORKER = (
    "Lost: the worker running this job stopped before it finished (killed, crashed or restarted)."
)
LOST_IN_QUEUE = (
    "Lost: the job was queued but the queue no longer holds it (the broker lost the message)."
)
LOST_TOO_OFTEN = "Lost: a worker died {n} times running this job; it is not tried again."
QUEUE_UNAVAILABLE_TEXT = "the queue is unavailable, it will run when it is back"
LOST_GRACE_SECONDS = 60
RESEND_BATCH = 200
# What a broker that cannot take a message raises (connection refused, timeouts, DNS).
BROKER_DOWN_ERRORS = (BrokerOperationalError, RedisConnectionError, RedisTimeoutError, OSError)

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
    """Exponential backoff: base, 2×base, 4×base … capped at one hour and at the job time
    limit (the worker holds a retry until it is due, and Redis re-delivers a message held
    longer than its visibility timeout, which is sized from the time limit)."""
    cap = min(3600, settings.JOB_TIME_LIMIT_SECONDS)
    return min(settings.JOB_RETRY_BACKOFF_SECONDS * (2**retries_done), cap)


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
    now = timezone.now()
    run.status = JobRun.Status.RUNNING
    run.started_at = run.started_at or now
    run.attempt_started_at = now
    run.finished_at = None
    run.attempts += 1
    run.error = ""
    run.error_code = JobRun.ErrorCode.NONE
    run.save(
        update_fields=[
            "status",
            "started_at",
            "attempt_started_at",
            "finished_at",
            "attempts",
            "error",
            "error_code",
        ]
    )


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


def run_failed(run: JobRun, exc: BaseException | str, *, code: str = "") -> None:
    """Mark the run failed and notify every admin once (after the row is committed)."""
    from dataops.services import notify_job_failed

    run.status = JobRun.Status.FAILED
    run.finished_at = timezone.now()
    run.error = format_error(exc) if isinstance(exc, BaseException) else redact(exc)
    run.error_code = code
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
        if not _takes_delivery(run):
            log.info(
                "job %s (%s) is already %s: repeated delivery skipped", run.pk, run.kind, run.status
            )
            return run.counts
        if _died_too_often(run):
            run_failed(run, LOST_TOO_OFTEN.format(n=run.attempts), code=JobRun.ErrorCode.LOST)
            return run.counts
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
            raise self.retry(
                exc=exc, countdown=backoff_seconds(self.request.retries), max_retries=limit
            )
        run_failed(run, exc)
        log.error("job %s (%s) failed: %s", run.pk, run.kind, redact(str(exc)))
        raise exc


def _takes_delivery(run: JobRun) -> bool:
    """Whether a delivered message should run: not when its run already ended (a message
    re-delivered after the job finished), except a run declared lost that nobody retried or
    dismissed — the message turned up after all."""
    if run.status in (JobRun.Status.QUEUED, JobRun.Status.RUNNING, JobRun.Status.RETRYING):
        return True
    return run.is_lost and run.is_open_failure


def _died_too_often(run: JobRun) -> bool:
    """A run still *running* when its message is delivered again lost its worker mid-job.
    A job that kills its worker every time must not be re-delivered forever."""
    return run.status == JobRun.Status.RUNNING and run.attempts > settings.JOB_MAX_RETRIES


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
    transaction.on_commit(lambda: _send(task, run, args, kwargs))
    return run


def _send(task: LedgerTask, run: JobRun, args: tuple | list, kwargs: dict) -> None:
    """Send the message; with the broker down, mark the run as waiting for the queue."""
    if _publish(task, run, args, kwargs):
        return
    run.error_code = JobRun.ErrorCode.QUEUE_UNAVAILABLE
    JobRun.objects.filter(pk=run.pk, status=JobRun.Status.QUEUED).update(error_code=run.error_code)


def _publish(task: LedgerTask, run: JobRun, args: tuple | list, kwargs: dict) -> bool:
    """False when the broker cannot be reached (send it again later). A message refused for
    another reason (it cannot be encoded) fails the run, as sending it again would not help."""
    try:
        task.apply_async(args=list(args), kwargs=kwargs, task_id=run.task_id)
    except BROKER_DOWN_ERRORS as exc:
        log.warning(
            "the queue is unavailable; job %s (%s) waits to be sent: %s",
            run.pk,
            run.kind,
            redact(str(exc)),
        )
        return False
    except Exception as exc:
        run_failed(run, exc)
        return True
    return True


def queue_note(run: JobRun) -> str:
    """What a page adds after "queued as run #N" when the broker could not take the run."""
    return f" — {QUEUE_UNAVAILABLE_TEXT}" if run.awaits_queue else ""


def is_pending(run: JobRun) -> bool:
    """Whether a *queued* run will really run: it waits for the queue to come back, or the
    broker holds its message. A run the broker cannot be asked about counts as not pending."""
    if run.status != JobRun.Status.QUEUED:
        return False
    if run.awaits_queue:
        return True
    held = messages_in_broker([run.task_id])
    return bool(held)


# --- runs nobody will finish -----------------------------------------------------------


def resend_waiting_runs(*, limit: int = RESEND_BATCH) -> int:
    """Send the runs recorded while the queue was unavailable; returns how many were sent.

    Each run is claimed with a conditional update, so sweeps on several machines never send
    one run twice; the sweep stops at the first refusal (the queue is still down).
    """
    from dataops.celery import app

    sent = 0
    waiting = JobRun.objects.filter(
        status=JobRun.Status.QUEUED, error_code=JobRun.ErrorCode.QUEUE_UNAVAILABLE
    )
    for run in waiting.order_by("created_at", "id")[:limit]:
        if not _claim_for_sending(run):
            continue
        task = app.tasks.get(run.task_name)
        if task is None:
            run_failed(run, f"The job {run.task_name!r} no longer exists; it cannot run.")
        elif _publish(task, run, run.args, run.kwargs):
            sent += run.status == JobRun.Status.QUEUED  # not when the message was refused
        else:
            JobRun.objects.filter(pk=run.pk, status=JobRun.Status.QUEUED).update(
                error_code=JobRun.ErrorCode.QUEUE_UNAVAILABLE
            )
            break
    if sent:
        log.info("sent %s job(s) that waited for the queue", sent)
    return sent


def _claim_for_sending(run: JobRun) -> bool:
    return bool(
        JobRun.objects.filter(
            pk=run.pk,
            status=JobRun.Status.QUEUED,
            error_code=JobRun.ErrorCode.QUEUE_UNAVAILABLE,
        ).update(error_code=JobRun.ErrorCode.NONE)
    )


def reap_lost_runs() -> int:
    """Fail (code `lost`, admins told) the runs no worker will finish; returns how many.

    *running* past the job's time limit (its worker was killed: a live worker would have
    stopped the job at that limit) — *retrying* also gets the longest retry wait;
    *queued* for `JOB_QUEUED_LOST_MINUTES` while the broker no longer holds the message.
    """
    now = timezone.now()
    lost = 0
    started = JobRun.objects.filter(status__in=[JobRun.Status.RUNNING, JobRun.Status.RETRYING])
    for run in started:
        since = run.attempt_started_at or run.started_at or run.created_at
        if now - since > timedelta(seconds=allowed_seconds(run)):
            lost += _mark_lost(run, LOST_IN_WORKER)
    cutoff = now - timedelta(minutes=settings.JOB_QUEUED_LOST_MINUTES)
    queued = list(
        JobRun.objects.filter(
            status=JobRun.Status.QUEUED, error_code=JobRun.ErrorCode.NONE, created_at__lt=cutoff
        )
    )
    held = messages_in_broker([run.task_id for run in queued]) if queued else set()
    if held is not None:
        lost += sum(_mark_lost(run, LOST_IN_QUEUE) for run in queued if run.task_id not in held)
    if lost:
        log.warning("%s job run(s) were lost and are marked failed", lost)
    return lost


def allowed_seconds(run: JobRun) -> float:
    """How long an attempt of this run may take before it counts as lost."""
    from dataops.celery import app

    task = app.tasks.get(run.task_name) if run.task_name else None
    limit = getattr(task, "time_limit", None) or app.conf.task_time_limit
    allowed = (limit or settings.JOB_TIME_LIMIT_SECONDS) + LOST_GRACE_SECONDS
    if run.status == JobRun.Status.RETRYING:
        allowed += backoff_seconds(settings.JOB_MAX_RETRIES)
    return allowed


def _mark_lost(run: JobRun, text: str) -> int:
    """Fail the run unless it moved on meanwhile (a worker picked it up or finished it)."""
    with transaction.atomic():
        current = (
            JobRun.objects.select_for_update()
            .filter(pk=run.pk, status=run.status, attempts=run.attempts)
            .first()
        )
        if current is None:
            return 0
        run_failed(current, text, code=JobRun.ErrorCode.LOST)
    log.warning("job %s (%s) is lost: %s", run.pk, run.kind, text)
    return 1


# --- what the broker holds -------------------------------------------------------------

PEEK_LIMIT = 5000


def messages_in_broker(task_ids: list[str]) -> set[str] | None:
    """The ids among `task_ids` whose message the broker still holds, waiting in the queue
    or taken by a worker that has not acknowledged it. None when the broker cannot be
    asked (unreachable, an unknown transport, a queue too long to read)."""
    from dataops.celery import app

    if app.conf.task_always_eager:
        return set()
    try:
        with app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
            raw = _raw_messages(conn, app.conf.task_default_queue)
    except BROKER_DOWN_ERRORS as exc:
        log.warning("could not read the queue: %s", redact(str(exc)))
        return None
    if raw is None:
        return None
    return {
        task_id
        for task_id in task_ids
        if task_id and any(task_id.encode() in message for message in raw)
    }


def _raw_messages(conn, queue: str) -> list[bytes] | None:
    channel = conn.default_channel
    driver = conn.transport.driver_type
    if driver == "redis":
        client = channel.client
        if client.llen(queue) > PEEK_LIMIT:
            return None
        return list(client.lrange(queue, 0, -1)) + list(client.hvals(channel.unacked_key))
    if driver == "filesystem":
        folder = Path(channel.data_folder_in)
        return [path.read_bytes() for path in folder.glob(f"*.{queue}.msg")]
    return None
