from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import set_urlconf
from django.utils import translation
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import remove_www

from .cache import council_for_host


class CouncilMiddleware(TenantMainMiddleware):
    """Routes each request to its council's schema and URLconf.

    Differs from django-tenants' middleware in three ways: the host lookup is cached; an unknown
    host gets our 404 page; a suspended council gets a 503 page instead of its site.
    """

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        connection.set_schema_to_public()
        try:
            hostname = remove_www(request.get_host().split(":")[0])
        except DisallowedHost:
            return self._page(request, "tenants/unknown_host.html", 404)

        if hostname == settings.PUBLIC_HOST:
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            set_urlconf(request.urlconf)
            return None

        council = council_for_host(hostname)
        if council is None:
            return self._page(request, "tenants/unknown_host.html", 404)
        council.domain_url = hostname
        request.tenant = council
        if not council.is_active:
            return self._page(request, "tenants/suspended.html", 503, council=council)
        connection.set_tenant(council)
        request.urlconf = settings.ROOT_URLCONF
        set_urlconf(request.urlconf)
        return None

    @staticmethod
    def _page(request: HttpRequest, template: str, status: int, **context) -> HttpResponse:
        response = render(request, template, context, status=status)
        if status == 503:
            response["Retry-After"] = "3600"
        return response


class CouncilLanguageMiddleware:
    """Makes the council's default language the site's default.

    Runs before LocaleMiddleware. A language the visitor chose on the site (cookie) or in their
    profile (accounts.middleware) wins; the browser's Accept-Language does not, because a council
    in France publishes in French first whatever the visitor's browser says.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        council = getattr(request, "tenant", None)
        if council is not None and not request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):
            # LocaleMiddleware falls back to the browser's Accept-Language; a council in France
            # wants French unless the visitor chose otherwise on the site itself.
            request.META["HTTP_ACCEPT_LANGUAGE"] = council.default_language
        translation.activate(getattr(council, "default_language", settings.LANGUAGE_CODE))
        return self.get_response(request)
