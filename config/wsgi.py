import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()


def _load_then_freeze() -> None:
    """Load what every request needs (both URLconfs, which import every view, and each
    language's translations), then move all of it out of the garbage collector's reach.

    A full collection walks every object the collector tracks: in a web worker, a few hundred
    thousand objects of Django and the apps that live as long as the process. Each worker paused
    140-200 ms once its first full collection came, in the middle of a request (measured under
    200 commitments in one second, `bench/bench_group_buys.py`). Frozen, they are skipped; what
    requests create is still collected. Objects are still freed when no longer referenced."""
    from django.conf import settings
    from django.urls import get_resolver
    from django.utils import translation

    for urlconf in (settings.ROOT_URLCONF, settings.PUBLIC_SCHEMA_URLCONF):
        get_resolver(urlconf).url_patterns  # noqa: B018  (imports the views)
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            translation.gettext("French")  # loads the language's catalogues
    gc.collect()
    gc.freeze()


_load_then_freeze()
