"""Every kind of job in the ledger can be retried from Failed jobs.

The kinds are read from the source: each `job_run(kind=...)` and each task declared with
``base=LedgerTask``. A new kind without a task that does its work fails this module.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from dataops import services
from dataops.job_kinds import retry_task_for, tasks_by_kind
from dataops.jobs import job_run
from dataops.models import JobRun
from docs_app.tests.fixtures import GitRemote, point_docs_at

ROOT = Path(settings.BASE_DIR)
SKIP_DIRS = {".venv", "node_modules", "tests", "migrations", "var", ".git"}


def _python_files() -> list[Path]:
    return [
        path for path in ROOT.rglob("*.py") if not SKIP_DIRS & set(path.relative_to(ROOT).parts)
    ]


def _call_name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _declares_kind(call: ast.Call) -> tuple[str, ast.expr] | None:
    """("job_run" | "task", kind) of a `job_run(kind=...)` call or a LedgerTask decorator."""
    keywords = {k.arg: k.value for k in call.keywords}
    if _call_name(call.func) == "job_run" and "kind" in keywords:
        return "job_run", keywords["kind"]
    base = keywords.get("base")
    if base is not None and _call_name(base) == "LedgerTask" and "kind" in keywords:
        return "task", keywords["kind"]
    return None


def _resolve(value: ast.expr, path: Path) -> str:
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value
    if isinstance(value, ast.Name):  # a constant of the module, or imported into it
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        return getattr(importlib.import_module(module), value.id)
    raise AssertionError(
        f"{path}:{value.lineno}: give the job kind as a string or a "
        "module constant so the retry test can find it"
    )


def kinds_in_code(source: str | None = None) -> set[str]:
    """Every job kind the code records: by `job_run` (commands), by a task, or both."""
    kinds = set()
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            found = _declares_kind(node) if isinstance(node, ast.Call) else None
            if found is not None and source in (None, found[0]):
                kinds.add(_resolve(found[1], path))
    return kinds


def test_the_kinds_found_in_the_code_include_every_known_job():
    assert {"docs.sync", "docs.reindex", "recurring.generate"} <= kinds_in_code("job_run")
    assert {"docs.sync", "platform.selfcheck", "tasks.notify-due"} <= kinds_in_code("task")


def test_every_kind_in_the_code_has_a_task_that_does_its_work():
    missing = kinds_in_code() - set(tasks_by_kind())
    assert not missing, (
        f"no LedgerTask declares these kinds, so their runs cannot be retried: {sorted(missing)}"
    )


def _fail_a_command_run(kind: str) -> JobRun:
    """A run that failed the way a command's run fails: recorded by `job_run`, no task."""
    with pytest.raises(RuntimeError), job_run(kind=kind, trigger=JobRun.Trigger.COMMAND):
        raise RuntimeError(f"{kind} broke")
    return JobRun.objects.get(kind=kind, status=JobRun.Status.FAILED, task_name="")


def _retry_from_the_page(client, failed: JobRun) -> tuple[JobRun, str]:
    page = client.get(reverse("failed-jobs")).content.decode()
    assert f'action="{reverse("job-retry", args=[failed.pk])}"' in page, failed.kind
    response = client.post(reverse("job-retry", args=[failed.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200, (failed.kind, response.content.decode())
    failed.refresh_from_db()
    retry = failed.retried_as
    assert retry is not None and retry.kind == failed.kind
    assert retry.trigger == JobRun.Trigger.RETRY
    assert f"run #{retry.pk}" in response.content.decode()
    return retry, response.content.decode()


@pytest.fixture
def docs_remote(settings, tmp_path):
    remote = GitRemote.create(tmp_path / "origin", {"ops/start.md": "# Start here\n"})
    point_docs_at(settings, remote.url, tmp_path)
    return remote


@pytest.mark.django_db
def test_a_failed_command_run_of_each_kind_is_retried_from_the_page_and_does_the_work(
    docs_remote, admin_client_, django_capture_on_commit_callbacks
):
    """Runs recorded by `job_run` have no task name: the kind's task does the work again."""
    registry = tasks_by_kind()
    for kind in sorted(kinds_in_code("job_run")):
        failed = _fail_a_command_run(kind)
        with django_capture_on_commit_callbacks(execute=True):
            retry, _ = _retry_from_the_page(admin_client_, failed)
        retry.refresh_from_db()
        assert retry.task_name == registry[kind].name
        assert retry.status == JobRun.Status.SUCCEEDED, (kind, retry.error)
    assert JobRun.objects.failed_open().count() == 0


@pytest.mark.django_db
def test_a_failed_queued_run_of_each_task_kind_is_retried_with_its_arguments(admin_client_):
    """Runs queued with `enqueue` keep their task, arguments and keyword arguments."""
    registry = tasks_by_kind()
    for kind in sorted(kinds_in_code("task")):
        failed = JobRun.objects.create(
            kind=kind,
            task_name=registry[kind].name,
            args=[7],
            kwargs={"why": kind},
            status=JobRun.Status.FAILED,
            error=f"{kind} broke",
        )
        retry, _ = _retry_from_the_page(admin_client_, failed)
        assert retry.task_name == registry[kind].name
        assert (retry.args, retry.kwargs) == ([7], {"why": kind})
    assert JobRun.objects.failed_open().count() == 0


@pytest.mark.django_db
def test_a_kind_without_a_task_is_refused_with_a_clear_message(admin_client_):
    failed = _fail_a_command_run("legacy.export")
    assert retry_task_for(failed) is None
    response = admin_client_.post(
        reverse("job-retry", args=[failed.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 409
    assert "legacy.export" in response.content.decode()
    assert "no background task does that work" in response.content.decode()
    failed.refresh_from_db()
    assert failed.is_open_failure
    page = admin_client_.get(reverse("failed-jobs")).content.decode()
    assert "Run it again with its command" in page


@pytest.mark.django_db
def test_a_queued_run_keeps_its_own_task_and_arguments(
    admin_user, django_capture_on_commit_callbacks
):
    from dataops.tasks import selfcheck

    failed = JobRun.objects.create(
        kind="platform.selfcheck",
        task_name=selfcheck.name,
        kwargs={"fail": True},
        status=JobRun.Status.FAILED,
    )
    with django_capture_on_commit_callbacks(execute=True):
        retry = services.job_retry(run=failed, by=admin_user)
    retry.refresh_from_db()
    assert retry.kwargs == {"fail": True} and retry.status == JobRun.Status.FAILED
    assert "self-check asked to fail" in retry.error
