from django.urls import include, path, re_path

from . import open311, views

app_name = "civic"

FMT = r"\.(?P<fmt>xml|json)$"

urlpatterns = [
    path("reports/", views.report_list, name="report_list"),
    path("reports/map/", views.report_map, name="report_map"),
    path("reports.geojson", views.reports_geojson, name="reports_geojson"),
    path("reports/new/", views.report_new, name="report_new"),
    path("reports/mine/", views.my_reports, name="my_reports"),
    path("reports/nearby.json", views.reports_nearby, name="reports_nearby"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/follow/", views.report_follow, name="report_follow"),
    path("reports/<int:pk>/unfollow/", views.report_unfollow, name="report_unfollow"),
    path("reports/<int:pk>/reopen/", views.report_reopen, name="report_reopen"),
    path(
        "reports/<int:pk>/confirm-fixed/", views.report_confirm_fixed, name="report_confirm_fixed"
    ),
    path("reports/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("", include("civic.consultations.urls")),
    # Open311 GeoReport v2
    path("open311/v2/", open311.not_found, name="open311_root"),
    re_path(r"^open311/v2/discovery" + FMT, open311.discovery, name="open311_discovery"),
    re_path(r"^open311/v2/services" + FMT, open311.services_list, name="open311_services"),
    re_path(
        r"^open311/v2/services/(?P<code>[^/]+?)" + FMT,
        open311.service_definition,
        name="open311_service",
    ),
    re_path(r"^open311/v2/requests" + FMT, open311.requests_view, name="open311_requests"),
    re_path(
        r"^open311/v2/requests/(?P<request_id>[^/]+?)" + FMT,
        open311.request_detail,
        name="open311_request",
    ),
    re_path(
        r"^open311/v2/tokens/(?P<token>[^/]+?)" + FMT, open311.token_detail, name="open311_token"
    ),
    re_path(r"^open311/v2/(?P<rest>.+)$", open311.not_found),
]
