"""The project's URLs plus one view that fails, to see the styled 500 page."""

from django.urls import path

from dataops.urls import urlpatterns as project_urlpatterns


def boom(request):
    raise RuntimeError("deliberate failure")


urlpatterns = [path("boom/", boom), *project_urlpatterns]
