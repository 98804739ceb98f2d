"""Receiving updates (webhook or long polling) and working them off in the job ledger.

`accept(update, via)` is all the web request does: one row per `update_id` (the unique
constraint makes a redelivery a no-op that only counts itself), then a ledger job. The job
(`process`) decides the outcome under the row's lock, stores it together with the reply it
owes, and only then sends the reply: a Bot API failure (429, 5xx, timeout) is retried by the
ledger's backoff and never repeats the work (the intake item, the link).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from dataops.jobs import TransientJobError, current_run
from dataops.models import JobRun
from dataops.telegram import bot, client
from dataops.telegram.models import TelegramUpdate

Outcome = TelegramUpdate.Outcome
REPLY = "_reply"  # payload key of the reply the update still owes (never a Bot API field)


@dataclass(frozen=True)
class Accepted:
    row: TelegramUpdate
    created: bool


def accept(update: dict, *, via: str = TelegramUpdate.Via.WEBHOOK) -> Accepted:
    """Store the update once and queue its processing; a known `update_id` does nothing
    but count the redelivery. Unknown kinds are stored as ignored, with no job."""
    from dataops.jobs import enqueue
    from dataops.telegram.tasks import process_update

    update_id = update["update_id"]
    facts = bot.summary(update)
    ignored = facts["kind"] != "message"  # edited messages, channel posts, buttons, …
    try:
        with transaction.atomic():
            row = TelegramUpdate.objects.create(
                update_id=update_id,
                via=via,
                payload=update,
                outcome=Outcome.IGNORED if ignored else Outcome.RECEIVED,
                reason=f"{facts['kind'].replace('_', ' ')} updates are not handled"
                if ignored
                else "",
                processed_at=timezone.now() if ignored else None,
                **facts,
            )
    except IntegrityError:
        TelegramUpdate.objects.filter(update_id=update_id).update(
            redeliveries=F("redeliveries") + 1
        )
        return Accepted(TelegramUpdate(update_id=update_id), False)
    if not ignored:
        trigger = JobRun.Trigger.WEBHOOK if via == row.Via.WEBHOOK else JobRun.Trigger.COMMAND
        enqueue(process_update, args=[row.pk], trigger=trigger)
    return Accepted(row, True)


def process(pk: int) -> dict[str, int]:
    """Work off one stored update (the job body); safe to run again."""
    run = current_run()
    with transaction.atomic():
        row = TelegramUpdate.objects.select_for_update().get(pk=pk)
        if row.outcome == Outcome.RECEIVED:
            handled = bot.handle(row.payload)
            row.outcome, row.reason = handled.outcome, handled.reason[:300]
            row.processed_at = timezone.now()
            if handled.reply and handled.chat_id:
                row.payload = {
                    **row.payload,
                    REPLY: {"chat": handled.chat_id, "text": handled.reply},
                }
        if run is not None and run.pk:
            row.job_run_id = run.pk
        row.save(update_fields=["outcome", "reason", "processed_at", "payload", "job_run"])
    return {"replied": _send_reply(row)}


def _send_reply(row: TelegramUpdate) -> int:
    owed = row.payload.get(REPLY)
    if not owed:
        return 0
    try:
        client.send_message(owed["chat"], owed["text"])
    except client.TelegramError as exc:
        if exc.transient:
            raise TransientJobError(str(exc)) from exc
        _settle(row, f"reply not delivered: {exc}")
        return 0
    _settle(row, "")
    return 1


def _settle(row: TelegramUpdate, problem: str) -> None:
    """The reply is no longer owed (sent, or refused for good)."""
    payload = {key: value for key, value in row.payload.items() if key != REPLY}
    reason = f"{row.reason}; {problem}" if problem else row.reason
    TelegramUpdate.objects.filter(pk=row.pk).update(payload=payload, reason=reason[:300])
