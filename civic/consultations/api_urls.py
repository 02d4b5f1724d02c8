from rest_framework.routers import SimpleRouter

from . import api

app_name = "consultations_api"

router = SimpleRouter()
router.register("consultations", api.ConsultationViewSet, basename="consultation")

urlpatterns = router.urls
