""" "Generate now" keeps one pending run per schedule (extra clicks join it), and recurring
rules refuse values no chore needs (an interval over 1,000, an end over 100 years ahead)."""

from datetime import date, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dataops import jobs
from dataops.models import JobRun
from tasks import messages
from tasks.models import RecurringRule
from tasks.services import RuleInput, recurring_rule_create, schedule_generate_now
from tasks.tests.conftest import at, concurrent_posts
from tasks.tests.test_recurring_pages import form_data

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(at(TODAY, 10), tick=False):
        yield


@pytest.fixture
def no_worker(monkeypatch):
    """Runs stay queued, as when no worker has picked them up yet."""
    monkeypatch.setattr(jobs, "_send", lambda *args, **kwargs: None)


def runs_of(rule) -> list[JobRun]:
    return list(JobRun.objects.filter(kind="recurring.generate", target_id=str(rule.pk)))


# --- one pending run ------------------------------------------------------------------------


@pytest.mark.django_db
def test_clicking_generate_now_again_joins_the_pending_run(
    operator_client, operator, make_rule, no_worker
):
    rule = make_rule(title="Back up the drive", by=operator)
    url = reverse("tasks:recurring-generate", args=[rule.pk])
    first = operator_client.post(url, follow=True).content.decode()
    for _ in range(4):
        again = operator_client.post(url, follow=True).content.decode()
    assert messages.GENERATE_QUEUED.format(title="Back up the drive") in first
    assert messages.GENERATE_JOINED.format(title="Back up the drive") in again
    assert [run.status for run in runs_of(rule)] == ["queued"]


@pytest.mark.django_db
def test_generate_now_from_the_list_follows_its_run_live(
    operator_client, operator, make_rule, no_worker
):
    rule = make_rule(title="Water the plants", by=operator)
    url = reverse("tasks:recurring-generate", args=[rule.pk])
    row = operator_client.post(url, headers={"HX-Request": "true"}).content.decode()
    (run,) = runs_of(rule)
    status_url = reverse("job-status", args=[run.pk])
    assert f'id="job-status-{run.pk}"' in row and f'hx-get="{status_url}"' in row
    assert 'hx-trigger="every 2s"' in row
    JobRun.objects.filter(pk=run.pk).update(
        status="succeeded", started_at=timezone.now(), finished_at=timezone.now()
    )
    settled = operator_client.get(status_url, headers={"HX-Request": "true"}).content.decode()
    assert "Succeeded" in settled and "hx-trigger" not in settled
    detail = operator_client.get(rule.get_absolute_url()).content.decode()
    assert f'id="job-status-{run.pk}"' not in detail  # settled runs are plain history lines


@pytest.mark.django_db
def test_the_rule_page_shows_a_pending_run_live_to_whoever_queued_it(
    operator_client, operator, make_user, make_rule, no_worker
):
    rule = make_rule(title="Sweep", by=operator)
    run = schedule_generate_now(schedule=rule, by=operator).run
    page = operator_client.get(rule.get_absolute_url()).content.decode()
    assert f'id="job-status-{run.pk}"' in page
    other = Client()
    other.force_login(make_user("linus", "operator"))
    assert f'id="job-status-{run.pk}"' not in other.get(rule.get_absolute_url()).content.decode()


@pytest.mark.django_db(transaction=True)
def test_generate_now_while_the_broker_is_down_says_it_waits_for_the_queue(
    operator_client, operator, make_rule, monkeypatch
):
    def refuse(task, *args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(jobs.LedgerTask, "apply_async", refuse)
    rule = make_rule(title="Mop", by=operator)
    url = reverse("tasks:recurring-generate", args=[rule.pk])
    page = operator_client.post(url, follow=True).content.decode()  # commits: the send runs
    assert (
        messages.GENERATE_AWAITS_QUEUE.format(title="Mop", queue=jobs.QUEUE_UNAVAILABLE_TEXT)
        in page
    )
    assert [r.status for r in runs_of(rule)] == ["queued"]


@pytest.mark.django_db
def test_a_finished_or_long_dead_run_does_not_stop_a_new_one(make_rule, operator, no_worker):
    rule = make_rule(by=operator)
    first = schedule_generate_now(schedule=rule, by=operator)
    JobRun.objects.filter(pk=first.run.pk).update(status="succeeded")
    second = schedule_generate_now(schedule=rule, by=operator)
    assert not second.joined and second.run.pk != first.run.pk
    JobRun.objects.filter(pk=second.run.pk).update(
        status="running", created_at=timezone.now() - timedelta(hours=2)
    )
    third = schedule_generate_now(schedule=rule, by=operator)
    assert not third.joined and len(runs_of(rule)) == 3


@pytest.mark.django_db
def test_each_rule_has_its_own_pending_run(make_rule, operator, no_worker):
    one, two = make_rule(title="One", by=operator), make_rule(title="Two", by=operator)
    assert not schedule_generate_now(schedule=one, by=operator).joined
    assert not schedule_generate_now(schedule=two, by=operator).joined
    assert schedule_generate_now(schedule=one, by=operator).joined
    assert (len(runs_of(one)), len(runs_of(two))) == (1, 1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_clicks_queue_one_run(make_rule, operator, no_worker):
    rule = make_rule(start=TODAY - timedelta(days=30), catch_up="all", by=operator)
    url = reverse("tasks:recurring-generate", args=[rule.pk])
    statuses = [r.status_code for r in concurrent_posts(operator, url, count=50)]
    assert statuses == [302] * 50
    assert [run.status for run in runs_of(rule)] == ["queued"]


# --- absurd values ----------------------------------------------------------------------------


def create(rrule: str) -> RecurringRule:
    return recurring_rule_create(
        data=RuleInput(title="Chore", rrule=rrule, start_date=TODAY), by=None
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rrule", "message"),
    [
        ("FREQ=DAILY;INTERVAL=1001", messages.RULE_INTERVAL_TOO_BIG),
        ("FREQ=WEEKLY;INTERVAL=1000000000", messages.RULE_INTERVAL_TOO_BIG),
        ("FREQ=YEARLY;UNTIL=99991231", "The end date 9999-12-31 is more than 100 years ahead"),
        ("FREQ=DAILY;UNTIL=21261124", "The end date 2126-11-24 is more than 100 years ahead"),
    ],
)
def test_a_rule_with_an_absurd_value_is_refused(rrule, message):
    from dataops.errors import ServiceError

    with pytest.raises(ServiceError, match=message[:40]):
        create(rrule)
    assert not RecurringRule.objects.exists()


@pytest.mark.django_db
def test_the_limits_themselves_are_accepted():
    assert create("FREQ=DAILY;INTERVAL=1000").rrule == "FREQ=DAILY;INTERVAL=1000"
    assert create("FREQ=DAILY;UNTIL=21261123").pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"interval": "1001"}, "interval", messages.RULE_INTERVAL_TOO_BIG),
        (
            {"until": "9999-12-31"},
            "until",
            messages.RULE_UNTIL_TOO_FAR.format(until="9999-12-31", limit="2126-11-23"),
        ),
        (
            {"kind": "advanced", "rrule": "FREQ=DAILY;INTERVAL=5000"},
            "rrule",
            messages.RULE_INTERVAL_TOO_BIG,
        ),
        (
            {"kind": "advanced", "rrule": "FREQ=DAILY;UNTIL=30000101"},
            "rrule",
            messages.RULE_UNTIL_TOO_FAR.format(until="3000-01-01", limit="2126-11-23"),
        ),
    ],
)
def test_the_editor_names_the_limit_next_to_the_field(operator_client, changes, field, message):
    response = operator_client.post(reverse("tasks:recurring-create"), form_data(**changes))
    assert response.status_code == 422
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()
    assert not RecurringRule.objects.exists()
