from django.urls import path

from . import views

app_name = "mutual_aid"

urlpatterns = [
    path("", views.listing_list, name="list"),
    path("map/", views.listing_map, name="map"),
    path("new/", views.listing_create, name="create"),
    path("mine/", views.mine, name="mine"),
    path("listings/<int:pk>/", views.listing_detail, name="listing"),
    path("listings/<int:pk>/interested/", views.listing_interested, name="interested"),
    path("listings/<int:pk>/edit/", views.listing_edit, name="edit"),
    path(
        "listings/<int:pk>/<str:action>/",
        views.listing_action,
        name="listing_action",
    ),
    path("photos/<int:pk>/<str:size>/", views.listing_photo, name="photo"),
    path("conversations/", views.conversation_list, name="conversations"),
    path("conversations/<int:pk>/", views.conversation_detail, name="conversation"),
    path(
        "conversations/<int:pk>/<str:action>/",
        views.conversation_action,
        name="conversation_action",
    ),
    path("loans/<int:pk>/close/", views.loan_close, name="loan_close"),
    path("blocks/<int:user_id>/remove/", views.unblock, name="unblock"),
]
