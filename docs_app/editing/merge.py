"""Three-way merges of one file (`git merge-file` on temporary files) and the conflict record.

Two versions that both started from `base` merge when their changes touch different lines;
changes to the same or adjacent lines are a conflict, and then nothing is written: the
`Conflict` carries the user's version, the current one, the base and a diff to show.
"""

from __future__ import annotations

import difflib
import subprocess  # nosec B404
import tempfile
from dataclasses import dataclass
from pathlib import Path

MERGE_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Conflict:
    path: str
    mine: str
    theirs: str
    base: str
    base_blob: str
    current_blob: str
    head: str
    diff: str
    reason: str = "Someone else changed the same lines since you started editing."


def merge3(*, base: str, mine: str, theirs: str) -> str | None:
    """Both changes applied to `base`, or None when they overlap."""
    if mine == theirs or theirs == base:
        return mine
    if mine == base:
        return theirs
    with tempfile.TemporaryDirectory(prefix="docs-merge-") as folder:
        files = []
        for name, text in (("mine", mine), ("base", base), ("theirs", theirs)):
            path = Path(folder) / name
            path.write_bytes(text.encode("utf-8"))
            files.append(str(path))
        # git merge-file with an argument list (no shell) on files of a temporary folder
        result = subprocess.run(  # nosec B603 B607
            ["git", "merge-file", "-p", "-L", "yours", "-L", "base", "-L", "current", *files],
            capture_output=True,
            timeout=MERGE_TIMEOUT_SECONDS,
            check=False,
        )
    if result.returncode != 0:  # > 0: the number of conflicts; < 0: an error
        return None
    return result.stdout.decode("utf-8")


def unified_diff(before: str, after: str, *, before_name: str, after_name: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=before_name,
            tofile=after_name,
        )
    )
