"""Docs sync at the target scale: a generated repository of 5,000 docs on a local git remote.

Measures the initial sync (clone + registry + index build through the search module), an
incremental sync after one commit changing one file, a sync after adding one doc (every
stored reference is resolved again), a no-change sync, and the lint of the whole corpus.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from django.conf import settings

from bench.harness import Result, measure, measure_once
from bench.harness import git as _git

TITLE = "Docs sync: 5,000-document repository"
DOCS = 5000
SEED = 20260101
DOMAINS = {
    "media": ["podcast", "video-youtube", "newsletter"],
    "events": ["luma", "meetup", "planning", "outreach", "calendar"],
    "community": ["slack", "book-of-the-week", "courses"],
    "finance": ["bookkeeping", "tax-report", "sponsorship"],
    "internal-admin": ["trello", "accounts", "hiring"],
    "social-media": ["linkedin", "twitter", "scheduling"],
}
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
VOCABULARY = (
    "open the shared drive and check the folder for this week before you continue with "
    "the guest the sponsor the episode calendar invite link field announcement template "
    "copy paste form record status owner deadline review approve publish schedule "
    "newsletter workshop webinar channel thread message draft final version export csv "
    "upload download banner cover transcript timecodes description outline bio"
)
WORDS = VOCABULARY.split()


def _sentence(rng: random.Random, words: int = 14) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _paragraph(rng: random.Random, sentences: int = 4) -> str:
    return " ".join(_sentence(rng, rng.randint(9, 18)) for _ in range(sentences))


class Corpus:
    """Paths and ids of the generated docs, decided before any text is written."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.docs: list[tuple[str, str, str]] = []  # (path, id, kind)
        for n in range(DOCS):
            domain = rng.choice(list(DOMAINS))
            topic = rng.choice(DOMAINS[domain])
            marked = n % 3 != 2  # two thirds marked SOPs
            kind = "sop" if marked else rng.choice(["reference", "template", "playbook"])
            folder = {
                "sop": "sops",
                "reference": "reference",
                "template": "templates",
                "playbook": "playbooks",
            }[kind]
            slug = f"{rng.choice(WORDS)}-{rng.choice(WORDS)}-{n:04d}"
            path = f"{domain}/{topic}/{folder}/{slug}.md"
            self.docs.append((path, f"{kind}.{domain}.{topic}.{slug}", kind))
        self.images = [f"images/{domain}/shot-{n}.png" for domain in DOMAINS for n in range(20)]

    def text(self, index: int) -> str:
        path, doc_id, kind = self.docs[index]
        rng = random.Random(SEED + index)
        if kind == "sop":
            return self._sop(rng, path, doc_id)
        return self._plain(rng, path, doc_id, kind)

    def _others(self, rng: random.Random, n: int) -> list[tuple[str, str, str]]:
        return [self.docs[rng.randrange(len(self.docs))] for _ in range(n)]

    def _frontmatter(
        self, rng, doc_id: str, kind: str, systems: list[str], title: str, schema: bool
    ) -> str:
        related = ", ".join(other[1] for other in self._others(rng, 3))
        lines = [
            "---",
            f"id: {doc_id}",
            f'title: "{title}"',
            f"doc_type: {kind}",
            *(["schema_version: 1"] if schema else []),
            f'summary: "{_sentence(rng, 12)}"',
            f'description: "{_sentence(rng, 20)}"',
            f"tags: [{', '.join(rng.sample(WORDS, 3))}]",
            f"systems: [{', '.join(systems)}]",
            f"related_docs: [{related}]",
            "owner: operations",
            "---",
            "",
        ]
        return "\n".join(lines)

    def _sop(self, rng: random.Random, path: str, doc_id: str) -> str:
        """A marked SOP of 3–8 KB: steps are added until the text reaches its target size."""
        target = rng.randint(3000, 7600)
        systems = rng.sample(SYSTEMS, 3)
        title = _sentence(rng, 6).rstrip(".")
        up = "../" * path.count("/")
        others = self._others(rng, 4)
        section = "<!-- sop-section-start: {} -->\n## {}\n{}\n<!-- sop-section-end -->\n"
        head = [
            self._frontmatter(rng, doc_id, "sop", systems, title, True),
            f"# {title}\n",
            section.format("summary", "Summary", _paragraph(rng, 2)),
            section.format(
                "prerequisites",
                "Prerequisites",
                f"- Read [[{others[0][1]}]] first.\n- {_sentence(rng)}",
            ),
        ]
        refs = "\n".join(f"- [{o[1]}]({up}{o[0]})" for o in others[1:])
        tail = [
            section.format("validation", "Validation", _sentence(rng)),
            section.format("troubleshooting", "Troubleshooting", _sentence(rng)),
            section.format("references", "References", refs),
        ]
        size = sum(len(part) for part in head + tail) + 120
        groups: list[list[str]] = [[] for _ in range(rng.randint(2, 4))]
        step_id = 0
        while size < target or step_id < len(groups):
            step_id += 1
            step = self._step(rng, step_id, systems, up)
            groups[min((step_id - 1) * len(groups) // 12, len(groups) - 1)].append(step)
            size += len(step)
        body = "".join(
            f'<!-- sop-group-start: "Part {n + 1}" -->\n### Part {n + 1}\n\n'
            + "".join(steps)
            + "<!-- sop-group-end -->\n\n"
            for n, steps in enumerate(groups)
            if steps
        )
        return "\n".join(head + [section.format("procedure", "Procedure", "\n" + body)] + tail)

    def _step(self, rng: random.Random, step_id: int, systems: list[str], up: str) -> str:
        lines = [
            f'<!-- sop-step-start id={step_id} systems="{rng.choice(systems)}" '
            f'action="{rng.choice(ACTIONS)}" -->',
            f"{step_id}.  {_sentence(rng)}",
            f"    {_paragraph(rng, rng.randint(1, 2))}",
        ]
        if rng.random() < 0.3:
            lines += [
                "<!-- sop-screenshot-start -->",
                f"![Screen]({up}{rng.choice(self.images)})",
                "<!-- sop-caption-start -->",
                _sentence(rng, 8),
                "<!-- sop-caption-end -->",
                "<!-- sop-screenshot-end -->",
            ]
        return "\n".join([*lines, "<!-- sop-step-end -->", "", ""])

    def _plain(self, rng: random.Random, path: str, doc_id: str, kind: str) -> str:
        target = rng.randint(3000, 7600)
        title = _sentence(rng, 5).rstrip(".")
        parts = [
            self._frontmatter(rng, doc_id, kind, rng.sample(SYSTEMS, 2), title, False),
            f"# {title}\n",
        ]
        size, n = sum(map(len, parts)), 0
        while size < target:
            n += 1
            other = self._others(rng, 1)[0]
            parts.append(
                f"## Section {n}\n\n{_paragraph(rng, rng.randint(2, 4))} See [[{other[1]}]].\n"
            )
            size += len(parts[-1])
        return "\n".join(parts)


def build_repository(root: Path) -> tuple[Path, Path, Corpus]:
    """Write the corpus into a work clone, commit it and push it to a bare remote."""
    corpus = Corpus(random.Random(SEED))
    bare, work = root / "remote.git", root / "work"
    _git(root, "init", "-q", "--bare", "-b", "main", str(bare))
    _git(root, "init", "-q", "-b", "main", str(work))
    for index, (path, _, _) in enumerate(corpus.docs):
        target = work / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(corpus.text(index))
    for image in corpus.images:
        (work / image).parent.mkdir(parents=True, exist_ok=True)
        (work / image).write_bytes(b"\x89PNG\r\n\x1a\n" + image.encode())
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", "Generated corpus")
    _git(work, "remote", "add", "origin", str(bare))
    _git(work, "push", "-q", "origin", "main")
    return bare, work, corpus


def run(ctx) -> list[Result]:
    from docs_app.models import Document, DocumentLink, Finding
    from docs_app.sop import lint
    from docs_app.sync import docs_sync

    root = Path(ctx["tmp"]) / "docs-bench"
    root.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    bare, work, corpus = build_repository(root)
    sizes = [(work / path).stat().st_size for path, _, _ in corpus.docs]
    generated_s = time.perf_counter() - started
    settings.DOCS_GIT_URL = str(bare)
    settings.DOCS_MIRROR_DIR = root / "mirror"
    settings.DOCS_INDEX_DIR = root / "index"

    results: list[Result] = []
    outcome = {}
    initial = measure_once(
        "initial sync: clone + registry + index (5,000 docs)",
        lambda: outcome.update(result=docs_sync()),
    )
    counts = outcome["result"].counts
    initial.note = (
        f"registered {counts['registered']}, indexed {counts['indexed']}, "
        f"{DocumentLink.objects.count()} links, {Finding.objects.count()} findings; "
        f"docs {min(sizes) / 1024:.1f}–{max(sizes) / 1024:.1f} KB "
        f"(mean {sum(sizes) / len(sizes) / 1024:.1f} KB); generated in "
        f"{generated_s:.1f} s"
    )
    results.append(initial)

    from docs_app import search

    results.append(
        measure_once(
            "  of which: search index rebuild alone (rebuild_index)",
            search.rebuild_index,
            note="the reading half's Whoosh index, timed on its own",
        )
    )
    real_rebuild = search.rebuild_index
    search.rebuild_index = lambda: 0
    try:
        results.append(
            measure_once(
                "  of which: full re-registration without the index",
                lambda: docs_sync(full=True),
                note="parse + lint + links + findings + one transaction",
            )
        )
    finally:
        search.rebuild_index = real_rebuild

    edited = {"n": 0}

    def commit_one_change() -> None:
        edited["n"] += 1
        path = corpus.docs[edited["n"] * 7][0]
        with open(work / path, "a") as handle:
            handle.write(f"\nEdited {edited['n']}.\n")
        _git(work, "commit", "-q", "-am", f"Edit {edited['n']}")
        _git(work, "push", "-q", "origin", "main")

    last = {}
    incremental = measure(
        "incremental sync after one commit changing one file",
        lambda: last.update(result=docs_sync()),
        runs=10,
        warmup=1,
        target_ms=1000,
        setup=commit_one_change,
    )
    incremental.note = f"counts of the last run: {_short_counts(last['result'].counts)}"
    results.append(incremental)

    added = {"n": 0}

    def commit_new_doc() -> None:
        added["n"] += 1
        (work / "media" / f"new-doc-{added['n']}.md").write_text(
            f"# New doc {added['n']}\n\nSee [[{corpus.docs[0][1]}]].\n"
        )
        _git(work, "add", "-A")
        _git(work, "commit", "-q", "-m", f"Add doc {added['n']}")
        _git(work, "push", "-q", "origin", "main")

    adding = measure(
        "incremental sync after adding one doc (all links re-resolved)",
        lambda: last.update(result=docs_sync()),
        runs=5,
        warmup=1,
        setup=commit_new_doc,
    )
    adding.note = f"counts of the last run: {_short_counts(last['result'].counts)}"
    results.append(adding)

    results.append(
        measure(
            "no-change sync (fetch, nothing to do)", docs_sync, runs=20, warmup=2, target_ms=300
        )
    )

    texts = [(work / path).read_text() for path, _, kind in corpus.docs if kind == "sop"]
    violations = {}
    lint_all = measure_once(
        f"lint of the whole corpus ({len(texts)} SOPs the linter covers)",
        lambda: violations.update(n=sum(len(lint(t)) for t in texts)),
    )
    lint_all.note = (
        f"{violations['n']} violations (the edits appended above sit outside "
        f"sections); {lint_all.samples_ms[0] / len(texts):.2f} ms per doc"
    )
    results.append(lint_all)
    assert Document.objects.count() == DOCS + added["n"]
    return results


def _short_counts(counts: dict) -> str:
    return ", ".join(f"{name} {value}" for name, value in counts.items() if value)
