from rest_framework.routers import SimpleRouter

from . import api

app_name = "reports_api"

router = SimpleRouter()
router.register("reports", api.ReportViewSet, basename="report")

urlpatterns = router.urls
