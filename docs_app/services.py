"""Write services of the docs app: per-user pins and recently viewed docs.

(The registry itself is written only by the sync pipeline, `docs_app.sync` / `registry`.)
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from docs_app.models import DocView, PinnedDoc


def pin_toggle(*, user, doc_id: str) -> bool:
    """Pin the doc for `user`, or unpin it when pinned; returns whether it is pinned now.

    Keyed by the stable doc id, so a pin survives renames. Concurrent double clicks are
    safe: the unique constraint decides, and a second insert is ignored.
    """
    with transaction.atomic():
        deleted, _ = PinnedDoc.objects.filter(user=user, doc_id=doc_id).delete()
        if deleted:
            return False
        PinnedDoc.objects.bulk_create([PinnedDoc(user=user, doc_id=doc_id)], ignore_conflicts=True)
        return True


def doc_view_record(*, user, doc_id: str) -> None:
    """Remember that `user` viewed the doc now: one upsert, one row per user and doc."""
    DocView.objects.bulk_create(
        [DocView(user=user, doc_id=doc_id, viewed_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["user", "doc_id"],
        update_fields=["viewed_at"],
    )
