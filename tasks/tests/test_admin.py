"""Templates are edited in the Django admin with inlines; work records are read-only there."""

import pytest
from django.urls import reverse

from tasks.models import TaskDefinition

pytestmark = pytest.mark.django_db


def test_template_admin_pages_render_with_their_inlines(admin_client_, load_podcast):
    assert admin_client_.get(reverse("admin:tasks_workflowtemplate_changelist")).status_code == 200
    page = admin_client_.get(reverse("admin:tasks_workflowtemplate_change", args=[load_podcast.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "create-event-luma" in html and "Guest intake" in html and "Luma" in html


def test_editing_a_definition_bumps_the_template_version(admin_client_, load_podcast):
    definition = load_podcast.task_definitions.get(ref="actual-stream")
    url = reverse("admin:tasks_taskdefinition_change", args=[definition.pk])
    form = admin_client_.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data.update(
        offset_days=1,
        milestone="on",
        systems='["youtube"]',
        required_slots='["Luma"]',
        na_reasons="[]",
    )
    response = admin_client_.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    load_podcast.refresh_from_db()
    assert load_podcast.version == 2
    bad = admin_client_.post(url, {**data, "required_slots": '["Nope"]'})
    assert "Not link slots of this template: Nope." in bad.content.decode()
    assert TaskDefinition.objects.get(pk=definition.pk).required_slots == ["Luma"]


def test_work_records_are_read_only_in_the_admin(admin_client_, start_podcast, today):
    workflow = start_podcast(today)
    assert admin_client_.get(reverse("admin:tasks_task_changelist")).status_code == 200
    assert admin_client_.get(reverse("admin:tasks_workflow_changelist")).status_code == 200
    assert admin_client_.get(reverse("admin:tasks_historyevent_changelist")).status_code == 200
    assert admin_client_.get(reverse("admin:tasks_task_add")).status_code == 403
    response = admin_client_.post(
        reverse("admin:tasks_workflow_delete", args=[workflow.pk]), {"post": "yes"}
    )
    assert response.status_code == 403


def test_operators_cannot_open_the_admin(operator_client):
    response = operator_client.get(reverse("admin:tasks_workflowtemplate_changelist"))
    assert response.status_code == 302
