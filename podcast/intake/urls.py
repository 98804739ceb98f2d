"""URLs of intake and the guest form, included by `podcast/urls.py` (namespace `podcast`)."""

from django.urls import path

from podcast import guest_form_views as form_views
from podcast.intake import views

urlpatterns = [
    path("intake/", views.inbox, name="intake-inbox"),
    path("intake/new/", views.item_create, name="intake-create"),
    path("intake/<int:pk>/", views.item_detail, name="intake-detail"),
    path("intake/<int:pk>/row/", views.item_row, name="intake-row"),
    path("intake/<int:pk>/<slug:slug>/", views.item_action, name="intake-action"),
    path("intake/history/<int:pk>/undo/", views.event_undo, name="intake-undo"),
    path("intake/files/<int:pk>/", views.attachment_file, name="intake-file"),
    path("form/<str:token>/", form_views.guest_form, name="guest-form"),
    path("form/<str:token>/autosave/", form_views.guest_form_autosave, name="guest-form-autosave"),
    path("guests/<int:pk>/form-links/", form_views.form_links, name="guest-form-links"),
    path("form-links/<int:pk>/rotate/", form_views.form_link_rotate, name="guest-form-rotate"),
    path("form-links/<int:pk>/lock/", form_views.form_link_lock, name="guest-form-lock"),
    path("form-links/<int:pk>/unlock/", form_views.form_link_unlock, name="guest-form-unlock"),
    path("form-links/<int:pk>/expiry/", form_views.form_link_expiry, name="guest-form-expiry"),
]
