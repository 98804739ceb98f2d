"""Real git repositories for docs tests: a bare "remote" plus a working clone to commit from.

`make_remote_from(content_dir, path)` and `make_messy_repo(path)` return the path of a bare
repository to use as `DOCS_GIT_URL`. `GitRemote` gives tests the means to commit, rename,
delete and force-push on such a remote.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

AUTHOR = ("Alice Author", "alice@example.org")
_ENV = {
    **os.environ,
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
}


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=cwd, env=_ENV, check=True, capture_output=True, text=True
    )
    return result.stdout.strip()


class GitRemote:
    """A bare repository at `root/remote.git` and a clone at `root/work` that pushes to it."""

    def __init__(self, root: Path, branch: str = "main"):
        self.root = Path(root)
        self.bare = self.root / "remote.git"
        self.work = self.root / "work"
        self.branch = branch

    @property
    def url(self) -> str:
        return str(self.bare)

    @classmethod
    def create(
        cls,
        root: Path,
        files: dict[str, str | bytes] | None = None,
        *,
        from_dir: Path | None = None,
        message: str = "Initial docs",
        branch: str = "main",
    ) -> GitRemote:
        remote = cls(root, branch)
        remote.root.mkdir(parents=True, exist_ok=True)
        git(remote.root, "init", "--quiet", "--bare", "-b", branch, str(remote.bare))
        git(remote.root, "init", "--quiet", "-b", branch, str(remote.work))
        git(remote.work, "remote", "add", "origin", str(remote.bare))
        if from_dir is not None:
            shutil.copytree(from_dir, remote.work, dirs_exist_ok=True, symlinks=True)
        for path, content in (files or {}).items():
            remote.write(path, content)
        remote.commit(message)
        return remote

    def write(self, path: str, content: str | bytes) -> None:
        target = self.work / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink():
            target.unlink()
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_bytes(content.encode("utf-8"))

    def symlink(self, path: str, points_to: str) -> None:
        target = self.work / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        os.symlink(points_to, target)

    def remove(self, path: str) -> None:
        git(self.work, "rm", "--quiet", "--", path)

    def rename(self, old: str, new: str) -> None:
        (self.work / new).parent.mkdir(parents=True, exist_ok=True)
        git(self.work, "mv", "--", old, new)

    def commit(
        self, message: str = "Update docs", *, author: tuple[str, str] = AUTHOR, push: bool = True
    ) -> str:
        name, email = author
        git(self.work, "add", "--all", ".")
        git(
            self.work,
            "-c",
            f"user.name={name}",
            "-c",
            f"user.email={email}",
            "commit",
            "--quiet",
            "--allow-empty",
            "-m",
            message,
        )
        if push:
            git(self.work, "push", "--quiet", "origin", f"HEAD:{self.branch}")
        return self.head()

    def head(self) -> str:
        return git(self.work, "rev-parse", "HEAD")

    def rewrite_last_commit(self, message: str = "Rewritten history") -> str:
        """Amend the last commit (with any pending edits) and force-push: the remote's old
        head disappears."""
        git(self.work, "add", "--all", ".")
        git(
            self.work,
            "-c",
            f"user.name={AUTHOR[0]}",
            "-c",
            f"user.email={AUTHOR[1]}",
            "commit",
            "--quiet",
            "--amend",
            "--allow-empty",
            "-m",
            message,
        )
        git(self.work, "push", "--quiet", "--force", "origin", f"HEAD:{self.branch}")
        return self.head()


def make_remote_from(content_dir: Path, path: Path) -> Path:
    """A bare repository at `path/remote.git` holding `content_dir` as one commit."""
    return GitRemote.create(Path(path), from_dir=Path(content_dir)).bare


# --- a deliberately messy repository ----------------------------------------------------------

MARKED_SOP = """---
id: sop.messy.valid
title: A valid marked SOP
doc_type: sop
schema_version: 1
summary: Clean and linted.
owner: ops
systems: [slack]
related_docs: [reference.messy.nope, README.md]
---

# A valid marked SOP

<!-- sop-section-start: summary -->
## Summary
Purpose: show the happy path.
<!-- sop-section-end -->

<!-- sop-section-start: prerequisites -->
## Prerequisites
<!-- sop-section-end -->

<!-- sop-section-start: procedure -->
## Procedure

<!-- sop-step-start id=1 systems="slack" action="click" -->
1.  Click the button, see [[README]] and [the deep doc](../deep/a/b/c/d/e/f/deep-doc.md#top).
<!-- sop-screenshot-start -->
![The button](../images/button.png)
<!-- sop-caption-start -->
The button.
<!-- sop-caption-end -->
<!-- sop-screenshot-end -->
<!-- sop-step-end -->

<!-- sop-todo: "record a video of this" -->
<!-- sop-section-end -->

<!-- sop-section-start: validation -->
## Validation
<!-- sop-section-end -->

<!-- sop-section-start: troubleshooting -->
## Troubleshooting
<!-- sop-section-end -->

<!-- sop-section-start: references -->
## References
<!-- sop-section-end -->
"""

BROKEN_SOP = """---
title: Broken SOP
doc_type: sop
schema_version: 1
---

<!-- sop-section-start: procedure -->
## Procedure
<!-- sop-step-start id=1 -->
1.  Never closed.
<!-- sop-section-end -->
"""

MESSY_FILES: dict[str, str | bytes] = {
    "README.md": "# Messy notes\n\nNo frontmatter here. See [guide](guides/guide.md).\n",
    "guides/guide.md": (
        "Some text without a heading.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "```python\n# TODO inside code is not a placeholder\nprint('x')\n```\n\n"
        "TBD: write the rest. [Back](../README.md) · [ghost](ghost.md) · [[nowhere]] · "
        "[doc link](doc:no.such.id) · [escape](../../../etc/passwd.md)\n\n"
        "![missing image](img/missing.png) ![outside](../../outside.png)\n"
    ),
    "notes/random thoughts.md": "just a line, no newline at the end",
    "notes/ünïcødé – файл.md": "---\ntitle: Ünïcødé\ntags: [ñ, 日本]\n---\n\nTexte accentué.\n",
    "notes/odd name (v2) [draft].md": "# Odd (v2)\n\n<b>bold</b> and &amp; entities\n",
    "deep/a/b/c/d/e/f/deep-doc.md": (
        "# Deep\n\n## Top\n\nBack to [root](../../../../../../../README.md).\n"
    ),
    "empty.md": "",
    "only-frontmatter.md": "---\ntitle: Only frontmatter\n---\n",
    "unclosed-frontmatter.md": "---\ntitle: never closed\n\nbody text\n",
    "bad-yaml.md": "---\ntitle: [unclosed\nid: x\n---\n\n# Bad YAML\n",
    "yaml-list.md": "---\n- a\n- b\n---\n\nA list as frontmatter.\n",
    "dates.md": '---\ntitle: Dates\ndate: 2024-01-31\nwhen: 2024-01-31 10:00:00\ntags: "a, b"\n'
    "nested: {x: [1, 2, {y: null}]}\n---\n\nBody.\n",
    "nul-escape.md": '---\ntitle: "nul\\0here"\ntags: ["x\\0y"]\nextra: {"k\\0": "v\\0"}\n---\n',
    "dup-a.md": "---\nid: same.id\ntitle: Dup A\naliases: [old.name]\n---\n\nA\n",
    "dup-b.md": "---\nid: same.id\ntitle: Dup B\naliases: [old.name, 42]\n---\n\nB\n",
    "invalid-id.md": '---\nid: "Not Valid!"\ntitle: Invalid id\n---\n\nx\n',
    "weird-type.md": "---\ndoc_type: banana\ntitle: Weird type\n---\n\nx\n",
    "html.md": (
        "# Hostile\n\n<script>alert('x')</script>\n\n<img src=x onerror=alert(1)>\n\n"
        '[click](javascript:alert(1)) <a href="javascript:alert(2)">a</a>\n'
    ),
    "sops/marked.md": MARKED_SOP,
    "sops/broken.md": BROKEN_SOP,
    "sops/legacy.md": "---\ntitle: Legacy\ndoc_type: sop\n---\n\n## Procedure\n\n1. Do it.\n",
    "sops/no-frontmatter.md": "# An SOP without frontmatter\n\n1. Step.\n",
    "crlf.md": "---\r\ntitle: CRLF doc\r\n---\r\n\r\n# CRLF\r\n\r\nLine.\r\n",
    "bom.md": "\ufeff---\ntitle: BOM doc\n---\n\n# BOM\n",
    "latin1.md": "caf\xe9 cr\xe8me\n".encode("latin-1"),
    "binary.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00binary",
    ".hidden/secret.md": "# Hidden folder doc\n",
    "images/button.png": b"\x89PNG\r\n\x1a\nnot-really-a-png",
    "not-markdown.txt": "plain text\n",
}
HUGE_FILE = "huge.md"
SYMLINK_OUTSIDE = "link-outside.md"
SYMLINK_INSIDE = "link-inside.md"


def make_messy_repo(path: Path, *, max_bytes: int = 1024 * 1024) -> Path:
    """A bare repository of Markdown that breaks every rule (see `MESSY_FILES`, plus a file
    over `max_bytes` and two symlinks: one leaving the repository, one inside it)."""
    remote = GitRemote.create(Path(path), MESSY_FILES, message="Messy docs")
    remote.write(HUGE_FILE, "# Huge\n\n" + "x" * (max_bytes + 10))
    remote.symlink(SYMLINK_OUTSIDE, "/etc/passwd")
    remote.symlink(SYMLINK_INSIDE, "README.md")
    remote.commit("Add the huge file and symlinks")
    return remote.bare


def messy_markdown_paths() -> set[str]:
    """Every `.md` path `make_messy_repo` commits."""
    return {p for p in MESSY_FILES if p.endswith(".md")} | {
        HUGE_FILE,
        SYMLINK_OUTSIDE,
        SYMLINK_INSIDE,
    }


def point_docs_at(settings, url: str | Path, workdir: Path) -> None:
    """Settings for a test whose docs come from `url`: mirror and index inside `workdir`."""
    settings.DOCS_GIT_URL = str(url)
    settings.DOCS_MIRROR_DIR = Path(workdir) / "mirror"
    settings.DOCS_INDEX_DIR = Path(workdir) / "index"


class IndexCalls:
    """Stands in for `docs_app.search` writers and records what the sync asked of them."""

    def __init__(self):
        self.updates: list[tuple[list[str], list[str]]] = []
        self.rebuilds = 0

    def update_index(self, *, upserts: list[str], deletes: list[str]) -> int:
        self.updates.append((list(upserts), list(deletes)))
        return len(upserts)

    def rebuild_index(self) -> int:
        from docs_app.models import Document

        self.rebuilds += 1
        return Document.objects.count()

    def install(self, monkeypatch) -> IndexCalls:
        from docs_app import search

        monkeypatch.setattr(search, "update_index", self.update_index)
        monkeypatch.setattr(search, "rebuild_index", self.rebuild_index)
        monkeypatch.setattr(search, "index_state", self.index_state)
        return self

    def index_state(self) -> tuple[str, int]:
        """The stand-in index exists once anything was written to it."""
        from docs_app import search

        written = self.rebuilds or self.updates
        return (search.INDEX_READY, 1) if written else (search.INDEX_MISSING, 0)
