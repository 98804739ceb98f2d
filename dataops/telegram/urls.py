from django.urls import path

from dataops.telegram import views

app_name = "telegram"

urlpatterns = [
    path("webhook/", views.webhook, name="webhook"),
    path("", views.telegram_page, name="page"),
    path("chats/", views.chat_add, name="chat-add"),
    path("chats/<int:pk>/remove/", views.chat_remove, name="chat-remove"),
    path("link/", views.link_start, name="link"),
    path("unlink/", views.unlink, name="unlink"),
]
