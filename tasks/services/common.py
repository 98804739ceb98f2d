"""Shared pieces of the task services: locking, version checks, history, validation."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import Model
from django.utils import timezone

from dataops.errors import ServiceError
from dataops.models import User
from tasks import messages
from tasks.models import HistoryEvent, Task, Workflow

DUE_RANGE_YEARS = 10
ANCHOR_RANGE_YEARS = 5
_http_url = URLValidator(schemes=["http", "https"])


def local_today() -> date:
    """Today in the organisation's time zone (settings.TIME_ZONE)."""
    return timezone.localdate()


def lock_task(task: Task, version: int | None) -> Task:
    """Re-read the task under a row lock; refuse when the caller saw an older version."""
    locked = Task.objects.select_for_update(of=("self",)).select_related("workflow").get(pk=task.pk)
    if version is not None and locked.version != version:
        raise ServiceError(messages.STALE, code="stale")
    return locked


def lock_workflow(workflow: Workflow | int) -> Workflow:
    pk = workflow if isinstance(workflow, int) else workflow.pk
    return Workflow.objects.select_for_update().get(pk=pk)


def save_task(task: Task, fields: list[str]) -> None:
    """Persist changed fields and bump the version other editors compare against."""
    task.version += 1
    task.updated_at = timezone.now()
    task.save(update_fields=[*fields, "version", "updated_at"])


def plain(value: Any) -> Any:
    """A JSON-friendly form of a field value for history before/after."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, User):
        return value.username
    if isinstance(value, Model):
        return str(value)
    return value


def snapshot(task: Task, fields: list[str]) -> dict[str, Any]:
    return {name: plain(getattr(task, name)) for name in fields}


def record(
    *,
    action: str,
    by: User | None,
    task: Task | None = None,
    workflow: Workflow | None = None,
    note: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> HistoryEvent:
    """Append one history event; call it inside the transaction of the change."""
    workflow_id = workflow.pk if workflow else (task.workflow_id if task else None)
    return HistoryEvent.objects.create(
        task=task,
        workflow_id=workflow_id,
        actor=by,
        action=action,
        note=note,
        before=before or {},
        after=after or {},
    )


def clean_url(value: str, *, field: str = "url") -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        _http_url(value)
    except ValidationError as exc:
        raise ServiceError(messages.URL_NOT_HTTP, field=field) from exc
    return value


def date_range(years: int) -> tuple[date, date]:
    today = local_today()
    span = timedelta(days=round(365.25 * years))
    return today - span, today + span


def check_date(
    value: date,
    *,
    field: str = "due_date",
    years: int = DUE_RANGE_YEARS,
    message: str = messages.DATE_OUT_OF_RANGE,
) -> date:
    """Dates far from today are typos (year 2206); refuse them, naming the allowed range."""
    low, high = date_range(years)
    if not low <= value <= high:
        raise ServiceError(message.format(low=low.isoformat(), high=high.isoformat()), field=field)
    return value


def describe_missing(things: list[str]) -> str:
    """“the “Luma” link”, “a file” → “the “Luma” link and a file”."""
    if len(things) == 1:
        return things[0]
    return ", ".join(things[:-1]) + " and " + things[-1]
