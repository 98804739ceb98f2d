"""Registry refresh: write the records of changed files, resolve references, store findings.

`registry_refresh` runs inside the sync's transaction and touches only what a change can
affect:

* the changed documents get new rows (fields, labels, links, their own findings);
* when the corpus's **identities** moved — a doc added, deleted or renamed, or an `id` /
  `aliases` edited — every stored reference of every other doc is resolved again in bulk
  (a dict lookup per link), because a link elsewhere may have broken or been fixed; the same
  for image references when image files were added or removed;
* corpus-wide problems (duplicate ids and aliases) are recomputed from the id index each
  time, which costs one pass over a dict.

Findings are keyed by `code`: findings from a doc's own text are replaced with the doc;
reference findings (`broken-doc-reference`, `broken-asset-reference`) are rebuilt from the
`DocumentLink` rows of the docs whose links changed; `duplicate-id` / `duplicate-alias` are
rebuilt corpus-wide.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from docs_app import generation
from docs_app.mirror import CommitInfo
from docs_app.models import Document, DocumentLabel, DocumentLink, Finding
from docs_app.records import (
    BLOCKING,
    BROKEN_ASSET,
    BROKEN_DOC,
    REGISTRY,
    WARNING,
    DocRecord,
    Problem,
)
from docs_app.sop import DocIndex, resolve
from docs_app.sop.refs import (
    duplicate_alias_message,
    duplicate_id_message,
    reference_target,
    related_doc_not_found_message,
    resolve_asset,
)

BATCH = 500
CORPUS_CODES = ("duplicate-id", "duplicate-alias")
LINK_CATEGORIES = (BROKEN_DOC, BROKEN_ASSET)


@dataclass
class RefreshStats:
    registered: int = 0
    deleted: int = 0
    relinked_docs: int = 0
    skipped: int = 0
    findings: int = 0
    identities_changed: bool = False
    upserted: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Resolved:
    path: str
    problem: str


def registry_refresh(
    *,
    records: list[DocRecord],
    deletes: Iterable[str],
    commits: dict[str, CommitInfo],
    asset_paths: set[str],
    assets_changed: bool = False,
) -> RefreshStats:
    """Apply changed records and deleted paths to the registry. Call inside a transaction.

    Side effects: Document, DocumentLabel, DocumentLink and Finding rows; nothing else.
    """
    stats = RefreshStats(upserted=[record.path for record in records])
    generation.bump()  # cached reference answers (doc links of task rows) are now stale
    deletes = sorted(set(deletes) - set(stats.upserted))
    before = {
        path: (doc_id, aliases)
        for path, doc_id, aliases in Document.objects.values_list("path", "doc_id", "aliases")
    }
    stats.deleted = (
        Document.objects.filter(path__in=deletes).delete()[1].get(Document._meta.label, 0)
    )
    documents = _write_documents(records, commits, before)
    stats.registered = len(documents)
    stats.skipped = sum(1 for record in records if record.skipped_reason)
    gone = set(deletes)
    after = {path: ids for path, ids in before.items() if path not in gone}
    after.update({record.path: (record.doc_id, record.aliases) for record in records})
    index = DocIndex.from_rows((path, doc_id, aliases) for path, (doc_id, aliases) in after.items())
    stats.identities_changed = bool(deletes) or any(
        before.get(record.path) != (record.doc_id, record.aliases) for record in records
    )
    _write_labels(records, documents)
    _write_own_links_and_findings(records, documents, index, asset_paths)
    if stats.identities_changed or assets_changed:
        stats.relinked_docs = _reresolve_others(
            index,
            asset_paths,
            exclude=set(documents.values()),
            doc_links=stats.identities_changed,
            images=assets_changed,
        )
    _write_corpus_findings(index)
    stats.findings = Finding.objects.count()
    return stats


# --- documents ------------------------------------------------------------------------------


def _apply_commit(document: Document, info: CommitInfo | None) -> None:
    if info is None:
        return
    document.last_commit_sha = info.sha
    document.last_commit_author = info.author[:200]
    document.last_commit_email = info.email[:200]
    document.last_commit_date = info.date
    document.last_commit_message = info.message[:500]


def _write_documents(
    records: list[DocRecord], commits: dict[str, CommitInfo], before: dict
) -> dict[str, int]:
    """Replace the rows of the changed paths, keeping each existing row's id; path → id.

    Delete-and-insert (with the old ids) instead of `bulk_update`: one DELETE and batched
    INSERTs cost the same for one doc or 5,000, where `bulk_update` builds a CASE per field
    and row. Deleting a row drops its labels, links and findings, which are rewritten next.
    """
    changed = [record.path for record in records if record.path in before]
    existing = dict(Document.objects.filter(path__in=changed).values_list("path", "pk"))
    Document.objects.filter(pk__in=existing.values()).delete()
    documents = []
    for record in records:
        document = Document(pk=existing.get(record.path), **record.model_fields())
        _apply_commit(document, commits.get(record.path))
        documents.append(document)
    created = Document.objects.bulk_create(documents, batch_size=BATCH)
    return {document.path: document.pk for document in created}


def _write_labels(records: list[DocRecord], documents: dict[str, int]) -> None:
    DocumentLabel.objects.bulk_create(
        [
            DocumentLabel(document_id=documents[record.path], kind=kind, value=value)
            for record in records
            for kind, value in record.labels
        ],
        batch_size=BATCH,
    )


# --- references -----------------------------------------------------------------------------


def resolve_reference(
    kind: str, target: str, written: str, from_path: str, index: DocIndex, asset_paths: set[str]
) -> Resolved:
    """Where one reference leads (`path`) or why it leads nowhere (`problem`)."""
    if kind == DocumentLink.Kind.IMAGE:
        asset = resolve_asset(target, from_path)
        if asset is None:
            return Resolved("", f"Image path leaves the repository: {target}")
        if asset not in asset_paths:
            return Resolved("", f"Image not found: {target} (looked for {asset})")
        return Resolved(asset, "")
    if kind == DocumentLink.Kind.RELATED:
        resolution = resolve(reference_target(target), from_path, index)
        if resolution.path:
            return Resolved(resolution.path, "")
        problem = resolution.problem or ""
        if "ambiguous" not in problem:
            problem = related_doc_not_found_message(target)
        return Resolved("", problem)
    resolution = resolve(written, from_path, index)
    return Resolved(resolution.path or "", resolution.problem or "")


def _write_own_links_and_findings(
    records: list[DocRecord], documents: dict[str, int], index: DocIndex, asset_paths: set[str]
) -> None:
    links: list[DocumentLink] = []
    findings: list[Finding] = []
    for record in records:
        pk = documents[record.path]
        findings += [_finding(pk, record.path, problem) for problem in record.problems]
        for ref in record.refs:
            resolved = resolve_reference(
                ref.kind, ref.target, ref.written, record.path, index, asset_paths
            )
            link = DocumentLink(
                source_id=pk,
                kind=ref.kind,
                target=ref.target[:1000],
                anchor=ref.anchor[:300],
                line=ref.line,
                resolved_path=resolved.path[:600],
                problem=resolved.problem[:1000],
            )
            links.append(link)
            if resolved.problem:
                findings.append(_finding(pk, record.path, link_problem(link)))
    DocumentLink.objects.bulk_create(links, batch_size=BATCH)
    Finding.objects.bulk_create(findings, batch_size=BATCH)


def _reresolve_others(
    index: DocIndex, asset_paths: set[str], *, exclude: set[int], doc_links: bool, images: bool
) -> int:
    """Resolve the stored links of unchanged docs again; rebuild findings where they moved."""
    kinds = [
        kind
        for kind, wanted in (
            (DocumentLink.Kind.LINK, doc_links),
            (DocumentLink.Kind.WIKI, doc_links),
            (DocumentLink.Kind.DOC, doc_links),
            (DocumentLink.Kind.RELATED, doc_links),
            (DocumentLink.Kind.IMAGE, images),
        )
        if wanted
    ]
    rows = (
        DocumentLink.objects.filter(kind__in=kinds)
        .exclude(source_id__in=exclude)
        .values_list(
            "pk",
            "source_id",
            "source__path",
            "kind",
            "target",
            "anchor",
            "resolved_path",
            "problem",
        )
    )
    moved: list[DocumentLink] = []
    touched: set[int] = set()
    for pk, source_id, source_path, kind, target, anchor, old_path, old_problem in rows.iterator(
        chunk_size=5000
    ):
        written = target + (f"#{anchor}" if anchor else "")
        resolved = resolve_reference(kind, target, written, source_path, index, asset_paths)
        if (resolved.path, resolved.problem) != (old_path, old_problem):
            moved.append(
                DocumentLink(
                    pk=pk, resolved_path=resolved.path[:600], problem=resolved.problem[:1000]
                )
            )
            touched.add(source_id)
    DocumentLink.objects.bulk_update(moved, ["resolved_path", "problem"], batch_size=BATCH)
    if touched:
        _rebuild_link_findings(touched)
    return len(touched)


def _rebuild_link_findings(document_ids: set[int]) -> None:
    Finding.objects.filter(document_id__in=document_ids, category__in=LINK_CATEGORIES).delete()
    broken = (
        DocumentLink.objects.filter(source_id__in=document_ids)
        .exclude(problem="")
        .select_related("source")
        .only("source__path", "kind", "target", "anchor", "line", "problem", "source_id")
    )
    Finding.objects.bulk_create(
        [_finding(link.source_id, link.source.path, link_problem(link)) for link in broken],
        batch_size=BATCH,
    )


def link_problem(link: DocumentLink) -> Problem:
    """The finding for a reference that leads nowhere, with what to do about it."""
    where = f"on line {link.line}" if link.line else "in the frontmatter"
    if link.kind == DocumentLink.Kind.IMAGE:
        return Problem(
            WARNING,
            BROKEN_ASSET,
            "missing-image",
            link.problem,
            f"Add the image to the repository or fix its path {where}.",
            link.line,
        )
    if link.kind == DocumentLink.Kind.RELATED:
        action = (
            f"Fix or remove `{link.target}` in `related_docs`, or create that doc."
            if "ambiguous" not in link.problem
            else f"Name the intended doc by its full path or id in `related_docs` ({where})."
        )
        return Problem(
            BLOCKING, BROKEN_DOC, "related-not-found", link.problem, action[:500], link.line
        )
    if "ambiguous" in link.problem:
        return Problem(
            BLOCKING,
            BROKEN_DOC,
            "ambiguous-reference",
            link.problem,
            f"Use the id or the full path of the intended doc {where}.",
            link.line,
        )
    action = f"Fix the link {where} or create the doc `{link.target}`."
    return Problem(
        BLOCKING, BROKEN_DOC, "reference-not-found", link.problem, action[:500], link.line
    )


# --- corpus-wide problems ---------------------------------------------------------------------


def _write_corpus_findings(index: DocIndex) -> None:
    Finding.objects.filter(code__in=CORPUS_CODES).delete()
    problems = list(corpus_problems(index))
    if not problems:
        return
    pks = dict(
        Document.objects.filter(path__in={path for path, _ in problems}).values_list("path", "pk")
    )
    Finding.objects.bulk_create(
        [_finding(pks[path], path, problem) for path, problem in problems], batch_size=BATCH
    )


def corpus_problems(index: DocIndex) -> Iterable[tuple[str, Problem]]:
    """`(path, problem)` for every doc sharing its id, or an alias, with another doc."""
    for doc_id, paths in index.ids.items():
        if len(paths) < 2:
            continue
        for path in paths:
            other = min(p for p in paths if p != path)
            first, second = sorted((path, other))
            yield (
                path,
                Problem(
                    BLOCKING,
                    REGISTRY,
                    "duplicate-id",
                    duplicate_id_message(doc_id, first, second),
                    f"Give one of them a different `id`; references to `{doc_id}` cannot tell "
                    "them apart until then."[:500],
                ),
            )
    yield from _alias_problems(index)


def _alias_problems(index: DocIndex) -> Iterable[tuple[str, Problem]]:
    """An alias claimed by several docs, or equal to another doc's id or path, is ambiguous."""
    for alias, owners in index.aliases.items():
        claimants = set(owners) | set(index.ids.get(alias, []))
        if alias in index.paths:
            claimants.add(alias)
        if len(claimants) < 2:
            continue
        for owner in owners:
            first, second = sorted((owner, min(claimants - {owner})))
            yield (
                owner,
                Problem(
                    WARNING,
                    REGISTRY,
                    "duplicate-alias",
                    duplicate_alias_message(alias, first, second),
                    f"Keep the alias `{alias}` on one doc only; links using it are ambiguous."[
                        :500
                    ],
                ),
            )


def _finding(document_id: int, path: str, problem: Problem) -> Finding:
    return Finding(
        document_id=document_id,
        path=path[:600],
        severity=problem.severity,
        category=problem.category,
        code=problem.code,
        message=problem.message,
        next_action=problem.next_action[:500],
        line=problem.line,
    )
