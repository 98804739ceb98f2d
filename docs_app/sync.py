"""The docs sync: fetch the remote, fast-forward the mirror, refresh the registry, re-index.

`docs_sync` is the one service every trigger calls (beat, webhook, Sync now, `docs_sync`).
One run at a time: a PostgreSQL advisory lock (a file lock on SQLite, where there is one
machine) is taken without waiting; a second run returns at once with `ALREADY_RUNNING`.

What changed is always computed from the commit the **registry** reflects
(`MirrorState.head_sha`) to the new head, never from the mirror's previous head: if a
registry transaction ever failed after the mirror moved, the next run still registers
everything in between. The registry refresh and the new `head_sha` commit together; the
search index is updated right after that commit with exactly the changed and deleted paths
(rebuilt from scratch on a first or `--full` sync).

Git problems become ledger errors: `TransientJobError` for an unreachable remote (retried
with backoff), `PermanentJobError` for rewritten history, credentials or configuration
(failed at once, admins notified). Either way the mirror and the registry are left as they
were and `MirrorState` records the failure for the Health page.
"""

from __future__ import annotations

import fcntl
import logging
import posixpath
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dataops.jobs import PermanentJobError, TransientJobError, enqueue, is_pending, progress
from dataops.locks import try_advisory_lock
from dataops.models import JobRun
from dataops.redact import redact
from docs_app import search
from docs_app.mirror import (
    HistoryRewritten,
    Mirror,
    MirrorBroken,
    RemoteUnavailable,
    TreeEntry,
    Update,
    make_seed_repository,
    safe_url,
    short,
)
from docs_app.models import Document, MirrorState
from docs_app.moves import Move
from docs_app.records import DocRecord, Source, read_record
from docs_app.registry import RefreshStats, registry_refresh
from docs_app.repo_paths import is_doc_path
from docs_app.signals import announce_sync

log = logging.getLogger(__name__)

ALREADY_RUNNING = "skipped: already running"
GIT_TIMEOUT_SECONDS = 60
LOCK_KEY = zlib.crc32(b"dataops.docs.sync")
SEED_REPOSITORY_NAME = "docs-origin.git"
PROGRESS_EVERY = 500
COUNT_NAMES = (
    "changed",
    "added",
    "deleted",
    "renamed",
    "registered",
    "indexed",
    "findings",
    "skipped",
    "relinked",
)


@dataclass
class SyncResult:
    counts: dict[str, int]
    note: str
    head: str = ""


@dataclass
class Plan:
    """What one sync has to do, worked out from git before any database write."""

    head: str
    since: str | None
    tree: dict[str, TreeEntry]
    upserts: list[str] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    added: int = 0
    changed: int = 0
    deleted: int = 0
    renamed: int = 0
    assets_changed: bool = False
    moves: list[Move] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)  # every file changed, docs or not

    @property
    def rebuild(self) -> bool:
        return self.since is None


# --- entry point --------------------------------------------------------------------------


def docs_sync(*, full: bool = False, reclone: bool = False) -> SyncResult:
    """Bring mirror, registry and search index up to the remote branch.

    `full` re-registers every file and rebuilds the index; `reclone` first moves the mirror
    aside (kept as `<mirror>.bak-<time>`; the newest three backups stay) and clones again —
    the way out after an intended force-push. Raises `TransientJobError` / `PermanentJobError`.
    """
    with sync_lock() as acquired:
        if not acquired:
            return SyncResult(counts={}, note=ALREADY_RUNNING)
        state = mirror_state()
        try:
            return _sync(state, full=full, reclone=reclone)
        except RemoteUnavailable as exc:
            _record_failure(state, str(exc))
            raise TransientJobError(str(exc)) from exc
        except (MirrorBroken, HistoryRewritten) as exc:
            _record_failure(state, str(exc))
            raise PermanentJobError(str(exc)) from exc
        except Exception as exc:
            _record_failure(state, f"{type(exc).__name__}: {exc}")
            raise


def mirror_state() -> MirrorState:
    state, _ = MirrorState.objects.get_or_create(
        pk=1, defaults={"remote_url": "", "branch": settings.DOCS_GIT_BRANCH}
    )
    return state


def source_url() -> str:
    """`DOCS_GIT_URL`, or the bundled `content/` made into a local repository once."""
    if settings.DOCS_GIT_URL:
        return settings.DOCS_GIT_URL
    seed = Path(settings.VAR_DIR) / SEED_REPOSITORY_NAME
    make_seed_repository(Path(settings.DOCS_CONTENT_SEED_DIR), seed, settings.DOCS_GIT_BRANCH)
    return str(seed)


def open_mirror() -> Mirror:
    return Mirror(
        Path(settings.DOCS_MIRROR_DIR),
        source_url(),
        settings.DOCS_GIT_BRANCH,
        timeout=GIT_TIMEOUT_SECONDS,
    )


def _sync(state: MirrorState, *, full: bool, reclone: bool) -> SyncResult:
    mirror = open_mirror()
    try:
        update = _update_mirror(mirror, reclone=reclone)
    finally:
        mirror.close()  # reopened by the registration below
    return _register_update(state, mirror, update, full=full)


def register_local_head(mirror: Mirror, head: str | None = None) -> SyncResult:
    """Register the mirror's own head (`head`, when the caller has just read it) after the
    portal committed in it (`docs_app.editing`): no fetch, only the files changed since the
    registry's commit. The caller holds `sync_lock`."""
    head = head or mirror.head()
    if head is None:
        raise MirrorBroken(f"The mirror in {mirror.path} has no branch {mirror.branch!r}.")
    state = mirror_state()
    return _register_update(state, mirror, Update(before=state.head_sha, head=head), full=False)


def _register_update(state: MirrorState, mirror: Mirror, update: Update, *, full: bool):
    try:
        plan = plan_changes(mirror, state, update.head, full=full)
        if plan is not None:
            records = read_records(mirror, plan)
            commits = mirror.last_commits(plan.head, [r.path for r in records], since=plan.since)
            assets = asset_paths(mirror, plan.tree)
    finally:
        mirror.close()
    if plan is None:
        _record_success(state, mirror.url, update.head)
        indexed = _rebuild_missing_index()
        note = f"No changes; at {short(update.head)}."
        return SyncResult(
            _counts(indexed=indexed),
            note + (" Search index was missing: rebuilt." if indexed else ""),
            update.head,
        )
    stats = _register(state, mirror.url, plan, records, commits, assets)
    indexed = _reindex(plan, stats.upserted)
    announce_sync(head=plan.head, paths=plan.paths)
    counts = _counts(
        changed=plan.changed,
        added=plan.added,
        deleted=plan.deleted,
        renamed=plan.renamed,
        registered=stats.registered,
        indexed=indexed,
        findings=stats.findings,
        skipped=stats.skipped,
        relinked=stats.relinked_docs,
    )
    return SyncResult(counts, _note(plan, update), plan.head)


def _update_mirror(mirror: Mirror, *, reclone: bool) -> Update:
    if reclone:
        moved = mirror.set_aside(f"bak-{timezone.now():%Y%m%d%H%M%S}")
        log.warning("docs mirror moved aside to %s before cloning again", moved)
    return mirror.update()


def _register(
    state: MirrorState,
    url: str,
    plan: Plan,
    records: list[DocRecord],
    commits: dict,
    assets: set[str],
) -> RefreshStats:
    """The registry refresh and the new head, in one transaction."""
    with transaction.atomic():
        state = MirrorState.objects.select_for_update().get(pk=state.pk)
        stats = registry_refresh(
            records=records,
            deletes=plan.deletes,
            commits=commits,
            asset_paths=assets,
            assets_changed=plan.assets_changed,
            moves=plan.moves,
            head=plan.head,
        )
        _record_success(state, url, plan.head)
    return stats


def _counts(**values: int) -> dict[str, int]:
    return {name: values.get(name, 0) for name in COUNT_NAMES}


def _note(plan: Plan, update: Update) -> str:
    parts = [
        f"{short(plan.since)} → {short(plan.head)}"
        if plan.since
        else f"Full registration at {short(plan.head)}"
    ]
    if update.cloned:
        parts.append("mirror cloned")
    if update.local_ahead:
        parts.append(f"mirror is {update.local_ahead} local commit(s) ahead of the remote")
    return "; ".join(parts) + "."


# --- planning -----------------------------------------------------------------------------


def plan_changes(mirror: Mirror, state: MirrorState, head: str, *, full: bool) -> Plan | None:
    """The files to (re-)register and delete; None when the registry is already at `head`."""
    known_head = state.head_sha if mirror.has_commit(state.head_sha) else None
    since = None if full else known_head
    if since == head:
        return None
    tree = mirror.tree(head)
    if since is None:
        plan = _plan_everything(head, tree)
        if known_head and known_head != head:  # a full sync still keeps renamed docs' ids
            plan.moves = [
                Move(change.old_path, change.path)
                for change in mirror.changes(known_head, head)
                if _is_doc_move(change)
            ]
        return plan
    plan = Plan(head, since, tree)
    for change in mirror.changes(since, head):
        _plan_change(plan, change)
    return plan


def _plan_everything(head: str, tree: dict[str, TreeEntry]) -> Plan:
    markdown = sorted(path for path in tree if is_doc_path(path))
    known = set(Document.objects.values_list("path", flat=True))
    return Plan(
        head,
        None,
        tree,
        upserts=markdown,
        deletes=sorted(known - set(markdown)),
        added=len(set(markdown) - known),
        changed=len(set(markdown) & known),
        deleted=len(known - set(markdown)),
        assets_changed=True,
        paths=sorted(tree),
    )


def _is_doc_move(change) -> bool:
    return change.status == "R" and is_doc_path(change.path) and is_doc_path(change.old_path)


def _plan_change(plan: Plan, change) -> None:
    plan.paths.extend(p for p in (change.old_path, change.path) if p)
    new_md = is_doc_path(change.path)
    old_md = change.old_path is not None and is_doc_path(change.old_path)
    if not new_md and not old_md:
        plan.assets_changed = plan.assets_changed or change.status in "ADR"
        return
    if change.status == "D":
        plan.deletes.append(change.path)
        plan.deleted += 1
    elif change.status == "R":
        if old_md:
            plan.deletes.append(change.old_path)
        if new_md:
            plan.upserts.append(change.path)
        if _is_doc_move(change):
            plan.moves.append(Move(change.old_path, change.path))
        plan.renamed += old_md and new_md
        plan.added += new_md and not old_md
        plan.deleted += old_md and not new_md
    else:
        plan.upserts.append(change.path)
        plan.added += change.status == "A"
        plan.changed += change.status == "M"


def read_records(mirror: Mirror, plan: Plan) -> list[DocRecord]:
    """Parse every file to (re-)register, reading blobs from git (symlinks never followed)."""
    limit = settings.DOCS_MAX_FILE_BYTES
    records: list[DocRecord] = []
    for done, path in enumerate(plan.upserts, start=1):
        if done % PROGRESS_EVERY == 0:
            progress(registered=done)  # a first sync of thousands of docs shows progress
        entry = plan.tree[path]
        if entry.is_symlink:
            target = mirror.read_blob(entry.sha).decode("utf-8", errors="replace")
            source = Source(path, None, entry.sha, entry.size, symlink_target=target)
        elif entry.size > limit:
            source = Source(path, None, entry.sha, entry.size)
        else:
            source = Source(path, mirror.read_blob(entry.sha), entry.sha, entry.size)
        records.append(read_record(source, max_bytes=limit))
    return records


def asset_paths(mirror: Mirror, tree: dict[str, TreeEntry]) -> set[str]:
    """Every file an image reference may point at: regular files, and symlinks that stay
    inside the repository."""
    paths = {path for path, entry in tree.items() if not entry.is_symlink}
    for path, entry in tree.items():
        if entry.is_symlink:
            target = mirror.read_blob(entry.sha).decode("utf-8", errors="replace")
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
            if not target.startswith("/") and not resolved.startswith("..") and resolved in paths:
                paths.add(path)
    return paths


# --- after the commit ---------------------------------------------------------------------


def _reindex(plan: Plan, upserts: list[str]) -> int:
    """Update the search index; a failed update falls back to a rebuild before giving up."""
    try:
        if plan.rebuild:
            return search.rebuild_index()
        return search.update_index(upserts=sorted(upserts), deletes=sorted(plan.deletes))
    except Exception:
        log.exception("search index update failed; rebuilding it")
    try:
        return search.rebuild_index()
    except Exception as exc:
        raise PermanentJobError(
            f"The registry is up to date at {short(plan.head)} but the search index could not "
            f"be updated ({type(exc).__name__}: {exc}). Run `python manage.py docs_reindex`."
        ) from exc


def _rebuild_missing_index() -> int:
    """A node with a fresh or wiped index directory gets its index on the next sync."""
    state, _ = search.index_state()
    if state != search.INDEX_MISSING or not Document.objects.exists():
        return 0
    return search.rebuild_index()


def _record_success(state: MirrorState, url: str, head: str) -> None:
    now = timezone.now()
    values = {
        "remote_url": safe_url(url)[:1000],
        "branch": settings.DOCS_GIT_BRANCH[:200],
        "head_sha": head,
        "synced_at": now,
        "last_attempt_at": now,
        "last_result": "ok",
        "last_error": "",
        "document_count": Document.objects.count(),
    }
    MirrorState.objects.filter(pk=state.pk).update(**values)
    for name, value in values.items():
        setattr(state, name, value)


def _record_failure(state: MirrorState, error: str) -> None:
    MirrorState.objects.filter(pk=state.pk).update(
        last_attempt_at=timezone.now(), last_result="failed", last_error=redact(error)[:5000]
    )


# --- one run at a time --------------------------------------------------------------------


@contextmanager
def sync_lock() -> Iterator[bool]:
    """Yield whether this process holds the docs-sync lock (taken without waiting)."""
    with try_advisory_lock(LOCK_KEY) as held:
        if held is not None:
            yield held
            return
    with _file_lock() as acquired:  # SQLite: a lock file beside the mirror
        yield acquired


@contextmanager
def _file_lock() -> Iterator[bool]:
    lock_path = Path(settings.DOCS_MIRROR_DIR).with_name(".docs-sync.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- queueing -----------------------------------------------------------------------------


def sync_enqueue(*, trigger: str, by=None) -> JobRun:
    """Queue a sync, or return the one already waiting (queued in the last
    `DOCS_SYNC_MINUTES`): a burst of pushes or a redelivered webhook costs one run.

    Only a run that will really run is reused — its message is in the queue, or it waits
    for the queue to come back; a run whose message was lost must not swallow new pushes.
    """
    from docs_app.tasks import SYNC_KIND, sync_docs

    recent = timezone.now() - timedelta(minutes=settings.DOCS_SYNC_MINUTES)
    waiting = (
        JobRun.objects.filter(kind=SYNC_KIND, status=JobRun.Status.QUEUED, created_at__gte=recent)
        .order_by("-created_at")
        .first()
    )
    if waiting is not None and is_pending(waiting):
        return waiting
    return enqueue(sync_docs, kwargs={}, trigger=trigger, by=by)
