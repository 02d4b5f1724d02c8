from django.urls import path

from . import api

app_name = "mutual_aid"

urlpatterns = [
    path("categories/", api.CategoryListView.as_view(), name="categories"),
    path("listings/", api.ListingListView.as_view(), name="listings"),
    path("listings/<int:pk>/", api.ListingDetailView.as_view(), name="listing"),
    path("listings/<int:pk>/interested/", api.ListingInterestedView.as_view(), name="interested"),
    path("listings/<int:pk>/<str:action>/", api.ListingActionView.as_view(), name="listing_action"),
    path("conversations/", api.ConversationListView.as_view(), name="conversations"),
    path("conversations/<int:pk>/thanks/", api.ThankYouView.as_view(), name="thanks"),
    path("conversations/<int:pk>/", api.ConversationDetailView.as_view(), name="conversation"),
    path("conversations/<int:pk>/messages/", api.MessageCreateView.as_view(), name="messages"),
    path("staff/reports/", api.StaffReportListView.as_view(), name="staff_reports"),
    path("staff/listings/<int:pk>/hide/", api.StaffListingHideView.as_view(), name="staff_hide"),
    path(
        "staff/messages/<int:pk>/hide/",
        api.StaffMessageHideView.as_view(),
        name="staff_message_hide",
    ),
    path("staff/figures/", api.StaffFiguresView.as_view(), name="staff_figures"),
]
