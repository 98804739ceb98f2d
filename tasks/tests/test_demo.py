"""Demo data: every lane of Home has something on first login; loading twice adds nothing."""

import pytest

from dataops.demo import DemoModeOff, load_users
from tasks import demo
from tasks.home_selectors import home_board
from tasks.models import RecurringRule, Task, Workflow
from tasks.services.common import local_today

pytestmark = pytest.mark.django_db


def test_demo_refuses_outside_demo_mode(settings):
    settings.DEMO_MODE = False
    with pytest.raises(DemoModeOff):
        demo.load()


def test_demo_fills_every_lane_and_is_idempotent(settings):
    settings.DEMO_MODE = True
    load_users()
    assert demo.load() == {
        "workflows created": 4,
        "standalone tasks created": 5,
        "recurring rules created": 4,
    }
    counts = (Workflow.objects.count(), Task.objects.count(), RecurringRule.objects.count())
    assert demo.load() == {
        "workflows created": 0,
        "standalone tasks created": 0,
        "recurring rules created": 0,
    }
    assert (Workflow.objects.count(), Task.objects.count(), RecurringRule.objects.count()) == counts
    from dataops.models import User

    board = home_board(user=User.objects.get(username="grace"), today=local_today())
    assert {lane.key: bool(lane.tasks) for lane in board.lanes} == dict.fromkeys(
        ["overdue", "today", "follow_ups", "missing_proof", "waiting", "upcoming"], True
    )
    assert board.risky
    demo_rules = RecurringRule.objects.filter(seed_key__startswith="demo-")
    assert demo_rules.count() == 4 and RecurringRule.objects.count() == 4 + 7  # + the seed
    assert not set(demo_rules.values_list("title", flat=True)) & set(
        RecurringRule.objects.exclude(seed_key__startswith="demo-").values_list("title", flat=True)
    )
    assert Task.objects.filter(recurring_rule__in=demo_rules, status="done").exists()
    assert set(RecurringRule.objects.values_list("assignee__username", flat=True)) == {"grace"}
    assert set(Workflow.objects.values_list("stage", flat=True)) >= {
        "preparation",
        "after-event",
        "done",
    }
