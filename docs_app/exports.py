"""The docs registry is rebuilt from the git mirror by docs_sync, so it is not exported;
what people did with documents (pins, views, unpublished drafts) is, keyed by the stable doc_id."""

from dataops.portability.entities import Derived, Entity
from docs_app import models as m

_FROM_GIT = "rebuilt from the git mirror by docs_sync"

ENTITIES = [
    Entity(m.PinnedDoc),
    Entity(m.DocView),
    Entity(m.DocDraft),
]
DERIVED = [
    Derived(m.MirrorState, _FROM_GIT),
    Derived(m.Document, _FROM_GIT),
    Derived(m.DocumentMove, _FROM_GIT + " (moves are read from the commit history)"),
    Derived(m.DocumentLabel, _FROM_GIT),
    Derived(m.DocumentLink, _FROM_GIT),
    Derived(m.Finding, _FROM_GIT + " (the linter runs at every sync)"),
]
