from django.urls import path

from . import views

# Included by community/urls.py (namespace "community").
urlpatterns = [
    path("group-buys/", views.group_buy_list, name="group_buys"),
    path("group-buys/new/", views.organiser_new, name="group_buy_new"),
    path("group-buys/<int:pk>/", views.group_buy_detail, name="group_buy"),
    path("group-buys/<int:pk>/progress.json", views.group_buy_progress, name="group_buy_progress"),
    path("group-buys/<int:pk>/manage/", views.organiser_manage, name="group_buy_manage"),
    path("group-buys/<int:pk>/edit/", views.organiser_edit, name="group_buy_edit"),
    path("group-buys/<int:pk>/close/", views.organiser_close, name="group_buy_close"),
    path("group-buys/<int:pk>/handover/", views.organiser_handover, name="group_buy_handover"),
    path("group-buys/<int:pk>/order.pdf", views.organiser_order_pdf, name="group_buy_order_pdf"),
    path("group-buys/<int:pk>/order.csv", views.organiser_order_csv, name="group_buy_order_csv"),
    path(
        "group-buys/<int:pk>/distribution/",
        views.organiser_distribution,
        name="group_buy_distribution",
    ),
    path(
        "group-buys/<int:pk>/distribution.pdf",
        views.organiser_distribution_pdf,
        name="group_buy_distribution_pdf",
    ),
    path("partners/", views.partner_list, name="partners"),
    path("partners/<int:pk>/use/", views.partner_use, name="partner_use"),
]
