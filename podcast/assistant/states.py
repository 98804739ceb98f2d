"""The one transition table of an assistant job: its states and the only moves between them.

Every status change of a job goes through `check_move`; services lock the row first, so two
concurrent moves on one job cannot both win.
"""

from __future__ import annotations

from django.db import models

from dataops.errors import ServiceError


class JobStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    WAITING_APPROVAL = "waiting_approval", "Waiting for approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    RETRYING = "retrying", "Retrying"
    CANCELED = "canceled", "Canceled"


S = JobStatus

MOVES: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.QUEUED, S.CANCELED}),
    S.QUEUED: frozenset({S.RUNNING, S.FAILED, S.CANCELED}),
    S.RUNNING: frozenset({S.WAITING_APPROVAL, S.SUCCEEDED, S.FAILED, S.CANCELED}),
    S.WAITING_APPROVAL: frozenset({S.APPROVED, S.REJECTED, S.CANCELED}),
    S.APPROVED: frozenset({S.SUCCEEDED}),
    S.REJECTED: frozenset({S.RETRYING}),
    S.FAILED: frozenset({S.RETRYING}),
    S.RETRYING: frozenset({S.QUEUED, S.CANCELED}),
    S.SUCCEEDED: frozenset(),
    S.CANCELED: frozenset(),
}

FINAL = frozenset({S.SUCCEEDED, S.CANCELED})
# A worker is (or will be) doing something: the job page keeps polling.
ACTIVE = frozenset({S.QUEUED, S.RUNNING, S.RETRYING})

INVALID_TRANSITION = "Invalid transition: {source} -> {target}"
RETRY_LIMIT = "Retry limit reached"
APPROVAL_REQUIRED = "Invalid transition: {source} -> succeeded: the draft needs a person's approval"


class TransitionError(ServiceError):
    def __init__(self, message: str) -> None:
        super().__init__(message, code="invalid_transition")


def allowed(source: str, target: str) -> bool:
    return target in MOVES.get(source, frozenset())


def check_move(
    source: str,
    target: str,
    *,
    approval_required: bool = True,
    attempts: int = 0,
    max_attempts: int = 2,
) -> None:
    """Refuse (TransitionError) a move the table forbids, an unapproved success and a retry
    at the attempt limit."""
    if not allowed(source, target):
        raise TransitionError(INVALID_TRANSITION.format(source=source, target=target))
    if target == S.SUCCEEDED and source == S.RUNNING and approval_required:
        raise TransitionError(APPROVAL_REQUIRED.format(source=source))
    if target == S.RETRYING and attempts >= max_attempts:
        raise TransitionError(RETRY_LIMIT)
