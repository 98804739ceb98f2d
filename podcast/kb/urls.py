"""URLs of the knowledge base (namespace `podcast_kb`, under /podcast/kb/)."""

from django.urls import path

from podcast.kb import views

app_name = "podcast_kb"

urlpatterns = [
    path("", views.kb_search, name="search"),
    path("episodes/<int:pk>/", views.kb_episode, name="episode"),
    path("questions/<int:pk>/similar/", views.kb_similar, name="similar"),
    path("related/<str:kind>/<int:pk>/", views.kb_related, name="related"),
]
