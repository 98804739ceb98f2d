"""The registry's generation: a token in the cache that changes whenever registry rows do.

Pages of tasks resolve the instruction docs of every row on every request, and the answer
only changes when a sync rewrites the registry. Answers cached under the generation they were
computed in are ignored once it moves on, so nothing has to find and delete them. The
registry's one writer (`registry.registry_refresh`) calls `bump` at once and again after its
transaction commits, so a request running alongside cannot store an answer read before the
commit under the new generation. (No signal handlers: a delete receiver on Document would
turn the sync's bulk deletes into one query per row.) No cache means no generation and every
answer computed.
"""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import transaction

KEY = "docs:registry-generation"


def _renew() -> None:
    cache.set(KEY, uuid.uuid4().hex, None)


def bump() -> None:
    """Invalidate every answer cached under the current generation, now and on commit."""
    _renew()
    transaction.on_commit(_renew)


def cached_under_generation(key: str, compute, timeout: int):
    """`compute()`, remembered in the cache under `key` for the current generation."""
    found = cache.get_many([KEY, key])
    generation, entry = found.get(KEY), found.get(key)
    if generation is not None and entry is not None and entry[0] == generation:
        return entry[1]
    value = compute()
    if generation is None:
        generation = uuid.uuid4().hex
        if not cache.add(KEY, generation, None):
            return value  # another process started one meanwhile: store under it next time
    cache.set(key, (generation, value), timeout)
    return value
