from django.urls import path

from . import staff_views as views

app_name = "mutual_aid"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>/<str:action>/", views.report_action, name="report_action"),
    path("listings/<int:pk>/unhide/", views.listing_unhide, name="unhide"),
    path("suspensions/", views.suspensions, name="suspensions"),
    path("suspensions/<int:pk>/lift/", views.suspension_lift, name="lift"),
    path("figures/", views.figures, name="figures"),
    path("figures.csv", views.figures_csv, name="figures_csv"),
    path("categories/", views.categories, name="categories"),
    path("categories/new/", views.category_edit, name="category_new"),
    path("categories/<int:pk>/", views.category_edit, name="category"),
]
