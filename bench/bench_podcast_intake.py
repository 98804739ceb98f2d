"""Intake inbox at 10,000 items (issue 12's target: p95 ≤ 50 ms, constant queries).

The items look like a few years of intake: most triaged long ago (attached, converted,
ignored, duplicates), a working set of new and triaged ones, guest-form answers with their
structured fields, some with attachments. Rows are written with `bulk_create`.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.harness import Result, measure
from dataops.models import OPERATOR_GROUP, User
from podcast.keys import name_key
from podcast.models import Episode, Guest, IntakeAttachment, IntakeItem

TITLE = "Podcast intake inbox at 10,000 items"
ITEMS, GUESTS, EPISODES = 10_000, 400, 120
TARGET_MS = 50
S = IntakeItem.Status
# Old items are mostly settled; the newest few hundred are the inbox's working set.
SETTLED = [S.ATTACHED] * 5 + [S.CONVERTED, S.IGNORED, S.DUPLICATE, S.TRIAGED]


def _operator() -> User:
    user, _ = User.objects.get_or_create(username="grace", defaults={"first_name": "Grace"})
    user.groups.add(Group.objects.get(name=OPERATOR_GROUP))
    return user


def _people() -> tuple[list[Guest], list[Episode]]:
    names = [f"Guest {n:03d} Example" for n in range(GUESTS)]
    guests = Guest.objects.bulk_create(Guest(name=n, name_key=name_key(n)) for n in names)
    episodes = Episode.objects.bulk_create(
        Episode(working_title=f"Episode {n}: data work", topic="data") for n in range(EPISODES)
    )
    return guests, episodes


def _item(n: int, rng: random.Random, guests, episodes, now) -> IntakeItem:
    status = S.NEW if n >= ITEMS - 300 else rng.choice(SETTLED)
    source = rng.choice(["form", "manual", "manual", "telegram", "email"])
    item = IntakeItem(
        source=source,
        text=f"Item {n}: an idea about data contracts, lakehouses and on-call\n" * 3,
        links=[f"https://example.org/post/{n}"],
        fields={"hook": f"Hook {n}", "topic_1": "Data contracts"} if source == "form" else {},
        received_at=now - timedelta(minutes=(ITEMS - n) * 7),
        from_name=f"Sender {n % 50}",
        external_id=f"bench-{n}" if source in ("form", "telegram") else "",
        status=status,
        priority=rng.choice([0, 1, 1, 2]),
        tags=["bench"] if n % 4 == 0 else [],
        status_reason="not for us" if status == S.IGNORED else "",
    )
    if status in (S.ATTACHED, S.CONVERTED) or rng.random() < 0.3:
        item.guest = rng.choice(guests)
        item.episode = rng.choice(episodes) if rng.random() < 0.6 else None
    return item


def _generate() -> tuple[list[Guest], list[Episode]]:
    rng, now = random.Random(12), timezone.now()
    guests, episodes = _people()
    items = []
    for start in range(0, ITEMS, 2_000):
        batch = [_item(n, rng, guests, episodes, now) for n in range(start, start + 2_000)]
        items += IntakeItem.objects.bulk_create(batch)
    IntakeAttachment.objects.bulk_create(
        IntakeAttachment(
            item=item,
            file=f"intake/bench/{item.pk}.pdf",
            name="slides.pdf",
            size=1000,
            sha256="0" * 64,
            content_type="application/pdf",
        )
        for item in items[::10]
    )
    originals = {}
    for item in items:
        if item.status == S.DUPLICATE:
            item.duplicate_of = originals.setdefault(item.source, item)
    IntakeItem.objects.bulk_update(
        [i for i in items if i.duplicate_of_id and i.duplicate_of_id != i.pk], ["duplicate_of"]
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return guests, episodes


def _fetch(client: Client, url: str):
    def fetch():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    return fetch


def _queries(client: Client, url: str) -> int:
    client.get(url)  # fills the cached role lists; the steady state is what counts
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return len(captured)


def run(ctx) -> list[Result]:
    client = Client()
    client.force_login(_operator())
    inbox = "/podcast/intake/"
    guests, episodes = _generate()
    pages = [
        ("inbox: to triage (default), first page", inbox),
        ("inbox: any status, new first", inbox + "?status=any"),
        ("inbox: any status, page 100", inbox + "?status=any&page=100"),
        ("inbox: one guest's items", f"{inbox}?status=any&guest={guests[7].pk}"),
        ("inbox: ignored, from the guest form", inbox + "?status=ignored&source=form"),
        (
            "inbox: one episode's items",
            f"{inbox}?status=any&episode={episodes[3].pk}",
        ),
    ]
    results = [
        measure(f"{name} ({ITEMS:,} items)", _fetch(client, url), target_ms=TARGET_MS)
        for name, url in pages
    ]
    counts = {name: _queries(client, url) for name, url in pages}
    for result, (name, _) in zip(results, pages, strict=True):
        result.queries = counts[name]
    if len(set(counts.values())) != 1:
        raise SystemExit(f"the inbox's query count depends on the page: {counts}")
    return results
