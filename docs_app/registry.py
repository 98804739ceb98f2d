"""Registry refresh: write the records of changed files, resolve references, store findings.

`registry_refresh` runs inside the sync's transaction and touches only what a change can
affect:

* the changed documents get new rows (fields, labels, links, their own findings);
* when the corpus's **identities** moved — a doc added, deleted or renamed, or an `id` /
  `aliases` edited — every stored reference of every other doc is resolved again in bulk
  (a dict lookup per link), because a link elsewhere may have broken or been fixed; the same
  for images and links to files and folders when files were added or removed, and for
  `#anchor` links into a doc whose headings changed;
* corpus-wide problems (duplicate ids and aliases) are recomputed from the id index each
  time, which costs one pass over a dict.

Resolution is in memory (dicts and sets) with at most one query per batch of links, for the
heading anchors of the docs that anchored links point into. Links to paths that are not docs
resolve through `docs_app.links`: a file, a folder (stored with a trailing `/`), or a site link
or a link above the root (stored as written, not a problem). A link whose doc exists but whose
`#anchor` names no heading keeps the doc's path and gets a problem (`broken-anchor`).

Findings are keyed by `code`: findings from a doc's own text are replaced with the doc;
reference findings (`broken-doc-reference`, `broken-asset-reference`) are rebuilt from the
`DocumentLink` rows of the docs whose links changed; `duplicate-id` / `duplicate-alias` are
rebuilt corpus-wide.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q, TextField
from django.db.models.functions import Cast

from docs_app import generation
from docs_app.links import (
    FILE,
    FOLDER,
    RepoFiles,
    anchor_exists,
    broken_anchor_message,
    heading_anchors,
    missing_path_message,
    path_target,
)
from docs_app.mirror import CommitInfo
from docs_app.models import Document, DocumentLabel, DocumentLink, Finding
from docs_app.moves import (
    Move,
    declared_aliases,
    moved_names,
    moves_record,
    user_state_follow,
    with_moved_names,
)
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
    moves: Iterable[Move] = (),
    head: str = "",
) -> RefreshStats:
    """Apply changed records, deleted paths and renames to the registry. Call inside a
    transaction.

    Side effects: Document, DocumentLabel, DocumentLink, Finding and DocumentMove rows; pins
    and recently viewed of a renamed doc whose id changed follow it.
    """
    moves = list(moves)
    stats = RefreshStats(upserted=[record.path for record in records])
    generation.bump()  # cached reference answers (doc links of task rows) are now stale
    deletes = sorted(set(deletes) - set(stats.upserted))
    before = _identities()
    anchors_moved = _changed_anchors(records, before, deletes)
    stats.deleted = (
        Document.objects.filter(path__in=deletes).delete()[1].get(Document._meta.label, 0)
    )
    renamed_others = _fold_in_moves(records, moves, before, deletes, head)
    documents = _write_documents(records, commits, before)
    stats.registered = len(documents)
    stats.skipped = sum(1 for record in records if record.skipped_reason)
    gone = set(deletes)
    after = {path: ids for path, ids in before.items() if path not in gone}
    after.update(renamed_others)
    after.update({record.path: (record.doc_id, record.aliases) for record in records})
    index = DocIndex.from_rows((path, doc_id, aliases) for path, (doc_id, aliases) in after.items())
    stats.identities_changed = (
        bool(deletes)
        or bool(renamed_others)
        or any(before.get(record.path) != (record.doc_id, record.aliases) for record in records)
    )
    user_state_follow(
        {
            before[m.old_path][0]: after[m.new_path][0]
            for m in moves
            if m.old_path in before and m.new_path in after
        }
    )
    _write_labels(records, documents)
    stats.relinked_docs = _write_links(
        records,
        documents,
        Targets(index, RepoFiles.of(asset_paths)),
        identities_changed=stats.identities_changed,
        files_changed=assets_changed,
        anchors_moved=anchors_moved,
    )
    _write_corpus_findings(index)
    stats.findings = Finding.objects.count()
    return stats


# --- documents ------------------------------------------------------------------------------


def _identities() -> dict[str, tuple[str, list[str]]]:
    """path → (id, aliases) of every registered doc. The aliases come as text and are decoded
    only where there are some: most docs have none, and decoding thousands of empty lists
    was a tenth of one saved edit's registration."""
    rows = Document.objects.values_list("path", "doc_id", Cast("aliases", TextField()))
    return {
        path: (doc_id, json.loads(raw) if raw and raw != "[]" else []) for path, doc_id, raw in rows
    }


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


def _fold_in_moves(
    records: list[DocRecord], moves: list[Move], before: dict, deletes: list[str], head: str
) -> dict[str, tuple[str, list[str]]]:
    """Record the renames; a moved doc answers to its old paths and ids as aliases.

    The aliases of the changed records are extended in place; returns `path → (id, aliases)`
    of the unchanged docs whose moved-from names changed (already written).
    """
    upserted = {record.path for record in records}
    changed = moves_record(
        moves=moves,
        old_ids={m.old_path: before[m.old_path][0] for m in moves if m.old_path in before},
        registered=upserted,
        deleted=deletes,
        commit=head,
    )
    names = moved_names(upserted | changed)
    for record in records:
        record.aliases = with_moved_names(
            record.aliases, names.get(record.path, []), doc_id=record.doc_id, path=record.path
        )
    return _rewrite_aliases(changed - upserted, names)


def _rewrite_aliases(
    paths: set[str], names: dict[str, list[str]]
) -> dict[str, tuple[str, list[str]]]:
    documents = list(
        Document.objects.filter(path__in=paths).only("path", "doc_id", "aliases", "frontmatter")
    )
    for document in documents:
        document.aliases = with_moved_names(
            declared_aliases(document.frontmatter or {}),
            names.get(document.path, []),
            doc_id=document.doc_id,
            path=document.path,
        )
    Document.objects.bulk_update(documents, ["aliases"], batch_size=BATCH)
    return {document.path: (document.doc_id, document.aliases) for document in documents}


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


@dataclass
class Targets:
    """What references can lead to: docs (the id index), the repository's files and folders,
    and the heading anchors of the docs that anchored links point into (loaded on demand)."""

    index: DocIndex
    repo: RepoFiles
    anchors: dict[str, tuple[set[str], bool]] = field(default_factory=dict)

    def add_anchors(self, records: list[DocRecord]) -> None:
        for record in records:
            self.anchors[record.path] = (heading_anchors(record.headings), record.is_marked_sop)

    def load_anchors(self, paths: set[str]) -> None:
        """One query for the anchors of the docs in `paths` not known yet."""
        wanted = paths - self.anchors.keys()
        if not wanted:
            return
        rows = Document.objects.filter(path__in=wanted).values_list(
            "path", "headings", "is_marked_sop"
        )
        for path, found, marked in rows:
            self.anchors[path] = (heading_anchors(found or []), marked)


@dataclass(frozen=True)
class Ref:
    """One reference to resolve: as a `RefSpec` or a stored `DocumentLink` has it."""

    kind: str
    target: str
    anchor: str
    from_path: str


def resolve_references(refs: list[Ref], targets: Targets) -> list[Resolved]:
    """Where each reference leads, anchors checked; at most one query (heading anchors)."""
    found = [resolve_reference(ref, targets) for ref in refs]
    anchored = [n for n, ref in enumerate(refs) if _anchor_to_check(ref, found[n], targets)]
    targets.load_anchors({found[n].path for n in anchored})
    for n in anchored:
        found[n] = _with_anchor(refs[n], found[n], targets)
    return found


def resolve_reference(ref: Ref, targets: Targets) -> Resolved:
    """Where one reference leads (`path`) or why it leads nowhere (`problem`); anchors are
    checked by `resolve_references`."""
    if ref.kind == DocumentLink.Kind.IMAGE:
        return _resolve_image(ref.target, ref.from_path, targets.repo)
    if ref.kind == DocumentLink.Kind.RELATED:
        resolution = resolve(reference_target(ref.target), ref.from_path, targets.index)
        if resolution.path:
            return Resolved(resolution.path, "")
        problem = resolution.problem or ""
        if "ambiguous" not in problem:
            problem = related_doc_not_found_message(ref.target)
        return Resolved("", problem)
    if ref.kind == DocumentLink.Kind.LINK and not ref.target:
        return Resolved(ref.from_path, "")  # `#anchor` of the same doc
    if ref.kind == DocumentLink.Kind.LINK and not ref.target.lower().endswith(".md"):
        return _resolve_path(ref.target, ref.from_path, targets.repo)
    written = ref.target + (f"#{ref.anchor}" if ref.anchor else "")
    resolution = resolve(written, ref.from_path, targets.index)
    return Resolved(resolution.path or "", resolution.problem or "")


def _resolve_image(target: str, from_path: str, repo: RepoFiles) -> Resolved:
    asset = resolve_asset(target, from_path)
    if asset is None:
        return Resolved("", f"Image path leaves the repository: {target}")
    if not repo.is_file(asset):
        return Resolved("", f"Image not found: {target} (looked for {asset})")
    return Resolved(asset, "")


def _resolve_path(target: str, from_path: str, repo: RepoFiles) -> Resolved:
    """A link to a file or folder. Site links (`/api/…`) and links above the root are not
    the repository's to check: they resolve to what was written."""
    found = path_target(target, from_path, repo)
    if found.broken:
        return Resolved("", missing_path_message(found, target))
    if found.kind == FOLDER:
        return Resolved(found.path + "/", "")  # a trailing `/` tells folders from files
    return Resolved(found.path if found.kind == FILE else target, "")


def _anchor_to_check(ref: Ref, resolved: Resolved, targets: Targets) -> bool:
    return bool(ref.anchor) and not resolved.problem and resolved.path in targets.index.paths


def _with_anchor(ref: Ref, resolved: Resolved, targets: Targets) -> Resolved:
    anchors, marked = targets.anchors.get(resolved.path, (set(), False))
    if anchor_exists(ref.anchor, anchors, marked_sop=marked):
        return resolved
    same_doc = resolved.path == ref.from_path
    message = broken_anchor_message(ref.anchor, resolved.path, same_doc=same_doc)
    return Resolved(resolved.path, message)


def _write_links(
    records: list[DocRecord],
    documents: dict[str, int],
    targets: Targets,
    *,
    identities_changed: bool,
    files_changed: bool,
    anchors_moved: set[str],
) -> int:
    """The changed docs' links and link findings, then the other docs' links a change may
    have broken or fixed; how many other docs had links that moved."""
    targets.add_anchors(records)
    _write_own_links_and_findings(records, documents, targets)
    if not (identities_changed or files_changed or anchors_moved):
        return 0
    return _reresolve_others(
        targets,
        exclude=set(documents.values()),
        doc_links=identities_changed,
        files=files_changed,
        anchored_into=anchors_moved,
    )


def _write_own_links_and_findings(
    records: list[DocRecord], documents: dict[str, int], targets: Targets
) -> None:
    specs = [(record, spec) for record in records for spec in record.refs]
    found = resolve_references(
        [Ref(spec.kind, spec.target, spec.anchor, record.path) for record, spec in specs], targets
    )
    links: list[DocumentLink] = []
    findings: list[Finding] = []
    for record in records:
        findings += [_finding(documents[record.path], record.path, p) for p in record.problems]
    for (record, spec), resolved in zip(specs, found, strict=True):
        link = DocumentLink(
            source_id=documents[record.path],
            kind=spec.kind,
            target=spec.target[:1000],
            anchor=spec.anchor[:300],
            line=spec.line,
            resolved_path=resolved.path[:600],
            problem=resolved.problem[:1000],
        )
        links.append(link)
        if resolved.problem:
            findings.append(_finding(link.source_id, record.path, link_problem(link)))
    DocumentLink.objects.bulk_create(links, batch_size=BATCH)
    Finding.objects.bulk_create(findings, batch_size=BATCH)


def _reresolve_others(
    targets: Targets,
    *,
    exclude: set[int],
    doc_links: bool,
    files: bool,
    anchored_into: set[str],
) -> int:
    """Resolve the stored links of unchanged docs again; rebuild findings where they moved.

    `doc_links`: the corpus's identities moved; `files`: files were added or removed (images
    and links to files and folders); `anchored_into`: docs whose heading anchors changed.
    """
    kinds = _kinds_to_reresolve(doc_links=doc_links, files=files)
    wanted = Q(kind__in=kinds) | (Q(resolved_path__in=anchored_into) & ~Q(anchor=""))
    rows = list(
        DocumentLink.objects.filter(wanted)
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
    found = resolve_references([Ref(row[3], row[4], row[5], row[2]) for row in rows], targets)
    moved: list[DocumentLink] = []
    touched: set[int] = set()
    for (pk, source_id, *_, old_path, old_problem), resolved in zip(rows, found, strict=True):
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


def _kinds_to_reresolve(*, doc_links: bool, files: bool) -> list[str]:
    kinds = []
    if doc_links:
        kinds += [DocumentLink.Kind.WIKI, DocumentLink.Kind.DOC, DocumentLink.Kind.RELATED]
    if doc_links or files:
        kinds.append(DocumentLink.Kind.LINK)  # links to docs, and to files and folders
    if files:
        kinds.append(DocumentLink.Kind.IMAGE)
    return kinds


def _changed_anchors(records: list[DocRecord], before: dict, deletes: list[str]) -> set[str]:
    """Paths of re-registered docs whose heading anchors (or SOP shape) changed: anchored
    links into them from other docs may have broken or been fixed. One query, skipped when
    every doc is re-registered (a first or full sync: no other doc keeps its links)."""
    paths = [record.path for record in records if record.path in before]
    if not paths or len(before) <= len(paths) + len(deletes):
        return set()
    before = {
        path: (heading_anchors(found or []), marked)
        for path, found, marked in Document.objects.filter(path__in=paths).values_list(
            "path", "headings", "is_marked_sop"
        )
    }
    return {
        record.path
        for record in records
        if record.path in before
        and before[record.path] != (heading_anchors(record.headings), record.is_marked_sop)
    }


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
    if link.resolved_path:  # the doc is there, the heading is not
        return Problem(
            WARNING,
            BROKEN_DOC,
            "broken-anchor",
            link.problem,
            f"Point the link {where} at a heading that exists, or drop its `#{link.anchor}`.",
            link.line,
        )
    if link.kind == DocumentLink.Kind.LINK and not link.target.lower().endswith(".md"):
        return _missing_path_problem(link, where)
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


def _missing_path_problem(link: DocumentLink, where: str) -> Problem:
    folder = link.target.endswith("/")
    return Problem(
        WARNING,
        BROKEN_ASSET,
        "missing-folder" if folder else "missing-file",
        link.problem,
        f"Fix the link {where}, or add the {'folder' if folder else 'file'} "
        f"`{link.target}` to the repository."[:500],
        link.line,
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
