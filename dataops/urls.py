from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.sso import allow_sso_form_action
from dataops import views
from tasks.views import home

admin.site.site_header = "DataOps setup"
admin.site.site_title = "DataOps setup"
admin.site.index_title = "Templates, rules, users and data"

# One login page for everything: the Django admin's login sends people to ours.
admin.site.login = views.admin_login_redirect

urlpatterns = [
    path("", home, name="home"),
    path("login/", allow_sso_form_action(views.LoginView.as_view()), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("health/", views.health_page, name="health"),
    path("health/selfcheck/", views.health_selfcheck, name="health-selfcheck"),
    path("jobs/", views.job_list, name="job-list"),
    path("jobs/failed/", views.failed_jobs, name="failed-jobs"),
    path("jobs/<int:pk>/", views.job_detail, name="job-detail"),
    path("jobs/<int:pk>/status/", views.job_status, name="job-status"),
    path("jobs/<int:pk>/retry/", views.job_retry, name="job-retry"),
    path("jobs/<int:pk>/dismiss/", views.job_dismiss, name="job-dismiss"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
    path("notifications/read-all/", views.notification_read_all, name="notifications-read-all"),
    path("notifications/settings/", include("dataops.notify.urls")),
    path("audit/", views.audit_log, name="audit-log"),
    path("data/", include("dataops.portability.urls")),
    path("telegram/", include("dataops.telegram.urls")),
    path("", include("accounts.urls")),  # account/, password-reset/, invites/, people/ …
    path("sso/", include("accounts.sso_urls")),
    path("admin/", admin.site.urls),
    path("docs/", include("docs_app.urls")),
    path("podcast/", include("podcast.urls")),
    path("", include("tasks.urls")),  # workflows/, tasks/, recurring/ (namespace "tasks")
]
