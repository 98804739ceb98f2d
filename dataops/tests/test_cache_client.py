"""The Redis cache keeps one redis-py client per cache instead of building one per call."""

import pytest
from django.core.cache import cache


@pytest.mark.redis
def test_cache_calls_share_one_client_and_still_work():
    client = cache._cache.get_client()
    assert cache._cache.get_client(write=True) is client
    cache.set("client-reuse", "yes", 30)
    assert cache.get("client-reuse") == "yes"
    assert cache._cache.get_client() is client
    cache.delete("client-reuse")
