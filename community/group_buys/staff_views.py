"""Staff portal: group buys (list, create or duplicate, manage, documents, pickup day), the
council's savings and policy, and the partner directory."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import role_required
from core.views import form_errors_from

from .. import selectors as community_selectors
from .. import services as community_services
from . import selectors, services, views
from .forms import PartnerForm, PolicyForm
from .models import GroupBuyStatus, Partner

group_buy_staff = role_required(*selectors.GROUP_BUY_STAFF_ROLES)
partner_staff = role_required(*selectors.PARTNER_STAFF_ROLES)


@group_buy_staff
def group_buy_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in GroupBuyStatus.values:
        status = ""
    is_admin = request.user.has_role("council_admin")
    policy_form = PolicyForm(
        request.POST or None,
        initial={
            "residents_organise_group_buys": (
                community_selectors.community_settings().residents_organise_group_buys
            )
        },
    )
    if request.method == "POST" and is_admin and policy_form.is_valid():
        # The switch is one of the council's community settings: same service, same audit.
        community_services.community_settings_update(
            acting=request.user, **policy_form.cleaned_data
        )
        messages.success(request, _("The group buy policy is saved."))
        return redirect("community_staff:group_buys")
    return render(
        request,
        "community/group_buys/staff/list.html",
        {
            "group_buys": selectors.group_buys_for_staff(status),
            "status": status,
            "statuses": GroupBuyStatus.choices,
            "savings": selectors.savings_this_year(),
            "policy_form": policy_form if is_admin else None,
        },
    )


@group_buy_staff
def group_buy_new(request: HttpRequest) -> HttpResponse:
    return views.edit_page(request, None, staff=True)


@group_buy_staff
def group_buy_manage(request: HttpRequest, pk: int) -> HttpResponse:
    return views.manage_page(request, pk, staff=True)


@group_buy_staff
def group_buy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return views.edit_page(request, pk, staff=True)


@group_buy_staff
@require_POST
def group_buy_close(request: HttpRequest, pk: int) -> HttpResponse:
    return views.close_action(request, pk, staff=True)


@group_buy_staff
@require_POST
def group_buy_handover(request: HttpRequest, pk: int) -> HttpResponse:
    return views.handover_action(request, pk, staff=True)


@group_buy_staff
def group_buy_order_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return views.order_pdf(request, pk)


@group_buy_staff
def group_buy_order_csv(request: HttpRequest, pk: int) -> HttpResponse:
    return views.order_csv(request, pk)


@group_buy_staff
def group_buy_distribution(request: HttpRequest, pk: int) -> HttpResponse:
    return views.distribution_page(request, pk, staff=True)


@group_buy_staff
def group_buy_distribution_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return views.distribution_pdf(request, pk)


@partner_staff
def partner_list(request: HttpRequest) -> HttpResponse:
    form = PartnerForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.partner_save(acting=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Partner added."))
            return redirect("community_staff:partners")
    return render(
        request,
        "community/group_buys/staff/partners.html",
        {"form": form, "partners": selectors.partners_for(request.user, include_hidden=True)},
        status=400 if form.errors else 200,
    )


@partner_staff
def partner_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partner = get_object_or_404(Partner, pk=pk)
    if request.method == "POST" and "delete" in request.POST:
        services.partner_delete(acting=request.user, partner=partner)
        messages.success(request, _("Partner deleted."))
        return redirect("community_staff:partners")
    initial = {
        "name": partner.name,
        "category": partner.category,
        "description": partner.description,
        "link": partner.link,
        "member_offer": partner.member_offer,
        "neighbourhoods": list(partner.neighbourhoods.all()),
        "is_published": partner.is_published,
    }
    form = PartnerForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.partner_save(acting=request.user, partner=partner, **form.cleaned_data)
        messages.success(request, _("Partner saved."))
        return redirect("community_staff:partners")
    return render(
        request,
        "community/group_buys/staff/partner.html",
        {"form": form, "partner": partner},
        status=400 if form.errors else 200,
    )
