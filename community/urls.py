from django.urls import include, path

from . import views

app_name = "community"

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("verify/address/", views.address, name="address"),
    path("verify/neighbours/", views.cooptation_open, name="cooptation_open"),
    path("verify/vouch/", views.vouch_find, name="vouch_find"),
    path("verify/vouch/<str:code>/", views.vouch_confirm, name="vouch_confirm"),
    path("verify/vouches/<int:pk>/withdraw/", views.vouch_withdraw, name="vouch_withdraw"),
    path("verify/invite/", views.invite, name="invite"),
    path("verify/invitation/<str:token>/", views.invitation, name="invitation"),
    path("verify/document/", views.proof, name="proof"),
    path("verify/postcard/", views.postcard_request, name="postcard_request"),
    path("verify/code/", views.postcard_code, name="postcard_code"),
    path("verify/requests/<int:pk>/cancel/", views.request_cancel, name="request_cancel"),
    path("phone/", views.phone, name="phone"),
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/export.json", views.my_data_export, name="my_data_export"),
    path("mutual-aid/", include("community.mutual_aid.urls")),
    path("", include("community.group_buys.urls")),
]
