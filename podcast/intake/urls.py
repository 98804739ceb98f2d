"""URLs of intake and the guest form, included by `podcast/urls.py` (namespace `podcast`)."""

from django.urls import path

from podcast.intake import views

urlpatterns = [
    path("intake/", views.inbox, name="intake-inbox"),
    path("intake/new/", views.item_create, name="intake-create"),
    path("intake/<int:pk>/", views.item_detail, name="intake-detail"),
    path("intake/<int:pk>/row/", views.item_row, name="intake-row"),
    path("intake/<int:pk>/<slug:slug>/", views.item_action, name="intake-action"),
    path("intake/history/<int:pk>/undo/", views.event_undo, name="intake-undo"),
    path("intake/files/<int:pk>/", views.attachment_file, name="intake-file"),
]
