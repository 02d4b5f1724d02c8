from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import api

app_name = "civic_api"

router = SimpleRouter()
router.register("civic/categories", api.CategoryViewSet, basename="category")
router.register("civic/reports", api.ReportViewSet, basename="report")
router.register("civic/triage", api.TriageViewSet, basename="triage")

urlpatterns = [*router.urls, path("", include("civic.consultations.api_urls"))]
