from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("account/", views.profile, name="profile"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("password-reset/", views.password_reset, name="password-reset"),
    path("password-reset/sent/", views.password_reset_sent, name="password-reset-sent"),
    path(
        "password-reset/done/",
        views.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("invites/", views.invites, name="invites"),
    path("invites/<int:pk>/revoke/", views.invite_revoke, name="invite-revoke"),
    path("invite/<uuid:uid>/<str:token>/", views.invite_accept, name="invite-accept"),
    path("waiting/", views.waiting, name="waiting"),
    path("people/waiting/", views.people_waiting, name="people-waiting"),
    path("people/<int:pk>/grant/", views.role_grant, name="role-grant"),
]
