from django.urls import path

from . import views, webhooks
from .feeds import CurrentAlertsFeed

app_name = "alerts"

urlpatterns = [
    path("alerts/", views.alert_list, name="list"),
    path("alerts/feed.xml", CurrentAlertsFeed(), name="feed"),
    path("alerts/subscription/", views.subscription, name="subscription"),
    path("alerts/subscription/pause/", views.subscription_pause, name="subscription_pause"),
    path("alerts/subscription/leave/", views.subscription_leave, name="subscription_leave"),
    path("alerts/cap/<slug:identifier>.xml", views.alert_cap, name="cap"),
    path("alerts/<slug:identifier>/", views.alert_detail, name="detail"),
    path("webhooks/twilio/status/", webhooks.twilio_status, name="twilio_status"),
    path("webhooks/twilio/inbound/", webhooks.twilio_inbound, name="twilio_inbound"),
]
