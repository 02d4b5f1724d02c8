from django.urls import include, path

from . import api

app_name = "community_api"

urlpatterns = [
    path("community/verification/", api.VerificationStatusView.as_view(), name="status"),
    path("community/neighbourhoods/", api.NeighbourhoodListView.as_view(), name="neighbourhoods"),
    path(
        "community/neighbourhoods/suggest/", api.NeighbourhoodSuggestView.as_view(), name="suggest"
    ),
    path("community/staff/verification-queue/", api.StaffQueueView.as_view(), name="queue"),
    path(
        "community/staff/verification-requests/<int:pk>/approve/",
        api.StaffApproveView.as_view(),
        name="approve",
    ),
    path(
        "community/staff/verification-requests/<int:pk>/reject/",
        api.StaffRejectView.as_view(),
        name="reject",
    ),
    path(
        "community/staff/residents/<int:user_id>/revoke/",
        api.StaffRevokeView.as_view(),
        name="revoke",
    ),
    path("community/mutual-aid/", include("community.mutual_aid.api_urls")),
    path("", include("community.group_buys.api_urls")),
]
