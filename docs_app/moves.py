"""Docs git reported as renamed or moved: their old paths and ids keep leading to them.

`DocumentMove` is the record of each move, written by the registry refresh and kept across
full re-registrations (which compare no commits, so they see no renames). The registry folds
a doc's old paths and ids into its `aliases` — what SOP-FORMAT §1 says aliases are for — so
every resolver (links between docs, task instruction links, `/docs/id/…`) keeps working
without a lookup of its own. Only the redirect of an old URL reads the table.

A real doc wins over a move: when a file exists again at an old path, that move is forgotten
and the alias leaves the moved doc.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils import timezone

from docs_app.models import DocumentMove, DocView, PinnedDoc

BATCH = 500


@dataclass(frozen=True)
class Move:
    """One rename git reported between the registry's commit and the new head."""

    old_path: str
    new_path: str


def moves_record(
    *,
    moves: Iterable[Move],
    old_ids: Mapping[str, str],
    registered: Iterable[str],
    deleted: Iterable[str],
    commit: str,
) -> set[str]:
    """Store `moves` seen at `commit`; forget moves away from paths that are docs again and
    moves to docs that were deleted.

    `old_ids` gives the id each old path had. Rows that led to a moved doc's old path are
    pointed at its new one, so a chain A → B → C is one step from A to C. Returns the paths
    of docs whose moved-from names changed. Call inside the registry's transaction.
    """
    moves = [move for move in moves if move.old_path != move.new_path]
    real_again = DocumentMove.objects.filter(old_path__in=set(registered))
    changed = set(real_again.values_list("new_path", flat=True))
    real_again.delete()
    _follow_chains({move.old_path: move.new_path for move in moves})
    DocumentMove.objects.filter(new_path__in=set(deleted)).delete()
    if moves:
        _store(moves, old_ids, commit)
    return changed | {move.new_path for move in moves}


def _store(moves: list[Move], old_ids: Mapping[str, str], commit: str) -> None:
    """Insert the moves, replacing an earlier move away from the same path."""
    now = timezone.now()
    DocumentMove.objects.bulk_create(
        [
            DocumentMove(
                old_path=move.old_path,
                old_doc_id=old_ids.get(move.old_path, ""),
                new_path=move.new_path,
                moved_at=now,
                commit=commit,
            )
            for move in moves
        ],
        update_conflicts=True,
        unique_fields=["old_path"],
        update_fields=["old_doc_id", "new_path", "moved_at", "commit"],
        batch_size=BATCH,
    )


def _follow_chains(new_path_of: dict[str, str]) -> None:
    chained = list(DocumentMove.objects.filter(new_path__in=new_path_of))
    for row in chained:
        row.new_path = new_path_of[row.new_path]
    DocumentMove.objects.bulk_update(chained, ["new_path"], batch_size=BATCH)


def moved_names(paths: Iterable[str]) -> dict[str, list[str]]:
    """`path → [old path, old id, …]` for the docs at `paths` that were moved there."""
    names: dict[str, list[str]] = {}
    rows = DocumentMove.objects.filter(new_path__in=set(paths)).order_by("moved_at", "old_path")
    for old_path, old_doc_id, new_path in rows.values_list("old_path", "old_doc_id", "new_path"):
        found = names.setdefault(new_path, [])
        found += [name for name in (old_path, old_doc_id) if name and name not in found]
    return names


def with_moved_names(aliases: list[str], names: list[str], *, doc_id: str, path: str) -> list[str]:
    """The doc's declared aliases followed by its moved-from names (its own id and path left
    out: a doc renamed back, or one keeping an explicit id, needs no alias for them)."""
    own = {doc_id, path}
    return list(dict.fromkeys([*aliases, *(name for name in names if name not in own)]))


def declared_aliases(frontmatter: Mapping) -> list[str]:
    """The aliases a doc's frontmatter declares (as the registry reads them)."""
    value = frontmatter.get("aliases")
    items = value if isinstance(value, list) else [value]
    return list(dict.fromkeys(str(a).strip() for a in items if isinstance(a, str) and a.strip()))


def user_state_follow(new_id_of: Mapping[str, str]) -> None:
    """Pins and recently viewed follow a doc whose id changed with its path (generated ids).

    A user who already has a row for the new id keeps that one; the old row is dropped.
    """
    new_id_of = {old: new for old, new in new_id_of.items() if old != new}
    if not new_id_of:
        return
    for model in (PinnedDoc, DocView):
        rows = list(model.objects.filter(doc_id__in=new_id_of))
        taken = set(
            model.objects.filter(doc_id__in=set(new_id_of.values())).values_list(
                "user_id", "doc_id"
            )
        )
        moving = [row for row in rows if (row.user_id, new_id_of[row.doc_id]) not in taken]
        model.objects.filter(pk__in=[row.pk for row in rows if row not in moving]).delete()
        for row in moving:
            row.doc_id = new_id_of[row.doc_id]
        model.objects.bulk_update(moving, ["doc_id"], batch_size=BATCH)
