"""URLs of the assistant, included under the `podcast` namespace at /podcast/assistant/."""

from django.urls import path

from podcast.assistant import views

urlpatterns = [
    path("jobs/", views.job_list, name="assistant-jobs"),
    path("jobs/<int:pk>/", views.job_detail, name="assistant-job"),
    path("jobs/<int:pk>/timeline/", views.job_timeline, name="assistant-timeline"),
    path("jobs/<int:pk>/edit/", views.job_edit, name="assistant-edit"),
    path("jobs/<int:pk>/download/", views.job_download, name="assistant-download"),
    path("jobs/<int:pk>/publish/", views.job_publish, name="assistant-publish"),
    path(
        "jobs/<int:pk>/<slug:action>/",
        views.job_action,
        name="assistant-action",
    ),
    path("episodes/<int:pk>/draft/", views.episode_draft, name="assistant-episode-draft"),
    path("tasks/<int:task_id>/draft/", views.task_draft, name="assistant-task-draft"),
]
