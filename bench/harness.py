"""Timing helpers shared by every benchmark: warm-up, median / p95, SQL query counts."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.test.utils import CaptureQueriesContext


@dataclass
class Result:
    name: str
    samples_ms: list[float]
    queries: int | None = None
    target_ms: float | None = None
    target_label: str = "p95"
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    @property
    def checked_value(self) -> float:
        return self.p95 if self.target_label == "p95" else self.median

    @property
    def verdict(self) -> str:
        if self.target_ms is None:
            return ""
        return "ok" if self.checked_value <= self.target_ms else "SLOW"

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "runs": len(self.samples_ms),
            "median_ms": round(self.median, 3),
            "p95_ms": round(self.p95, 3),
            "queries": self.queries,
            "target_ms": self.target_ms,
            "verdict": self.verdict,
            "note": self.note,
            **self.extra,
        }


def measure(
    name: str,
    fn: Callable[[], object],
    *,
    runs: int = 30,
    warmup: int = 3,
    target_ms: float | None = None,
    count_queries: bool = True,
    note: str = "",
    setup: Callable[[], object] | None = None,
) -> Result:
    """Run `fn` `warmup` times untimed, then `runs` times timed (setup runs untimed before each)."""
    for _ in range(warmup):
        if setup:
            setup()
        fn()
    samples, queries = [], None
    for _ in range(runs):
        if setup:
            setup()
        if count_queries and queries is None:
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                fn()
                samples.append((time.perf_counter() - started) * 1000)
            queries = len(ctx.captured_queries)
            continue
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return Result(name, samples, queries, target_ms, note=note)


def measure_once(
    name: str, fn: Callable[[], object], *, target_ms: float | None = None, note: str = ""
) -> Result:
    """Time one big operation (a full sync, a year of catch-up) a single time."""
    started = time.perf_counter()
    fn()
    return Result(
        name,
        [(time.perf_counter() - started) * 1000],
        None,
        target_ms,
        target_label="time",
        note=note,
    )


def fmt_ms(value: float) -> str:
    if value >= 10_000:
        return f"{value / 1000:.1f} s"
    if value >= 100:
        return f"{value:.0f} ms"
    return f"{value:.2f} ms"


def print_table(title: str, results: list[Result]) -> None:
    print(f"\n== {title} ==")
    header = f"{'benchmark':<58} {'runs':>5} {'median':>10} {'p95':>10} {'queries':>8}  target"
    print(header)
    print("-" * len(header))
    for r in results:
        target = f"{r.target_label} ≤ {fmt_ms(r.target_ms)} {r.verdict}" if r.target_ms else ""
        queries = "" if r.queries is None else str(r.queries)
        print(
            f"{r.name:<58} {len(r.samples_ms):>5} {fmt_ms(r.median):>10} {fmt_ms(r.p95):>10} "
            f"{queries:>8}  {target}"
        )
        if r.note:
            print(f"    {r.note}")


def git(cwd, *args: str) -> None:
    """Run git in `cwd` as the benchmark's author (generated repositories), quietly."""
    subprocess.run(
        ["git", "-c", "user.name=Bench", "-c", "user.email=bench@example.org", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )
