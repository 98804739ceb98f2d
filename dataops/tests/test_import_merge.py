"""import_data --merge: into an installation with data it inserts the rows missing here and
skips identical ones; a row here with the same id and different content refuses it all."""

from __future__ import annotations

import json

import pytest

from dataops.portability.importer import NOT_EMPTY, import_data
from dataops.tests.portability_archives import export, run
from dataops.tests.portability_data import fill_every_entity
from dataops.tests.test_portability_import import row_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    fill_every_entity()
    return export(tmp_path / "out", "--include-files")


def test_the_refusal_of_a_filled_installation_points_at_merge():
    assert "--merge" in NOT_EMPTY


def test_merge_restores_deleted_rows_and_skips_identical_ones(archive, capsys):
    from dataops.models import Notification
    from tasks.models import ClosureDay

    before = row_counts()
    closure = ClosureDay.objects.get()
    ClosureDay.objects.all().delete()
    Notification.objects.all().delete()

    code, out = run(capsys, "import_data", archive, "--merge", "--dry-run", "--json")
    report = json.loads(out)
    assert code == 0 and report["merge"] is True
    assert report["would_create"]["tasks.closureday"] == 1
    assert report["would_create"]["dataops.notification"] == before["dataops.notification"]
    assert report["would_create"]["tasks.task"] == 0
    assert report["skipped"]["tasks.task"] == before["tasks.task"]
    assert not ClosureDay.objects.exists()  # a dry run writes nothing

    code, out = run(capsys, "import_data", archive, "--merge")
    assert code == 0, out
    assert "tasks.closureday: created 1" in out
    assert f"tasks.task: created 0, {before['tasks.task']} identical here skipped" in out
    assert row_counts() == before
    restored = ClosureDay.objects.get()
    assert (restored.pk, restored.date, restored.reason) == (
        closure.pk,
        closure.date,
        closure.reason,
    )
    # Again: everything is here, nothing is created.
    result = import_data(path=archive, dry_run=False, merge=True)
    assert result.ok and not any(result.counts.values())


def test_a_row_changed_here_refuses_the_whole_merge(archive, capsys):
    from tasks.models import ClosureDay, Task

    ClosureDay.objects.all().delete()
    task = Task.objects.order_by("pk").first()
    Task.objects.filter(pk=task.pk).update(title="Renamed here")
    before = row_counts()

    code, out = run(capsys, "import_data", archive, "--merge")
    assert code == 1
    assert "entities/tasks.task.jsonl line 1: id " + str(task.pk) in out
    assert "is here with different content (title)" in out
    assert row_counts() == before and not ClosureDay.objects.exists()  # nothing written
    task.refresh_from_db()
    assert task.title == "Renamed here"


def test_merge_into_an_empty_installation_is_a_plain_restore(archive):
    from dataops.tests.test_portability_import import empty_the_installation

    before = row_counts()
    empty_the_installation()
    result = import_data(path=archive, dry_run=False, merge=True)
    assert result.ok and result.counts == before


def test_a_unique_value_taken_here_by_another_row_is_refused_by_the_database(archive):
    from tasks.models import ClosureDay

    exported = ClosureDay.objects.get()
    exported.delete()
    ClosureDay.objects.create(date=exported.date, reason="Closed (made here)")
    before = row_counts()
    result = import_data(path=archive, dry_run=False, merge=True)
    assert len(result.problems) == 1
    assert result.problems[0].startswith("The database refused a row; nothing was imported:")
    assert row_counts() == before and ClosureDay.objects.get().reason == "Closed (made here)"
