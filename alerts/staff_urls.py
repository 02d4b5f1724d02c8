from django.urls import path

from . import staff_views as views

app_name = "alerts_staff"

urlpatterns = [
    path("alerts/", views.alert_list, name="list"),
    path("alerts/new/", views.alert_new, name="new"),
    path("alerts/estimate.json", views.alert_estimate, name="estimate"),
    path("alerts/settings/", views.alert_settings, name="settings"),
    path("alerts/<int:pk>/", views.alert_detail, name="detail"),
    path("alerts/<int:pk>/edit/", views.alert_edit, name="edit"),
    path("alerts/<int:pk>/submit/", views.alert_submit, name="submit"),
    path("alerts/<int:pk>/approve/", views.alert_approve, name="approve"),
    path("alerts/<int:pk>/test/", views.alert_test, name="test"),
    path("alerts/<int:pk>/send/", views.alert_send, name="send"),
    path("alerts/<int:pk>/progress.json", views.alert_progress, name="progress"),
    path("alerts/<int:pk>/recipients.csv", views.alert_recipients_csv, name="recipients_csv"),
    path("alerts/<int:pk>/update/", views.alert_followup, {"kind": "update"}, name="update"),
    path("alerts/<int:pk>/cancel/", views.alert_followup, {"kind": "cancel"}, name="cancel"),
]
