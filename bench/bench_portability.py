"""Data safety at the product's scale: export, validate and a restore drill with 100,000
tasks, 2,000 workflows and their history; a Trello dry run of a 2,000-card board.

The work data comes from the work-engine benchmark's generator (`bench/bench_tasks.py`) plus
one history event per task; the board is the shipped sample board's cards copied under new
ids until it holds 2,000. Memory: `export_data` and `validate_export` run once more as
processes of their own, and their peak resident size is compared with that of a process that
only starts Django and runs `check`. The restore drill is the real one (`run_drill`): a
scratch database beside the benchmark's, migrate, import, export again, compare.
"""

from __future__ import annotations

import copy
import json
import subprocess  # nosec B404 - runs manage.py for the memory measurement
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from bench.bench_tasks import TASKS, WORKFLOWS, Generator, _users
from bench.harness import Result, measure_once
from dataops.portability.drill import run_drill
from dataops.portability.export import export_data
from dataops.portability.validate import validate_archive
from dataops.redact import redact
from tasks.importers.mapping import Mapping
from tasks.importers.trello import Redactor, parse_board
from tasks.models import HistoryEvent, Task
from tasks.services import templates_load
from tasks.services.common import local_today
from tasks.services.imports import trello_import

TITLE = (
    "Data safety: export + validate + restore drill at 100,000 tasks, Trello dry run of 2,000 cards"
)
ROOT = Path(__file__).resolve().parent.parent
BOARD = ROOT / "tasks/importers/fixtures/sample_board.json"
CARDS = 2_000
BATCH = 5_000


# Runs one management command, then prints the process's peak resident size (VmHWM: per
# address space, so it starts afresh at exec; rusage's maxrss carries the forking parent's).
PEAK_OF_COMMAND = """
import sys
from django.core.management import execute_from_command_line
execute_from_command_line(sys.argv)
status = open("/proc/self/status").read().split("VmHWM:")[1].split()[0]
print("peak-kb", status, file=sys.stderr)
"""


def _command_peak_mb(*args: str) -> float:
    """Peak resident memory of `manage.py ARGS` run as a process of its own."""
    done = subprocess.run(  # nosec B603 - our own interpreter and a fixed script
        [sys.executable, "-c", PEAK_OF_COMMAND, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return int(done.stderr.rsplit("peak-kb", 1)[1].split()[0]) / 1024


def _history(actor) -> int:
    ids = Task.objects.values_list("pk", flat=True).order_by("pk").iterator(chunk_size=BATCH)
    batch, made = [], 0
    for pk in ids:
        batch.append(HistoryEvent(task_id=pk, actor=actor, action="created", after={"n": pk}))
        if len(batch) == BATCH:
            made += len(HistoryEvent.objects.bulk_create(batch))
            batch = []
    return made + len(HistoryEvent.objects.bulk_create(batch))


def _big_board(cards: int) -> dict:
    """The sample board with its cards (and their checklists and actions) copied under new
    ids until there are `cards` of them."""
    board = json.loads(BOARD.read_text())
    originals = list(board["cards"])
    checklists = {c["id"]: c for c in board["checklists"]}
    actions = [a for a in board["actions"] if a.get("data", {}).get("card")]
    copy_no = 0
    while len(board["cards"]) < cards:
        copy_no += 1
        for card in originals:
            if len(board["cards"]) >= cards:
                break
            board["cards"].append(_copied_card(board, card, checklists, actions, copy_no))
    return board


def _copied_card(board: dict, card: dict, checklists: dict, actions: list, n: int) -> dict:
    new = copy.deepcopy(card)
    new["id"] = f"{card['id']}-{n}"
    new["idChecklists"] = []
    for checklist_id in card.get("idChecklists", []):
        if checklist_id in checklists:
            checklist = copy.deepcopy(checklists[checklist_id])
            checklist["id"], checklist["idCard"] = f"{checklist_id}-{n}", new["id"]
            for item in checklist.get("checkItems", []):
                item["id"] = f"{item['id']}-{n}"
            board["checklists"].append(checklist)
            new["idChecklists"].append(checklist["id"])
    for action in actions:
        if action["data"]["card"].get("id") == card["id"]:
            copied = copy.deepcopy(action)
            copied["id"], copied["data"]["card"]["id"] = f"{action['id']}-{n}", new["id"]
            board["actions"].append(copied)
    return new


def run(ctx) -> list[Result]:
    templates_load()
    users = _users()
    today = local_today()
    gen = Generator(today, users)
    gen.workflows(WORKFLOWS, today - timedelta(days=8 * 365), today + timedelta(days=30))
    gen.standalone(TASKS - Task.objects.count(), today - timedelta(days=3 * 365), today)
    events = _history(users[0])
    results: list[Result] = []
    out = Path(tempfile.mkdtemp(prefix="bench-export-", dir=ctx["tmp"]))
    done = {}

    export = measure_once(
        "export_data: every entity to one archive",
        lambda: done.update(export=export_data(out_dir=out)),
        target_ms=60_000,
    )
    archive = done["export"].path
    idle = _command_peak_mb("check")
    export_growth = _command_peak_mb("export_data", "--out", str(out / "again")) - idle
    validate_growth = _command_peak_mb("validate_export", str(archive)) - idle
    export.note = (
        f"{Task.objects.count():,} tasks, {WORKFLOWS:,} workflows, {events:,} history events; "
        f"archive {archive.stat().st_size / 1e6:.1f} MB; as a process of its own: peak "
        f"memory {export_growth:+.0f} MB over a bare Django process "
        "(goal ≤ 200 MB)"
    )
    results.append(export)

    validate = measure_once(
        "validate_export: checksums, schema, references, secrets",
        lambda: done.update(report=validate_archive(path=archive)),
        target_ms=30_000,
    )
    report = done["report"]
    validate.note = (
        f"{'valid' if report.ok else 'INVALID: ' + '; '.join(report.problems[:2])}; "
        f"peak memory {validate_growth:+.0f} MB over a bare Django process"
    )
    results.append(validate)

    drill = measure_once(
        "restore_drill: scratch database, migrate, import, export, compare",
        lambda: done.update(drill=run_drill(archive)),
        target_ms=180_000,
    )
    record = done["drill"]
    rows = sum(record.counts.values())
    drill.note = (
        f"{record.status} on {record.database_vendor}: {rows:,} rows restored, "
        f"{len(record.mismatches)} file(s) different"
        + (f"; {record.error[:200]}" if record.error else "")
    )
    results.append(drill)

    board = parse_board(_big_board(CARDS), Redactor(keep_emails=False, secrets=redact))
    dry = measure_once(
        f"import_trello --dry-run: a {CARDS:,}-card board",
        lambda: done.update(
            trello=trello_import(board=board, mapping=Mapping(), by=users[0], dry_run=True)
        ),
        target_ms=20_000,
    )
    created = done["trello"].created
    dry.note = ", ".join(f"{name} {count:,}" for name, count in created.items()) + " (rolled back)"
    results.append(dry)
    return results
