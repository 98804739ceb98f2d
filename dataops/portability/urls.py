from django.urls import path

from dataops.portability import views

app_name = "portability"

urlpatterns = [
    path("exports/", views.export_list, name="exports"),
    path("exports/run/", views.export_start, name="export-start"),
    path("exports/<int:pk>/download/", views.export_download, name="export-download"),
    path("drills/", views.drill_list, name="drills"),
    path("drills/run/", views.drill_start, name="drill-start"),
]
