"""What other apps may ask of the docs app. Everything else in docs_app is internal.

The work engine links tasks to instruction docs by id (+ optional step id) and must keep
working, with an "unavailable" state, when a doc is missing or the mirror is empty.
References resolve like everywhere else in the docs app: by id, alias or repository path.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import mark_safe

from docs_app import selectors
from docs_app.models import Document
from docs_app.render import step_anchor


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
    found = selectors.doc_links_for(ref for ref in refs if ref)
    return {
        ref: DocLink(ref=ref, title=title or ref, url=selectors.step_url(path, None), exists=True)
        if path
        else DocLink(ref=ref, title=ref, url="", exists=False)
        for ref, (path, title) in found.items()
    }


def doc_link(ref: str, step_id: str | None = None) -> DocLink | None:
    """One reference; with `step_id` the URL lands on that step (`#step-N`)."""
    if not ref:
        return None
    link = doc_links([ref])[ref]
    url = link.url + (f"#{step_anchor(step_id)}" if link.exists and step_id else "")
    return DocLink(link.ref, link.title, url, link.exists, step_id)


def render_doc_panel(ref: str, *, step_id: str | None = None) -> str | None:
    """Sanitized HTML of the doc for showing beside a task (linked step highlighted), or None
    when the doc is unknown, skipped or unreadable."""
    if not ref:
        return None
    document, _ = selectors.doc_for_ref(ref)
    if document is None or document.skipped_reason:
        return None
    state = selectors.mirror_state()
    body = selectors.doc_body(document, state.head_sha if state else "")
    if body is None:
        return None
    html = body.html
    if step_id:
        element = step_anchor(step_id)
        html = html.replace(
            f'<div class="sop-step" id="{element}"',
            f'<div class="sop-step is-current" id="{element}"',
            1,
        )
    # body.html is sanitized by the renderer.
    return str(
        format_html(
            '<div class="doc-panel" data-doc-path="{}">'
            '<div class="doc-panel-header"><a class="doc-panel-title" href="{}">{}</a>'
            '<span class="doc-panel-path">{}</span></div>'
            '<div class="markdown-body doc-body{}">{}</div></div>',
            document.path,
            _panel_url(document, step_id),
            document.title,
            document.path,
            " is-sop" if body.is_sop else "",
            mark_safe(html),  # nosec B308 B703
        )
    )


def _panel_url(document: Document, step_id: str | None) -> str:
    return selectors.step_url(document.path, step_id)
