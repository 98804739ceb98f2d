"""Drafts: the unpublished text of a doc, per user, saved as they type.

A draft keeps the blob it started from; when the doc has changed since, the draft is stale
and the editor says so (publishing it then goes through the usual three-way merge).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from docs_app.editing.paths import check_body, check_doc_path
from docs_app.editing.saving import check_sha
from docs_app.models import DocDraft, Document


def draft_save(*, user, path: str, base_blob: str, text: str) -> DocDraft:
    path = check_doc_path(path)
    draft, _ = DocDraft.objects.update_or_create(
        user=user,
        path=path,
        defaults={
            "base_blob": check_sha(base_blob, field="base", what="base blob"),
            "text": check_body(text),
            "updated_at": timezone.now(),
        },
    )
    return draft


def draft_for(user, path: str) -> DocDraft | None:
    return DocDraft.objects.filter(user=user, path=path).first()


def draft_discard(*, user, path: str) -> bool:
    return DocDraft.objects.filter(user=user, path=path).delete()[0] > 0


@dataclass(frozen=True)
class DraftRow:
    draft: DocDraft
    title: str
    stale: bool  # the doc changed since the draft's base
    gone: bool  # the doc is no longer at that path


def my_drafts(user) -> list[DraftRow]:
    drafts = list(DocDraft.objects.filter(user=user))
    docs = {d.path: d for d in Document.objects.filter(path__in=[d.path for d in drafts])}
    rows = []
    for draft in drafts:
        doc = docs.get(draft.path)
        rows.append(
            DraftRow(
                draft,
                title=doc.title if doc else draft.path,
                stale=doc is not None and doc.blob_sha != draft.base_blob,
                gone=doc is None,
            )
        )
    return rows
