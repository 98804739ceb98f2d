"""The registry's generation (see `dataops.generation`): a token in the cache that changes
whenever registry rows do.

Pages of tasks resolve the instruction docs of every row on every request, and a doc page
shows what the last sync registered; both answers only change when a sync rewrites the
registry. The registry's one writer (`registry.registry_refresh`) calls `bump`. (No signal
handlers: a delete receiver on Document would turn the sync's bulk deletes into one query
per row.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from dataops import generation

T = TypeVar("T")
KEY = "docs:registry-generation"


def bump() -> None:
    """Invalidate every answer cached under the current registry generation."""
    generation.bump(KEY)


def cached_under_generation(
    key: str, compute: Callable[[], T], timeout: int, also: tuple[str, ...] = ()
) -> T:
    """`compute()`, remembered in the cache under `key` for the current registry generation
    (and the generations `also` names)."""
    return generation.cached_under(key, compute, timeout, (KEY, *also))
