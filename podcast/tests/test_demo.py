"""Demo podcast: guests in several states, two episodes (one with its workflow), intake to
triage; loading twice adds nothing."""

import pytest

from dataops.demo import DemoModeOff, load_users
from podcast import demo
from podcast.models import Episode, Guest, IntakeItem
from tasks import demo as tasks_demo

pytestmark = pytest.mark.django_db


def test_demo_refuses_outside_demo_mode(settings):
    settings.DEMO_MODE = False
    with pytest.raises(DemoModeOff):
        demo.load()


def test_demo_podcast_is_varied_and_idempotent(settings):
    settings.DEMO_MODE = True
    load_users()
    tasks_demo.load()  # runs first in DEMO_LOADERS: it loads the Podcast template
    assert demo.load() == {
        "podcast guests created": 6,
        "podcast episodes created": 2,
        "intake items created": 5,
    }
    assert set(Guest.objects.values_list("status", flat=True)) >= {
        "idea",
        "contacted",
        "confirmed",
        "declined",
        "on_hold",
    }
    started = Episode.objects.exclude(workflow=None).get()
    assert started.workflow.tasks.count() == 42
    assert started.workflow.link_slots.get(name="Guest email").url
    assert Episode.objects.filter(workflow=None).count() == 1
    assert IntakeItem.objects.filter(status="new").count() == 5
    assert demo.load() == {
        "podcast guests created": 0,
        "podcast episodes created": 0,
        "intake items created": 0,
    }
    assert "podcast.demo.load" in settings.DEMO_LOADERS
