"""CPU seconds the server side spent during the measured window: gunicorn and PostgreSQL.

Requests per second depend on how much of the machine the run gets (other work on a shared
box takes its share); CPU milliseconds per request do not, so they compare two versions of
the code fairly. A thread samples, once a second, the CPU times of gunicorn's processes and
of the PostgreSQL backends connected to the load database; a process that exits between two
samples loses at most its last second.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import psutil


@dataclass
class Sample:
    at: float
    gunicorn: dict[int, float] = field(default_factory=dict)
    postgres: dict[int, float] = field(default_factory=dict)


def _cpu(pid: int) -> float | None:
    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return None
    return times.user + times.system


def _tree(pid: int) -> list[int]:
    try:
        root = psutil.Process(pid)
        return [root.pid, *(child.pid for child in root.children(recursive=True))]
    except psutil.Error:
        return []


def _spent(first: dict[int, float], later: list[dict[int, float]]) -> float:
    """CPU seconds since `first`: each process's latest reading minus its first one
    (zero for a process started since)."""
    latest: dict[int, float] = {}
    for readings in later:
        latest.update(readings)
    return sum(seconds - first.get(pid, 0.0) for pid, seconds in latest.items())


def backends_of(database: str):
    """A function listing the PostgreSQL backend processes connected to `database`."""

    def pids() -> list[int]:
        found = []
        for proc in psutil.process_iter(["name", "cmdline"]):
            cmdline = " ".join(proc.info["cmdline"] or [])
            if cmdline.startswith("postgres: ") and f" {database} " in cmdline:
                found.append(proc.pid)
        return found

    return pids


class CpuSampler(threading.Thread):
    def __init__(self, *, gunicorn_pid: int, backend_pids, interval: float = 1.0):
        super().__init__(daemon=True)
        self.gunicorn_pid, self.backend_pids, self.interval = gunicorn_pid, backend_pids, interval
        self.samples: list[Sample] = []
        self._stop_event = threading.Event()

    def sample(self) -> Sample:
        found = Sample(time.time())
        for name, pids in (
            ("gunicorn", _tree(self.gunicorn_pid)),
            ("postgres", self.backend_pids()),
        ):
            for pid in pids:
                seconds = _cpu(pid)
                if seconds is not None:
                    getattr(found, name)[pid] = seconds
        return found

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.samples.append(self.sample())
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()
        self.samples.append(self.sample())

    def spent_since(self, started_at: float) -> tuple[float, float]:
        """(gunicorn, PostgreSQL) CPU seconds from the first sample at or after `started_at`
        to the last one."""
        after = [s for s in self.samples if s.at >= started_at] or self.samples[-1:]
        first = after[0]
        return (
            _spent(first.gunicorn, [s.gunicorn for s in after]),
            _spent(first.postgres, [s.postgres for s in after]),
        )
