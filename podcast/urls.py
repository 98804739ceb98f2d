"""URLs of the podcast (namespace `podcast`): guests and episodes here, intake and the guest
form in `podcast.intake.urls`."""

from django.urls import include, path

from podcast import episode_views, guest_views

app_name = "podcast"

urlpatterns = [
    path("", episode_views.episode_list, name="episode-list"),
    path("episodes/new/", episode_views.episode_create, name="episode-create"),
    path("episodes/<int:pk>/", episode_views.episode_detail, name="episode-detail"),
    path("episodes/<int:pk>/edit/", episode_views.episode_edit, name="episode-edit"),
    path(
        "episodes/<int:pk>/start-workflow/",
        episode_views.episode_start_workflow,
        name="episode-start-workflow",
    ),
    path("episodes/<int:pk>/redate/", episode_views.episode_redate, name="episode-redate"),
    path("guests/", guest_views.guest_list, name="guest-list"),
    path("guests/new/", guest_views.guest_create, name="guest-create"),
    path("guests/<int:pk>/", guest_views.guest_detail, name="guest-detail"),
    path("guests/<int:pk>/edit/", guest_views.guest_edit, name="guest-edit"),
    path("guests/<int:pk>/status/", guest_views.guest_status, name="guest-status"),
    path("guests/<int:pk>/merge/", guest_views.guest_merge, name="guest-merge"),
    path("kb/", include("podcast.kb.urls")),
    path("assistant/", include("podcast.assistant.urls")),
    path("", include("podcast.intake.urls")),
]
