"""Answers cached under generations: kept while every generation stands, computed afresh
once any of them is bumped, never stored under a generation started after they were read."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from dataops import generation

pytestmark = pytest.mark.django_db

FIRST, SECOND = "test:generation:first", "test:generation:second"
KEY = "test:generation:answer"


@pytest.fixture(autouse=True)
def _clean():
    cache.delete_many([FIRST, SECOND, KEY])
    yield
    cache.delete_many([FIRST, SECOND, KEY])


class Counter:
    def __init__(self):
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return self.calls


def _cached(compute) -> int:
    return generation.cached_under(KEY, compute, 60, (FIRST, SECOND))


def test_an_answer_is_computed_once_while_the_generations_stand():
    compute = Counter()
    assert [_cached(compute) for _ in range(3)] == [1, 1, 1]
    assert cache.get(FIRST) and cache.get(SECOND)  # started by the first answer


@pytest.mark.parametrize("bumped", [FIRST, SECOND])
def test_bumping_any_generation_computes_the_answer_again(bumped):
    compute = Counter()
    _cached(compute)
    generation.bump(bumped)
    assert _cached(compute) == 2
    assert _cached(compute) == 2


def test_a_bump_in_a_transaction_is_repeated_when_it_commits(django_capture_on_commit_callbacks):
    compute = Counter()
    with django_capture_on_commit_callbacks(execute=True):
        generation.bump(FIRST)
        # A request running alongside reads the old rows and stores its answer meanwhile...
        _cached(compute)
    # ...and the commit's bump leaves that answer behind.
    assert _cached(compute) == 2


def test_an_answer_read_before_a_generation_started_is_not_stored_under_it(monkeypatch):
    values = iter([1, 2])

    def compute() -> int:
        cache.set(FIRST, "started-meanwhile", None)  # another process started it meanwhile
        return next(values)

    assert _cached(compute) == 1
    assert cache.get(KEY) is None
    assert _cached(lambda: 3) == 3  # stored now, under the generation that stands
    assert _cached(lambda: 4) == 3
