"""Issue 15: no input makes a council's site answer 500. Every URL of a council's host is
requested with hostile path values, query parameters and bodies, anonymously and as a council
admin (who reaches every staff page): Unicode digits, NUL characters, out-of-range integers,
infinities, deeply nested JSON."""

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import CouncilClient, make_user

# Each value reaches a different failure: Unicode digits ('²'.isdigit() is True, int('²')
# raises), PostgreSQL's integer range, non-finite floats, NUL characters, overlong text.
HOSTILE_VALUES = ["\u00b2", "99999999999999999999", "nan", "a\x00b", "x" * 300]
POSTED_VALUES = ["\u00b2", "99999999999999999999", "nan", "x" * 300]
QUERY_NAMES = [
    "page",
    "before",
    "limit",
    "lat",
    "lon",
    "long",
    "bbox",
    "category",
    "neighbourhood",
    "status",
    "assignee",
    "overdue",
    "q",
    "actor",
    "action",
    "since",
    "until",
    "method",
    "hazard",
    "language",
    "text",
    "target",
    "neighbourhoods",
    "edit",
    "next",
    "service_request_id",
    "service_code",
    "start_date",
    "end_date",
    "page_size",
    "format",
]
NESTED_JSON = "[" * 5000 + "]" * 5000


def _paths(resolver=None, prefix: str = ""):
    """Every URL pattern of the council's URLconf as a template with `{}` for each argument."""
    resolver = resolver or get_resolver("config.urls_tenant")
    for entry in resolver.url_patterns:
        pattern = str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _paths(entry, prefix + pattern)
        elif isinstance(entry, URLPattern):
            yield prefix + pattern


def _fill(template: str, value: str) -> str | None:
    """A concrete path for a route (`<int:pk>`) or a simple regex pattern; None for regexes this
    helper does not understand."""
    import re

    path = template.lstrip("^").rstrip("$")
    path = re.sub(r"<(?:\w+:)?\w+>", value, path)
    path = re.sub(r"\(\?P<fmt>[^)]*\)", "json", path)
    path = path.replace("\\.", ".")
    path = re.sub(r"\(\?P<\w+>[^)]*\)", value, path)
    path = path.replace("(?P<rest>.+)", value)
    if re.search(r"[\\^$()\[\]+*?]", path):
        return None
    return "/" + path


def _urls(value: str) -> list[str]:
    from urllib.parse import quote

    return sorted({url for t in _paths() if (url := _fill(t, quote(value, safe=""))) is not None})


@pytest.fixture
def admin_client(dinan, in_dinan):
    """A council admin reaches every page and API endpoint of the council (anonymous visitors
    reach a subset, through the same parsing). A 500 is returned rather than raised, so one
    test lists every failing URL."""
    admin = make_user("hostile-admin@dinan.example", "council_admin")
    return CouncilClient(dinan, raise_request_exception=False).login_as(admin)


@pytest.fixture
def failures():
    found: list[str] = []
    yield found
    assert not found, "\n".join(found)


def _check(failures, response, what: str) -> None:
    # /healthz answers 503 by design when a service it checks is away.
    if response.status_code >= 500 and not what.split()[1].startswith("/healthz"):
        failures.append(f"{what} -> {response.status_code}")


def test_no_path_value_makes_a_page_fail(admin_client, failures):
    for value in ["99999999999999999999", "\u00b2"]:
        for url in _urls(value):
            _check(failures, admin_client.get(url), f"GET {url}")


def test_no_query_parameter_makes_a_page_fail(admin_client, failures):
    urls = [u for u in _urls("1") if "webhooks" not in u and not u.endswith("logout/")]
    for value in HOSTILE_VALUES:
        query = dict.fromkeys(QUERY_NAMES, value)
        for url in urls:
            _check(failures, admin_client.get(url, query), f"GET {url} {value!r}")


def test_no_posted_value_makes_a_page_fail(admin_client, failures):
    urls = [u for u in _urls("1") if not u.endswith(("logout/", "accounts/delete/"))]
    for value in POSTED_VALUES:
        form = dict.fromkeys([*QUERY_NAMES, "email", "code", "reason", "id", "pk"], value)
        for url in urls:
            _check(failures, admin_client.post(url, form), f"POST {url} {value!r}")


def test_json_bodies_nested_deeply_or_with_hostile_values_are_refused(admin_client, failures):
    api = [u for u in _urls("1") if "/api/" in u]
    for url in api:
        for method in ("post", "patch"):
            response = getattr(admin_client, method)(
                url, NESTED_JSON, content_type="application/json"
            )
            _check(failures, response, f"{method.upper()} {url} nested JSON")
    for value in POSTED_VALUES:
        body = json.dumps(dict.fromkeys([*QUERY_NAMES, "original", "pk", "id"], value))
        for url in api:
            response = admin_client.post(url, body, content_type="application/json")
            _check(failures, response, f"POST {url} {value!r}")
