"""Editing the docs at the target scale: publishing into a 5,000-doc repository.

The corpus is the docs reading benchmark's (5,000 generated docs plus a 200-step SOP), plus a
folder of 100 docs whose ids are generated from their paths (so a rename writes aliases). It
is committed to a local bare remote, registered by the real sync, and then edited through the
real publishing path with pushing on.

Measured: saving one step of the 200-step SOP (block edit on the base version, three-way
check, commit as the user, push, re-registration and re-index of that file; goal p95 ≤
300 ms) and renaming the folder of 100 docs (one commit, aliases written, pushed, redirects
recorded, re-registered and re-indexed; goal ≤ 5 s).
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

from django.conf import settings

from bench.bench_docs_read import BIG_SOP, Corpus, build_repository
from bench.harness import Result, measure, measure_once
from bench.harness import git as _git

TITLE = "Docs editing: publishing into a 5,000-doc repository"
FOLDER, RENAMED, FOLDER_DOCS = "internal-admin/handbook", "handbook-2026", 100
ID_LINE = re.compile(r"^id: .*\n", re.MULTILINE)


def add_folder(bare: Path, root: Path, corpus: Corpus) -> None:
    """Push a folder of `FOLDER_DOCS` SOPs without explicit ids to the remote."""
    work = root / "folder-work"
    _git(root, "clone", "-q", str(bare), str(work))
    for n in range(FOLDER_DOCS):
        path = work / FOLDER / f"procedure-{n:03d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(ID_LINE.sub("", corpus.sop(f"sop.handbook.p{n}", 8), count=1))
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", "A folder of procedures")
    _git(work, "push", "-q", "origin", "main")


def run(ctx) -> list[Result]:
    from dataops.models import User
    from dataops.roles import grant_role
    from docs_app.editing import blocks
    from docs_app.editing.folders import RenameFolder
    from docs_app.editing.publish import COMMITTED, publish
    from docs_app.editing.saving import save_edited
    from docs_app.models import Document, DocumentMove
    from docs_app.sync import docs_sync

    root = Path(ctx["tmp"]) / "docs-edit-bench"
    root.mkdir(parents=True, exist_ok=True)
    corpus = Corpus()
    bare = build_repository(root, corpus)
    add_folder(bare, root, corpus)
    settings.DOCS_GIT_URL = str(bare)
    settings.DOCS_MIRROR_DIR = root / "mirror"
    settings.DOCS_INDEX_DIR = root / "index"
    settings.DOCS_GIT_PUSH = True
    results = [measure_once("first sync (setup): 5,101 docs registered and indexed", docs_sync)]
    user = User.objects.create_user(
        username="edith", email="edith@example.org", first_name="Edith", last_name="Editor"
    )
    grant_role(user, "operator")
    mirror = Path(settings.DOCS_MIRROR_DIR)

    def blob() -> str:
        return _rev(mirror, f"HEAD:{BIG_SOP}")

    edits = {"n": 0, "statuses": set()}

    def save_one_step() -> None:
        edits["n"] += 1
        step = str(1 + (edits["n"] * 37) % 200)
        text = f"{step}.  Edited step, revision {edits['n']}.\n"
        operation = save_edited(
            BIG_SOP, blob(), lambda t: blocks.block_replace(t, f"step:{step}", text)
        )
        edits["statuses"].add(publish(operation, user=user).status)

    saving = measure(
        "save one step of the 200-step SOP (commit + push + reindex)",
        save_one_step,
        runs=30,
        warmup=2,
        target_ms=300,
    )
    saving.note = (
        f"statuses {sorted(edits['statuses'])}; {BIG_SOP} is "
        f"{(mirror / BIG_SOP).stat().st_size / 1024:.0f} KB; each save is read from git, "
        "edited on its base blob, committed, pushed to a local bare remote, registered"
    )
    results.append(saving)

    from docs_app import search

    results.append(
        measure(
            "  of which: search index update of that one doc alone",
            lambda: search.update_index(upserts=[BIG_SOP], deletes=[]),
            runs=30,
            warmup=2,
            note="the existing Whoosh writer (update_index), timed on its own",
        )
    )
    real_update = search.update_index
    search.update_index = lambda **kwargs: 1
    try:
        results.append(
            measure(
                "  the same save without the search index update",
                save_one_step,
                runs=30,
                warmup=2,
                note="git (read, edit, commit, push) + registry refresh of the file",
            )
        )
    finally:
        search.update_index = real_update
    search.update_index(upserts=[BIG_SOP], deletes=[])

    before = _rev(mirror, "HEAD")
    outcome = {}
    renaming = measure_once(
        f"rename a folder of {FOLDER_DOCS} docs (one commit, aliases, push, reindex)",
        lambda: outcome.update(
            result=publish(RenameFolder(FOLDER, "internal-admin", RENAMED), user=user)
        ),
        target_ms=5000,
    )
    commits = _git_out(mirror, "rev-list", "--count", f"{before}..HEAD")
    moved = Document.objects.filter(path__startswith=f"internal-admin/{RENAMED}/")
    with_alias = sum(1 for doc in moved if any(a.startswith("sop.") for a in doc.aliases))
    renaming.note = (
        f"{outcome['result'].status}, {commits} commit; {moved.count()} docs at the new path, "
        f"{with_alias} with their old id in aliases, "
        f"{DocumentMove.objects.filter(old_path__startswith=FOLDER + '/').count()} redirects"
    )
    results.append(renaming)
    if outcome["result"].status != COMMITTED or commits != "1":
        raise SystemExit("the folder rename did not land as one commit")
    no_change = time.perf_counter()
    docs_sync()
    results.append(
        Result(
            "next sync after the edits (nothing to do: no divergence)",
            [(time.perf_counter() - no_change) * 1000],
            target_label="time",
        )
    )
    return results


def _git_out(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def _rev(cwd: Path, ref: str) -> str:
    return _git_out(cwd, "rev-parse", ref)
