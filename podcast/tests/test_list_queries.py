"""The guest and episode lists make the same number of queries whatever the number of rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from podcast.tests.core_fixtures import *  # noqa: F403 (fixtures)

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> int:
    client.get(url)  # the cached role lists fill on the first visit
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _grow(make_guest, make_episode, start: int, n: int) -> None:
    for i in range(start, start + n):
        guest = make_guest(f"Guest {i}", tags=f"tag{i % 4}, shared", company=f"Co {i}")
        make_episode([guest], days_ahead=i % 40 - 10, working_title=f"Episode {i}")


@pytest.mark.parametrize("name", ["podcast:guest-list", "podcast:episode-list"])
def test_list_query_count_does_not_grow(operator_client, make_guest, make_episode, name):
    url = reverse(name)
    _grow(make_guest, make_episode, 0, 2)
    small = _queries(operator_client, url)
    _grow(make_guest, make_episode, 2, 40)
    assert _queries(operator_client, url) == small
    assert _queries(operator_client, url + "?status=planning") == small
