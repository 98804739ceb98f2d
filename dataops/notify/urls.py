from django.urls import path

from dataops.notify import views

urlpatterns = [
    path("", views.notify_settings, name="notify-settings"),
    path("test/", views.notify_test, name="notify-test"),
]
