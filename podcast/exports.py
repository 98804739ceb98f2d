"""The podcast's exported entities: all of it is entered by people (or by guests through
their form), so all of it is exported."""

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
]
DERIVED: list = []
