"""Publishing in the background: the long operations (folder moves and deletes, doc moves)
run as ledger jobs, so the job-run row records them beside the audit event.

`publish_enqueue` queues the operation with the user and returns the run; the job rebuilds
the operation from its plain arguments (checked again when it runs) and publishes it. A
refusal (`ServiceError`) fails the run with its message, a busy working copy is retried.
"""

from __future__ import annotations

from dataclasses import fields

from django.contrib.auth import get_user_model

from dataops.celery import app
from dataops.errors import ServiceError
from dataops.jobs import JobOutcome, LedgerTask, PermanentJobError, TransientJobError, enqueue
from dataops.models import JobRun
from docs_app.editing.documents import DeleteDoc, RenameDoc
from docs_app.editing.folders import CreateFolder, DeleteFolder, RenameFolder
from docs_app.editing.publish import CONFLICT, Operation, publish

PUBLISH_KIND = "docs.publish"
BACKGROUND_OPERATIONS = {
    cls.__name__: cls for cls in (RenameDoc, DeleteDoc, CreateFolder, RenameFolder, DeleteFolder)
}


def operation_arguments(operation: Operation) -> dict:
    """The plain init arguments of a background operation (JSON for the ledger)."""
    if type(operation).__name__ not in BACKGROUND_OPERATIONS:
        raise ServiceError(f"{type(operation).__name__} is not published in the background.")
    return {f.name: getattr(operation, f.name) for f in fields(operation) if f.name != "action"}


def publish_enqueue(operation: Operation, *, user, message: str = "") -> JobRun:
    return enqueue(
        publish_operation,
        kwargs={
            "operation": type(operation).__name__,
            "arguments": operation_arguments(operation),
            "user_id": user.pk,
            "message": message,
        },
        trigger=JobRun.Trigger.MANUAL,
        by=user,
    )


@app.task(base=LedgerTask, kind=PUBLISH_KIND)
def publish_operation(operation: str, arguments: dict, user_id: int, message: str = ""):
    """Publish one doc or folder operation as one commit by the user who asked for it."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or operation not in BACKGROUND_OPERATIONS:
        raise PermanentJobError("The operation or its user no longer exists.")
    try:
        result = publish(BACKGROUND_OPERATIONS[operation](**arguments), user=user, message=message)
    except ServiceError as exc:
        if exc.code == "busy":
            raise TransientJobError(str(exc)) from exc
        raise PermanentJobError(str(exc)) from exc
    if result.status == CONFLICT:
        raise PermanentJobError(result.message)
    return JobOutcome(
        counts={"files": len(result.paths), "commits": int(result.commit is not None)},
        note=f"{result.message} ({operation} {result.path})"[:500],
    )
