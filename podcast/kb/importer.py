"""The knowledge-base import: a folder of episode files (and one of people profiles) in, the
KB rows and its search index brought in line with them.

**Idempotent by path and content.** Each file's hash (of its bytes, the parser's version and
the host names) is kept; a file whose hash did not change is not even parsed. A changed file
replaces its episode, a new one adds one, and an episode whose file is gone is removed.

**Per-file failures.** A file that is too large (refused by its size, before reading), not
UTF-8, not valid YAML, without a title, with a transcript item of unknown shape, or claiming
the season and episode number of another file is reported with the reason; the others are
imported. Each episode is written in its own transaction, so a failure leaves nothing of
that file half-written (its previous import, if any, stays as it was).

**One at a time**: a PostgreSQL advisory lock; a second import meanwhile is refused
(`KbImportBusy`, which the job retries).

**People first.** Each changed profile creates or updates its guest through the podcast's
service (`podcast.kb.people`); removing a profile file never deletes a guest. Episodes then
link to guests by profile id — also episodes whose file did not change, so a profile added
later still links them.
"""

from __future__ import annotations

import hashlib
import os
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from dataops.errors import ServiceError
from dataops.jobs import TransientJobError
from dataops.locks import try_advisory_lock
from docs_app.files import mirror_root
from podcast.kb import people, search
from podcast.kb.models import KbAppearance, KbEpisode, KbProfile, KbQuestion
from podcast.kb.parse import Episode, KbFileError, parse_episode, parse_profile

# Bump when parsing or classifying changes: every file is then read again.
PARSER_VERSION = "2"
# One import at a time (PostgreSQL; SQLite serialises writers itself).
LOCK_KEY = zlib.crc32(b"dataops.podcast.kb_import")


class KbImportError(Exception):
    """The import cannot start (a folder that does not exist)."""


class KbImportBusy(KbImportError, TransientJobError):
    """Another import holds the lock (a job retries later)."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: list[dict] = field(default_factory=list)
    guests_created: int = 0
    guests_updated: int = 0
    indexed: int = 0
    note: str = ""

    def fail(self, path: str, error: str) -> None:
        self.failed.append({"path": path, "error": error})

    def as_json(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "failed": self.failed,
            "guests": {"created": self.guests_created, "updated": self.guests_updated},
        }

    def counts(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "failed": len(self.failed),
            "guests_created": self.guests_created,
            "guests_updated": self.guests_updated,
        }

    def failure_note(self) -> str:
        failures = "; ".join(f"{item['path']}: {item['error']}" for item in self.failed)
        return (self.note or failures)[:2000]


@dataclass
class _File:
    rel: str
    shown: str  # how the report names it
    digest: str
    data: bytes


# --- files ------------------------------------------------------------------------------------


def markdown_files(root: Path) -> list[str]:
    """The `.md` files below `root` (POSIX paths relative to it), sorted; symlinks and hidden
    folders are left alone."""
    found: list[str] = []
    for folder, folders, names in os.walk(root):
        here = Path(folder).relative_to(root)
        folders[:] = sorted(n for n in folders if not n.startswith("."))
        found += [
            (here / name).as_posix()
            for name in names
            if name.endswith(".md") and not (Path(folder) / name).is_symlink()
        ]
    return sorted(found)


def _digest(data: bytes) -> str:
    salt = f"{PARSER_VERSION}|{','.join(sorted(settings.PODCAST_HOST_NAMES))}|".encode()
    return hashlib.sha256(salt + data).hexdigest()


def _read(root: Path, rel: str, shown: str) -> _File:
    """The file's bytes; refused by its size before anything is read."""
    path = root / rel
    limit = settings.PODCAST_KB_MAX_FILE_BYTES
    size = path.lstat().st_size
    if size > limit:
        raise KbFileError(f"the file is {_mb(size)}; files over {_mb(limit)} are not read")
    data = path.read_bytes()
    return _File(rel, shown, _digest(data), data)


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _text(file: _File) -> str:
    try:
        return file.data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KbFileError(f"not valid UTF-8 (byte {exc.start})") from exc


def _scan(root: Path, label: str, report: ImportReport) -> list[_File]:
    """Every readable file; the unreadable ones are reported (and still count as present)."""
    files = []
    for rel in markdown_files(root):
        shown = f"{label.rstrip('/')}/{rel}"
        try:
            files.append(_read(root, rel, shown))
        except (KbFileError, OSError) as exc:
            report.fail(shown, str(exc))
            files.append(_File(rel, shown, "", b""))
    return files


# --- entry points -----------------------------------------------------------------------------


def kb_import(
    *, episodes_dir: Path, people_dir: Path | None = None, label: str = "", people_label: str = ""
) -> ImportReport:
    """Import `episodes_dir` (and `people_dir`'s profiles first); see the module.

    `label` / `people_label` are how failed files are named in the report (default: the
    folders as given). Updates the KB search index for what changed.
    """
    if not episodes_dir.is_dir():
        raise KbImportError(f"{label or episodes_dir}: no such folder")
    with try_advisory_lock(LOCK_KEY) as held:
        if held is False:
            raise KbImportBusy("Another knowledge-base import is running; try again shortly.")
        return _import(episodes_dir, people_dir, label, people_label)


def _import(episodes_dir: Path, people_dir: Path | None, label: str, people_label: str):
    report = ImportReport()
    if people_dir is not None and people_dir.is_dir():
        _import_people(_scan(people_dir, people_label or str(people_dir), report), report)
    files = _scan(episodes_dir, label or str(episodes_dir), report)
    changed, removed = _import_episodes(files, report)
    relinked = _link_guests()
    report.indexed = search.update(upserts=sorted(changed | relinked), deletes=removed)
    return report


def import_from_mirror(*, missing_ok: bool = False) -> ImportReport:
    """Import the KB folders of the docs repository's mirror (`PODCAST_KB_PATH`,
    `PODCAST_PEOPLE_PATH`). With `missing_ok`, a repository without the episodes folder is
    nothing to import (the KB is left as it is) rather than an error."""
    root = mirror_root()
    kb, people_path = settings.PODCAST_KB_PATH, settings.PODCAST_PEOPLE_PATH
    if missing_ok and not (root / kb).is_dir():
        return ImportReport(note=f"The docs repository has no {kb} folder: nothing to import.")
    return kb_import(
        episodes_dir=root / kb,
        people_dir=(root / people_path) if people_path else None,
        label=kb,
        people_label=people_path,
    )


# --- people -------------------------------------------------------------------------------------


def _import_people(files: list[_File], report: ImportReport) -> None:
    known = dict(KbProfile.objects.values_list("path", "content_hash"))
    owners: dict[str, str] = {}
    for file in files:
        if not file.digest:
            continue
        try:
            profile = parse_profile(_text(file), default_id=Path(file.rel).stem)
        except KbFileError as exc:
            report.fail(file.shown, str(exc))
            continue
        if profile.kb_id in owners:
            report.fail(file.shown, f"profile id “{profile.kb_id}” is also {owners[profile.kb_id]}")
            continue
        owners[profile.kb_id] = file.shown
        if known.get(file.rel) == file.digest:
            continue
        try:
            created = people.profile_save(path=file.rel, digest=file.digest, profile=profile)
        except (ServiceError, ValidationError, IntegrityError) as exc:
            report.fail(file.shown, f"guest not saved: {exc}")
            continue
        report.guests_created += created
        report.guests_updated += not created
    present = {file.rel for file in files}
    KbProfile.objects.exclude(path__in=present).delete()


# --- episodes -----------------------------------------------------------------------------------


def _import_episodes(files: list[_File], report: ImportReport) -> tuple[set[int], list[int]]:
    """Write every new or changed episode; returns (changed ids, removed ids)."""
    known = {row["path"]: row for row in KbEpisode.objects.values("path", "content_hash", "pk")}
    removed = [row["pk"] for path, row in known.items() if path not in {f.rel for f in files}]
    if removed:
        KbEpisode.objects.filter(pk__in=removed).delete()
        report.removed = len(removed)
    pending: list[tuple[_File, Episode]] = []
    for file in files:
        if not file.digest:
            continue
        if file.rel in known and known[file.rel]["content_hash"] == file.digest:
            report.unchanged += 1
            continue
        try:
            pending.append((file, parse_episode(_text(file), hosts=settings.PODCAST_HOST_NAMES)))
        except KbFileError as exc:
            report.fail(file.shown, str(exc))
    changed: set[int] = set()
    for file, episode in _without_duplicate_numbers(pending, files, report):
        saved = _save_episode(file, episode, report)
        if saved is not None:
            changed.add(saved)
    return changed, removed


def _without_duplicate_numbers(pending, files, report: ImportReport):
    """The pending episodes that may take their season/episode number: a number stays with
    the file that holds it now; among new claims the first file (by path) wins."""
    pending_paths = {file.rel for file, _ in pending}
    shown = {file.rel: file.shown for file in files}
    held = {
        f"S{season}E{number}": path
        for path, season, number in KbEpisode.objects.filter(
            season__isnull=False, number__isnull=False
        ).values_list("path", "season", "number")
    }
    holders = {code: path for code, path in held.items() if path not in pending_paths}
    ordered = sorted(pending, key=lambda item: (held.get(item[1].code) != item[0].rel, item[0].rel))
    for file, episode in ordered:
        code = episode.code
        if code and holders.get(code, file.rel) != file.rel:
            owner = shown.get(holders[code], holders[code])
            report.fail(file.shown, f"duplicate episode number: {code} is also {owner}")
            continue
        if code:
            holders[code] = file.rel
        yield file, episode


def _save_episode(file: _File, episode: Episode, report: ImportReport) -> int | None:
    """One transaction per file: the episode row and its questions, or nothing."""
    values = {
        "content_hash": file.digest,
        "title": episode.title,
        "short": episode.short,
        "season": episode.season,
        "number": episode.number,
        "date": episode.date,
        "summary": episode.summary,
        "intro": episode.intro,
        "topics": episode.topics,
        "links": episode.links,
        "guest_ids": episode.guest_ids,
        "transcript": episode.transcript,
    }
    try:
        with transaction.atomic():
            row, created = KbEpisode.objects.update_or_create(path=file.rel, defaults=values)
            if not created:
                row.questions.all().delete()
            KbQuestion.objects.bulk_create(
                KbQuestion(episode=row, position=n, **vars(question))
                for n, question in enumerate(episode.questions)
            )
    except IntegrityError as exc:
        report.fail(file.shown, f"not saved: {exc}")
        return None
    report.created += created
    report.updated += not created
    return row.pk


def _link_guests() -> set[int]:
    """Make every episode's guests the guests whose profile ids it names (in its order);
    returns the ids of the episodes whose guests changed."""
    wanted = dict(KbEpisode.objects.values_list("pk", "guest_ids"))
    ids = {kb_id for names in wanted.values() for kb_id in names}
    guest_of = people.guests_by_kb_id(ids)
    have: dict[int, list[int]] = defaultdict(list)
    for episode_id, guest_id in KbAppearance.objects.order_by("episode", "position").values_list(
        "episode_id", "guest_id"
    ):
        have[episode_id].append(guest_id)
    changed: set[int] = set()
    for episode_id, names in wanted.items():
        guests = list(dict.fromkeys(guest_of[name] for name in names if name in guest_of))
        if guests != have.get(episode_id, []):
            with transaction.atomic():
                KbAppearance.objects.filter(episode_id=episode_id).delete()
                KbAppearance.objects.bulk_create(
                    KbAppearance(episode_id=episode_id, guest_id=guest, position=n)
                    for n, guest in enumerate(guests)
                )
            changed.add(episode_id)
    return changed
