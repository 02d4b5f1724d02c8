"""Open311 GeoReport v2 on each council's host, under /open311/v2/, in XML (mandatory) and JSON.

jurisdiction_id is the council's slug (optional, as the host already names the council).
Errors are a list of {code, description} with the matching HTTP status. `GET requests` returns
newest first, at most 90 days and 1000 requests as the spec says; the `page_size` (default 200,
at most 1000) and `page` parameters are our extension to page through them.
"""

import json
from datetime import datetime, timedelta
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import OuterRef, Prefetch, Subquery
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from core.params import parse_float, parse_int, parse_ints
from core.ratelimit import RateLimited
from core.text import xml_safe

from . import selectors, services
from .models import OPEN_STATUSES, Category, IssueReport, ReportEvent, ReportPhoto

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
MAX_DAYS = 90
MAX_REQUESTS = 1000
DEFAULT_PAGE_SIZE = 200
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
# The element name of the items of each list, in XML.
XML_ITEMS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "service_requests": "request",
    "errors": "error",
}


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.errors = [{"code": status, "description": description}]


# --- rendering ---------------------------------------------------------------------------------


def _xml_text(value) -> str:
    """Every text of the XML goes through here: a character XML 1.0 forbids (a vertical tab
    pasted into a description) would make the whole document unreadable for every client."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(xml_safe(value))


def _xml_parts(tag: str, value, out: list[str]) -> None:
    """Append `<tag>value</tag>` to `out`. Tags are our own constant names; only values are
    escaped. Strings joined once cost what the JSON encoder costs; an element tree per
    request cost four times as much on a 1,000-report page (bench/bench_civic.py)."""
    if value is None:
        out.append(f"<{tag} />")
    elif isinstance(value, list):
        item_tag = XML_ITEMS[tag]
        out.append(f"<{tag}>")
        for item in value:
            _xml_parts(item_tag, item, out)
        out.append(f"</{tag}>")
    elif isinstance(value, dict):
        out.append(f"<{tag}>")
        for key, child in value.items():
            _xml_parts(key, child, out)
        out.append(f"</{tag}>")
    else:
        out.append(f"<{tag}>{_xml_text(value)}</{tag}>")


def render(fmt: str, root: str, payload, status: int = 200) -> HttpResponse:
    """`payload` is a list (rendered as <root><item/>…</root>) or a dict (<root>…</root>)."""
    if fmt == "json":
        body = json.dumps(payload, ensure_ascii=False)
    else:
        out = ['<?xml version="1.0" encoding="utf-8"?>\n']
        if isinstance(payload, list):
            out.append(f"<{root}>")
            for item in payload:
                _xml_parts(XML_ITEMS[root], item, out)
            out.append(f"</{root}>")
        else:
            _xml_parts(root, payload, out)
        body = "".join(out)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def _w3c(value: datetime | None) -> str | None:
    if value is None:
        return None
    zone = ZoneInfo(getattr(connection.tenant, "timezone", "") or "UTC")
    return timezone.localtime(value, zone).isoformat(timespec="seconds")


def endpoint(view=None, *, methods: tuple[str, ...] = ("GET",)):
    """Method check, jurisdiction check, errors as Open311 error lists."""
    if view is None:
        return lambda v: endpoint(v, methods=methods)

    @csrf_exempt
    def wrapped(request: HttpRequest, fmt: str, *args, **kwargs) -> HttpResponse:
        try:
            params = request.POST if request.method == "POST" else request.GET
            jurisdiction = params.get("jurisdiction_id", "").strip()
            if jurisdiction and jurisdiction != connection.tenant.slug:
                raise Open311Error(
                    404, _("jurisdiction_id “%(id)s” was not found.") % {"id": jurisdiction}
                )
            allowed = methods
            if request.method not in allowed:
                response = render(
                    fmt, "errors", [{"code": 405, "description": _("Method not allowed.")}], 405
                )
                response["Allow"] = ", ".join(allowed)
                return response
            return view(request, fmt, *args, **kwargs)
        except Open311Error as error:
            return render(fmt, "errors", error.errors, error.status)

    return wrapped


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    fmt = "json" if rest.endswith(".json") else "xml"
    return render(
        fmt, "errors", [{"code": 404, "description": _("No such Open311 resource.")}], 404
    )


# --- discovery and services --------------------------------------------------------------------


@endpoint
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    council = connection.tenant
    changeset = _w3c(council.updated_at)
    contact = council.contact_email or council.name
    return render(
        fmt,
        "discovery",
        {
            "changeset": changeset,
            "contact": _("Contact %(council)s: %(contact)s")
            % {"council": council.name, "contact": contact},
            "key_service": _("Ask %(council)s for an API key: %(contact)s")
            % {"council": council.name, "contact": contact},
            "endpoints": [
                {
                    "specification": SPEC_URL,
                    "url": request.build_absolute_uri(reverse("civic:open311_root")).rstrip("/"),
                    "changeset": changeset,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


def _service(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": bool(category.questions.all()),
        "type": "realtime",
        "keywords": category.keywords,
        "group": category.group,
    }


@endpoint
def services_list(request: HttpRequest, fmt: str) -> HttpResponse:
    return render(fmt, "services", [_service(c) for c in selectors.categories_active()])


def _category(code: str) -> Category:
    category = selectors.categories_active().filter(code=code).first()
    if category is None:
        raise Open311Error(404, _("service_code “%(code)s” was not found.") % {"code": code})
    return category


@endpoint
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    category = _category(code)
    attributes = []
    for position, question in enumerate(category.questions.all(), start=1):
        attribute = {
            "variable": True,
            "code": question.code,
            "datatype": question.open311_datatype,
            "required": question.required,
            "datatype_description": question.help_text,
            "order": question.order or position,
            "description": question.label,
        }
        if question.choices:
            attribute["values"] = [
                {"key": key, "name": name} for key, name in question.choice_items()
            ]
        attributes.append(attribute)
    return render(
        fmt, "service_definition", {"service_code": category.code, "attributes": attributes}
    )


# --- requests ----------------------------------------------------------------------------------


def _requests_queryset():
    latest_note = (
        ReportEvent.objects.filter(report=OuterRef("pk"), is_public=True)
        .exclude(public_note="")
        .order_by("-created_at", "-pk")
        .values("public_note")[:1]
    )
    return (
        IssueReport.objects.select_related("category")
        .annotate(status_notes=Subquery(latest_note))
        .prefetch_related(
            Prefetch(
                "photos",
                queryset=ReportPhoto.objects.filter(is_hidden=False),
                to_attr="visible_photos",
            )
        )
    )


def _request(report: IssueReport, request: HttpRequest) -> dict:
    photos = getattr(report, "visible_photos", None)
    if photos is None:
        photos = list(report.photos.filter(is_hidden=False))
    council = connection.tenant
    return {
        "service_request_id": str(report.pk),
        "status": report.open311_status,
        "status_notes": getattr(report, "status_notes", None) or "",
        "service_name": report.category.name,
        "service_code": report.category.code,
        "description": report.public_description,
        "agency_responsible": council.name,
        "service_notice": "",
        "requested_datetime": _w3c(report.created_at),
        "updated_datetime": _w3c(report.updated_at),
        "expected_datetime": _w3c(report.due_at) if report.is_open else None,
        "address": report.address,
        "address_id": "",
        "zipcode": "",
        "lat": report.latitude,
        "long": report.longitude,
        "media_url": request.build_absolute_uri(photos[0].url) if photos else "",
    }


def _date_param(params, name: str) -> datetime | None:
    try:
        return selectors.parse_datetime_param(params.get(name, ""))
    except ValueError as error:
        raise Open311Error(400, _("%(name)s is not a W3C date/time.") % {"name": name}) from error


def _positive_int(params, name: str, default: int, maximum: int) -> int:
    raw = params.get(name, "")
    if not raw:
        return default
    value = parse_int(raw, minimum=1)
    if value is None:
        raise Open311Error(400, _("%(name)s must be a positive whole number.") % {"name": name})
    return min(value, maximum)


def _get_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.GET
    qs = _requests_queryset()
    ids = [part.strip() for part in params.get("service_request_id", "").split(",") if part.strip()]
    if ids:
        # The spec: a list of ids overrides every other parameter.
        numbers = parse_ints(ids)
        if len(numbers) != len(ids):
            raise Open311Error(400, _("service_request_id must be numbers, comma-separated."))
        rows = qs.filter(pk__in=numbers[:MAX_REQUESTS]).order_by("-pk")
        return render(fmt, "service_requests", [_request(r, request) for r in rows])

    codes = [c.strip() for c in params.get("service_code", "").split(",") if c.strip()]
    if codes:
        qs = qs.filter(category__code__in=codes)
    statuses = {s.strip() for s in params.get("status", "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _("status must be open, closed, or both comma-separated."))
    if statuses == {"open"}:
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif statuses == {"closed"}:
        qs = qs.exclude(status__in=OPEN_STATUSES)
    start, end = _date_param(params, "start_date"), _date_param(params, "end_date")
    if start and end:
        if end < start:
            raise Open311Error(400, _("end_date is before start_date."))
        if end - start > timedelta(days=MAX_DAYS):
            raise Open311Error(
                400,
                _("start_date and end_date may not span more than %(days)s days.")
                % {"days": MAX_DAYS},
            )
    elif start:
        end = start + timedelta(days=MAX_DAYS)
    elif end:
        start = end - timedelta(days=MAX_DAYS)
    else:
        end = timezone.now()
        start = end - timedelta(days=MAX_DAYS)
    qs = qs.filter(created_at__gte=start, created_at__lte=end)
    size = _positive_int(params, "page_size", DEFAULT_PAGE_SIZE, MAX_REQUESTS)
    page = _positive_int(params, "page", 1, MAX_REQUESTS)
    offset = (page - 1) * size
    if offset >= MAX_REQUESTS:
        return render(fmt, "service_requests", [])
    rows = qs.order_by("-created_at", "-pk")[offset : min(offset + size, MAX_REQUESTS)]
    return render(fmt, "service_requests", [_request(r, request) for r in rows])


def _attributes(params) -> dict:
    """attribute[code]=value, attribute[code][]=v1&attribute[code][]=v2 (multiple values)."""
    answers: dict = {}
    for key in params:
        if not key.startswith("attribute[") or "]" not in key:
            continue
        code = key[len("attribute[") : key.index("]")]
        values = params.getlist(key)
        answers[code] = values if key.endswith("[]") or len(values) > 1 else values[0]
    return answers


def _float(params, name: str) -> float | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    value = parse_float(raw)
    if value is None:
        raise Open311Error(400, _("%(name)s must be a number.") % {"name": name})
    return value


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.POST
    raw_key = params.get("api_key", "")
    if not raw_key:
        raise Open311Error(403, _("An api_key is required to create a request."))
    key = services.api_key_check(raw_key)
    if key is None:
        raise Open311Error(403, _("Invalid api_key received: can't proceed with create_request."))
    code = params.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, _("service_code is required."))
    category = selectors.categories_active().filter(code=code).first()
    if category is None:
        raise Open311Error(
            400,
            _("service_code “%(code)s” is not a service of this jurisdiction.") % {"code": code},
        )
    content = services.ReportContent(
        category=category,
        description=params.get("description", "").strip() or category.name,
        latitude=_float(params, "lat"),
        longitude=_float(params, "long"),
        address=params.get("address_string", "").strip() or params.get("address_id", "").strip(),
        answers=_attributes(params),
        photos=request.FILES.getlist("media")[: services.MAX_PHOTOS + 1],
    )
    contact = services.Open311Contact(
        first_name=params.get("first_name", ""),
        last_name=params.get("last_name", ""),
        email=params.get("email", ""),
        phone=params.get("phone", ""),
    )
    try:
        report = services.open311_request_create(
            api_key=key,
            content=content,
            contact=contact,
            media_url=params.get("media_url", ""),
        )
    except PermissionDenied as error:
        raise Open311Error(403, str(error)) from error
    except ValidationError as error:
        errors = [{"code": 400, "description": message} for message in _messages(error)]
        if isinstance(error, RateLimited):
            return render(
                fmt, "errors", [{"code": 429, "description": errors[0]["description"]}], 429
            )
        return render(fmt, "errors", errors, 400)
    return render(
        fmt,
        "service_requests",
        [
            {
                "service_request_id": str(report.pk),
                "token": report.token,
                "service_notice": "",
                "account_id": params.get("account_id", "").strip() or None,
            }
        ],
        201,
    )


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [
            f"{field}: {message}"
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    return list(error.messages)


@endpoint(methods=("GET", "POST"))
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt)
    return _get_requests(request, fmt)


@endpoint
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    number = parse_int(request_id)
    report = _requests_queryset().filter(pk=number).first() if number is not None else None
    if report is None:
        raise Open311Error(
            404, _("service_request_id “%(id)s” was not found.") % {"id": request_id}
        )
    return render(fmt, "service_requests", [_request(report, request)])


@endpoint
def token_detail(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    report = IssueReport.objects.filter(token=token).only("pk", "token").first()
    if report is None:
        raise Open311Error(404, _("token “%(token)s” was not found.") % {"token": token})
    return render(
        fmt, "service_requests", [{"service_request_id": str(report.pk), "token": report.token}]
    )
