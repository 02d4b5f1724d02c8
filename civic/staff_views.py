"""The staff portal for street reports: triage queue, map, report handling, moderation, CSV,
and the council's categories, teams, Open311 keys and map settings."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.permissions import role_required
from accounts.roles import Role
from core.csv import csv_response
from core.params import parse_int, parse_ints
from core.views import form_errors_from, safe_next

from . import geojson, policy, selectors, services
from .forms import (
    ApiKeyForm,
    CategoryForm,
    HideForm,
    MapSettingsForm,
    MergeForm,
    NoteForm,
    QuestionForm,
    StatusForm,
    TeamForm,
)
from .models import Category, IssueReport, MapSettings, Open311ApiKey, Question, ReportPhoto, Status
from .views import map_context

triage_required = role_required(*policy.TRIAGE_ROLES)
admin_required = role_required(Role.COUNCIL_ADMIN)
PAGE_SIZE = 50


def _filters(request: HttpRequest) -> selectors.TriageFilters:
    return selectors.TriageFilters.from_query(request.GET)


def _filter_choices(user) -> dict:
    from community.models import Neighbourhood

    categories = selectors.categories_all()
    if not policy.sees_all_reports(user):
        categories = categories.filter(pk__in=policy.team_category_ids(user))
    return {
        "categories": categories,
        "neighbourhoods": Neighbourhood.objects.all(),
        "status_options": selectors.triage_status_options(),
        "assignees": selectors.assignable_staff(),
    }


@triage_required
def triage(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    qs = selectors.reports_triage(request.user, filters)
    page = parse_int(request.GET.get("page"), minimum=1) or 1
    rows = list(qs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "civic/staff/triage.html",
        {
            "reports": rows[:PAGE_SIZE],
            "has_next": len(rows) > PAGE_SIZE,
            "page": page,
            "filters": filters,
            "counts": selectors.triage_counts(request.user),
            "query": query.urlencode(),
            "status_form": StatusForm(),
            **_filter_choices(request.user),
        },
    )


@triage_required
def triage_map(request: HttpRequest) -> HttpResponse:
    query = request.GET.urlencode()
    return render(
        request,
        "civic/staff/triage_map.html",
        {
            "filters": _filters(request),
            **_filter_choices(request.user),
            **map_context(),
            "geojson_url": reverse("civic_staff:queue_geojson") + (f"?{query}" if query else ""),
        },
    )


@triage_required
def queue_geojson(request: HttpRequest) -> JsonResponse:
    from .views import _bbox

    qs = selectors.reports_in_bbox(
        selectors.reports_triage(request.user, _filters(request)),
        _bbox(request.GET.get("bbox", "")),
    )
    collection = geojson.feature_collection(
        qs[:1000], url=geojson.url_for_pk("civic_staff:report"), public=False
    )
    return JsonResponse(collection)


CSV_HEADER = [
    "id",
    "created_at",
    "category",
    "status",
    "overdue",
    "due_at",
    "assignee",
    "neighbourhood",
    "title",
    "description",
    "address",
    "latitude",
    "longitude",
    "source",
    "url",
]


@triage_required
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    qs = selectors.reports_triage(request.user, _filters(request))
    base = request.build_absolute_uri("/").rstrip("/")
    rows = (
        (
            r.pk,
            r.created_at,
            r.category.name,
            r.get_status_display(),
            r.is_overdue,
            r.due_at,
            r.assignee.full_name if r.assignee else "",
            r.neighbourhood.name if r.neighbourhood else "",
            r.title,
            r.description,
            r.address,
            r.latitude,
            r.longitude,
            r.source,
            base + r.get_absolute_url(),
        )
        for r in qs.iterator(chunk_size=2000)
    )
    return csv_response("reports", CSV_HEADER, rows)


@triage_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    ids = parse_ints(request.POST.getlist("ids"))
    form = StatusForm(request.POST)
    back = safe_next(request, reverse("civic_staff:triage"))
    if not ids or not form.is_valid():
        messages.error(request, _("Choose reports and a status."))
        return redirect(back)
    reports = list(selectors.reports_for_staff(request.user).filter(pk__in=ids))
    changed, errors = services.reports_bulk_status_change(
        reports=reports,
        actor=request.user,
        status=form.cleaned_data["status"],
        public_note=form.cleaned_data["public_note"],
        rejection_reason=form.cleaned_data["rejection_reason"],
    )
    if changed:
        messages.success(
            request,
            ngettext("%(count)s report updated.", "%(count)s reports updated.", len(changed))
            % {"count": len(changed)},
        )
    for pk, message in errors.items():
        messages.error(request, f"#{pk}: {message}")
    return redirect(back)


def _staff_report(request: HttpRequest, pk: int) -> IssueReport:
    report = selectors.reports_for_staff(request.user).filter(pk=pk).first()
    if report is None:
        raise Http404
    return report


@triage_required
def report(request: HttpRequest, pk: int) -> HttpResponse:
    report = _staff_report(request, pk)
    return render(
        request,
        "civic/staff/report.html",
        {
            "report": report,
            "history": selectors.report_history(report),
            "answers": selectors.report_answers_display(report),
            "photos": report.photos.all(),
            "status_form": StatusForm(),
            "note_form": NoteForm(),
            "merge_form": MergeForm(),
            "hide_form": HideForm(),
            "assignees": selectors.assignable_staff(report),
            "transitions": [
                (status, Status(status).label)
                for status in services.TRANSITIONS.get(report.status, ())
            ],
            "may_moderate": policy.may_moderate(request.user),
            "all_categories": selectors.categories_active(),
            "nearby": selectors.reports_nearby(
                category=report.category,
                latitude=report.latitude,
                longitude=report.longitude,
                radius_m=100,
            )
            if report.latitude is not None
            else [],
            **map_context(),
        },
    )


def _act(request: HttpRequest, pk: int, action) -> HttpResponse:
    report = _staff_report(request, pk)
    try:
        message = action(report)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, "; ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, message)
    return redirect("civic_staff:report", pk=pk)


@triage_required
@require_POST
def report_status(request: HttpRequest, pk: int) -> HttpResponse:
    form = StatusForm(request.POST)

    def action(report):
        if not form.is_valid():
            raise ValidationError(_("Choose a status."))
        services.report_status_change(report=report, actor=request.user, **form.cleaned_data)
        return _("Status changed.")

    return _act(request, pk, action)


@triage_required
@require_POST
def report_note(request: HttpRequest, pk: int) -> HttpResponse:
    form = NoteForm(request.POST)

    def action(report):
        form.is_valid()
        services.report_note_add(
            report=report,
            actor=request.user,
            public_note=form.cleaned_data.get("public_note", ""),
            internal_note=form.cleaned_data.get("internal_note", ""),
        )
        return _("Note added.")

    return _act(request, pk, action)


@triage_required
@require_POST
def report_assign(request: HttpRequest, pk: int) -> HttpResponse:
    raw = request.POST.get("assignee", "")

    def action(report):
        assignee = None
        if raw == "me":
            assignee = request.user
        elif raw:
            number = parse_int(raw)
            assignee = (
                User.objects.filter(pk=number, is_active=True).first()
                if number is not None
                else None
            )
            if assignee is None:
                raise ValidationError(_("Unknown staff member."))
        services.report_assign(report=report, actor=request.user, assignee=assignee)
        return _("Assignment saved.")

    return _act(request, pk, action)


@triage_required
@require_POST
def report_category(request: HttpRequest, pk: int) -> HttpResponse:
    code = request.POST.get("category", "")

    def action(report):
        category = Category.objects.filter(code=code, is_active=True).first()
        if category is None:
            raise ValidationError(_("Unknown category."))
        services.report_category_change(report=report, actor=request.user, category=category)
        return _("Category changed.")

    return _act(request, pk, action)


@triage_required
@require_POST
def report_merge(request: HttpRequest, pk: int) -> HttpResponse:
    form = MergeForm(request.POST)

    def action(report):
        if not form.is_valid():
            raise ValidationError(_("Give the number of the original report."))
        original = (
            selectors.reports_for_staff(request.user)
            .filter(pk=form.cleaned_data["original"])
            .first()
        )
        if original is None:
            raise ValidationError(_("There is no report with this number in your categories."))
        services.report_mark_duplicate(
            report=report,
            original=original,
            actor=request.user,
            public_note=form.cleaned_data["public_note"],
        )
        return _("Merged into #%(id)s.") % {"id": original.pk}

    return _act(request, pk, action)


@triage_required
@require_POST
def report_hide_text(request: HttpRequest, pk: int) -> HttpResponse:
    def action(report):
        if request.POST.get("show") == "1":
            services.report_text_unhide(report=report, actor=request.user)
            return _("The text is public again.")
        services.report_text_hide(
            report=report, actor=request.user, reason=request.POST.get("reason", "")
        )
        return _("The text is hidden; the reporter has been told.")

    return _act(request, pk, action)


@triage_required
@require_POST
def photo_hide(request: HttpRequest, pk: int) -> HttpResponse:
    photo = get_object_or_404(ReportPhoto, pk=pk)

    def action(report):
        if request.POST.get("show") == "1":
            services.report_photo_unhide(photo=photo, actor=request.user)
            return _("The photo is public again.")
        services.report_photo_hide(
            photo=photo, actor=request.user, reason=request.POST.get("reason", "")
        )
        return _("The photo is hidden; the reporter has been told.")

    return _act(request, photo.report_id, action)


# --- configuration (council admins) ------------------------------------------------------------


@admin_required
def categories(request: HttpRequest) -> HttpResponse:
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            category = services.category_save(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Category created."))
            return redirect("civic_staff:category", pk=category.pk)
    return render(
        request,
        "civic/staff/categories.html",
        {"categories": selectors.categories_all(), "form": form},
    )


@admin_required
def category(request: HttpRequest, pk: int) -> HttpResponse:
    category = get_object_or_404(Category, pk=pk)
    form = CategoryForm(instance=category)
    question_form = QuestionForm()
    if request.method == "POST" and request.POST.get("form") == "category":
        form = CategoryForm(request.POST, instance=category)
        if form.is_valid():
            services.category_save(actor=request.user, category=category, **form.cleaned_data)
            messages.success(request, _("Category saved."))
            return redirect("civic_staff:category", pk=pk)
    elif request.method == "POST" and request.POST.get("form") == "question":
        question_form = QuestionForm(request.POST)
        if question_form.is_valid():
            data = dict(question_form.cleaned_data)
            data["choices"] = data.pop("choices_text")
            try:
                services.question_save(actor=request.user, category=category, **data)
            except ValidationError as error:
                form_errors_from(question_form, error)
            else:
                messages.success(request, _("Question added."))
                return redirect("civic_staff:category", pk=pk)
    return render(
        request,
        "civic/staff/category.html",
        {
            "category": category,
            "form": form,
            "question_form": question_form,
            "questions": category.questions.all(),
        },
    )


@admin_required
@require_POST
def category_delete(request: HttpRequest, pk: int) -> HttpResponse:
    category = get_object_or_404(Category, pk=pk)
    try:
        services.category_delete(actor=request.user, category=category)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("civic_staff:category", pk=pk)
    messages.success(request, _("Category deleted."))
    return redirect("civic_staff:categories")


@admin_required
@require_POST
def question_delete(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_object_or_404(Question, pk=pk)
    services.question_delete(actor=request.user, question=question)
    messages.success(request, _("Question removed."))
    return redirect("civic_staff:category", pk=question.category_id)


def _staff_people():
    from accounts.selectors import staff_members

    return staff_members()


@admin_required
def teams(request: HttpRequest) -> HttpResponse:
    from .models import Team

    team = None
    if (team_id := parse_int(request.GET.get("edit"))) is not None:
        team = get_object_or_404(Team, pk=team_id)
    initial = {"name": team.name, "members": team.members.all()} if team else None
    form = TeamForm(request.POST or None, staff=_staff_people(), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.team_save(
                actor=request.user,
                team=team,
                name=form.cleaned_data["name"],
                members=list(form.cleaned_data["members"]),
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Team saved."))
            return redirect("civic_staff:teams")
    return render(
        request,
        "civic/staff/teams.html",
        {"teams": selectors.teams(), "form": form, "editing": team},
    )


@admin_required
def api_keys(request: HttpRequest) -> HttpResponse:
    form = ApiKeyForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        _key, new_key = services.api_key_create(
            name=form.cleaned_data["name"], created_by=request.user
        )
        form = ApiKeyForm()
    response = render(
        request,
        "civic/staff/api_keys.html",
        {
            "keys": selectors.api_keys(),
            "form": form,
            "new_key": new_key,
            "endpoint": request.build_absolute_uri(reverse("civic:open311_root")),
        },
    )
    response["Cache-Control"] = "no-store"  # the page shows a secret once
    return response


@admin_required
@require_POST
def api_key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    key = get_object_or_404(Open311ApiKey, pk=pk)
    services.api_key_revoke(key=key, actor=request.user)
    messages.success(request, _("The key “%(name)s” is revoked.") % {"name": key.name})
    return redirect("civic_staff:api_keys")


@admin_required
def map_settings(request: HttpRequest) -> HttpResponse:
    current = MapSettings.current()
    form = MapSettingsForm(
        request.POST or None,
        initial={
            "latitude": current.latitude,
            "longitude": current.longitude,
            "zoom": current.zoom,
        },
    )
    if request.method == "POST" and form.is_valid():
        services.map_settings_save(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Map settings saved."))
        return redirect("civic_staff:map_settings")
    return render(request, "civic/staff/map_settings.html", {"form": form})
