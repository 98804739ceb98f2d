"""The runner of assistant jobs (one Celery task per run, recorded in the job-run ledger) and
the reaper that ends jobs whose run no worker will finish.

The runner only reads the portal and writes the job: nothing is sent outside by a job.
"""

from __future__ import annotations

import logging

from django.db.models import Q

from dataops.celery import app
from dataops.jobs import JobOutcome, LedgerTask, PermanentJobError, current_run, reap_lost_runs
from dataops.models import JobRun
from dataops.redact import redact
from podcast.assistant import services
from podcast.assistant.models import AssistantJob

log = logging.getLogger(__name__)

S = AssistantJob.Status
KIND = "podcast.assistant_draft"
LOST_CODE = "lost"


def draft_job(job_id: int) -> JobOutcome:
    """One attempt: gather the inputs, draft, attach the document; a drafter error fails the
    job with its code and a redacted summary (and the ledger run with it)."""
    from podcast.assistant.drafters import DraftError, get_drafter
    from podcast.assistant.inputs import gather_inputs

    job = services.run_start(job_id, run=current_run())
    if job is None:
        return JobOutcome(note=f"Assistant job #{job_id} is no longer queued; nothing to do.")
    try:
        inputs = gather_inputs(job.episode, guidance=job.guidance)
        drafter = get_drafter()
        services.run_progress(
            job,
            f"Inputs gathered; drafting with {drafter.name} {drafter.version}.",
            **{k: len(v) for k, v in inputs.references().items()},
        )
        draft = drafter.draft(inputs)
        markdown = draft.to_markdown()
    except DraftError as exc:
        services.run_fail(job, code=getattr(exc, "code", "draft_error"), summary=str(exc))
        raise PermanentJobError(redact(str(exc))) from exc
    except Exception as exc:
        services.run_fail(job, code="error", summary=f"{type(exc).__name__}: {exc}")
        raise PermanentJobError(redact(f"{type(exc).__name__}: {exc}")) from exc
    job = services.run_finish(
        job,
        markdown=markdown,
        drafter=draft.drafter or drafter.name,
        drafter_version=draft.drafter_version or drafter.version,
        references=inputs.references(),
    )
    return JobOutcome(
        counts={"questions": len(draft.questions)}, note=f"Job is {job.status}.", target=job
    )


@app.task(base=LedgerTask, kind=KIND)
def run_assistant_job(job_id: int) -> JobOutcome:
    return draft_job(job_id)


def reap_lost_jobs() -> int:
    """Fail (code `lost`, retryable) jobs left queued or running by a run the ledger ended:
    first the ledger's own reaper ends runs no worker will finish, then each job whose
    current run is failed follows it. Returns how many jobs were ended."""
    reap_lost_runs()
    stuck = AssistantJob.objects.filter(
        Q(status__in=[S.QUEUED, S.RUNNING]), run__status=JobRun.Status.FAILED
    ).select_related("run")
    ended = 0
    for job in stuck:
        run = job.run
        code = LOST_CODE if run.is_lost else "error"
        first_line = (run.error or "The run ended without finishing the draft.").splitlines()[0]
        if services.run_fail(job, code=code, summary=first_line) is not None:
            ended += 1
    if ended:
        log.warning("%s assistant job(s) ended with their lost runs", ended)
    return ended


@app.task(base=LedgerTask, kind="podcast.assistant-reap")
def reap_lost_assistant_jobs() -> dict[str, int]:
    return {"ended": reap_lost_jobs()}
