"""Reading the docs at the target scale: search and doc pages over 5,000 generated documents.

The corpus (3–8 KB per doc, two thirds marked SOPs, one 200-step SOP) uses a realistic
vocabulary: the words of the bundled `content/` plus generated ones, drawn with a Zipf
distribution, so common words match thousands of docs and rare ones a handful. It is
committed to a local git remote and registered by the real pipeline (`docs_sync`).

Measured: the first sync (registry + index, goal ≤ 30 s), the full index rebuild alone and
the live index's size (goal ≤ 50 MB); `docs_search` over 100 varied queries with a warm index (the
command's path: ranking + facets, no snippets) and the search page's path (with snippets and
anchors); the same 100 queries with `minsearch` over the same corpus; an incremental index
update of one changed doc; the doc page of the 200-step SOP through the Django test client,
with a cold render cache and a warm one.
"""

from __future__ import annotations

import itertools
import random
import re
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

from bench.harness import Result, measure, measure_once
from bench.harness import git as _git

TITLE = "Docs reading: search and doc pages over 5,000 documents"
DOCS = 5000
SEED = 424242
BIG_SOP = "media/podcast/sops/the-big-200-step-procedure.md"
DOMAINS = [
    "media",
    "events",
    "community",
    "finance",
    "internal-admin",
    "social-media",
    "newsletter",
    "courses",
]
TOPICS = [
    "podcast",
    "luma",
    "slack",
    "bookkeeping",
    "trello",
    "linkedin",
    "mailchimp",
    "maven",
    "meetup",
    "youtube",
    "sponsorship",
    "calendar",
]
SYSTEMS = [
    "airtable",
    "slack",
    "luma",
    "youtube",
    "google-docs",
    "google-drive",
    "mailchimp",
    "figma",
    "meetup",
    "trello",
    "dropbox",
    "spotify",
    "gmail",
    "notion",
]
ACTIONS = [
    "navigate",
    "click",
    "type",
    "upload",
    "download",
    "copy",
    "paste",
    "submit",
    "verify",
    "wait",
]
QUERY_TYPOS = [
    "podcats",
    "shedule",
    "newsleter",
    "reciept",
    "calender",
    "sponsr",
    "annoucement",
    "transcrpt",
    "youtbue",
    "invitaton",
]


def vocabulary(rng: random.Random) -> list[str]:
    """Real words of the sample docs first (most common first), then invented ones."""
    counts: dict[str, int] = {}
    for path in Path(settings.DOCS_CONTENT_SEED_DIR).rglob("*.md"):
        for word in re.findall(r"[a-z]{3,}", path.read_text().lower()):
            counts[word] = counts.get(word, 0) + 1
    words = sorted(counts, key=lambda w: -counts[w])
    syllables = ["ka", "lo", "mi", "ter", "van", "sul", "dor", "pe", "ri", "an", "bel", "cos"]
    while len(words) < 12_000:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if word not in counts:
            counts[word] = 0
            words.append(word)
    return words


class Corpus:
    def __init__(self):
        self.rng = random.Random(SEED)
        self.words = vocabulary(self.rng)
        self.cumulative = list(
            itertools.accumulate(1 / (rank + 1) for rank in range(len(self.words)))
        )
        self.docs: list[tuple[str, str, str]] = []
        for n in range(DOCS):
            domain = self.rng.choice(DOMAINS)
            topic = self.rng.choice(TOPICS)
            kind = "sop" if n % 3 != 2 else self.rng.choice(["reference", "template", "playbook"])
            folder = {
                "sop": "sops",
                "reference": "reference",
                "template": "templates",
                "playbook": "playbooks",
            }[kind]
            slug = f"{self._word()}-{self._word()}-{n:04d}"
            self.docs.append(
                (f"{domain}/{topic}/{folder}/{slug}.md", f"{kind}.{domain}.{slug}", kind)
            )

    def _word(self) -> str:
        return self.rng.choices(self.words[:3000], cum_weights=self.cumulative[:3000])[0]

    def sentence(self, n: int = 14) -> str:
        text = " ".join(self.rng.choices(self.words, cum_weights=self.cumulative, k=n))
        return text[0].upper() + text[1:] + "."

    def paragraph(self, sentences: int = 3) -> str:
        return " ".join(self.sentence(self.rng.randint(8, 18)) for _ in range(sentences))

    def frontmatter(self, doc_id: str, kind: str, title: str, systems: list[str]) -> str:
        related = ", ".join(self.rng.choice(self.docs)[1] for _ in range(2))
        return "\n".join(
            [
                "---",
                f"id: {doc_id}",
                f'title: "{title}"',
                f"doc_type: {kind}",
                *(["schema_version: 1"] if kind == "sop" else []),
                f'summary: "{self.sentence(12)}"',
                f"tags: [{', '.join(self.rng.sample(TOPICS, 2))}]",
                f"systems: [{', '.join(systems)}]",
                f"related_docs: [{related}]",
                "owner: operations",
                "---",
                "",
            ]
        )

    def sop(self, doc_id: str, steps: int, title: str | None = None) -> str:
        systems = self.rng.sample(SYSTEMS, 3)
        title = title or self.sentence(6).rstrip(".")
        section = "<!-- sop-section-start: {} -->\n## {}\n\n{}\n<!-- sop-section-end -->\n"
        out = [
            self.frontmatter(doc_id, "sop", title, systems),
            f"# {title}\n",
            section.format("summary", "Summary", self.paragraph(2)),
            section.format(
                "prerequisites",
                "Prerequisites",
                f"- Read [[{self.rng.choice(self.docs)[1]}]] first.",
            ),
        ]
        procedure, step_id, groups = [], 0, max(1, steps // 6)
        for group in range(groups):
            procedure += [
                f'<!-- sop-group-start: "{self.sentence(3)[:-1]}" -->',
                f"### {self.sentence(3)[:-1]}",
                "",
            ]
            count = steps // groups + (1 if group < steps % groups else 0)
            for _ in range(count):
                step_id += 1
                procedure += [
                    f'<!-- sop-step-start id={step_id} systems="{systems[0]}" '
                    f'action="{self.rng.choice(ACTIONS)}" -->',
                    f"{step_id}.  {self.sentence()}",
                    f"    {self.paragraph(self.rng.randint(1, 2))}",
                ]
                if step_id % 4 == 0:
                    procedure += [
                        "<!-- sop-screenshot-start -->",
                        "![Screen](../../../images/shot.png)",
                        "<!-- sop-caption-start -->",
                        self.sentence(7),
                        "<!-- sop-caption-end -->",
                        "<!-- sop-screenshot-end -->",
                    ]
                procedure += ["<!-- sop-step-end -->", ""]
            procedure += ["<!-- sop-group-end -->", ""]
        out.append(section.format("procedure", "Procedure", "\n".join(procedure)))
        for name in ("validation", "troubleshooting", "references"):
            out.append(section.format(name, name.title(), self.paragraph(2)))
        return "\n".join(out)

    def plain(self, doc_id: str, kind: str) -> str:
        title = self.sentence(5).rstrip(".")
        out = [self.frontmatter(doc_id, kind, title, self.rng.sample(SYSTEMS, 2)), f"# {title}\n"]
        for n in range(self.rng.randint(4, 9)):
            out.append(
                f"## {self.sentence(3)[:-1]}\n\n{self.paragraph(self.rng.randint(2, 5))} "
                f"See [[{self.rng.choice(self.docs)[1]}]] (section {n + 1}).\n"
            )
        return "\n".join(out)

    def text(self, index: int) -> str:
        path, doc_id, kind = self.docs[index]
        if kind == "sop":
            return self.sop(doc_id, self.rng.randint(6, 12))
        return self.plain(doc_id, kind)

    def queries(self) -> list[str]:
        """100 varied queries: common and rare words, pairs, triples, typos, a filter-ish one."""
        rng = random.Random(SEED + 1)
        common, middle, rare = self.words[20:200], self.words[200:1500], self.words[1500:4000]
        queries = [rng.choice(common) for _ in range(20)]
        queries += [rng.choice(middle) for _ in range(20)]
        queries += [rng.choice(rare) for _ in range(10)]
        queries += [f"{rng.choice(common)} {rng.choice(middle)}" for _ in range(20)]
        queries += [
            f"{rng.choice(middle)} {rng.choice(middle)} {rng.choice(common)}" for _ in range(10)
        ]
        queries += QUERY_TYPOS + [rng.choice(TOPICS) for _ in range(5)]
        queries += [f"{rng.choice(SYSTEMS)} {rng.choice(common)}" for _ in range(5)]
        return queries


def build_repository(root: Path, corpus: Corpus) -> Path:
    bare, work = root / "remote.git", root / "work"
    _git(root, "init", "-q", "--bare", "-b", "main", str(bare))
    _git(root, "init", "-q", "-b", "main", str(work))
    for index, (path, _, _) in enumerate(corpus.docs):
        (work / path).parent.mkdir(parents=True, exist_ok=True)
        (work / path).write_text(corpus.text(index))
    (work / BIG_SOP).parent.mkdir(parents=True, exist_ok=True)
    (work / BIG_SOP).write_text(corpus.sop("sop.media.big", 200, "The big 200-step procedure"))
    (work / "media/images").mkdir(parents=True, exist_ok=True)
    (work / "media/images/shot.png").write_bytes(b"\x89PNG\r\n\x1a\nbench")
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", "Generated corpus")
    _git(work, "remote", "add", "origin", str(bare))
    _git(work, "push", "-q", "origin", "main")
    return bare


def _minsearch(corpus: Corpus, queries: list[str]) -> tuple[Result, Result]:
    from minsearch import Index

    from docs_app import search_index
    from docs_app.models import Document

    rows = []
    for doc in Document.objects.prefetch_related("labels"):
        text = search_index.text_of(doc) or ""
        found = search_index.searchable(text)
        rows.append(
            {
                "path": doc.path,
                "title": doc.title,
                "summary": doc.summary,
                "description": doc.description,
                "headings": " ".join(t for _, t in found.headings),
                "body": found.body,
                "tags": " ".join(doc.tags),
                "systems": " ".join(doc.systems),
                "domain": doc.domain,
                "doc_type": doc.doc_type,
            }
        )
    index = Index(
        text_fields=["title", "summary", "description", "headings", "body", "tags", "systems"],
        keyword_fields=["domain", "doc_type"],
    )
    build = measure_once("minsearch: fit over the same 5,000 docs", lambda: index.fit(rows))
    boosts = {
        "title": 4,
        "summary": 3,
        "description": 3,
        "headings": 2,
        "body": 1,
        "tags": 1,
        "systems": 1,
    }
    position = {"i": 0}

    def one() -> None:
        index.search(queries[position["i"] % len(queries)], boost_dict=boosts, num_results=10)
        position["i"] += 1

    timed = measure(
        "minsearch: same 100 queries", one, runs=len(queries), warmup=5, count_queries=False
    )
    return build, timed


def run(ctx) -> list[Result]:
    from django.test import Client

    from dataops.models import User
    from docs_app import search, search_index
    from docs_app.models import Document
    from docs_app.sync import docs_sync

    root = Path(ctx["tmp"]) / "docs-read-bench"
    root.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    corpus = Corpus()
    settings.DOCS_GIT_URL = str(build_repository(root, corpus))
    settings.DOCS_MIRROR_DIR = root / "mirror"
    settings.DOCS_INDEX_DIR = root / "index"
    generated = time.perf_counter() - started
    results: list[Result] = [
        measure_once(
            "first sync: registry + search index (5,001 docs)",
            docs_sync,
            target_ms=30_000,
            note=f"corpus generated in {generated:.0f} s",
        )
    ]
    build = measure_once("search index: full rebuild alone", search.rebuild_index)
    live = search_index.current_dir()
    size = sum(p.stat().st_size for p in live.rglob("*") if p.is_file())
    build.note = f"the live index: {size / 1e6:.1f} MB on disk (goal ≤ 50 MB)"
    results.append(build)

    queries = corpus.queries()
    for q in queries:  # warm the index, the facet table and the OS cache
        search.search(q)
    position = {"i": 0}

    def next_query() -> str:
        position["i"] += 1
        return queries[(position["i"] - 1) % len(queries)]

    command = measure(
        "docs_search: 100 varied queries, warm (top 10, as the command)",
        lambda: search.search(next_query(), per_page=10, highlights=False, facets=False),
        runs=len(queries),
        warmup=0,
        target_ms=50,
        count_queries=False,
    )
    totals = [search.search(q, per_page=10, highlights=False).total for q in queries]
    command.note = (
        f"matches per query: median {sorted(totals)[50]}, max {max(totals)}; "
        f"{sum(1 for t in totals if t == 0)} queries with no match"
    )
    results.append(command)
    position["i"] = 0
    results.append(
        measure(
            "search page: + facets and total, snippets, anchors (20)",
            lambda: search.search(next_query()),
            runs=len(queries),
            warmup=0,
            target_ms=50,
            count_queries=False,
        )
    )
    pages = {"n": 0}

    def listing() -> None:
        pages["n"] += 1
        search.search("*" if pages["n"] % 2 else "", page=pages["n"] % 250 + 1)

    results.append(
        measure(
            "search page: q=* or empty, every doc by title (a page of 20, facets)",
            listing,
            runs=40,
            warmup=2,
            target_ms=100,
            count_queries=False,
        )
    )

    mini_build, mini = _minsearch(corpus, queries)
    mini.note = f"Whoosh/minsearch median ratio {command.median / mini.median:.2f}"
    results += [mini_build, mini]

    path = Document.objects.order_by("?").values_list("path", flat=True).first()
    results.append(
        measure(
            "update_index: one changed doc",
            lambda: search.update_index(upserts=[path], deletes=[]),
            runs=10,
            warmup=1,
            target_ms=1000,
            count_queries=False,
        )
    )

    user = User.objects.create_user("bench-reader", password="x")
    client = Client()
    client.force_login(user)
    url = Document.objects.get(path=BIG_SOP).get_absolute_url()

    def page() -> None:
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    results.append(
        measure(
            "doc page, 200-step SOP, cold render cache",
            page,
            runs=20,
            warmup=2,
            target_ms=100,
            setup=cache.clear,
        )
    )
    results.append(
        measure("doc page, 200-step SOP, warm render cache", page, runs=30, warmup=3, target_ms=100)
    )
    return results
