"""Locks that hold across processes and machines: they live in PostgreSQL, not in memory."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def try_advisory_lock(key: int) -> Iterator[bool | None]:
    """Take the session-level advisory lock `key` without waiting.

    Yields True when this process holds it, False when another one does, and None on a
    database without advisory locks (SQLite: the caller applies its own single-writer rule).
    Session-level, so it spans several transactions; released on exit or when the
    connection closes (a crashed worker never leaves it behind).
    """
    if connection.vendor != "postgresql":
        yield None
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
