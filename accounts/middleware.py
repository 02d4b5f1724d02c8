from django.conf import settings
from django.utils import translation


class UserLanguageMiddleware:
    """A signed-in user's chosen language wins over the council default (but not over a choice
    made on the site with the language switch, which sets the cookie)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.language
            and not request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        ):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)
