"""Generations: tokens in the cache that change whenever the rows behind them do.

An answer computed from slow-changing rows (the docs registry, the workflow templates) is
stored together with the generations it was computed under and ignored once any of them
moves on, so nothing has to find and delete it. The writer of those rows calls `bump` at
once and again after its transaction commits, so a request running alongside cannot store
an answer read before the commit under the new generation. No cache means no generation and
every answer computed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")


def _renew(keys: tuple[str, ...]) -> None:
    cache.set_many({key: uuid.uuid4().hex for key in keys}, None)


def bump(*keys: str) -> None:
    """Invalidate every answer cached under the current generations `keys`, now and on
    commit."""
    _renew(keys)
    transaction.on_commit(lambda: _renew(keys))


def cached_under(
    key: str, compute: Callable[[], T], timeout: int, generations: tuple[str, ...]
) -> T:
    """`compute()`, remembered in the cache under `key` for the current `generations`."""
    found = cache.get_many([*generations, key])
    current = tuple(found.get(name) for name in generations)
    entry = found.get(key)
    if None not in current and entry is not None and entry[0] == current:
        return entry[1]
    value = compute()
    if None in current:
        started = {
            name: uuid.uuid4().hex
            for name, token in zip(generations, current, strict=True)
            if token is None
        }
        for name, token in started.items():
            if not cache.add(name, token, None):
                return value  # another process started one meanwhile: store under it next time
        current = tuple(found.get(name) or started[name] for name in generations)
    cache.set(key, (current, value), timeout)
    return value
