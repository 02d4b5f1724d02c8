from django.urls import path  # noqa: F401

app_name = "civic_api"

urlpatterns: list = []
