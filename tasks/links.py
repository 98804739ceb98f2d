"""URLs of tasks and workflows, built from patterns reversed once per process.

Rows render by the dozen on Home and the workflow page; reversing each URL of each row
(eight per row) costs more than the rest of the row.
"""

from functools import cache

from django.urls import get_script_prefix, reverse

_MARK = 987654321
ROW_ACTIONS = ("complete", "resolve", "wait", "snooze", "follow-up", "response", "reopen")


@cache
def _pattern(name: str, prefix: str) -> str:
    return reverse(name, args=[_MARK]).replace(str(_MARK), "{pk}")


def url_for(name: str, pk: int) -> str:
    """`reverse(name, args=[pk])` for URL patterns with one integer argument."""
    return _pattern(name, get_script_prefix()).format(pk=pk)


@cache
def _row_patterns(prefix: str) -> tuple[tuple[str, str], ...]:
    names = {action.replace("-", "_"): f"tasks:task-{action}" for action in ROW_ACTIONS}
    names["detail"] = "tasks:task-detail"
    return tuple((key, _pattern(name, prefix)) for key, name in names.items())


def task_urls(task) -> dict[str, str]:
    """The detail page and every row action of `task`, keyed for templates (follow_up…)."""
    pk = str(task.pk)
    return {key: pattern.replace("{pk}", pk) for key, pattern in _row_patterns(get_script_prefix())}
