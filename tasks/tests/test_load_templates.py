"""`load_templates` / `dump_templates`: idempotent by slug, versions, all-or-nothing."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from dataops.models import AuditEvent
from tasks.models import TaskDefinition, WorkflowTemplate
from tasks.services import template_record_admin_change, workflow_start
from tasks.services.templates import SHIPPED_DIR
from tasks.tests.conftest import PODCAST_YAML, write

pytestmark = pytest.mark.django_db

TINY = """
slug: tiny
name: Tiny
default_assignee: grace
phases:
  - {slug: only, title: Only}
tasks:
  - {ref: first, title: First, offset: -1, phase: only}
"""


def load(*paths) -> str:
    out = StringIO()
    call_command("load_templates", *[str(p) for p in paths], stdout=out)
    return out.getvalue()


def test_without_paths_the_eleven_shipped_templates_are_created_then_unchanged():
    first = load()
    assert first.count("created") == 12  # 11 lines + the summary
    assert "11 created, 0 updated, 0 unchanged" in first
    assert WorkflowTemplate.objects.count() == 11
    assert TaskDefinition.objects.filter(template__slug="podcast").count() == 42
    second = load()
    assert "0 created, 0 updated, 11 unchanged" in second
    assert set(WorkflowTemplate.objects.values_list("version", flat=True)) == {1}


def test_a_changed_file_bumps_the_version_and_old_workflows_keep_theirs(tmp_path, today):
    path = write(tmp_path, "tiny.yaml", TINY)
    load(path)
    template = WorkflowTemplate.objects.get(slug="tiny")
    workflow = workflow_start(template=template, anchor_date=today, by=None)
    write(tmp_path, "tiny.yaml", TINY.replace("title: First", "title: First renamed"))
    assert "updated   tiny (v2)" in load(path)
    template.refresh_from_db()
    assert template.version == 2
    assert template.task_definitions.get().title == "First renamed"
    workflow.refresh_from_db()
    assert workflow.template_version == 1
    assert workflow.tasks.get().title == "First"
    assert "unchanged tiny (v2)" in load(path)
    assert AuditEvent.objects.filter(action="template.updated").count() == 1


def test_a_bad_file_loads_nothing_and_names_file_and_field(tmp_path):
    good = write(tmp_path, "a-good.yaml", TINY)
    bad = write(
        tmp_path,
        "b-bad.yaml",
        TINY.replace("slug: tiny", "slug: broken").replace("offset: -1", "offset: yesterday"),
    )
    with pytest.raises(CommandError) as caught:
        load(good, bad)
    message = str(caught.value)
    assert "No templates loaded." in message
    assert f"{bad}: tasks[0] (first).offset: must be a whole number of days" in message
    assert not WorkflowTemplate.objects.exists()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("ref: first", "ref: first}\n  - {ref: first, title: Again, offset: 0, phase: only"),
            "duplicate ref “first”",
        ),
        (("phase: only}", "phase: launch}"), "unknown phase “launch”"),
        (("offset: -1", "offset: 1000"), "offset: must be a whole number of days"),
    ],
)
def test_duplicate_ref_unknown_phase_and_bad_offset_are_refused(tmp_path, change, expected):
    path = write(tmp_path, "tiny.yaml", TINY.replace(*change))
    with pytest.raises(CommandError, match=expected):
        load(path)
    assert not WorkflowTemplate.objects.exists()


def test_two_files_with_one_slug_are_refused(tmp_path):
    with pytest.raises(CommandError, match="slug: “tiny” is also used by"):
        load(write(tmp_path, "one.yaml", TINY), write(tmp_path, "two.yaml", TINY))


def test_missing_path_is_reported(tmp_path):
    with pytest.raises(CommandError, match="no such file or folder"):
        load(tmp_path / "nope.yaml")


def test_people_who_do_not_exist_yet_are_a_warning_not_an_error(make_user):
    make_user("grace")
    output = load(PODCAST_YAML)
    assert "created   podcast (v1)" in output
    assert "user “alexey” does not exist yet (named in podcast)" in output
    assert "user “grace”" not in output


def test_dump_templates_writes_files_that_load_back_unchanged(tmp_path):
    load()
    call_command("dump_templates", "--out", str(tmp_path), stdout=StringIO())
    assert sorted(p.name for p in tmp_path.glob("*.yaml")) == sorted(
        p.name for p in SHIPPED_DIR.glob("*.yaml")
    )
    assert "0 created, 0 updated, 11 unchanged" in load(tmp_path)


def test_dump_templates_prints_to_stdout_and_refuses_unknown_slugs():
    load(PODCAST_YAML)
    out = StringIO()
    call_command("dump_templates", "podcast", stdout=out)
    assert (
        "slug: podcast" in out.getvalue()
        and "ref: schedule-posts-guest-recommendations" in out.getvalue()
    )
    with pytest.raises(CommandError, match="unknown template"):
        call_command("dump_templates", "nope", stdout=StringIO())


def test_an_admin_edit_bumps_the_version_only_when_content_changed(load_podcast, admin_user):
    assert template_record_admin_change(template=load_podcast, by=admin_user) is False
    definition = load_podcast.task_definitions.get(ref="actual-stream")
    definition.offset_days = 1
    definition.save()
    assert template_record_admin_change(template=load_podcast, by=admin_user) is True
    load_podcast.refresh_from_db()
    assert load_podcast.version == 2
    assert "updated   podcast (v3)" in load(PODCAST_YAML)  # the file wins back, as v3
