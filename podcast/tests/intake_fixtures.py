"""Fixtures of the intake and guest-form tests; test modules star-import them."""

from __future__ import annotations

import pytest

__all__ = ["episode", "guest", "make_item"]


@pytest.fixture
def guest(db, operator):
    from podcast.keys import name_key
    from podcast.models import Guest

    return Guest.objects.create(
        name="Dana Reyes",
        name_key=name_key("Dana Reyes"),
        email="dana@example.org",
        role="Staff engineer",
        company="Acme",
        created_by=operator,
    )


@pytest.fixture
def episode(db, guest, admin_user):
    from podcast.models import Episode

    episode = Episode.objects.create(working_title="Data contracts in practice", owner=admin_user)
    episode.guests.add(guest)
    return episode


@pytest.fixture
def make_item(db, operator):
    """make_item(text=…, **fields) → a new manual intake item (through the service)."""
    from podcast.intake.services import intake_create
    from podcast.models import IntakeItem

    def make(text: str = "Dana can talk about data contracts", **fields):
        item, _ = intake_create(
            source=fields.pop("source", IntakeItem.Source.MANUAL), text=text, by=operator, **fields
        )
        return item

    return make
