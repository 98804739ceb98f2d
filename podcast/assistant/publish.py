"""Publishing an approved prep document into the docs repository, on an explicit click.

The document becomes a doc under `ASSISTANT_PUBLISH_FOLDER` through the docs-editing
machinery (`docs_app.editing.publish`): one commit authored by the approving user (the
portal is the committer) in the mirror's working copy, pushed when `DOCS_GIT_PUSH` is on,
then only that file re-registered and re-indexed, and an audit event. Publishing the same
document again writes a new version of the same file (or nothing, when it is unchanged).
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml
from django.conf import settings
from django.utils.text import slugify

from dataops.errors import ServiceError
from docs_app.editing.documents import refuse_existing
from docs_app.editing.merge import Conflict
from docs_app.editing.paths import check_body, check_doc_path, check_no_symlink
from docs_app.editing.publish import UNCHANGED, publish
from docs_app.editing.workcopy import WorkingCopy
from docs_app.models import Document

PUBLISH_ACTION = "podcast.assistant.publish"
TAGS = ["podcast", "prep-document"]
NOT_A_DOC_FOLDER = (
    "ASSISTANT_PUBLISH_FOLDER ({folder!r}) is inside DOCS_EXCLUDE_PATHS, so a published prep "
    "document would not be a doc. Choose another folder."
)


def publish_folder() -> str:
    folder = (settings.ASSISTANT_PUBLISH_FOLDER or "").strip().strip("/")
    excluded = [p.strip().strip("/") for p in settings.DOCS_EXCLUDE_PATHS if p.strip("/ ")]
    if any(folder == p or folder.startswith(p + "/") for p in excluded):
        raise ServiceError(NOT_A_DOC_FOLDER.format(folder=folder), code="config")
    return folder


def doc_path(path_hint: str) -> str:
    """`{folder}/{slug of the hint}.md`; the slug is ASCII, at most 80 characters."""
    slug = slugify(path_hint or "")[:80].strip("-") or "prep-document"
    folder = publish_folder()
    return f"{folder}/{slug}.md" if folder else f"{slug}.md"


def with_frontmatter(markdown: str) -> str:
    """The document with a title, doc type and tags for the docs registry (a document that
    already has frontmatter is left as written)."""
    if markdown.startswith("---\n"):
        return markdown
    first = markdown.lstrip().split("\n", 1)[0]
    title = first[2:].strip() if first.startswith("# ") else "Prep document"
    front = yaml.safe_dump(
        {"title": title, "doc_type": "doc", "tags": TAGS}, allow_unicode=True, sort_keys=False
    )
    return f"---\n{front}---\n\n{markdown.lstrip()}"


@dataclass
class PublishPrepDocument:
    """A docs operation: write the document at `path`, new or replacing the version
    published before (the approved revision is the source; the doc is its copy)."""

    path: str
    text: str
    action: str = PUBLISH_ACTION

    def __post_init__(self):
        self.path = check_doc_path(self.path)
        self.text = check_body(self.text)

    def default_message(self) -> str:
        return f"Publish prep document {self.path}"

    def apply(self, wc: WorkingCopy) -> Conflict | None:
        check_no_symlink(wc.root, self.path)
        entry = wc.entry(self.path)
        if entry is not None and entry.is_symlink:
            raise ServiceError(f"{self.path!r} is a symbolic link.", field="path", code="symlink")
        if entry is None:
            refuse_existing(wc, self.path)
        wc.write(self.path, self.text)
        wc.stage([self.path])
        return None


def publish_document(markdown: str, *, path_hint: str, user) -> tuple[str, str]:
    """Commit `markdown` as the doc `{ASSISTANT_PUBLISH_FOLDER}/{slug(path_hint)}.md`,
    authored by `user`; push when configured; re-register that file. Returns the commit
    sha holding the document and the doc's path. Raises `ServiceError` with a message for
    the user when the docs cannot take it (busy, too large, push refused)."""
    path = doc_path(path_hint)
    text = with_frontmatter(markdown)
    result = publish(PublishPrepDocument(path, text), user=user)
    if result.status == UNCHANGED:
        document = Document.objects.filter(path=path).only("last_commit_sha").first()
        return (document.last_commit_sha if document else ""), path
    return result.commit, path
