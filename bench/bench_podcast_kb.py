"""The podcast knowledge base at the target scale: 1,000 episodes, 50,000 host's questions.

Generated episode files (about 200 transcript lines each, a quarter of them the host's, most
with a question; section headers every 20 lines) and 300 people profiles, in the format the
importer reads. Words are drawn with a Zipf distribution from a data/ML vocabulary, so common
words match thousands of questions and rare ones a handful.

Measured: the first import (parse, write, index; goal ≤ 60 s), a re-import with no change
(goal ≤ 5 s), and KB search as the page and `podcast_kb_search` run it — episodes and
questions ranked, rows read — over 100 varied queries (goal p95 ≤ 50 ms).
"""

from __future__ import annotations

import random
from pathlib import Path

from bench.harness import Result, measure, measure_once

TITLE = "Podcast knowledge base: import and search over 1,000 episodes"
EPISODES = 1000
LINES = 200
PEOPLE = 300
SEED = 20261206
TAIL = 5000  # generated words after the real vocabulary
VOCABULARY = [
    "data",
    "pipeline",
    "model",
    "feature",
    "store",
    "team",
    "career",
    "hiring",
    "warehouse",
    "quality",
    "test",
    "metric",
    "experiment",
    "platform",
    "python",
    "sql",
    "spark",
    "airflow",
    "dbt",
    "kubernetes",
    "monitoring",
    "latency",
    "cost",
    "stakeholder",
    "product",
    "analytics",
    "engineer",
    "scientist",
    "manager",
    "interview",
    "junior",
    "senior",
    "startup",
    "company",
    "customer",
    "revenue",
    "dashboard",
    "schema",
    "contract",
    "incident",
    "batch",
    "streaming",
    "embedding",
    "llm",
    "retrieval",
    "evaluation",
    "deployment",
    "inference",
    "training",
    "label",
    "annotation",
    "drift",
    "freshness",
    "lineage",
    "catalog",
    "governance",
    "privacy",
    "security",
    "budget",
    "roadmap",
    "mentor",
    "freelance",
    "consulting",
    "community",
    "open",
    "source",
    "maintainer",
    "research",
    "academia",
    "phd",
    "course",
    "book",
    "newsletter",
    "conference",
    "talk",
    "podcast",
    "interviewing",
    "portfolio",
    "github",
    "resume",
    "offer",
    "salary",
    "promotion",
    "leadership",
    "culture",
    "remote",
    "onboarding",
    "documentation",
    "recommendation",
    "ranking",
    "search",
    "forecasting",
    "churn",
    "pricing",
    "fraud",
    "marketplace",
    "logistics",
    "healthcare",
    "fintech",
    "retail",
    "edge",
    "device",
    "quantization",
    "pruning",
    "gpu",
    "cluster",
    "lakehouse",
    "iceberg",
    "trino",
    "kafka",
    "flink",
    "redis",
    "postgres",
    "bigquery",
    "snowflake",
    "databricks",
    "terraform",
    "ci",
    "review",
]
TOPICS = [
    "MLOps",
    "Data Engineering",
    "Career",
    "Analytics",
    "LLM",
    "Leadership",
    "Open Source",
    "Experimentation",
    "Data Quality",
    "Freelancing",
]
OPENERS = [
    "How do you",
    "What is your take on",
    "Why did your team choose",
    "Where do you see",
    "What advice would you give about",
    "How did you get into",
    "What books would you recommend on",
    "Looking back, what would you change in",
    "How do you convince stakeholders about",
    "What are you currently working on in",
]
QUERIES = [
    "feature store",
    "hiring first data engineer",
    "data quality tests",
    "career switch from academia",
    "llm evaluation",
    "kafka streaming latency",
    "how to convince stakeholders",
    "books on leadership",
    "dbt schema contract",
    "churn forecasting model",
    "open source maintainer burnout",
    "junior interview portfolio",
    "lakehouse iceberg trino",
    "monitoring drift in production",
    "pricing for freelance consulting",
    "experiment metric",
    "remote onboarding culture",
    "gpu cluster cost",
    "recommendation ranking",
    "privacy governance lineage",
]


class Words:
    """The vocabulary above, then generated words: a long tail, as in real transcripts."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        syllables = ["ka", "lo", "mi", "ter", "on", "ri", "sa", "ven", "du", "pel", "ax", "or"]
        tail = {"".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(TAIL)}
        self.words = VOCABULARY + sorted(tail - set(VOCABULARY))
        self.weights = [1 / (rank + 1) for rank in range(len(self.words))]

    def some(self, n: int) -> str:
        return " ".join(self.rng.choices(self.words, self.weights, k=n))


def _quote(text: str) -> str:
    return '"' + text.replace('"', "'") + '"'


def _clock(sec: int) -> str:
    hours, rest = divmod(sec, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


def _episode(number: int, words: Words, rng: random.Random) -> str:
    season, episode = divmod(number, 50)
    guests = [f"person-{rng.randrange(PEOPLE)}" for _ in range(rng.choice((1, 1, 1, 2)))]
    topics = rng.sample(TOPICS, 2)
    lines = [
        "---",
        f"title: {_quote(words.some(5).title())}",
        f"short: episode-{number}",
        f"season: {season + 1}",
        f"episode: {episode + 1}",
        "guests: [" + ", ".join(guests) + "]",
        "topics: [" + ", ".join(topics) + "]",
        f"dateadded: 20{10 + number // 100:02}-0{1 + number % 9}-1{number % 10}",
        f"description: {_quote(words.some(30))}",
        "transcript:",
    ]
    sec = 10
    for n in range(LINES):
        if n % 20 == 0:
            lines.append(f"- header: {_quote(words.some(3).capitalize())}")
        host = n % 4 == 0
        if host:
            text = f"{rng.choice(OPENERS)} {words.some(rng.randint(4, 12))}? [laughs]"
        else:
            text = words.some(rng.randint(10, 30)).capitalize() + "."
        who = "Alexey" if host else "Guest"
        lines += [f"- line: {_quote(text)}", f"  who: {who}", f'  time: "{_clock(sec)}"']
        lines.append(f"  sec: {sec}")
        sec += rng.randint(5, 40)
    return "\n".join(lines) + "\n---\n\nShow notes.\n"


def generate(root: Path) -> tuple[Path, Path]:
    rng = random.Random(SEED)
    words = Words(rng)
    episodes, people = root / "episodes", root / "people"
    episodes.mkdir(parents=True)
    people.mkdir(parents=True)
    for number in range(PEOPLE):
        (people / f"person-{number}.md").write_text(
            f"---\nshort: person-{number}\ntitle: Person {number}\n"
            f"linkedin: person-{number}\n---\n{words.some(40)}\n"
        )
    for number in range(EPISODES):
        (episodes / f"e{number:04}.md").write_text(_episode(number, words, rng))
    return episodes, people


def run(ctx) -> list[Result]:
    from podcast.kb import search
    from podcast.kb.importer import kb_import
    from podcast.kb.models import KbQuestion
    from podcast.kb.selectors import kb_search

    episodes, people = generate(Path(ctx["tmp"]) / "kb")
    reports = []

    def import_all():
        reports.append(kb_import(episodes_dir=episodes, people_dir=people))

    first = measure_once(
        f"first import: {EPISODES} episodes × {LINES} lines, {PEOPLE} profiles",
        import_all,
        target_ms=60_000,
    )
    questions = KbQuestion.objects.count()
    report = reports[-1]
    first.note = f"{report.created} created, {questions} questions, {len(report.failed)} failed"
    again = measure_once("re-import, nothing changed", import_all, target_ms=5_000)
    again.note = f"{reports[-1].unchanged} unchanged"
    queries = iter(QUERIES * 10)
    searched = measure(
        f"KB search (episodes + questions, rows read), {len(QUERIES)} queries",
        lambda: kb_search(next(queries), search.Filters()),
        runs=100,
        warmup=3,
        target_ms=50,
        note=f"over {EPISODES} episodes / {questions} questions",
    )
    size = sum(f.stat().st_size for f in search.current_dir().rglob("*") if f.is_file())
    searched.extra = {"index_mb": round(size / 1024 / 1024, 1)}
    return [first, again, searched]
