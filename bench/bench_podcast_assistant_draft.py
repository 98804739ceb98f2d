"""The deterministic prep-document draft over a knowledge base at the target scale.

The knowledge base is the KB benchmark's (`bench_podcast_kb.generate`: 1,000 episodes,
about 50,000 host's questions, 300 people), imported and indexed once. Then 30 planned
episodes, each with a guest who appeared in past episodes (so there are questions already
asked to them) and an attached guest-form intake item on a topic of the corpus.

Measured per job, as the runner does it: `gather_inputs` (episode, guest, intake, KB
searches) + the offline drafter + the Markdown (goal p95 ≤ 2 s).
"""

from __future__ import annotations

import random
from pathlib import Path

from bench.bench_podcast_kb import QUERIES, TOPICS, generate
from bench.harness import Result, measure

TITLE = "Prep-document assistant: deterministic draft over 1,000 KB episodes"
JOBS = 30
SEED = 20261207


def _planned_episodes(rng: random.Random) -> list[int]:
    from podcast.models import Episode, Guest, IntakeItem

    guests = list(Guest.objects.filter(kb_appearances__isnull=False).distinct().order_by("pk"))
    ids = []
    for number in range(JOBS):
        topic, query = TOPICS[number % len(TOPICS)], QUERIES[number % len(QUERIES)]
        episode = Episode.objects.create(working_title=f"{query.title()} in practice", topic=topic)
        guest = guests[rng.randrange(len(guests))]
        episode.guests.add(guest)
        IntakeItem.objects.create(
            source="form",
            status="attached",
            episode=episode,
            guest=guest,
            fields={
                "name": guest.name,
                "hook": f"Most teams get {query} wrong the first time",
                "audience": "Data engineers who want to grow into platform work",
                "short_bio": f"{guest.name} builds data platforms.",
                "current_focus": f"Making {query} boring",
                "projects": f"- A {query} rollout for 40 teams\n- Migrating {topic} to streaming",
                "topic_1": query,
                "topic_2": topic,
                "avoid": "salary, hiring",
                "stories": "Cut costs by 30%\nAn outage taught us to test schemas",
            },
        )
        ids.append(episode.pk)
    return ids


def run(ctx) -> list[Result]:
    from podcast.assistant.drafters.offline import OfflineDrafter
    from podcast.assistant.inputs import gather_inputs
    from podcast.kb.importer import kb_import
    from podcast.kb.models import KbQuestion
    from podcast.models import Episode

    episodes_dir, people_dir = generate(Path(ctx["tmp"]) / "kb")
    kb_import(episodes_dir=episodes_dir, people_dir=people_dir)
    questions = KbQuestion.objects.count()
    ids = iter(_planned_episodes(random.Random(SEED)) * 2)
    drafter = OfflineDrafter()
    sizes: list[int] = []

    def one_job():
        episode = Episode.objects.get(pk=next(ids))
        document = drafter.draft(gather_inputs(episode))
        sizes.append(len(document.questions))
        return document.to_markdown()

    result = measure(
        f"gather inputs + offline draft + Markdown, {JOBS} episodes",
        one_job,
        runs=JOBS,
        warmup=3,
        target_ms=2_000,
        note=f"over 1,000 episodes / {questions} questions",
    )
    result.extra = {"questions_per_draft": f"{min(sizes)}–{max(sizes)}"}
    return [result]
