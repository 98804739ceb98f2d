"""Pause recurring generation and outbound notifications while an import restores data.

An import writes everything in one transaction; a recurring tick or the due-notifier running
meanwhile would see an empty installation, and right after the commit a flood of catch-up
tasks and overdue notifications about restored rows. So `import_data` holds a pause for its
whole run, and the beat jobs (`tasks.tasks.generate_recurring`, `tasks.tasks.notify_due`)
skip with a logged note while one is held.

The flag is a file under `VAR_DIR/maintenance/` — not the cache (an unreachable Redis would
lift it) and not a database row (written inside the import's transaction nobody would see
it). Web, worker and beat share `VAR_DIR` (one machine, or the compose volume). Each holder
writes its own file, removed in `finally`. A holder killed outright cannot remove it, so a
flag lifts by itself: when its process is gone (same host) or when it was not refreshed for
`STALE_SECONDS` (the import refreshes it as it goes).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

log = logging.getLogger(__name__)

STALE_SECONDS = 15 * 60
REFRESH_SECONDS = 30
PAUSED_NOTE = "skipped: paused while {reason} (since {since:%Y-%m-%d %H:%M} UTC)"


@dataclass(frozen=True)
class Pause:
    reason: str
    since: datetime
    pid: int
    host: str
    path: Path

    @property
    def note(self) -> str:
        return PAUSED_NOTE.format(reason=self.reason, since=self.since)


def folder() -> Path:
    return Path(settings.VAR_DIR) / "maintenance"


def _own_path() -> Path:
    return folder() / f"pause-{socket.gethostname()}-{os.getpid()}.json"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read(path: Path) -> Pause | None:
    try:
        data = json.loads(path.read_text())
        mtime = path.stat().st_mtime
    except (OSError, ValueError):
        return None
    try:
        pause = Pause(
            reason=str(data["reason"]),
            since=datetime.fromisoformat(data["since"]),
            pid=int(data["pid"]),
            host=str(data["host"]),
            path=path,
        )
    except (KeyError, TypeError, ValueError):
        return None
    gone = pause.host == socket.gethostname() and not _alive(pause.pid)
    if gone or time.time() - mtime > STALE_SECONDS:
        log.warning("ignoring a stale pause flag %s (%s)", path.name, pause.reason)
        return None
    return pause


def active() -> Pause | None:
    """The pause in force, if any (the oldest one when several are held)."""
    if not folder().is_dir():
        return None
    pauses = [p for path in sorted(folder().glob("pause-*.json")) if (p := _read(path))]
    return min(pauses, key=lambda p: p.since) if pauses else None


def skip_note(job: str) -> str:
    """The note a paused job records (and logs), or "" when the job may run."""
    pause = active()
    if pause is None:
        return ""
    log.info("%s %s", job, pause.note)
    return pause.note


@contextmanager
def paused(reason: str) -> Iterator[Path]:
    """Hold a pause for the duration of the block; lifted in `finally`, whatever happens."""
    path = _own_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "reason": reason,
        "since": datetime.now(UTC).isoformat(),
        "pid": os.getpid(),
        "host": socket.gethostname(),
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)
    log.info("recurring generation and notifications paused: %s", reason)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)
        log.info("recurring generation and notifications resumed")


_last_refresh = 0.0


def refresh() -> None:
    """Mark this process's pause as still held (cheap; at most every REFRESH_SECONDS)."""
    global _last_refresh
    now = time.monotonic()
    if now - _last_refresh < REFRESH_SECONDS:
        return
    _last_refresh = now
    with suppress(OSError):
        os.utime(_own_path())
