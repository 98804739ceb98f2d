from django.urls import path

from tasks.views import import_views, recurring_views, task_views, workflow_views

app_name = "tasks"


def _task_action(action: str):
    return path(
        f"tasks/<int:pk>/{action}/",
        task_views.task_action,
        {"action": action},
        name=f"task-{action}",
    )


def _control(prefix: str, view, name: str):
    return [
        path(f"{prefix}/<int:pk>/{action}/", view, {"action": action}, name=f"{name}-{action}")
        for action in recurring_views.CONTROLS
    ]


# Operations Home is mounted at "/" by dataops/urls.py under the global name "home".
urlpatterns = [
    path("workflows/", workflow_views.workflow_list, name="workflow-list"),
    path("workflows/start/", workflow_views.workflow_start, name="workflow-start"),
    path("workflows/<int:pk>/", workflow_views.workflow_detail, name="workflow-detail"),
    path(
        "workflows/<int:pk>/slots/<int:slot_pk>/",
        workflow_views.workflow_slot,
        name="workflow-slot",
    ),
    path("workflows/<int:pk>/stage/", workflow_views.workflow_stage, name="workflow-stage"),
    path("workflows/<int:pk>/archive/", workflow_views.workflow_archive, name="workflow-archive"),
    path("templates/", workflow_views.template_list, name="template-list"),
    path("templates/<slug:slug>/", workflow_views.template_detail, name="template-detail"),
    path("tasks/", task_views.task_list, name="task-list"),
    path("tasks/new/", task_views.task_create, name="task-create"),
    path("tasks/<int:pk>/", task_views.task_detail, name="task-detail"),
    path("proof/<int:pk>/", task_views.proof_file, name="proof-file"),
    *[_task_action(action) for action in task_views.ACTIONS],
    path("recurring/", recurring_views.recurring_list, name="recurring-list"),
    path("recurring/new/", recurring_views.recurring_create, name="recurring-create"),
    path("recurring/preview/", recurring_views.recurring_preview, name="recurring-preview"),
    path("recurring/<int:pk>/", recurring_views.recurring_detail, name="recurring-detail"),
    path("recurring/<int:pk>/edit/", recurring_views.recurring_edit, name="recurring-edit"),
    path("recurring/<int:pk>/delete/", recurring_views.recurring_delete, name="recurring-delete"),
    *_control("recurring", recurring_views.rule_control, "recurring"),
    *_control("recurring/automatic", recurring_views.template_control, "recurring-template"),
    path("imports/", import_views.import_batch_list, name="import-list"),
    path("imports/trello/", import_views.import_upload, name="import-upload"),
    path("imports/trello/<int:pk>/", import_views.import_mapping, name="import-mapping"),
    path("imports/trello/<int:pk>/report/", import_views.import_report, name="import-report"),
    path("imports/trello/<int:pk>/approve/", import_views.import_approve, name="import-approve"),
    path("imports/batches/<int:pk>/", import_views.import_batch, name="import-batch"),
    path(
        "imports/batches/<int:pk>/rollback/",
        import_views.import_batch_rollback,
        name="import-rollback",
    ),
]
