from django.urls import path

from dataops.portability import backup_views, views

app_name = "portability"

urlpatterns = [
    path("exports/", views.export_list, name="exports"),
    path("exports/run/", views.export_start, name="export-start"),
    path("exports/<int:pk>/download/", views.export_download, name="export-download"),
    path("drills/", views.drill_list, name="drills"),
    path("drills/run/", views.drill_start, name="drill-start"),
    path("backups/", backup_views.backup_list, name="backups"),
    path("backups/run/", backup_views.backup_start, name="backup-start"),
]
