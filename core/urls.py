from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("addresses/search.json", views.address_search, name="address_search"),
]
