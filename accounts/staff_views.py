"""The staff portal's own pages: dashboard, staff management, council settings."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.views import form_errors_from

from . import dashboard as dashboard_panels
from . import selectors, services
from .forms import StaffInviteForm, StaffRolesForm
from .models import User
from .permissions import role_required, staff_required
from .roles import ROLE_LABELS, Role
from .staff_forms import CouncilSettingsForm


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The figures of the day for the roles the staff member holds (see `accounts.dashboard`)."""
    return render(
        request, "staff/dashboard.html", {"panels": dashboard_panels.panels_for(request.user)}
    )


@role_required(Role.COUNCIL_ADMIN)
def members(request: HttpRequest) -> HttpResponse:
    form = StaffInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.staff_member_invite(invited_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("%(email)s has been invited.") % {"email": user.email})
            return redirect("staff:members")
    people = [
        {"user": u, "roles": [ROLE_LABELS[g.name] for g in u.groups.all() if g.name in ROLE_LABELS]}
        for u in selectors.staff_members()
    ]
    return render(request, "staff/members.html", {"form": form, "people": people})


@role_required(Role.COUNCIL_ADMIN)
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(User, pk=pk)
    form = StaffRolesForm(request.POST or None, initial={"roles": sorted(member.roles)})
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_roles_set(
                acting=request.user, user=member, roles=form.cleaned_data["roles"]
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Roles saved."))
            return redirect("staff:members")
    return render(request, "staff/member_edit.html", {"member": member, "form": form})


@role_required(Role.COUNCIL_ADMIN)
@require_POST
def member_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(User, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(acting=request.user, user=member, active=active)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request, _("Account reactivated.") if active else _("Account deactivated.")
        )
    return redirect("staff:member_edit", pk=pk)


@role_required(Role.COUNCIL_ADMIN)
def council_settings(request: HttpRequest) -> HttpResponse:
    council = connection.tenant
    initial = {
        "name": council.name,
        "primary_colour": council.primary_colour,
        "default_language": council.default_language,
        "languages": council.offered_languages,
        "timezone": council.timezone,
        "phone_region": council.phone_region,
        "contact_email": council.contact_email,
    }
    form = CouncilSettingsForm(request.POST or None, request.FILES or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.council_settings_update(
                    actor=request.user, council=council, **form.cleaned_data
                )
            except ValidationError as error:
                form_errors_from(form, error)
            else:
                messages.success(request, _("The council's settings are saved."))
                return redirect("staff:council_settings")
    return render(request, "staff/council_settings.html", {"form": form}, status=status)
