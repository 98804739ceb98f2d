"""The knowledge base is read from Markdown files, so none of it is exported: an import of
the same files rebuilds it (the guests its profiles created are `podcast.Guest` rows and
travel with the podcast app)."""

from dataops.portability.entities import Derived
from podcast.kb import models as m

_FROM_FILES = "rebuilt from the docs repository by podcast_kb_import"

ENTITIES: list = []
DERIVED = [
    Derived(m.KbEpisode, _FROM_FILES),
    Derived(m.KbAppearance, _FROM_FILES),
    Derived(m.KbQuestion, _FROM_FILES),
    Derived(m.KbProfile, _FROM_FILES + " (which profile file made which guest)"),
]
