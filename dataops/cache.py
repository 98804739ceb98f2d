"""Django's Redis cache, made optional: while Redis is unreachable every read is a miss and
every write is skipped, instead of an exception on every page.

Sessions (``cached_db``) then read and write the database alone, and cached fragments are
computed again, so pages and writes keep working through a Redis outage. A warning is
logged at most once a minute per process. After a failure Redis is left alone for a few
seconds, so a Redis that times out instead of refusing does not slow every request.

Keys written or deleted while Redis was away may hold stale values when it comes back (a
session logged out meanwhile would otherwise come back to life from the cache): they are
remembered and deleted on the first successful call after the outage.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ReadOnlyError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, ReadOnlyError)
WARN_EVERY_SECONDS = 60.0
PAUSE_AFTER_FAILURE_SECONDS = 5.0
MAX_STALE_KEYS = 10_000
_MISSING = object()


class Outage:
    """What one process knows about one Redis location, shared by every thread's cache."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.paused_until = 0.0
        self.last_warning = -WARN_EVERY_SECONDS
        self.stale_keys: set[str] = set()
        self.down = False

    def paused(self) -> bool:
        return time.monotonic() < self.paused_until

    def failed(self, exc: BaseException, keys: list[str]) -> None:
        now = time.monotonic()
        with self.lock:
            self.down = True
            self.paused_until = now + PAUSE_AFTER_FAILURE_SECONDS
            self.stale_keys.update(keys[: max(0, MAX_STALE_KEYS - len(self.stale_keys))])
            warn = now - self.last_warning >= WARN_EVERY_SECONDS
            if warn:
                self.last_warning = now
        if warn:
            log.warning(
                "Redis cache unavailable, working without it (sessions are read from "
                "the database): %s",
                exc,
            )

    def remember(self, keys: list[str]) -> None:
        if keys:
            with self.lock:
                self.stale_keys.update(keys[: max(0, MAX_STALE_KEYS - len(self.stale_keys))])

    def take_recovery(self) -> list[str] | None:
        """The stale keys to delete, once, on the first call after an outage."""
        if not self.down:
            return None
        with self.lock:
            if not self.down:
                return None
            self.down = False
            keys, self.stale_keys = list(self.stale_keys), set()
        log.info("Redis cache is reachable again")
        return keys


_outages: dict[tuple, Outage] = {}
_outages_lock = threading.Lock()


def outage_for(servers: list[str]) -> Outage:
    key = tuple(servers)
    with _outages_lock:
        return _outages.setdefault(key, Outage())


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django builds a new redis-py client object for every cache call, which costs about as
    much CPU as the call itself; one client per connection pool serves every thread (the
    client takes a pooled connection for each command)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._client_for_all = None

    def get_client(self, key=None, *, write=False):
        if len(self._servers) > 1:  # replicas: Django picks a pool per call
            return super().get_client(key, write=write)
        if self._client_for_all is None:
            self._client_for_all = super().get_client(key, write=True)
        return self._client_for_all


class ResilientRedisCache(RedisCache):
    """`RedisCache` whose connection errors are logged misses (see the module docstring)."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        self.outage = outage_for(self._servers)

    def _guarded(self, fallback: Any, keys: list[str], call, *args, **kwargs) -> Any:
        if self.outage.paused():
            self.outage.remember(keys)
            return fallback
        stale = self.outage.take_recovery() or []
        try:
            if stale:  # before answering: a read must not return a stale value
                self._cache.delete_many(stale)
            return call(*args, **kwargs)
        except UNAVAILABLE as exc:
            self.outage.failed(exc, keys + stale)
            return fallback

    def _keys(self, keys, version) -> list[str]:
        return [self.make_and_validate_key(key, version=version) for key in keys]

    def probe(self) -> None:
        """Write and read one value, raising what Redis raises (for the Health page)."""
        super().set("health:probe", "1", 30)
        if super().get("health:probe") != "1":
            raise RuntimeError("Redis accepted a value but did not return it.")

    def get(self, key, default=None, version=None):
        return self._guarded(default, [], super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._guarded({}, [], super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._guarded(False, [], super().has_key, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(False, [], super().add, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        stale = self._keys([key], version)
        return self._guarded(None, stale, super().set, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        stale = self._keys(data, version)
        return self._guarded(list(data), stale, super().set_many, data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(False, [], super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._guarded(False, self._keys([key], version), super().delete, key, version)

    def delete_many(self, keys, version=None):
        keys = list(keys)
        return self._guarded(None, self._keys(keys, version), super().delete_many, keys, version)

    def incr(self, key, delta=1, version=None):
        stale = self._keys([key], version)
        result = self._guarded(_MISSING, stale, super().incr, key, delta, version)
        if result is _MISSING:
            raise ValueError(f"Key '{key}' not found (the cache is unavailable).")
        return result

    def clear(self):
        return self._guarded(False, [], super().clear)
