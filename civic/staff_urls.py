from django.urls import include, path

from . import photos
from . import staff_views as v

app_name = "civic_staff"

urlpatterns = [
    path("civic/", v.triage, name="triage"),
    path("civic/map/", v.triage_map, name="triage_map"),
    path("civic/queue.geojson", v.queue_geojson, name="queue_geojson"),
    path("civic/export.csv", v.export_csv, name="export_csv"),
    path("civic/bulk/", v.bulk, name="bulk"),
    path("civic/reports/<int:pk>/", v.report, name="report"),
    path("civic/reports/<int:pk>/status/", v.report_status, name="report_status"),
    path("civic/reports/<int:pk>/note/", v.report_note, name="report_note"),
    path("civic/reports/<int:pk>/assign/", v.report_assign, name="report_assign"),
    path("civic/reports/<int:pk>/category/", v.report_category, name="report_category"),
    path("civic/reports/<int:pk>/merge/", v.report_merge, name="report_merge"),
    path("civic/reports/<int:pk>/text/", v.report_hide_text, name="report_hide_text"),
    path("civic/photos/<int:pk>/hide/", v.photo_hide, name="photo_hide"),
    path(
        "civic/photos/<int:pk>/<str:size>/",
        v.triage_required(photos.hidden_photo),
        name="hidden_photo",
    ),
    path("civic/categories/", v.categories, name="categories"),
    path("civic/categories/<int:pk>/", v.category, name="category"),
    path("civic/categories/<int:pk>/delete/", v.category_delete, name="category_delete"),
    path("civic/questions/<int:pk>/delete/", v.question_delete, name="question_delete"),
    path("civic/teams/", v.teams, name="teams"),
    path("civic/keys/", v.api_keys, name="api_keys"),
    path("civic/keys/<int:pk>/revoke/", v.api_key_revoke, name="api_key_revoke"),
    path("civic/settings/", v.map_settings, name="map_settings"),
    path("", include("civic.consultations.staff_urls")),
]
