"""The resident site: report a problem, follow it, browse and map the council's reports."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from core.params import parse_float, parse_int

from . import geojson, policy, selectors, services
from .forms import ReportForm
from .models import IssueReport, MapSettings, ReportEvent, Status

PAGE_SIZE = 20
GEOJSON_DEFAULT_LIMIT = 500
GEOJSON_MAX_LIMIT = 2000


def _int(value: str | None) -> int | None:
    return parse_int(value)


def map_config() -> dict:
    """What the map widget needs: where to open, the tile server (empty: no tiles) and the
    council's neighbourhoods, drawn with their names on every map so that a resident finds their
    area even without tiles (development, offline, a tile server that is down)."""
    from community.models import Neighbourhood

    current = MapSettings.current()
    return {
        "lat": current.latitude,
        "lon": current.longitude,
        "zoom": current.zoom,
        "tiles": settings.COMMUNE_MAP_TILE_URL,
        "attribution": settings.COMMUNE_MAP_ATTRIBUTION,
        "max_zoom": settings.COMMUNE_MAP_MAX_ZOOM,
        "areas": [
            {"name": name, "area": area}
            for name, area in Neighbourhood.objects.exclude(area__isnull=True)
            .order_by("name")
            .values_list("name", "area")
        ],
    }


def map_context() -> dict:
    return {
        "map_config": map_config(),
        "map_strings": {
            # The colon is part of the sentence: French puts a space before it.
            "placed": _("Point placed: %(point)s"),
            "nearby": _("Already reported nearby"),
            "nearby_help": _("Is it one of these? Follow it instead of sending a new report."),
            "follow": _("Follow this one instead"),
            "areas": _("Map of the neighbourhoods: %(names)s"),
            "found": _("Pin moved to: %(address)s"),
        },
    }


def _filter_context(request: HttpRequest) -> tuple[selectors.PublicFilters, dict]:
    from community.models import Neighbourhood

    filters = selectors.PublicFilters.from_query(request.GET)
    return filters, {
        "filters": filters,
        "categories": selectors.categories_active(),
        "neighbourhoods": Neighbourhood.objects.all(),
        "status_options": selectors.public_status_options(),
    }


@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    filters, context = _filter_context(request)
    reports, next_before = selectors.reports_page(
        selectors.reports_public_filtered(filters),
        before=_int(request.GET.get("before")),
        size=PAGE_SIZE,
    )
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "civic/report_list.html",
        {
            **context,
            "reports": reports,
            "next_before": next_before,
            "query": query.urlencode(),
        },
    )


@require_GET
def report_map(request: HttpRequest) -> HttpResponse:
    _filters, context = _filter_context(request)
    query = request.GET.urlencode()
    return render(
        request,
        "civic/report_map.html",
        {
            **context,
            **map_context(),
            "geojson_url": reverse("civic:reports_geojson") + (f"?{query}" if query else ""),
        },
    )


def _bbox(raw: str) -> tuple[float, float, float, float] | None:
    if not raw:
        return None
    parts = [parse_float(p) for p in raw.split(",")]
    if len(parts) != 4 or None in parts:
        return None
    return tuple(parts)  # type: ignore[return-value]


@require_GET
def reports_geojson(request: HttpRequest) -> JsonResponse:
    """The council's reports as a GeoJSON FeatureCollection, newest first. Filters: bbox
    (min_lon,min_lat,max_lon,max_lat), status, category, neighbourhood; `limit` (default 500,
    at most 2000) keeps a response small however many reports there are."""
    filters, _context = _filter_context(request)
    limit = min(_int(request.GET.get("limit")) or GEOJSON_DEFAULT_LIMIT, GEOJSON_MAX_LIMIT)
    qs = selectors.reports_in_bbox(
        selectors.reports_public_filtered(filters), _bbox(request.GET.get("bbox", ""))
    )
    rows = qs.order_by("-pk").select_related(None)[:limit]
    collection = geojson.feature_collection(
        rows, url=geojson.url_for_pk("civic:report_detail"), public=True
    )
    response = JsonResponse(collection)
    response["Content-Type"] = "application/geo+json"
    return response


@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        report = selectors.report_public_detail(pk)
    except IssueReport.DoesNotExist as error:
        raise Http404 from error
    user = request.user
    return render(
        request,
        "civic/report_detail.html",
        {
            "report": report,
            "timeline": selectors.report_timeline(report),
            "following": selectors.report_followed_by(report, user),
            "is_reporter": user.is_authenticated and report.reporter_id == user.pk,
            "may_act": policy.may_act_on(user, report),
            "Status": Status,
            "Kind": ReportEvent.Kind,
            **map_context(),
        },
    )


@login_required
def my_reports(request: HttpRequest) -> HttpResponse:
    mine, followed = selectors.reports_of_resident(request.user)
    return render(request, "civic/my_reports.html", {"mine": mine, "followed": followed})


@login_required
def report_new(request: HttpRequest) -> HttpResponse:
    """Step 1: the category (and a point, when the map was used); step 2: the report itself."""
    refusal = policy.report_refusal(request.user)
    if refusal is not None:
        return render(request, "civic/cannot_report.html", {"refusal": refusal}, status=403)
    categories = selectors.categories_active()
    code = request.GET.get("category") or request.POST.get("category")
    category = categories.filter(code=code).first() if code else None
    if category is None:
        return render(
            request,
            "civic/report_category.html",
            {
                "categories": categories,
                "lat": request.GET.get("lat", ""),
                "lon": request.GET.get("lon", ""),
            },
        )

    initial = {
        "latitude": request.GET.get("lat") or None,
        "longitude": request.GET.get("lon") or None,
    }
    form = ReportForm(request.POST or None, category=category, initial=initial)
    nearby: list[IssueReport] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        lat, lon = data.get("latitude"), data.get("longitude")
        if lat is not None and lon is not None and not data.get("ignore_nearby"):
            nearby = selectors.reports_nearby(category=category, latitude=lat, longitude=lon)
        if nearby:
            # Show the open reports around before creating one more; the resident can follow one
            # of them instead, or confirm theirs is different.
            form.data = form.data.copy()
            form.data["ignore_nearby"] = "1"
            if request.FILES:
                messages.info(request, _("Please attach your photos again before sending."))
        else:
            try:
                report = services.issue_report_create(
                    reporter=request.user,
                    category=category,
                    title=data["title"],
                    description=data["description"],
                    latitude=lat,
                    longitude=lon,
                    address=data.get("address", ""),
                    answers=form.answers(),
                    photos=request.FILES.getlist("photos"),
                    show_name=data.get("show_name", False),
                )
            except ValidationError as error:
                _add_errors(form, error)
            except PermissionDenied as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _(
                        "Thank you! Your report has been sent to the "
                        "council. You will be emailed at every update."
                    ),
                )
                return redirect(report)
    return render(
        request,
        "civic/report_form.html",
        {
            "form": form,
            "category": category,
            "nearby": nearby,
            **map_context(),
            "max_photos": services.MAX_PHOTOS,
        },
    )


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            name = field if field in form.fields else f"q_{field}"
            for message in messages_:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


@require_GET
def reports_nearby(request: HttpRequest) -> JsonResponse:
    """Open reports of a category within 50 m of a point, for the report form (JSON)."""
    category = selectors.categories_active().filter(code=request.GET.get("category", "")).first()
    lat = parse_float(request.GET.get("lat"), minimum=-90, maximum=90)
    lon = parse_float(request.GET.get("lon"), minimum=-180, maximum=180)
    if lat is None or lon is None:
        return JsonResponse({"error": _("lat and lon are required.")}, status=400)
    if category is None:
        return JsonResponse({"error": _("Unknown category.")}, status=400)
    rows = selectors.reports_nearby(category=category, latitude=lat, longitude=lon)
    return JsonResponse(
        {
            "radius_m": selectors.DUPLICATE_RADIUS_M,
            "reports": [
                {
                    "id": r.pk,
                    "title": r.public_title,
                    "status": r.status,
                    "status_label": r.get_status_display(),
                    "distance_m": round(r.distance),
                    "url": r.get_absolute_url(),
                    "follow_url": reverse("civic:report_follow", args=[r.pk]),
                }
                for r in rows
            ],
        }
    )


@login_required
@require_POST
def report_follow(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(IssueReport, pk=pk)
    follower = services.report_follow(report=report, user=request.user)
    messages.success(request, _("You will be emailed at every update of this report."))
    return redirect(follower.report)


@login_required
@require_POST
def report_unfollow(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(IssueReport, pk=pk)
    services.report_unfollow(report=report, user=request.user)
    messages.success(request, _("You no longer follow this report."))
    return redirect(report)


@login_required
@require_POST
def report_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(IssueReport, pk=pk)
    try:
        services.report_reopen(
            report=report, user=request.user, note=request.POST.get("note", "")[:2000]
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("The report has been reopened. Thank you for telling us."))
    return redirect(report)


@login_required
@require_POST
def report_confirm_fixed(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(IssueReport, pk=pk)
    try:
        services.report_confirm_fixed(report=report, user=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("Thank you for confirming."))
    return redirect(report)


# A mail client's one-click unsubscribe (RFC 8058) POSTs without a CSRF token; the unguessable
# token in the URL is the authorisation.
@csrf_exempt
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows one button (link scanners in mail systems fetch links, and must not
    unsubscribe anyone); POST, from that button or the mail client, unsubscribes."""
    if request.method == "POST":
        report = services.follower_unsubscribe(token=token)
        return render(request, "civic/unsubscribed.html", {"report": report})
    from .models import ReportFollower

    follower = (
        ReportFollower.objects.select_related("report").filter(unsubscribe_token=token).first()
    )
    return render(
        request,
        "civic/unsubscribe.html",
        {"follower": follower, "token": token},
        status=200 if follower else 404,
    )
