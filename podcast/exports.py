"""The podcast's exported entities: all of it is entered by people (or by guests through
their form), or drafted and reviewed by them (the assistant's jobs, their timelines and every
revision of a document), so all of it is exported. The knowledge base (`podcast/kb/`) is
derived from the docs repository and declares itself."""

from dataops.portability.entities import Entity
from podcast import models as m

ENTITIES = [
    Entity(m.Guest),
    Entity(m.GuestEvent),
    Entity(m.Episode),
    Entity(m.Episode.guests.through),
    Entity(m.IntakeItem),
    Entity(m.IntakeAttachment),
    Entity(m.IntakeEvent),
    # With its nonce: a restored installation keeps the links already sent to guests working
    # (the token is signed with SECRET_KEY, so the nonce alone opens nothing).
    Entity(m.GuestFormLink),
    Entity(m.AssistantJob),
    Entity(m.AssistantEvent),
    Entity(m.AssistantArtifact),
]
DERIVED: list = []
