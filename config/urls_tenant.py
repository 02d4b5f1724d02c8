"""URLs of a council's host: the resident site, the staff portal, the API."""

from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import api as accounts_api
from community import views as community_views
from tenants.views import council_media, healthz

FEATURE_APPS = ["community", "civic", "alerts", "reports"]

api_v1 = [
    path("auth/token/", accounts_api.TokenView.as_view(), name="token"),
    path("me/", accounts_api.MeView.as_view(), name="me"),
]

urlpatterns = [
    path("", community_views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("staff/", include("accounts.staff_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/v1/", include((api_v1, "api"))),
    path("", include("core.urls")),
    # Each feature app mounts its own pages, staff pages and API under these prefixes.
    *[path("", include(f"{app}.urls")) for app in FEATURE_APPS],
    *[path("staff/", include(f"{app}.staff_urls")) for app in FEATURE_APPS],
    *[path("api/v1/", include(f"{app}.api_urls")) for app in FEATURE_APPS],
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("media/<str:schema>/<path:path>", council_media, name="council-media"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
