"""Telegram webhook acceptance (issue 15's target: p95 ≤ 20 ms): check the secret, read the
update, store its dedup row, create the ledger row and publish the job to the broker. The
job itself is not run (no worker), as in production where the worker does it later.

The update table holds 50,000 earlier updates, as after a long while of intake.
"""

from __future__ import annotations

import json
from itertools import count

from django.test import Client, override_settings
from django.utils import timezone

from bench.harness import Result, measure
from dataops.celery import app
from dataops.telegram.models import TelegramUpdate

TITLE = "Telegram webhook acceptance"
EARLIER = 50_000
TARGET_MS = 20
SECRET = "bench-webhook-secret"
TOKEN = "123456789:AAbenchTokenNotRealabcdefghijklmnopqr"


def _earlier_updates() -> None:
    now = timezone.now()
    for start in range(0, EARLIER, 5_000):
        TelegramUpdate.objects.bulk_create(
            TelegramUpdate(
                update_id=n,
                received_at=now,
                kind="message",
                chat_id="-100123",
                chat_type="supergroup",
                outcome="processed",
                payload={"update_id": n, "message": {"text": "earlier"}},
            )
            for n in range(start, start + 5_000)
        )


def _update(update_id: int) -> bytes:
    message = {
        "message_id": update_id,
        "date": 1_700_000_000,
        "chat": {"id": -100123, "type": "supergroup", "title": "Podcast intake"},
        "from": {"id": 777, "is_bot": False, "first_name": "Grace", "username": "grace"},
        "text": "Guest idea: Dana on data contracts https://example.org/dana",
    }
    return json.dumps({"update_id": update_id, "message": message}).encode()


def _post(client: Client, body: bytes) -> None:
    response = client.post(
        "/telegram/webhook/",
        data=body,
        content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    if response.status_code != 200:
        raise SystemExit(f"the webhook answered {response.status_code}")


def run(ctx) -> list[Result]:
    _earlier_updates()
    app.conf.task_always_eager = False  # publish to the broker; no worker runs the job here
    client = Client()
    ids = count(EARLIER + 1)
    settings = dict(
        TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_WEBHOOK_SECRET=SECRET, TELEGRAM_BOT_USERNAME="b"
    )
    try:
        with override_settings(**settings):
            new = measure(
                f"new update accepted ({EARLIER:,} earlier updates)",
                lambda: _post(client, _update(next(ids))),
                runs=200,
                warmup=10,
                target_ms=TARGET_MS,
                note="secret check, dedup row, ledger row, broker publish",
            )
            repeated = _update(EARLIER + 1)
            duplicate = measure(
                "redelivered update (duplicate, answered 200)",
                lambda: _post(client, repeated),
                runs=100,
                warmup=5,
                target_ms=TARGET_MS,
            )
    finally:
        app.control.purge()
        app.conf.task_always_eager = True
    return [new, duplicate]
