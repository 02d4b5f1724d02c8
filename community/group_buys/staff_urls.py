from django.urls import path

from . import staff_views as views

# Included by community/staff_urls.py (namespace "community_staff").
urlpatterns = [
    path("community/group-buys/", views.group_buy_list, name="group_buys"),
    path("community/group-buys/new/", views.group_buy_new, name="group_buy_new"),
    path("community/group-buys/<int:pk>/", views.group_buy_manage, name="group_buy_manage"),
    path("community/group-buys/<int:pk>/edit/", views.group_buy_edit, name="group_buy_edit"),
    path("community/group-buys/<int:pk>/close/", views.group_buy_close, name="group_buy_close"),
    path(
        "community/group-buys/<int:pk>/handover/",
        views.group_buy_handover,
        name="group_buy_handover",
    ),
    path(
        "community/group-buys/<int:pk>/order.pdf",
        views.group_buy_order_pdf,
        name="group_buy_order_pdf",
    ),
    path(
        "community/group-buys/<int:pk>/order.csv",
        views.group_buy_order_csv,
        name="group_buy_order_csv",
    ),
    path(
        "community/group-buys/<int:pk>/distribution/",
        views.group_buy_distribution,
        name="group_buy_distribution",
    ),
    path(
        "community/group-buys/<int:pk>/distribution.pdf",
        views.group_buy_distribution_pdf,
        name="group_buy_distribution_pdf",
    ),
    path("community/partners/", views.partner_list, name="partners"),
    path("community/partners/<int:pk>/", views.partner_edit, name="partner"),
]
