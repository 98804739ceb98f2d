"""Reads for the docs pages: the registry as lists, trees and facets, doc pages with their
cached body, reference resolution, pins and recently viewed.

Reference resolution uses the SOP core's `resolve` over a small `DocIndex` holding only the
rows a set of references could match (by id, path candidate or alias), fetched in one query —
the same rules the pipeline used to fill `DocumentLink`, at the cost of one query per render.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, fields

from django.apps import apps
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length
from django.urls import NoReverseMatch, get_script_prefix, reverse

from dataops import cached
from dataops.models import JobRun
from docs_app import files, generation, githost
from docs_app.doc_urls import doc_path_url
from docs_app.links import FILE, FOLDER, OUTSIDE, SITE, missing_path_message, path_target
from docs_app.mirror import RECLONE_HINT
from docs_app.models import (
    Document,
    DocumentLabel,
    DocumentLink,
    DocumentMove,
    DocView,
    Finding,
    MirrorState,
    PinnedDoc,
)
from docs_app.render import RENDERER_VERSION as RENDER_VERSION
from docs_app.render import Link, Rendered, anchor_id, render_document, step_anchor
from docs_app.repo_paths import MirrorPaths
from docs_app.sop import DocIndex, extract_refs, resolve, split_frontmatter
from docs_app.sop.refs import reference_target, resolve_asset

SYNC_ACTIVE = (JobRun.Status.QUEUED, JobRun.Status.RUNNING, JobRun.Status.RETRYING)
RENDER_CACHE_SECONDS = 7 * 24 * 3600
# A doc page's registry answers: renewed by the generations, bounded for any change made
# behind the registry's back (the Django admin, a shell).
SNAPSHOT_SECONDS = 10 * 60
RECENT_LIMIT = 8
QUICKOPEN_LIMIT = 12
BACKLINK_ROWS = 300
OUTSIDE_TITLES = {
    SITE: "A link to the web site, not to a file of the docs repository",
    OUTSIDE: "This link points outside the docs repository",
}
_LIST_DEFERRED = ("frontmatter", "headings", "lint_messages", "related_docs", "description")


# --- reference resolution -------------------------------------------------------------------


def _lookup_keys(target: str, from_path: str) -> set[str]:
    """Every id, path or alias spelling a reference could match (a superset is fine)."""
    target = target.strip()
    keys = {target}
    names = [target] if target.lower().endswith(".md") else [target, target + ".md"]
    for name in names:
        rooted = name.lstrip("/").removeprefix("content/")
        for candidate in (posixpath.join(posixpath.dirname(from_path), name), rooted):
            normal = posixpath.normpath(candidate) if candidate else ""
            if normal and not normal.startswith(".."):
                keys.update({normal, "/" + normal, "content/" + normal})
    return {key for key in keys if key}


def _reachable(keys: list[str]) -> Q | RawSQL:
    """Rows whose id, path or an alias is one of `keys`. A page of tasks asks for a few
    hundred spellings at once: on PostgreSQL they go as three array parameters, not as
    hundreds of placeholders (binding those cost more than running the query)."""
    if connection.vendor == "postgresql":
        return RawSQL(
            "(doc_id = ANY(%s) OR path = ANY(%s) OR aliases ?| %s)",
            [keys, keys, keys],
            output_field=BooleanField(),
        )
    # Other databases: every aliased doc (few); resolve() filters.
    return Q(doc_id__in=keys) | Q(path__in=keys) | ~Q(aliases=[])


@dataclass
class Registry:
    """The registry rows a set of references can reach, with the SOP core's resolver."""

    index: DocIndex
    titles: dict[str, str]

    def resolve(self, ref: str, from_path: str = "") -> tuple[str | None, str]:
        found = resolve(ref, from_path, self.index)
        return found.path, found.problem or ""


def registry_for(refs: Iterable[str], from_path: str = "") -> Registry:
    """One query: the rows any of `refs` (written in `from_path`) may resolve to."""
    keys: set[str] = set()
    for ref in refs:
        target = ref.partition("#")[0]
        if target.strip():
            keys |= _lookup_keys(target, from_path)
    if not keys:
        return Registry(DocIndex(), {})
    key_list = sorted(keys)
    rows = Document.objects.filter(_reachable(key_list)).values_list(
        "path", "doc_id", "aliases", "title"
    )
    rows = list(rows)
    index = DocIndex.from_rows(
        (path, doc_id, aliases if isinstance(aliases, list) else [])
        for path, doc_id, aliases, _ in rows
    )
    return Registry(index, {path: title for path, _, _, title in rows})


def doc_url(path: str, anchor: str | None = None) -> str:
    return doc_path_url(path) + (f"#{anchor_id(anchor)}" if anchor else "")


class RegistryLinker:
    """The renderer's view of the registry for one document."""

    def __init__(self, registry: Registry, path: str):
        self.registry = registry
        self.path = path

    def doc(self, target: str, anchor: str | None) -> Link:
        found, problem = self.registry.resolve(target, self.path)
        if found is None:
            return Link(problem=problem)
        return Link(doc_url(found, anchor), title=self.registry.titles.get(found, found))

    def asset(self, src: str) -> Link:
        if src.startswith(("http://", "https://")):
            return Link(src)
        repo_path = resolve_asset(src, self.path)
        if repo_path is None:
            return Link(problem=f"Not a file inside the docs repository: {src}")
        if files.safe_path(repo_path) is None:
            return Link(problem=f"File not found in the docs repository: {repo_path}")
        return Link(reverse("docs:asset", args=[repo_path]))

    def path_link(self, written: str) -> Link:
        """A link to a folder or a file of the repository (not a doc), or to the web site."""
        found = path_target(written, self.path, MirrorPaths())
        if found.broken:
            return Link(problem=missing_path_message(found, written))
        if found.kind == FOLDER:
            return Link(folder_url(found.path), css="folder-link", title=f"Folder {found.path}/")
        if found.kind == FILE and files.image_type(found.path):
            return Link(reverse("docs:asset", args=[found.path]), css="file-link")
        if found.kind == FILE:
            return Link(reverse("docs:download", args=[found.path]), css="file-link")
        return Link(written, css="outside-link", title=OUTSIDE_TITLES[found.kind])


def folder_url(folder: str) -> str:
    return reverse("docs:folder", args=[folder]) if folder else reverse("docs:index")


def linker_for(text: str, path: str) -> RegistryLinker:
    split = split_frontmatter(text)
    refs = [ref.target for ref in extract_refs(split.body, split.body_start_line)]
    return RegistryLinker(registry_for(refs, path), path)


# --- mirror state and bodies ---------------------------------------------------------------


def mirror_state() -> MirrorState | None:
    return MirrorState.objects.order_by("pk").first()


@dataclass
class SyncStatus:
    """What the docs pages say about the mirror: where the registry is, whether the last
    sync failed and why, and (for admins) the sync queued or running now."""

    state: MirrorState | None
    failed_run: JobRun | None = None
    active_run: JobRun | None = None

    @property
    def failed(self) -> bool:
        return self.state is not None and self.state.last_result == "failed"

    @property
    def error_line(self) -> str:
        lines = self.state.last_error.strip().splitlines() if self.state else []
        return lines[0] if lines else "no reason was recorded"

    @property
    def reclone_helps(self) -> bool:
        """The failure is one a re-clone resolves (rewritten history, a broken clone)."""
        return self.failed and RECLONE_HINT in self.state.last_error


def sync_status(*, with_runs: bool) -> SyncStatus:
    """The mirror state; `with_runs` (admins) adds the latest failed and the active sync."""
    from docs_app.tasks import SYNC_KIND  # the job module imports the search, which reads here

    status = SyncStatus(mirror_state())
    if not with_runs:
        return status
    runs = JobRun.objects.filter(kind=SYNC_KIND).order_by("-created_at", "-id")
    if status.failed:
        status.failed_run = runs.filter(status=JobRun.Status.FAILED).first()
    status.active_run = runs.filter(status__in=SYNC_ACTIVE).first()
    return status


def _digest(text: str) -> str:
    """A short fingerprint for cache keys (not a security boundary)."""
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def _render_key(doc: Document, head_sha: str, text: str | None) -> str:
    version = doc.blob_sha or _digest(text or "")
    where = _digest(f"{doc.path}\0{doc.title}")
    return f"docs:render:{RENDER_VERSION}:{head_sha}:{version}:{where}"


def doc_body(doc: Document, head_sha: str = "") -> Rendered | None:
    """The rendered body (cached per blob, registry head and renderer version), or None
    when the file cannot be read from the mirror."""
    text = None if doc.blob_sha else files.read_text(doc.path)
    key = _render_key(doc, head_sha, text)
    rendered = cache.get(key)
    if rendered is not None:
        return rendered
    if text is None:
        text = files.read_text(doc.path)
    if text is None:
        return None
    rendered = render_document(text, linker=linker_for(text, doc.path), title=doc.title)
    cache.set(key, rendered, RENDER_CACHE_SECONDS)
    return rendered


# --- doc page -------------------------------------------------------------------------------


@dataclass
class RelatedDoc:
    label: str
    url: str = ""
    problem: str = ""


@dataclass
class Backlink:
    path: str
    title: str
    kinds: list[str]

    @property
    def url(self) -> str:
        return doc_url(self.path)


@dataclass
class DocPage:
    doc: Document
    state: MirrorState | None
    body: Rendered | None
    findings: list[Finding]
    related: list[RelatedDoc]
    backlinks: list[Backlink]
    history: list[files.Commit]
    host_link: tuple[str, str] | None
    pinned: bool
    template_tasks: list
    breadcrumbs: list[tuple[str, str]] = field(default_factory=list)


def document_at(path: str) -> Document | None:
    return Document.objects.prefetch_related("labels").filter(path=path).first()


@dataclass(frozen=True)
class DocSnapshot:
    """What a doc page shows that only a sync or a change of the workflow templates alters."""

    doc: Document
    body: Rendered | None
    findings: list[Finding]
    related: list[RelatedDoc]
    backlinks: list[Backlink]
    history: list[files.Commit]
    template_tasks: list
    breadcrumbs: list[tuple[str, str]]


# A release that changes what a snapshot holds must not read the pickles of the one before
# (they would lack the new fields): the key carries the fields' names.
SNAPSHOT_SHAPE = hashlib.sha1(
    ",".join(f.name for f in fields(DocSnapshot)).encode(), usedforsecurity=False
).hexdigest()[:8]


def snapshot_key(path: str, head: str) -> str:
    return f"docs:page:{SNAPSHOT_SHAPE}:{head}:{_digest(get_script_prefix() + chr(0) + path)}"


def doc_snapshot(path: str, head: str) -> DocSnapshot | None:
    """The doc at `path` with everything its page shows from the registry (None when no doc
    is there), remembered per mirror head until the registry or the templates change: every
    view of a doc asked the same seven questions of the database until the next sync."""
    return generation.cached_under_generation(
        snapshot_key(path, head),
        lambda: _doc_snapshot(path, head),
        SNAPSHOT_SECONDS,
        also=(cached.TEMPLATES_GENERATION,),
    )


def _doc_snapshot(path: str, head: str) -> DocSnapshot | None:
    doc = document_at(path)
    if doc is None:
        return None
    return DocSnapshot(
        doc=doc,
        body=None if doc.skipped_reason else doc_body(doc, head),
        findings=list(doc.findings.all()),
        related=related_docs(doc),
        backlinks=backlinks(doc),
        history=files.file_history(doc.path, head),
        template_tasks=template_tasks_linking(doc),
        breadcrumbs=folder_breadcrumbs(doc.folder),
    )


def doc_page(path: str, user) -> DocPage | None:
    """The page of the doc at `path` as `user` sees it, or None when no doc is there."""
    state = mirror_state()
    snapshot = doc_snapshot(path, state.head_sha if state else "")
    if snapshot is None:
        return None
    doc = snapshot.doc
    return DocPage(
        doc=doc,
        state=state,
        body=snapshot.body,
        findings=snapshot.findings,
        related=snapshot.related,
        backlinks=snapshot.backlinks,
        history=snapshot.history,
        host_link=githost.file_url(state.remote_url, state.branch, doc.path) if state else None,
        pinned=PinnedDoc.objects.filter(user=user, doc_id=doc.doc_id).exists(),
        template_tasks=snapshot.template_tasks,
        breadcrumbs=snapshot.breadcrumbs,
    )


def related_docs(doc: Document) -> list[RelatedDoc]:
    written = [str(value) for value in doc.related_docs or [] if str(value).strip()]
    if not written:
        return []
    targets = [reference_target(value) for value in written]
    registry = registry_for(targets, doc.path)
    related = []
    for target in targets:
        found, problem = registry.resolve(target, doc.path)
        if found is None:
            related.append(RelatedDoc(target, problem=problem))
        elif found != doc.path:
            related.append(RelatedDoc(registry.titles.get(found, found), doc_url(found)))
    return related


def backlinks(doc: Document) -> list[Backlink]:
    """Docs that link here (links, wiki refs, doc: links, related_docs), one entry each."""
    rows = (
        DocumentLink.objects.filter(resolved_path=doc.path)
        .exclude(source_id=doc.pk)
        .exclude(kind=DocumentLink.Kind.IMAGE)
        .values_list("source__path", "source__title", "kind")
        .order_by("source__title", "source__path")[:BACKLINK_ROWS]
    )
    found: dict[str, Backlink] = {}
    for path, title, kind in rows:
        entry = found.setdefault(path, Backlink(path, title, []))
        if kind not in entry.kinds:
            entry.kinds.append(kind)
    return list(found.values())


@dataclass(frozen=True)
class TemplateTask:
    title: str
    template: str
    template_url: str
    step_id: str

    @property
    def step_anchor(self) -> str:
        return step_anchor(self.step_id) if self.step_id else ""


def template_tasks_linking(doc: Document) -> list[TemplateTask]:
    """Workflow template task definitions whose instruction doc is this doc (by id, alias or
    path), in one query; [] while the work engine has no such model."""
    try:
        definition = apps.get_model("tasks", "TaskDefinition")
    except LookupError:
        return []
    refs = {doc.doc_id, doc.path, *(a for a in doc.aliases or [] if isinstance(a, str))}
    rows = (
        definition.objects.filter(instruction_doc__in=refs)
        .select_related("template")
        .order_by("template__name", "position")[:50]
    )
    return [
        TemplateTask(
            row.title, str(row.template), _template_url(row.template), row.instruction_step
        )
        for row in rows
    ]


def _template_url(template) -> str:
    try:
        return template.get_absolute_url()
    except (AttributeError, NoReverseMatch):
        return ""


def folder_breadcrumbs(folder: str) -> list[tuple[str, str]]:
    crumbs = [("Docs", reverse("docs:index"))]
    parts = [part for part in folder.split("/") if part]
    for depth in range(len(parts)):
        crumbs.append((parts[depth], reverse("docs:folder", args=["/".join(parts[: depth + 1])])))
    return crumbs


def moved_doc(path: str) -> Document | None:
    """The doc that was at `path` before git saw it renamed, wherever it is now."""
    move = DocumentMove.objects.filter(old_path=path).only("new_path").first()
    if move is None:
        return None
    return Document.objects.filter(path=move.new_path).first()


def doc_for_ref(ref: str) -> tuple[Document | None, str]:
    """The document an id, alias or path names (for /docs/id/…), or None and the problem."""
    registry = registry_for([ref])
    path, problem = registry.resolve(ref)
    if path is None:
        return None, problem
    return Document.objects.filter(path=path).first(), ""


def from_task(task_id: str) -> dict | None:
    """The task a doc was opened from (`?from_task=`), for the "back to task" banner."""
    if not task_id.isdigit():
        return None
    title = ""
    try:
        task_model = apps.get_model("tasks", "Task")
        title = task_model.objects.filter(pk=int(task_id)).values_list("title", flat=True).first()
    except (LookupError, ValueError):
        title = ""
    return {"id": int(task_id), "title": title or "", "url": f"/tasks/{int(task_id)}/"}


# --- lists, filters, facets -------------------------------------------------------------------


@dataclass
class DocFilters:
    domain: str = ""
    doc_type: str = ""
    tag: str = ""
    system: str = ""

    def active(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


def _label_exists(kind: str, value: str) -> Exists:
    return Exists(DocumentLabel.objects.filter(document=OuterRef("pk"), kind=kind, value=value))


def filtered_docs(filters: DocFilters, *, skip: str = "") -> QuerySet[Document]:
    """Documents matching the filters (`skip` leaves one out, for that facet's counts)."""
    docs = Document.objects.all()
    if filters.domain and skip != "domain":
        docs = docs.filter(domain=filters.domain)
    if filters.doc_type and skip != "doc_type":
        docs = docs.filter(doc_type=filters.doc_type)
    if filters.tag and skip != "tag":
        docs = docs.filter(_label_exists(DocumentLabel.Kind.TAG, filters.tag))
    if filters.system and skip != "system":
        docs = docs.filter(_label_exists(DocumentLabel.Kind.SYSTEM, filters.system))
    return docs


def doc_list(filters: DocFilters) -> QuerySet[Document]:
    return (
        filtered_docs(filters)
        .defer(*_LIST_DEFERRED)
        .prefetch_related("labels")
        .order_by("title", "path")
    )


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int
    selected: bool


def facet_counts(filters: DocFilters) -> dict[str, list[FacetValue]]:
    """Counts per value for each facet, under the other facets' filters (4 queries)."""
    selected = filters.active()
    result: dict[str, list[FacetValue]] = {}
    for name in ("domain", "doc_type"):
        rows = (
            filtered_docs(filters, skip=name)
            .values_list(name)
            .annotate(n=Count("id"))
            .order_by(name)
        )
        result[name] = [FacetValue(v, n, selected.get(name) == v) for v, n in rows if v]
    for name, kind in (("tag", DocumentLabel.Kind.TAG), ("system", DocumentLabel.Kind.SYSTEM)):
        docs = filtered_docs(filters, skip=name)
        rows = (
            DocumentLabel.objects.filter(kind=kind, document__in=docs)
            .values_list("value")
            .annotate(n=Count("document", distinct=True))
            .order_by("-n", "value")
        )
        result[name] = [FacetValue(v, n, selected.get(name) == v) for v, n in rows]
    return result


# --- folders ----------------------------------------------------------------------------------


@dataclass
class FolderNode:
    name: str
    path: str
    count: int = 0  # documents in this folder and below
    children: list[FolderNode] = field(default_factory=list)

    @property
    def url(self) -> str:
        return reverse("docs:folder", args=[self.path])


def folder_tree() -> list[FolderNode]:
    """Every folder holding documents, nested, with cumulative counts (one query)."""
    counts = Counter(
        dict(Document.objects.values_list("folder").annotate(n=Count("id")).order_by())
    )
    root = FolderNode("", "")
    nodes: dict[str, FolderNode] = {"": root}
    for folder in sorted(counts):
        node = root
        parts = [part for part in folder.split("/") if part]
        for depth in range(len(parts)):
            path = "/".join(parts[: depth + 1])
            if path not in nodes:
                nodes[path] = FolderNode(parts[depth], path)
                node.children.append(nodes[path])
            node = nodes[path]
        for depth in range(len(parts) + 1):
            nodes["/".join(parts[:depth])].count += counts[folder]
    return root.children


def subfolders(folder: str) -> tuple[list[FolderNode], int] | None:
    """Immediate subfolders with counts and the number of docs directly in `folder`, or None
    when nothing is stored under it."""
    prefix = folder + "/"
    rows = (
        Document.objects.filter(Q(folder=folder) | Q(folder__startswith=prefix))
        .values_list("folder")
        .annotate(n=Count("id"))
        .order_by()
    )
    rows = list(rows)
    if not rows:
        return None
    children: dict[str, FolderNode] = {}
    direct = 0
    for path, n in rows:
        if path == folder:
            direct = n
            continue
        name = path[len(prefix) :].split("/", 1)[0]
        node = children.setdefault(name, FolderNode(name, prefix + name))
        node.count += n
    return sorted(children.values(), key=lambda node: node.name.lower()), direct


def folder_docs(folder: str, *, below: bool = False) -> QuerySet[Document]:
    """Docs directly in `folder`, or with `below` every doc under it."""
    docs = (
        Document.objects.filter(Q(folder=folder) | Q(folder__startswith=folder + "/"))
        if below
        else Document.objects.filter(folder=folder)
    )
    return docs.defer(*_LIST_DEFERRED).prefetch_related("labels").order_by("title", "path")


# --- per-user: pins and recently viewed ---------------------------------------------------------


def _docs_by_id(doc_ids: list[str]) -> list[Document]:
    found: dict[str, Document] = {}
    for doc in Document.objects.filter(doc_id__in=doc_ids).defer(*_LIST_DEFERRED):
        found.setdefault(doc.doc_id, doc)
    return [found[doc_id] for doc_id in doc_ids if doc_id in found]


def pinned_docs(user) -> list[Document]:
    return _docs_by_id(list(PinnedDoc.objects.filter(user=user).values_list("doc_id", flat=True)))


def recent_docs(user, limit: int = RECENT_LIMIT) -> list[Document]:
    ids = DocView.objects.filter(user=user).order_by("-viewed_at").values_list("doc_id", flat=True)
    return _docs_by_id(list(ids[:limit]))


# --- quick open -------------------------------------------------------------------------------


def quickopen(query: str, limit: int = QUICKOPEN_LIMIT) -> list[Document]:
    """Docs whose title or path contains every word; whole-title and prefix matches first."""
    words = query.split()[:6]
    if not words:
        return []
    docs = Document.objects.all()
    for word in words:
        docs = docs.filter(Q(title__icontains=word) | Q(path__icontains=word))
    phrase = " ".join(words)
    rank = Case(
        When(title__iexact=phrase, then=Value(0)),
        When(title__istartswith=phrase, then=Value(1)),
        When(title__icontains=phrase, then=Value(2)),
        When(path__icontains=phrase, then=Value(3)),
        default=Value(4),
        output_field=IntegerField(),
    )
    return list(
        docs.only("path", "title", "doc_id", "doc_type", "domain")
        .annotate(rank=rank, title_length=Length("title"))
        .order_by("rank", "title_length", "title")[:limit]
    )


def doc_links_for(refs: Iterable[str]) -> dict[str, tuple[str | None, str]]:
    """`ref → (resolved path or None, title)` for refs written from the content root,
    remembered per set of refs until the registry changes (pages of tasks ask this on
    every request, with the same few dozen refs)."""
    refs = sorted({ref for ref in refs if ref})
    if not refs:
        return {}
    key = f"docs:links:{_digest(chr(0).join(refs))}"
    return generation.cached_under_generation(
        key, lambda: _resolve_links(refs), RENDER_CACHE_SECONDS
    )


def _resolve_links(refs: list[str]) -> dict[str, tuple[str | None, str]]:
    registry = registry_for(refs)
    out: dict[str, tuple[str | None, str]] = {}
    for ref in refs:
        path, _ = registry.resolve(ref)
        out[ref] = (path, registry.titles.get(path, "") if path else "")
    return out


def step_url(path: str, step_id: str | None) -> str:
    return doc_path_url(path) + (f"#{step_anchor(step_id)}" if step_id else "")
