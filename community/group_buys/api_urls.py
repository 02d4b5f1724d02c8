from django.urls import path

from . import api

# Included by community/api_urls.py (namespace "community_api").
urlpatterns = [
    path("community/group-buys/", api.GroupBuyListView.as_view(), name="group_buys"),
    path("community/group-buys/<int:pk>/", api.GroupBuyDetailView.as_view(), name="group_buy"),
    path(
        "community/group-buys/<int:pk>/commitment/",
        api.CommitmentView.as_view(),
        name="commitment",
    ),
    path("community/partners/", api.PartnerListView.as_view(), name="partners"),
    path("community/partners/<int:pk>/use/", api.PartnerUseView.as_view(), name="partner_use"),
    path(
        "community/staff/group-buys/",
        api.StaffGroupBuyListView.as_view(),
        name="staff_group_buys",
    ),
    path(
        "community/staff/group-buys/<int:pk>/",
        api.StaffGroupBuyDetailView.as_view(),
        name="staff_group_buy",
    ),
    path(
        "community/staff/group-buys/<int:pk>/order/",
        api.StaffOrderView.as_view(),
        name="staff_order",
    ),
    path(
        "community/staff/group-buys/<int:pk>/close/",
        api.StaffCloseView.as_view(),
        name="staff_close",
    ),
    path(
        "community/staff/commitments/<int:pk>/handover/",
        api.StaffHandoverView.as_view(),
        name="staff_handover",
    ),
]
