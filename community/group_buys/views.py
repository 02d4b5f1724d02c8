"""Resident pages (the group buys, the household's commitment, the partner directory) and the
management pages that staff (in the portal) and resident organisers (on the site) share."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.csv import csv_response
from core.views import error_status, form_errors_from, private_download

from . import documents, selectors, services
from .forms import CommitmentForm, GroupBuyForm, HandoverForm, tiers_text
from .models import Commitment, GroupBuy, Partner

# --- residents ---------------------------------------------------------------------------------


def group_buy_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "community/group_buys/list.html",
        {
            "group_buys": selectors.group_buys_for(request.user),
            "savings": selectors.savings_this_year(),
            "may_organise": selectors.may_organise(request.user),
            "organised": (
                selectors.organised_by(request.user) if request.user.is_authenticated else []
            ),
        },
    )


def group_buy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group_buy = selectors.group_buy_visible_to(request.user, pk)
    if group_buy is None:
        raise Http404
    commitment = selectors.household_commitment(request.user, group_buy)
    current = commitment.quantity if commitment else 0
    form = CommitmentForm(request.POST or None, initial={"quantity": current or None})
    status = 200
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('accounts:login')}?next={request.path}")
        quantity = 0 if "withdraw" in request.POST else None
        if quantity is None and form.is_valid():
            quantity = form.cleaned_data["quantity"]
        if quantity is not None:
            try:
                services.commitment_set(user=request.user, group_buy=group_buy, quantity=quantity)
            except GroupBuy.DoesNotExist:
                raise Http404 from None  # closed meanwhile, without this household
            except (ValidationError, PermissionDenied) as error:
                if isinstance(error, PermissionDenied):
                    form.add_error(None, str(error))
                else:
                    form_errors_from(form, error)
                status = error_status(error)
            else:
                if quantity:
                    messages.success(request, _("Your household's order is saved."))
                else:
                    messages.success(request, _("Your household's order is withdrawn."))
                return redirect("community:group_buy", pk=pk)
        else:
            status = 400
    group_buy.refresh_from_db()
    residence = selectors.residence_of(request.user)
    return render(
        request,
        "community/group_buys/detail.html",
        {
            "group_buy": group_buy,
            "progress": selectors.progress(group_buy, commitment.quantity if commitment else 0),
            "commitment": commitment,
            "form": form,
            "residence": residence,
            "eligible": selectors.eligible(group_buy, residence),
            "may_join": request.user.is_authenticated
            and selectors.may_use_group_buys(request.user),
            "manage_url": _manage_url(request, group_buy),
            "saving": selectors.group_buy_saving(group_buy),
        },
        status=status,
    )


@never_cache
def group_buy_progress(request: HttpRequest, pk: int) -> JsonResponse:
    """What the group buy's page shows live (static/community/group-buy-progress.js polls it):
    bars, totals, prices and the household's estimate, with the page's sentences already
    translated and formatted. Visible to whoever may see the page."""
    group_buy = selectors.group_buy_visible_to(request.user, pk)
    if group_buy is None:
        raise Http404
    commitment = selectors.household_commitment(request.user, group_buy)
    progress = selectors.progress(group_buy, commitment.quantity if commitment else 0)
    return JsonResponse(_progress_display(group_buy, progress, household=commitment is not None))


def _progress_display(
    group_buy: GroupBuy, progress: selectors.Progress, *, household: bool
) -> dict:
    """The live part of the group buy's page as JSON: numbers for the bars, and its sentences
    translated and formatted as the template writes them (same messages, same filters)."""
    unit = group_buy.get_unit_display()
    tier = progress.next_tier

    def quantity(value: Decimal) -> str:
        return floatformat(value, "-2")

    return {
        "status": group_buy.status,
        "total": str(progress.total),
        "minimum_percent": progress.minimum_percent,
        "next_tier_percent": progress.next_tier_percent if tier else None,
        "text": {
            "committed": _("%(total)s %(unit)s committed")
            % {"total": quantity(progress.total), "unit": unit},
            "to_minimum": _("%(n)s more needed for the group buy to go ahead.")
            % {"n": quantity(progress.to_minimum)}
            if progress.to_minimum
            else "",
            "next_tier": _("Towards the next tier: %(p)s € from %(q)s")
            % {"q": quantity(tier[0]), "p": floatformat(tier[1], 2)}
            if tier
            else "",
            "to_next_tier": _("%(n)s more and everybody pays less.")
            % {"n": quantity(progress.to_next_tier or Decimal(0))}
            if tier
            else "",
            "current_price": f"{floatformat(progress.current_price, 2)} €",
            "projected_price": f"{floatformat(progress.projected_price, 2)} €",
            "saving_percent": _("%(p)s %% below retail") % {"p": progress.saving_percent},
            "household_estimate": _(
                "Estimated total: %(total)s €, saving %(saving)s € against retail."
            )
            % {
                "total": floatformat(progress.household_total, 2),
                "saving": floatformat(progress.household_saving, 2),
            }
            if household
            else "",
        },
    }


def _manage_url(request: HttpRequest, group_buy: GroupBuy) -> str:
    if selectors.is_group_buy_staff(request.user):
        return reverse("community_staff:group_buy_manage", args=[group_buy.pk])
    if selectors.may_manage(request.user, group_buy):
        return reverse("community:group_buy_manage", args=[group_buy.pk])
    return ""


def partner_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "community/group_buys/partners.html",
        {"partners": selectors.partners_for(request.user)},
    )


@login_required
@require_POST
def partner_use(request: HttpRequest, pk: int) -> HttpResponse:
    partner = get_object_or_404(Partner, pk=pk, is_published=True)
    services.partner_use_set(user=request.user, partner=partner, using="using" in request.POST)
    return redirect(reverse("community:partners") + f"#partner-{pk}")


# --- organising: shared by the staff portal and resident organisers ----------------------------


def _portal(staff: bool) -> dict:
    return {
        "base_template": "staff_base.html" if staff else "resident_base.html",
        "ns": "community_staff" if staff else "community",
    }


def _links(staff: bool, pk: int) -> dict:
    ns = _portal(staff)["ns"]
    names = (
        "edit",
        "close",
        "order_pdf",
        "order_csv",
        "distribution",
        "distribution_pdf",
        "handover",
    )
    links = {name: reverse(f"{ns}:group_buy_{name}", args=[pk]) for name in names}
    links["manage"] = reverse(f"{ns}:group_buy_manage", args=[pk])
    links["duplicate"] = reverse(f"{ns}:group_buy_new") + f"?from={pk}"
    links["public"] = reverse("community:group_buy", args=[pk])
    return links


def managed(request: HttpRequest, pk: int) -> GroupBuy:
    group_buy = get_object_or_404(
        GroupBuy.objects.prefetch_related("tiers", "neighbourhoods"), pk=pk
    )
    if not selectors.may_manage(request.user, group_buy):
        raise Http404  # a resident learns nothing of group buys they do not organise
    return group_buy


def manage_page(request: HttpRequest, pk: int, *, staff: bool) -> HttpResponse:
    group_buy = managed(request, pk)
    order = documents.purchase_order(group_buy)
    return render(
        request,
        "community/group_buys/manage.html",
        {
            **_portal(staff),
            "group_buy": group_buy,
            "order": order,
            "progress": selectors.progress(group_buy),
            "saving": selectors.group_buy_saving(group_buy),
            "links": _links(staff, pk),
            "handover_form": HandoverForm(),
        },
    )


def edit_page(request: HttpRequest, pk: int | None, *, staff: bool) -> HttpResponse:
    """Create (no pk; `?from=<id>` copies a past group buy) or edit a group buy."""
    group_buy = managed(request, pk) if pk is not None else None
    source = None
    if group_buy is None:
        if not selectors.may_organise(request.user):
            raise PermissionDenied
        source_id = request.GET.get("from", "")
        if source_id.isdigit():
            source = get_object_or_404(GroupBuy, pk=int(source_id))
            if not selectors.may_manage(request.user, source):
                raise Http404
    initial: dict = {}
    if group_buy is not None:
        initial = services.group_buy_initial_from(group_buy)
        initial["deadline"], initial["pickup_at"] = group_buy.deadline, group_buy.pickup_at
    elif source is not None:
        initial = services.group_buy_initial_from(source)
    if "tiers" in initial:
        initial["tiers"] = tiers_text(initial["tiers"])
    form = GroupBuyForm(request.POST or None, request.FILES or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.service_kwargs()
            try:
                if group_buy is None:
                    saved = services.group_buy_create(
                        acting=request.user, duplicated_from=source, **data
                    )
                    messages.success(request, _("The group buy is open."))
                else:
                    saved = services.group_buy_update(
                        acting=request.user, group_buy=group_buy, **data
                    )
                    messages.success(request, _("The group buy is saved."))
            except ValidationError as error:
                form_errors_from(form, error)
                status = error_status(error)
            else:
                return redirect(_links(staff, saved.pk)["manage"])
        else:
            status = 400
    return render(
        request,
        "community/group_buys/edit.html",
        {**_portal(staff), "form": form, "group_buy": group_buy, "source": source},
        status=status,
    )


def close_action(request: HttpRequest, pk: int, *, staff: bool) -> HttpResponse:
    group_buy = managed(request, pk)
    try:
        services.group_buy_close(group_buy_id=group_buy.pk, acting=request.user, early=True)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The group buy is closed; households are being emailed."))
    return redirect(_links(staff, pk)["manage"])


def handover_action(request: HttpRequest, pk: int, *, staff: bool) -> HttpResponse:
    group_buy = managed(request, pk)
    commitment = get_object_or_404(
        Commitment, pk=request.POST.get("commitment") or 0, group_buy=group_buy
    )
    form = HandoverForm(request.POST)
    if form.is_valid():
        try:
            services.commitment_handover_mark(
                acting=request.user, commitment=commitment, handover=form.cleaned_data["handover"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    back = request.POST.get("back") == "distribution"
    target = _links(staff, pk)["distribution" if back else "manage"]
    return redirect(f"{target}#line-{commitment.pk}")


def order_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    group_buy = managed(request, pk)
    pdf = documents.purchase_order_pdf(documents.purchase_order(group_buy))
    return private_download(pdf, f"purchase-order-{pk}.pdf", "application/pdf")


def order_csv(request: HttpRequest, pk: int) -> HttpResponse:
    group_buy = managed(request, pk)
    order = documents.purchase_order(group_buy)
    response = csv_response(
        f"purchase-order-{pk}", documents.CSV_HEADER, documents.purchase_order_rows(order)
    )
    response["Cache-Control"] = "private, no-store"
    return response


def distribution_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    group_buy = managed(request, pk)
    pdf = documents.distribution_pdf(documents.purchase_order(group_buy))
    return private_download(pdf, f"distribution-{pk}.pdf", "application/pdf")


def distribution_page(request: HttpRequest, pk: int, *, staff: bool) -> HttpResponse:
    group_buy = managed(request, pk)
    return render(
        request,
        "community/group_buys/distribution.html",
        {
            **_portal(staff),
            "group_buy": group_buy,
            "order": documents.purchase_order(group_buy),
            "links": _links(staff, pk),
        },
    )


# --- the resident organiser's routes ------------------------------------------------------------


@login_required
def organiser_new(request: HttpRequest) -> HttpResponse:
    return edit_page(request, None, staff=False)


@login_required
def organiser_manage(request: HttpRequest, pk: int) -> HttpResponse:
    return manage_page(request, pk, staff=False)


@login_required
def organiser_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return edit_page(request, pk, staff=False)


@login_required
@require_POST
def organiser_close(request: HttpRequest, pk: int) -> HttpResponse:
    return close_action(request, pk, staff=False)


@login_required
@require_POST
def organiser_handover(request: HttpRequest, pk: int) -> HttpResponse:
    return handover_action(request, pk, staff=False)


@login_required
def organiser_order_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return order_pdf(request, pk)


@login_required
def organiser_order_csv(request: HttpRequest, pk: int) -> HttpResponse:
    return order_csv(request, pk)


@login_required
def organiser_distribution(request: HttpRequest, pk: int) -> HttpResponse:
    return distribution_page(request, pk, staff=False)


@login_required
def organiser_distribution_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return distribution_pdf(request, pk)
