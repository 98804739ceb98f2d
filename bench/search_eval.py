"""Known-item search evaluation: our docs search against two plain baselines, same files,
same run.

`python -m bench.search_eval` (what `make eval-search` runs) registers each corpus through
the real pipeline (`docs_sync` from a local git remote, so our index is the one the portal
builds), indexes the same registered docs into minsearch (TF-IDF, title ×3) and BM25
(`rank_bm25`'s Okapi, title repeated three times), runs every query on all three and prints
MRR@10, R@1, R@10 and latency per query kind. A query is answered when one of its expected
paths (identical copies all count) is among the first ten hits.

Corpora: the bundled `content/` with a hand-written query set, and a generated corpus with
the traps of real repositories (see `bench/search_corpus.py`). The database is
`BENCH_DATABASE_URL` (default: a fresh `dataops_eval` on the local PostgreSQL).
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.harness import git as _git
from bench.search_corpus import BUNDLED, Query, generate

ROOT = Path(__file__).resolve().parent.parent
TOKEN = re.compile(r"\w+")
KINDS = ("keyword", "paraphrase", "typo")


@dataclass
class Score:
    reciprocal: list[float]
    latency_ms: list[float]

    def row(self) -> tuple[float, float, float, float]:
        n = len(self.reciprocal) or 1
        return (
            sum(self.reciprocal) / n,
            sum(1 for r in self.reciprocal if r == 1.0) / n,
            sum(1 for r in self.reciprocal if r > 0) / n,
            _p95(self.latency_ms),
        )


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else 0.0


def _remote(files: dict[str, str] | None, source: Path | None, root: Path) -> Path:
    work, bare = root / "work", root / "remote.git"
    if source is not None:
        shutil.copytree(source, work)
    work.mkdir(parents=True, exist_ok=True)
    for path, text in (files or {}).items():
        (work / path).parent.mkdir(parents=True, exist_ok=True)
        (work / path).write_text(text, encoding="utf-8")
    _git(work, "init", "-q", "-b", "main")
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", "Corpus")
    _git(root, "clone", "-q", "--bare", str(work), str(bare))
    return bare


def _register(bare: Path, root: Path) -> list[dict]:
    """Sync the corpus into the registry and our index; the docs as the baselines see them."""
    from django.conf import settings

    from docs_app import search_index
    from docs_app.models import Document
    from docs_app.sync import docs_sync

    settings.DOCS_GIT_URL = str(bare)
    settings.DOCS_MIRROR_DIR = root / "mirror"
    settings.DOCS_INDEX_DIR = root / "index"
    docs_sync(full=True)
    rows = []
    for doc in Document.objects.prefetch_related("labels").order_by("path"):
        found = search_index.searchable(search_index.text_of(doc) or "")
        rows.append(
            {
                "path": doc.path,
                "title": doc.title,
                "summary": doc.summary,
                "headings": " ".join(text for _, text in found.headings),
                "body": found.body,
                "tags": " ".join(doc.tags),
            }
        )
    return rows


def _ours() -> Callable[[str], list[list[str]]]:
    from docs_app import search

    def run(text: str) -> list[list[str]]:
        results = search.search(text, per_page=10, highlights=False, facets=False)
        return [[hit.path, *hit.copies] for hit in results.hits]

    return run


def _minsearch(rows: list[dict]) -> Callable[[str], list[list[str]]]:
    from minsearch import Index

    fields = ["title", "summary", "headings", "body", "tags"]
    index = Index(text_fields=fields, keyword_fields=[])
    index.fit(rows)

    def run(text: str) -> list[list[str]]:
        found = index.search(text, boost_dict={"title": 3}, num_results=10)
        return [[row["path"]] for row in found]

    return run


def _bm25(rows: list[dict]) -> Callable[[str], list[list[str]]]:
    from rank_bm25 import BM25Okapi

    def tokens(text: str) -> list[str]:
        return TOKEN.findall(text.lower())

    corpus = [
        tokens(" ".join([row["title"]] * 3 + [row["summary"], row["headings"], row["body"]]))
        for row in rows
    ]
    index = BM25Okapi(corpus)

    def run(text: str) -> list[list[str]]:
        scores = index.get_scores(tokens(text))
        best = sorted(range(len(rows)), key=lambda i: -scores[i])[:10]
        return [[rows[i]["path"]] for i in best if scores[i] > 0]

    return run


def evaluate(system: Callable, queries: list[Query]) -> dict[str, Score]:
    scores: dict[str, Score] = defaultdict(lambda: Score([], []))
    for query in queries:
        started = time.perf_counter()
        hits = system(query.text)
        elapsed = (time.perf_counter() - started) * 1000
        rank = next(
            (i for i, paths in enumerate(hits[:10], 1) if set(paths) & set(query.expected)), 0
        )
        for kind in (query.kind, "overall"):
            scores[kind].reciprocal.append(1 / rank if rank else 0.0)
            scores[kind].latency_ms.append(elapsed)
    return scores


def report(corpus: str, docs: int, results: dict[str, dict[str, Score]]) -> str:
    lines = [
        f"\n{corpus} ({docs} docs)",
        f"{'kind':<11} {'system':<10} {'n':>4} {'MRR@10':>7} {'R@1':>6} {'R@10':>6} {'p95 ms':>7}",
    ]
    for kind in (*KINDS, "overall"):
        for system, by_kind in results.items():
            if kind not in by_kind:
                continue
            mrr, r1, r10, p95 = by_kind[kind].row()
            n = len(by_kind[kind].reciprocal)
            lines.append(
                f"{kind:<11} {system:<10} {n:>4} {mrr:>7.3f} {r1:>6.3f} {r10:>6.3f} {p95:>7.1f}"
            )
    return "\n".join(lines)


def run_corpus(name: str, root: Path, queries: list[Query], **source) -> str:
    root.mkdir(parents=True)
    rows = _register(_remote(source.get("files"), source.get("source"), root), root)
    systems = {"ours": _ours(), "minsearch": _minsearch(rows), "bm25": _bm25(rows)}
    for system in systems.values():  # warm caches and imports before timing
        system(queries[0].text)
    results = {label: evaluate(system, queries) for label, system in systems.items()}
    return report(name, len(rows), results)


def main() -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dataops_eval")
    from bench.__main__ import configure

    ctx = configure()
    from django.conf import settings

    tmp = Path(ctx["tmp"])
    started = time.perf_counter()
    print(
        run_corpus(
            "bundled content/",
            tmp / "bundled",
            BUNDLED,
            source=Path(settings.DOCS_CONTENT_SEED_DIR),
        )
    )
    generated = generate()
    print(
        run_corpus(
            "generated corpus with traps",
            tmp / "generated",
            generated.queries,
            files=generated.files,
        )
    )
    print(f"\nevaluated in {time.perf_counter() - started:.0f} s; load: {os.getloadavg()[0]:.2f}")
    print(f"median query lengths: {statistics.median(len(q.text.split()) for q in BUNDLED)} words")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
