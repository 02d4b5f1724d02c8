from django.urls import path  # noqa: F401

app_name = "civic_staff"

urlpatterns: list = []
