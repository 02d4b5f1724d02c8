"""Staff portal of mutual aid: the moderators' queue of abuse reports (hide with a reason,
dismiss, withdraw a resident's rights for a period), suspensions, the council's figures and the
categories. Services check roles and write the audit rows; these views only route."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import role_required
from accounts.roles import Role
from core.csv import csv_response

from . import selectors, services
from .forms import CategoryForm, ReasonForm, SuspendForm
from .models import AbuseReportStatus, AidCategory, Listing, Suspension

moderator_required = role_required(*services.MODERATOR_ROLES)
admin_required = role_required(Role.COUNCIL_ADMIN)
FIGURES_ROLES = (Role.COUNCIL_ADMIN, Role.MODERATOR, Role.ELECTED_OFFICIAL)
figures_required = role_required(*FIGURES_ROLES)


def _refused(request: HttpRequest, error: ValidationError | PermissionDenied) -> None:
    text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    messages.error(request, text)


@moderator_required
def queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or AbuseReportStatus.OPEN
    if status not in AbuseReportStatus.values:
        status = AbuseReportStatus.OPEN
    page = Paginator(selectors.moderation_queue(status), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "community/mutual_aid/staff/queue.html",
        {"page": page, "status": status, "Status": AbuseReportStatus},
    )


@moderator_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.abuse_report(pk)
    if report is None:
        raise Http404
    target_author = report.listing.author if report.listing else report.message.sender
    return render(
        request,
        "community/mutual_aid/staff/report.html",
        {
            "report": report,
            "target_author": target_author,
            "reason_form": ReasonForm(),
            "suspend_form": SuspendForm(),
        },
    )


@moderator_required
@require_POST
def report_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    report = selectors.abuse_report(pk)
    if report is None:
        raise Http404
    try:
        if action == "hide":
            form = ReasonForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Give the reason."))
            if report.listing is not None:
                services.listing_hide(
                    listing=report.listing, actor=request.user, reason=form.cleaned_data["reason"]
                )
            else:
                services.message_hide(
                    message=report.message, actor=request.user, reason=form.cleaned_data["reason"]
                )
            messages.success(request, _("Hidden. The author is told why."))
        elif action == "dismiss":
            services.abuse_report_dismiss(report=report, actor=request.user)
            messages.success(request, _("Report dismissed."))
        elif action == "suspend":
            form = SuspendForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Give the number of days and the reason."))
            author = report.listing.author if report.listing else report.message.sender
            if author is None:
                raise ValidationError(_("This resident has left the platform."))
            services.resident_suspend(resident=author, actor=request.user, **form.cleaned_data)
            messages.success(request, _("Mutual aid rights withdrawn."))
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    return redirect("community_staff:mutual_aid:report", pk=report.pk)


@moderator_required
@require_POST
def listing_unhide(request: HttpRequest, pk: int) -> HttpResponse:
    listing = get_object_or_404(Listing, pk=pk)
    services.listing_unhide(listing=listing, actor=request.user)
    messages.success(request, _("The listing is shown again."))
    return redirect("community_staff:mutual_aid:queue")


@moderator_required
def suspensions(request: HttpRequest) -> HttpResponse:
    rows = Suspension.objects.filter(until__gt=timezone.now()).select_related(
        "resident", "created_by"
    )
    return render(request, "community/mutual_aid/staff/suspensions.html", {"rows": rows})


@moderator_required
@require_POST
def suspension_lift(request: HttpRequest, pk: int) -> HttpResponse:
    suspension = get_object_or_404(Suspension, pk=pk)
    services.suspension_lift(suspension=suspension, actor=request.user)
    messages.success(request, _("Mutual aid rights restored."))
    return redirect("community_staff:mutual_aid:suspensions")


@figures_required
def figures(request: HttpRequest) -> HttpResponse:
    return render(
        request, "community/mutual_aid/staff/figures.html", {"figures": selectors.figures()}
    )


@figures_required
def figures_csv(request: HttpRequest) -> HttpResponse:
    """The same figures as one table: what, which, listings, done."""
    data = selectors.figures()
    french = (request.LANGUAGE_CODE or "fr").startswith("fr")
    rows: list[list[object]] = []
    for row in data["by_category"]:
        name = row["category__name_fr"] if french else row["category__name_en"]
        rows.append([_("Category"), name, row["total"], row["done"]])
    for row in data["by_neighbourhood"]:
        rows.append(
            [_("Neighbourhood"), row["neighbourhood__name"] or "", row["total"], row["done"]]
        )
    for row in data["done_per_month"]:
        rows.append([_("Month"), row["month"].strftime("%Y-%m"), "", row["done"]])
    return csv_response(
        "mutual-aid-figures", [_("What"), _("Which"), _("Listings"), _("Done")], rows
    )


@admin_required
def categories(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "community/mutual_aid/staff/categories.html",
        {"categories": selectors.all_categories()},
    )


@admin_required
def category_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    category = get_object_or_404(AidCategory, pk=pk) if pk else None
    form = CategoryForm(request.POST or None, instance=category)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.category_save(actor=request.user, category=category, **form.cleaned_data)
            except ValidationError as error:
                for field, errors in getattr(error, "message_dict", {None: error.messages}).items():
                    form.add_error(field if field in form.fields else None, errors)
                status = 400
            else:
                messages.success(request, _("The category is saved."))
                return redirect("community_staff:mutual_aid:categories")
        else:
            status = 400
    return render(
        request,
        "community/mutual_aid/staff/category.html",
        {"form": form, "category": category},
        status=status,
    )
