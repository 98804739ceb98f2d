from django.urls import include, path

app_name = "podcast"

urlpatterns: list = [
    path("", include("podcast.intake.urls")),
]
