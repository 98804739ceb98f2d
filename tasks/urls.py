from django.urls import path  # noqa: F401

app_name = "tasks"
# Operations Home is mounted at "/" by dataops/urls.py under the global name "home".
urlpatterns: list = []
