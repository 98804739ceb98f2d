"""Races and crashes on a real, committed PostgreSQL database: separate processes started at
the same moment, 50 simultaneous "generate now" requests, a worker killed half-way.

Child processes are forked from the test process after its connections are closed, so they
inherit the settings pointing at the test database (checked in each child) and the frozen
clock, and open their own connections.
"""

import json
import multiprocessing
import os
import time
from datetime import date, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, connections
from django.db.models import Count
from django.urls import reverse

from dataops.models import JobRun
from tasks.models import RecurringRule, Task
from tasks.services import recurring as generator
from tasks.services import recurring_generate_one
from tasks.tests.conftest import at, concurrent_posts

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
TODAY = date(2026, 6, 15)
FORK = multiprocessing.get_context("fork")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(at(TODAY), tick=False):
        yield


@pytest.fixture
def backlog(make_rule):
    """make(n, days) → n daily rules, each owing `days` + 1 tasks (catch-up `all`)."""

    def make(rules: int, days: int) -> int:
        for i in range(rules):
            make_rule(start=TODAY - timedelta(days=days), catch_up="all", title=f"Rule {i}")
        return rules * (days + 1)

    return make


def assert_no_duplicates(expected: int) -> None:
    assert Task.objects.count() == expected
    doubled = (
        Task.objects.values("recurring_rule", "occurrence_date")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert not doubled.exists()


_INHERITED = []


def _fresh_connections() -> None:
    """Give a forked child connections of its own. Whatever connection objects it inherited
    stay referenced and untouched: closing (or freeing) one would end the parent's session
    on the shared socket."""
    for alias in connections:
        _INHERITED.append(connections[alias])
        connections[alias] = connections.create_connection(alias)


def _child(job, barrier, results) -> None:
    """Run `job` in a forked process on its own connection; report, then exit hard."""
    code = 0
    try:
        _fresh_connections()
        assert connection.settings_dict["NAME"].startswith("test_"), "not the test database"
        barrier.wait(timeout=60)
        started = time.monotonic()
        outcome = job()
        results.put({"outcome": outcome, "started": started, "finished": time.monotonic()})
    except BaseException as exc:  # the parent asserts on what the child saw
        results.put({"error": repr(exc)})
        code = 1
    finally:
        connections.close_all()
        results.close()
        results.join_thread()  # the queue writes from a thread: flush before exiting hard
        os._exit(code)


def run_in_processes(*jobs) -> list[dict]:
    connections.close_all()  # children must not share the parent's socket
    barrier, results = FORK.Barrier(len(jobs)), FORK.Queue()
    children = [FORK.Process(target=_child, args=(job, barrier, results)) for job in jobs]
    for child in children:
        child.start()
    outcomes = [results.get(timeout=60) for _ in children]
    for child in children:
        child.join(timeout=30)
    assert all("error" not in o for o in outcomes), outcomes
    return outcomes


def _generate_command() -> dict:
    out = StringIO()
    call_command("recurring", "generate", "--json", stdout=out)
    return json.loads(out.getvalue())


def test_two_generator_runs_in_separate_processes_create_everything_once(backlog):
    expected = backlog(rules=40, days=20)
    outcomes = run_in_processes(_generate_command, _generate_command)
    assert_no_duplicates(expected)
    created = [o["outcome"]["counts"].get("created", 0) for o in outcomes]
    assert sum(created) == expected
    first, second = sorted(outcomes, key=lambda o: o["started"])
    if second["started"] < first["finished"]:  # they overlapped: the lock decided
        assert sorted(o["outcome"]["ran"] for o in outcomes) == [False, True]
        assert JobRun.objects.filter(note="skipped: already running").count() == 1
    assert JobRun.objects.filter(kind="recurring.generate", status="succeeded").count() == 2


def _generate_each_rule_now() -> int:
    """ "Generate now" for every rule, one after the other: row locks only, no run lock."""
    return sum(
        recurring_generate_one(schedule=rule).created
        for rule in RecurringRule.objects.order_by("pk")
    )


def test_generate_now_in_two_processes_without_the_run_lock_still_creates_once(backlog):
    expected = backlog(rules=30, days=10)
    outcomes = run_in_processes(_generate_each_rule_now, _generate_each_rule_now, _generate_command)
    assert_no_duplicates(expected)
    now_created = sum(o["outcome"] for o in outcomes if isinstance(o["outcome"], int))
    tick_created = sum(
        o["outcome"]["counts"].get("created", 0) for o in outcomes if isinstance(o["outcome"], dict)
    )
    assert now_created + tick_created == expected


def test_fifty_concurrent_generate_now_requests_create_each_task_once(make_rule, operator):
    rule = make_rule(start=TODAY - timedelta(days=30), catch_up="all", by=operator)
    url = reverse("tasks:recurring-generate", args=[rule.pk])
    statuses = [r.status_code for r in concurrent_posts(operator, url, count=50)]
    assert statuses == [302] * 50
    assert_no_duplicates(31)
    # Clicks while a run is pending join it; the runs there are all ran and made the 31.
    runs = JobRun.objects.filter(kind="recurring.generate", target_id=str(rule.pk))
    assert 1 <= runs.count() < 50 and set(runs.values_list("status", flat=True)) == {"succeeded"}
    assert sum(run.counts["created"] for run in runs) == 31


def _crash_after(settled: int):
    """A tick that dies (like a killed worker) right after `settled` rules committed."""

    def job() -> None:
        _fresh_connections()
        real, seen = generator._settle, []

        def settle(model, pk, run, **kwargs):
            if len(seen) == settled:
                os._exit(3)  # no cleanup, no unlock: the connection just disappears
            seen.append(pk)
            return real(model, pk, run, **kwargs)

        generator._settle = settle
        _generate_command()

    return job


def _wait_for_the_lock_to_be_free() -> None:
    for _ in range(100):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s",
                [generator.LOCK_KEY],
            )
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.05)
    raise AssertionError("the crashed run's advisory lock was never released")


def test_a_crash_half_way_is_completed_by_the_next_run_without_duplicates(backlog):
    expected = backlog(rules=10, days=4)  # 5 tasks per rule
    connections.close_all()
    child = FORK.Process(target=_crash_after(5))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 3
    assert Task.objects.count() == 25  # five rules settled and committed, then the crash
    settled = RecurringRule.objects.filter(generated_through=TODAY)
    assert settled.count() == 5
    assert not Task.objects.exclude(recurring_rule__in=settled).exists()
    crashed = JobRun.objects.get(kind="recurring.generate")
    assert crashed.status == "running"  # the ledger shows the run that never finished
    _wait_for_the_lock_to_be_free()
    report = _generate_command()
    assert report["ran"] and report["counts"]["created"] == 25
    assert (report["counts"]["skipped"], report["counts"]["failed"]) == (0, 0)
    assert_no_duplicates(expected)
    assert _generate_command()["counts"]["created"] == 0
