"""Outbound notifications: 10,000 pending outbox rows delivered by 2 workers (issue 15).

Two worker processes run the real sender (`send_pending`: claims with SKIP LOCKED on
PostgreSQL, sends through the Bot API client) against the fake Bot API on 127.0.0.1. The
rate is rows delivered per second of wall time; duplicates are messages the fake received
more than once (must be 0), and every row must end *sent*.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter

from django.conf import settings
from django.db import connections

from bench.harness import Result
from dataops.models import User
from dataops.notify.models import Channel, OutboxMessage
from dataops.tests.fake_telegram import FakeBotApi

TITLE = "Outbound notifications: 10,000 outbox rows, 2 workers, fake Bot API"
ROWS, USERS, WORKERS = 10_000, 50, 2


def _generate() -> None:
    users = User.objects.bulk_create(
        User(username=f"notify{n}", telegram_chat_id=str(900_000 + n)) for n in range(USERS)
    )
    for start in range(0, ROWS, 2_000):
        OutboxMessage.objects.bulk_create(
            OutboxMessage(
                rule="workflow_auto_started",
                subject_key=f"bench:{n}",
                cooldown_key=f"bench:{n}",
                recipient=users[n % USERS],
                channel=Channel.TELEGRAM,
                title="Workflow started",
                text=f"Bench message {n}",
                link=f"https://ops.example.org/workflows/{n}/",
            )
            for n in range(start, start + 2_000)
        )


def _worker(results) -> None:
    from dataops.notify.sender import send_pending

    results.put(dict(send_pending(limit=ROWS * 2)))
    connections.close_all()


def run(ctx) -> list[Result]:
    _generate()
    settings.NOTIFY_BREAKER_THRESHOLD = ROWS  # the fake never fails; nothing to pause for
    with FakeBotApi() as api:
        settings.TELEGRAM_API_BASE_URL = api.base_url
        settings.TELEGRAM_BOT_TOKEN = api.TOKEN
        connections.close_all()  # each worker process opens its own connection
        fork = multiprocessing.get_context("fork")
        results = fork.Queue()
        workers = [fork.Process(target=_worker, args=(results,)) for _ in range(WORKERS)]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        counts = [results.get(timeout=1800) for _ in workers]
        elapsed = time.perf_counter() - started
        for worker in workers:
            worker.join(60)
        texts = api.sent_texts()
    received = Counter(texts)
    duplicates = sum(n - 1 for n in received.values() if n > 1)
    sent_rows = OutboxMessage.objects.filter(status=OutboxMessage.Status.SENT).count()
    per_worker = [c.get("sent", 0) for c in counts]
    if duplicates or sent_rows != ROWS or len(received) != ROWS:
        raise SystemExit(
            f"delivery is wrong: {duplicates} duplicate(s), {sent_rows} rows sent, "
            f"{len(received)} distinct messages received"
        )
    rate = ROWS / elapsed
    return [
        Result(
            f"{ROWS:,} rows delivered by {WORKERS} workers",
            [elapsed * 1000],
            target_label="time",
            note=f"{rate:,.0f} messages/s; duplicates {duplicates}; per worker {per_worker}",
            extra={"rate_per_second": round(rate, 1), "duplicates": duplicates},
        )
    ]
