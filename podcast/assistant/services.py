"""Every change of an assistant job: create and queue, the runner's start and end, approve,
reject, cancel, retry, edit the artifact, publish. Each locks the job row, checks the move
against the one transition table (`states.check_move`), bumps the job's version and appends
an event, in one transaction.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from dataops.errors import ServiceError
from dataops.jobs import enqueue
from dataops.models import JobRun, User
from dataops.redact import looks_secret, redact
from dataops.services import notify
from podcast.assistant.models import (
    METADATA_MAX_BYTES,
    SUMMARY_MAX_CHARS,
    AssistantArtifact,
    AssistantEvent,
    AssistantJob,
)
from podcast.assistant.states import ACTIVE, TransitionError, check_move
from podcast.models import Episode

S = AssistantJob.Status
E = AssistantEvent.Kind

PREP_TASK_REF = "create-podcast-document"
PROOF_SLOT = "Podcast document"

ALREADY_RUNNING = "A draft for this episode is already in progress (job #{pk}); open it instead."
STALE_JOB = "This job changed meanwhile (it is now {status}). Reload the page and try again."
STALE_ARTIFACT = (
    "The document was changed since you opened it (it is now at revision {revision}, "
    "by {author}). Reload to see that version, then edit again."
)
NO_ARTIFACT = "The job has no document yet."
EDIT_ONLY_WAITING = "The document can only be edited while it waits for approval."
EMPTY_EDIT = "The document is empty."
REASON_REQUIRED = "Say why the draft is rejected: the next draft gets your reason as guidance."
SECRET_INPUT = "The text looks like it holds a secret (a token, key or signed URL); remove it."
METADATA_TOO_LARGE = "Event metadata is limited to 4 KB."
PUBLISH_ONLY_SUCCEEDED = "Only an approved document can be published."
ALREADY_PUBLISHED = "The document is already published as {path}."
ONLY_APPROVER = "Only {name}, who approved the document, can publish it (as a commit by them)."
ARTIFACT_MAX_BYTES = 200_000


# --- events -----------------------------------------------------------------------------


def record_event(
    job: AssistantJob,
    kind: str,
    *,
    by: User | None = None,
    summary: str = "",
    metadata: dict[str, Any] | None = None,
) -> AssistantEvent:
    """Append one event. The summary is redacted and capped at 1,000 characters; metadata
    over 4 KB or holding anything secret-looking is refused."""
    metadata = metadata or {}
    encoded = json.dumps(metadata, sort_keys=True, default=str)
    if len(encoded.encode()) > METADATA_MAX_BYTES:
        raise ServiceError(METADATA_TOO_LARGE)
    if looks_secret(encoded):
        raise ServiceError(SECRET_INPUT)
    return AssistantEvent.objects.create(
        job=job,
        kind=kind,
        actor=by,
        summary=redact(summary or "")[:SUMMARY_MAX_CHARS],
        metadata=json.loads(encoded),
    )


# --- moves ------------------------------------------------------------------------------


def _lock(job: AssistantJob | int) -> AssistantJob:
    pk = job if isinstance(job, int) else job.pk
    return AssistantJob.objects.select_for_update().get(pk=pk)


def _check_version(job: AssistantJob, version: int | None) -> None:
    if version is not None and job.version != version:
        raise ServiceError(STALE_JOB.format(status=job.get_status_display()), code="stale")


def _check(job: AssistantJob, target: str) -> None:
    check_move(
        job.status,
        target,
        approval_required=job.approval_required,
        attempts=job.attempts,
        max_attempts=job.max_attempts,
    )


def _move(job: AssistantJob, target: str, **fields: Any) -> AssistantJob:
    """Apply one move to a locked job: check it, set status and fields, bump the version."""
    _check(job, target)
    now = timezone.now()
    job.status = target
    for name, value in fields.items():
        setattr(job, name, value)
    if target == S.QUEUED:
        job.queued_at = now
    if target in (S.SUCCEEDED, S.CANCELED, S.FAILED):
        job.finished_at = now
    job.version += 1
    job.save()
    return job


def transition(
    job: AssistantJob,
    target: str,
    *,
    by: User | None = None,
    version: int | None = None,
    summary: str = "",
) -> AssistantJob:
    """The plain move (no side effects besides its event), for callers and tests that need
    exactly one step of the table."""
    kinds = {
        S.QUEUED: E.QUEUED,
        S.RUNNING: E.STARTED,
        S.WAITING_APPROVAL: E.APPROVAL_REQUESTED,
        S.APPROVED: E.APPROVED,
        S.REJECTED: E.REJECTED,
        S.SUCCEEDED: E.SUCCEEDED,
        S.FAILED: E.FAILED,
        S.RETRYING: E.RETRY,
        S.CANCELED: E.CANCELED,
    }
    with transaction.atomic():
        locked = _lock(job)
        _check(locked, target)
        _check_version(locked, version)
        _move(locked, target)
        record_event(locked, kinds[target], by=by, summary=summary)
    return locked


def _task_for(episode: Episode | None):
    """The episode's workflow task “Create podcast document”, if it has one."""
    from tasks.models import Task

    if episode is None or not episode.workflow_id:
        return None
    return Task.objects.filter(workflow_id=episode.workflow_id, template_ref=PREP_TASK_REF).first()


def open_job(episode: Episode) -> AssistantJob | None:
    return (
        AssistantJob.objects.filter(episode=episode, status__in=[*ACTIVE, S.DRAFT])
        .order_by("-pk")
        .first()
    )


def job_create(*, episode: Episode, by: User | None, send: bool = True) -> AssistantJob:
    """A queued prep-document job for the episode (and its workflow's task). Its run is sent
    to the workers, or only recorded (`send=False`) for a caller that runs it in-process.
    Refused while another draft of the episode is queued or running."""
    with transaction.atomic():
        Episode.objects.select_for_update().filter(pk=episode.pk).first()
        running = open_job(episode)
        if running is not None:
            raise ServiceError(ALREADY_RUNNING.format(pk=running.pk), code="duplicate")
        job = AssistantJob.objects.create(episode=episode, task=_task_for(episode), requested_by=by)
        record_event(
            job,
            E.CREATED,
            by=by,
            summary=f"Prep document requested for “{episode.working_title}”.",
            metadata={"episode": episode.pk, "task": job.task_id},
        )
        job = _queue(job, by=by, send=send)
    return job


def _queue(job: AssistantJob, *, by: User | None, send: bool = True) -> AssistantJob:
    """Move a locked (or just created) job to queued and record its run in the ledger."""
    from podcast.assistant.tasks import run_assistant_job

    run = (
        enqueue(run_assistant_job, args=[job.pk], by=by, target=job)
        if send
        else JobRun.objects.create(
            kind=run_assistant_job.kind,
            task_name=run_assistant_job.name,
            task_id=f"sync-{job.pk}-{job.attempts + 1}-{timezone.now().timestamp()}",
            args=[job.pk],
            trigger=JobRun.Trigger.COMMAND,
            triggered_by=by,
        )
    )
    _move(job, S.QUEUED, run=run, error_code="", error_summary="")
    record_event(job, E.QUEUED, by=by, summary="Waiting for a worker.", metadata={"run": run.pk})
    return job


# --- the runner's side --------------------------------------------------------------------


def run_start(job_id: int, *, run: JobRun | None) -> AssistantJob | None:
    """queued → running for the run that picked the job up; None when the job is no longer
    queued (canceled meanwhile, or a message delivered twice)."""
    with transaction.atomic():
        job = AssistantJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != S.QUEUED:
            return None
        attempt = job.attempts + 1
        _move(
            job,
            S.RUNNING,
            attempts=attempt,
            started_at=timezone.now(),
            run=run or job.run,
        )
        record_event(
            job,
            E.STARTED,
            summary=f"Attempt {attempt} of {job.max_attempts} started.",
            metadata={"attempt": attempt, "run": job.run_id},
        )
    return job


def run_progress(job: AssistantJob, summary: str, **metadata: Any) -> None:
    record_event(job, E.PROGRESS, summary=summary, metadata=metadata)


def run_finish(job: AssistantJob, *, markdown: str, drafter: str, drafter_version: str, references):
    """Attach the draft as revision 1 of this attempt and ask for approval (or succeed when
    the job needs none). Nothing happens when the job left `running` meanwhile."""
    with transaction.atomic():
        locked = _lock(job)
        if locked.status != S.RUNNING:
            return locked
        artifact = _add_revision(
            locked, markdown, by=None, drafter=drafter, drafter_version=drafter_version
        )
        locked.inputs = references
        record_event(
            locked,
            E.ARTIFACT,
            summary=f"Draft attached (revision {artifact.revision}, {artifact.size} bytes).",
            metadata={
                "revision": artifact.revision,
                "sha256": artifact.sha256,
                "drafter": drafter,
                "drafter_version": drafter_version,
            },
        )
        if locked.approval_required:
            _move(locked, S.WAITING_APPROVAL)
            record_event(locked, E.APPROVAL_REQUESTED, summary="The draft waits for approval.")
            transaction.on_commit(lambda: notify_waiting(locked))
        else:
            _move(locked, S.SUCCEEDED)
            record_event(locked, E.SUCCEEDED, summary="Drafted; no approval needed.")
    return locked


def run_fail(job: AssistantJob | int, *, code: str, summary: str) -> AssistantJob | None:
    """running (or queued) → failed with a code and a redacted summary."""
    with transaction.atomic():
        locked = _lock(job)
        if locked.status not in (S.RUNNING, S.QUEUED):
            return None
        text = redact(summary or "")[:SUMMARY_MAX_CHARS]
        _move(locked, S.FAILED, error_code=code[:40], error_summary=text)
        record_event(locked, E.FAILED, summary=text, metadata={"code": code[:40]})
    return locked


def notify_waiting(job: AssistantJob) -> None:
    if job.requested_by is None:
        return
    title = job.episode.working_title if job.episode_id else f"job #{job.pk}"
    notify(
        recipients=[job.requested_by],
        kind="assistant_waiting",
        text=f"The prep document draft for “{title}” waits for your approval.",
        link=job.get_absolute_url(),
        dedup_key=f"assistant-waiting:{job.pk}:{job.attempts}",
    )


# --- the artifact ---------------------------------------------------------------------------


def current_artifact(job: AssistantJob) -> AssistantArtifact | None:
    return job.artifacts.select_related("author").order_by("-revision").first()


def _add_revision(
    job: AssistantJob, markdown: str, *, by: User | None, drafter: str, drafter_version: str
) -> AssistantArtifact:
    data = markdown.encode()
    last = job.artifacts.aggregate(last=Max("revision"))["last"] or 0
    return AssistantArtifact.objects.create(
        job=job,
        revision=last + 1,
        markdown=markdown,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        drafter=drafter[:40],
        drafter_version=drafter_version[:40],
        author=by,
        attempt=job.attempts,
    )


def _edit_problems(markdown: str) -> list[str]:
    from podcast.assistant.drafters.base import parse_markdown

    try:
        return parse_markdown(markdown).validate()
    except ValueError as exc:
        return [str(exc)]


def artifact_edit(
    *, job: AssistantJob, by: User, markdown: str, base_revision: int
) -> AssistantArtifact:
    """Keep an edit as a new revision by `by`. Refused when someone saved a newer revision
    since `base_revision` was read, or when the text no longer fits the document's sections."""
    markdown = (markdown or "").replace("\r\n", "\n").strip() + "\n"
    if not markdown.strip():
        raise ServiceError(EMPTY_EDIT, field="markdown")
    if len(markdown.encode()) > ARTIFACT_MAX_BYTES:
        raise ServiceError("The document is too large to keep (200 KB at most).", field="markdown")
    if looks_secret(markdown):
        raise ServiceError(SECRET_INPUT, field="markdown")
    with transaction.atomic():
        locked = _lock(job)
        if locked.status != S.WAITING_APPROVAL:
            raise ServiceError(EDIT_ONLY_WAITING)
        current = current_artifact(locked)
        if current is None:
            raise ServiceError(NO_ARTIFACT)
        if current.revision != base_revision:
            author = current.author.display_name if current.author else "the drafter"
            raise ServiceError(
                STALE_ARTIFACT.format(revision=current.revision, author=author), code="stale"
            )
        if problems := _edit_problems(markdown):
            raise ServiceError(
                "The edited document does not fit: " + "; ".join(problems), field="markdown"
            )
        if markdown == current.markdown:
            return current
        artifact = _add_revision(
            locked,
            markdown,
            by=by,
            drafter=current.drafter,
            drafter_version=current.drafter_version,
        )
        locked.version += 1
        locked.save(update_fields=["version", "updated_at"])
        record_event(
            locked,
            E.EDITED,
            by=by,
            summary=f"Revision {artifact.revision} saved.",
            metadata={"revision": artifact.revision, "sha256": artifact.sha256},
        )
    return artifact


# --- the reviewer's actions -------------------------------------------------------------


def job_approve(
    *, job: AssistantJob, by: User, document_url: str, version: int | None = None
) -> AssistantJob:
    """waiting_approval → approved → succeeded. The current revision becomes the proof of the
    workflow's “Create podcast document” task (its “Podcast document” slot gets
    `document_url`), through the tasks service, in the same transaction."""
    from tasks.services.task_actions import task_add_comment, task_add_proof

    with transaction.atomic():
        locked = _lock(job)
        _check(locked, S.APPROVED)
        _check_version(locked, version)
        artifact = current_artifact(locked)
        if artifact is None:
            raise ServiceError(NO_ARTIFACT)
        _move(locked, S.APPROVED, approved_by=by, approved_at=timezone.now())
        record_event(
            locked,
            E.APPROVED,
            by=by,
            summary=f"Revision {artifact.revision} approved.",
            metadata={"revision": artifact.revision, "sha256": artifact.sha256},
        )
        if locked.task_id:
            task_add_proof(task=locked.task, by=by, url=document_url)
            task_add_comment(
                task=locked.task,
                by=by,
                text=f"Approved the prep document (assistant job #{locked.pk}, revision "
                f"{artifact.revision}): {document_url}",
            )
        _move(locked, S.SUCCEEDED)
        record_event(
            locked,
            E.SUCCEEDED,
            by=by,
            summary="The approved document is the task's proof."
            if locked.task_id
            else "Approved (the episode has no workflow task to fill).",
        )
    return locked


def job_reject(
    *, job: AssistantJob, by: User, reason: str, version: int | None = None
) -> AssistantJob:
    """waiting_approval → rejected with a reason; → retrying → queued when attempts remain,
    the reason going to the next run as guidance."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(REASON_REQUIRED, field="reason")
    if looks_secret(reason):
        raise ServiceError(SECRET_INPUT, field="reason")
    reason = reason[:SUMMARY_MAX_CHARS]
    with transaction.atomic():
        locked = _lock(job)
        _check(locked, S.REJECTED)
        _check_version(locked, version)
        _move(locked, S.REJECTED, guidance=reason)
        record_event(locked, E.REJECTED, by=by, summary=reason)
        if locked.attempts < locked.max_attempts:
            _retry(locked, by=by)
    return locked


def _retry(job: AssistantJob, *, by: User | None) -> None:
    _move(job, S.RETRYING)
    record_event(
        job,
        E.RETRY,
        by=by,
        summary=f"Attempt {job.attempts + 1} of {job.max_attempts} requested.",
        metadata={"guidance": bool(job.guidance)},
    )
    _queue(job, by=by)


def job_retry(*, job: AssistantJob, by: User | None, version: int | None = None) -> AssistantJob:
    """failed or rejected → retrying → queued; refused at the attempt limit."""
    with transaction.atomic():
        locked = _lock(job)
        _check(locked, S.RETRYING)
        _check_version(locked, version)
        _retry(locked, by=by)
    return locked


def job_cancel(*, job: AssistantJob, by: User | None, version: int | None = None) -> AssistantJob:
    with transaction.atomic():
        locked = _lock(job)
        _check(locked, S.CANCELED)
        _check_version(locked, version)
        _move(locked, S.CANCELED)
        record_event(locked, E.CANCELED, by=by, summary="Canceled.")
    return locked


def job_publish(*, job: AssistantJob, by: User) -> AssistantJob:
    """Commit the approved document into the docs repository as `by` (an explicit click)."""
    from podcast.assistant.publish import publish_document

    with transaction.atomic():
        locked = _lock(job)
        if locked.status != S.SUCCEEDED or locked.approved_at is None:
            raise ServiceError(PUBLISH_ONLY_SUCCEEDED)
        if locked.published_sha:
            raise ServiceError(ALREADY_PUBLISHED.format(path=locked.published_path))
        if locked.approved_by_id != by.pk:
            approver = locked.approved_by.display_name if locked.approved_by else "its approver"
            raise ServiceError(ONLY_APPROVER.format(name=approver))
        artifact = current_artifact(locked)
        if artifact is None:
            raise ServiceError(NO_ARTIFACT)
        sha, path = publish_document(artifact.markdown, path_hint=path_hint(locked), user=by)
        locked.published_sha, locked.published_path = sha[:64], path[:500]
        locked.version += 1
        locked.save(update_fields=["published_sha", "published_path", "version", "updated_at"])
        record_event(
            locked,
            E.PUBLISHED,
            by=by,
            summary=f"Published as {path}.",
            metadata={"commit": sha[:64], "path": path[:500], "revision": artifact.revision},
        )
    return locked


def path_hint(job: AssistantJob) -> str:
    from django.utils.text import slugify

    episode = job.episode
    if episode is None:
        return f"job-{job.pk}"
    label = episode.code or f"episode-{episode.pk}"
    return slugify(f"{label} {episode.working_title}")[:80] or f"job-{job.pk}"


__all__ = ["TransitionError"]
