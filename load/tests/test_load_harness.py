"""The load harness: locust's statistics read back, the lost-write check, and a tiny real run
(2 users for a few seconds) against a live server through the real login page."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from load import report
from load.prepare import database_name, recreate_database
from tasks import services
from tasks.services.common import local_today

ROOT = Path(__file__).resolve().parents[2]
HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,"
    "66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%"
)


def _task(title: str, user):
    return services.task_create(title=title, due_date=local_today(), by=user, assignee=user)


def _stats_csv(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "locust_stats.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


def test_stats_are_read_per_page_and_overall(tmp_path):
    path = _stats_csv(
        tmp_path,
        [
            "GET,home,120,0,48,60.1,20,900,37000,2.0,0.0,48,55,60,70,90,240,400,610,900,900,900",
            "GET,login page,0,0,0,0,0,0,0,0.0,0.0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A",
            "POST,complete (POST),12,1,30,35,20,80,1800,0.2,0.02,30,31,32,33,40,70,80,80,80,80,80",
            ",Aggregated,132,1,47,58,20,900,33800,2.2,0.02,47,54,59,68,88,230,390,600,900,900,900",
        ],
    )
    rows, overall = report.read_stats(path)
    assert [r.name for r in rows] == ["home", "complete (POST)"]  # never-requested rows dropped
    assert (overall.requests, overall.errors, overall.p95, overall.p99) == (132, 1, 230, 600)
    table = report.stats_table(rows, overall)
    assert table.splitlines()[-1].split() == ["overall", "132", "1", "2.2", "47", "230", "600"]
    verdict = report.verdict(overall, lost=0, errors=1)
    assert "requests/s 2.2 ≥ 100 MISSED" in verdict and "errors 1 = 0 MISSED" in verdict
    assert "p95 230 ms ≤ 300 ok" in verdict


def test_a_run_without_statistics_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="no Aggregated row"):
        report.read_stats(_stats_csv(tmp_path, []))


def test_write_check_finds_lost_unconfirmed_and_wrong_status():
    check = report.check_writes(
        confirmed={"1": {"completed": 2, "reopened": 1}, "2": {"commented": 3}},
        before={(1, "completed"): 5, (2, "commented"): 1},
        after={(1, "completed"): 7, (1, "reopened"): 1, (2, "commented"): 3, (3, "commented"): 1},
        last_status={"1": "done", "2": "todo"},
        statuses={1: "done", 2: "done"},
    )
    assert check.confirmed == {"completed": 2, "reopened": 1, "commented": 3}
    assert check.lost == {(2, "commented"): 1}
    assert check.unconfirmed == {(3, "commented"): 1}
    assert check.wrong_status == {2: ("todo", "done")}
    assert check.lost_count == 2
    assert check.summary().startswith("lost writes: 2 (6 confirmed writes: 2 completed")


def test_a_write_still_in_flight_when_the_run_stops_explains_a_newer_status():
    """The server completed task 4 but the run stopped before its answer was read: the
    user last saw "todo", the database says "done" — landed unconfirmed, nothing lost."""
    check = report.check_writes(
        confirmed={"4": {"reopened": 1}},
        before={},
        after={(4, "reopened"): 1, (4, "completed"): 1},
        last_status={"4": "todo", "5": "todo"},
        statuses={4: "done", 5: "done"},
    )
    assert check.unconfirmed == {(4, "completed"): 1}
    assert check.wrong_status == {5: ("todo", "done")}  # no write explains task 5
    assert check.lost_count == 1


def test_write_check_against_the_database(operator):
    first, second = _task("First", operator), _task("Second", operator)
    ids = [first.pk, second.pk]
    before = report.history_counts(ids)
    services.task_complete(task=first, by=operator)
    services.task_reopen(task=first, by=operator)
    services.task_complete(task=first, by=operator)
    services.task_add_comment(task=second, by=operator, text="Checked.")
    confirmed = {str(first.pk): {"completed": 2, "reopened": 1}, str(second.pk): {"commented": 1}}
    check = report.check_writes(
        confirmed=confirmed,
        before=before,
        after=report.history_counts(ids),
        last_status={str(first.pk): "done", str(second.pk): "todo"},
        statuses=report.task_statuses(ids),
    )
    assert check.lost_count == 0 and not check.unconfirmed
    one_more = {**confirmed, str(second.pk): {"commented": 2}}
    check = report.check_writes(
        confirmed=one_more,
        before=before,
        after=report.history_counts(ids),
        last_status={},
        statuses=report.task_statuses(ids),
    )
    assert check.lost == {(second.pk, "commented"): 1}


def test_only_a_load_database_is_ever_dropped():
    assert database_name("postgres://postgres@127.0.0.1:5432/dataops_load?x=1") == "dataops_load"
    with pytest.raises(SystemExit, match="must contain 'load'"):
        recreate_database("postgres://postgres@127.0.0.1:5432/dataops")


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_users_log_in_browse_and_write_without_losing_anything(
    live_server, make_user, tmp_path
):
    from django.contrib.auth.hashers import make_password

    from load.prepare import LOAD_PASSWORD

    accounts = []
    for name in ("load01", "load02"):
        user = make_user(name, "operator")
        user.password = make_password(LOAD_PASSWORD)
        user.save(update_fields=["password"])
        own = [_task(f"{name} task {i}", user) for i in range(2)]
        accounts.append(
            {
                "username": name,
                "password": LOAD_PASSWORD,
                "tasks": [{"id": t.pk, "version": t.version, "status": t.status} for t in own],
            }
        )
    ids = [t["id"] for a in accounts for t in a["tasks"]]
    (tmp_path / "plan.json").write_text(
        json.dumps({"users": accounts, "workflows": [], "docs": [], "searches": ["podcast"]})
    )
    before = report.history_counts(ids)
    env = {
        **os.environ,
        "LOAD_PLAN": str(tmp_path / "plan.json"),
        "LOAD_USERS": "2",
        "LOAD_WRITES": str(tmp_path / "writes.json"),
        "LOAD_SECONDS": "3",
        "LOAD_WAIT_MIN": "0.01",
        "LOAD_WAIT_MAX": "0.05",
        "LOAD_WRITE_PERCENT": "50",
    }
    subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(ROOT / "load" / "locustfile.py"),
            "--headless",
            "--host",
            live_server.url,
            "-u",
            "2",
            "-r",
            "2",
            "-t",
            "30s",
            "--csv",
            str(tmp_path / "locust"),
            "--only-summary",
        ],
        cwd=ROOT,
        env=env,
        check=False,
        timeout=60,
        capture_output=True,
    )
    rows, overall = report.read_stats(tmp_path / "locust_stats.csv")
    writes = json.loads((tmp_path / "writes.json").read_text())
    assert writes["logins"]["done"] == 2 and writes["logins"]["refused"] == 0
    assert overall.requests > 0 and overall.errors == 0
    # Which pages a few seconds of random choices reach varies; every one must be a known page.
    names = {r.name for r in rows}
    assert names and names <= {
        "home",
        "task list",
        "docs search",
        "comment (POST)",
        "complete (POST)",
        "reopen (POST)",
    }
    check = report.check_writes(
        confirmed=writes["confirmed"],
        before=before,
        after=report.history_counts(ids),
        last_status=writes["last_status"],
        statuses=report.task_statuses(ids),
    )
    assert sum(check.confirmed.values()) > 0
    assert check.lost_count == 0
