"""URLs of the platform host: the landing page and the operators' admin."""

from django.contrib import admin
from django.urls import include, path

from tenants.views import healthz, landing

urlpatterns = [
    path("", landing, name="landing"),
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
