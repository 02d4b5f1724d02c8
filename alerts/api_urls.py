from django.urls import path

from . import api

app_name = "alerts_api"

urlpatterns = [
    path("alerts/", api.AlertListView.as_view(), name="list"),
    path("alerts/<int:pk>/", api.AlertDetailView.as_view(), name="detail"),
    path("alerts/<int:pk>/approve/", api.AlertApproveView.as_view(), name="approve"),
    path("alerts/<int:pk>/send/", api.AlertSendView.as_view(), name="send"),
    path("alerts/<int:pk>/update/", api.AlertUpdateView.as_view(), name="update"),
    path("alerts/<int:pk>/cancel/", api.AlertCancelView.as_view(), name="cancel"),
    path("alerts/<int:pk>/progress/", api.AlertProgressView.as_view(), name="progress"),
]
