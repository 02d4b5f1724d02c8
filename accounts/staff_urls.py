from django.urls import path

from . import audit_views, staff_views

app_name = "staff"

urlpatterns = [
    path("", staff_views.dashboard, name="dashboard"),
    path("members/", staff_views.members, name="members"),
    path("members/<int:pk>/", staff_views.member_edit, name="member_edit"),
    path("members/<int:pk>/active/", staff_views.member_set_active, name="member_set_active"),
    path("settings/", staff_views.council_settings, name="council_settings"),
    path("audit/", audit_views.audit_log, name="audit_log"),
    path("audit.csv", audit_views.audit_log_csv, name="audit_log_csv"),
]
