from django.urls import include, path

from . import staff_views as views

app_name = "community_staff"

urlpatterns = [
    path("community/verification/", views.queue, name="queue"),
    path("community/verification/<int:pk>/", views.request_detail, name="request"),
    path("community/verification/<int:pk>/document/", views.request_document, name="document"),
    path("community/verification/<int:pk>/approve/", views.request_approve, name="approve"),
    path("community/verification/<int:pk>/reject/", views.request_reject, name="reject"),
    path("community/residents/", views.residents, name="residents"),
    path("community/residents/<int:user_id>/", views.resident_detail, name="resident"),
    path("community/residents/<int:user_id>/revoke/", views.resident_revoke, name="revoke"),
    path(
        "community/residents/<int:user_id>/verify/",
        views.resident_verify_in_person,
        name="verify_in_person",
    ),
    path("community/postcards/", views.batches, name="batches"),
    path("community/postcards/<int:pk>/", views.batch_detail, name="batch"),
    path("community/postcards/<int:pk>/pdf/", views.batch_pdf, name="batch_pdf"),
    path("community/postcards/<int:pk>/posted/", views.batch_posted, name="batch_posted"),
    path("community/neighbourhoods/", views.neighbourhoods, name="neighbourhoods"),
    path("community/neighbourhoods/<int:pk>/", views.neighbourhood_edit, name="neighbourhood"),
    path("community/settings/", views.community_settings, name="settings"),
    path("community/mutual-aid/", include("community.mutual_aid.staff_urls")),
    path("", include("community.group_buys.staff_urls")),
]
