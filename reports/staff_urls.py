from django.urls import path

from . import views

app_name = "reports_staff"

urlpatterns = [
    path("reports/", views.report_list, name="list"),
    path("reports/request/", views.report_request, name="request"),
    path("reports/<int:pk>/progress.json", views.report_progress, name="progress"),
    path("reports/<int:pk>/file/", views.report_file, name="file"),
    path("reports/<int:pk>/appendix/", views.report_appendix, name="appendix"),
    path("reports/<int:pk>/figures.csv", views.report_figures_csv, name="figures_csv"),
]
