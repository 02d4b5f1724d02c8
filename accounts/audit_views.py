"""The staff audit log page (council admins): filter the log, export it as CSV."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.csv import csv_response
from core.selectors import AuditFilters, audit_actions, audit_actors, audit_entries

from .permissions import role_required
from .roles import Role

CSV_HEADER = (
    "time",
    "actor_id",
    "actor",
    "action",
    "target_type",
    "target_id",
    "target",
    "before",
    "after",
    "details",
    "ip",
)


@role_required(Role.COUNCIL_ADMIN)
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    filters = AuditFilters.from_query(request.GET)
    page = Paginator(audit_entries(filters), 50).get_page(request.GET.get("page"))
    actions = audit_actions()
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "staff/audit_log.html",
        {
            "page": page,
            "filters": filters,
            "actions": actions,
            "apps": sorted({action.split(".", 1)[0] for action in actions}),
            "actors": audit_actors(),
            "query": query.urlencode(),
        },
    )


@role_required(Role.COUNCIL_ADMIN)
@require_GET
def audit_log_csv(request: HttpRequest) -> HttpResponse:
    entries = audit_entries(AuditFilters.from_query(request.GET))
    rows = (
        (
            e.created_at,
            e.actor_id,
            e.actor_name,
            e.action,
            e.target_type,
            e.target_id,
            e.target_label,
            _json(e.before),
            _json(e.after),
            _json(e.data),
            e.ip,
        )
        for e in entries.iterator(chunk_size=2000)
    )
    return csv_response("audit-log", CSV_HEADER, rows)


def _json(value: object) -> str:
    import json

    return "" if value in (None, {}) else json.dumps(value, ensure_ascii=False, sort_keys=True)
