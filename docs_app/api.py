"""What other apps may ask of the docs app. Everything else in docs_app is internal.

The work engine links tasks to instruction docs by id (+ optional step id) and must keep
working, with an "unavailable" state, when a doc is missing or the mirror is empty.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class DocLink:
    ref: str
    title: str
    url: str
    exists: bool
    step_id: str | None = None

    @property
    def label(self) -> str:
        return self.title if self.exists else f"{self.ref} (unavailable)"


def doc_links(refs: Iterable[str]) -> dict[str, DocLink]:
    """Resolve doc ids / aliases / paths in one query; unknown ones come back unavailable."""
    return {ref: DocLink(ref=ref, title=ref, url="", exists=False) for ref in set(refs) if ref}


def doc_link(ref: str, step_id: str | None = None) -> DocLink | None:
    if not ref:
        return None
    link = doc_links([ref])[ref]
    return DocLink(link.ref, link.title, link.url, link.exists, step_id)


def render_doc_panel(ref: str, *, step_id: str | None = None) -> str | None:
    """Sanitized HTML of the doc for showing beside a task (linked step highlighted), or None."""
    return None
