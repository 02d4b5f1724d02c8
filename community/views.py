"""Resident pages: the home page, "verify my address", vouching, phone confirmation, my data."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import ratelimit
from core.http import client_ip
from core.phones import phone_display
from core.privacy import personal_data_export
from core.views import error_status, form_errors_from, safe_next
from tenants.models import current_council

from . import selectors, services
from .codes import display
from .forms import CodeForm, PhoneForm, ProofForm, ResidenceForm, SmsCodeForm
from .models import Method, RequestStatus, VerificationRequest, Vouch

LOOKUPS_PER_HOUR = 30


HOME_CARD_APPS = ["civic", "alerts", "community"]


def _home_cards() -> list[str]:
    """The home-page cards the feature apps provide (`<app>/_home_card.html`)."""
    cards = []
    for app in HOME_CARD_APPS:
        name = f"{app}/_home_card.html"
        try:
            get_template(name)
        except TemplateDoesNotExist:
            continue
        cards.append(name)
    return cards


def home(request: HttpRequest) -> HttpResponse:
    """The council's home page: a welcome and one card per feature."""
    return render(request, "community/home.html", {"cards": _home_cards()})


def _flash(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    overview = selectors.verification_overview(request.user)
    cooptation = overview.cooptation
    share_url = None
    if cooptation is not None:
        share_url = request.build_absolute_uri(
            reverse("community:vouch_confirm", args=[cooptation.request_code])
        )
    return render(
        request,
        "community/verify.html",
        {
            "overview": overview,
            "residence": overview.residence,
            "cooptation": cooptation,
            "share_url": share_url,
            "request_code": display(cooptation.request_code) if cooptation else "",
            "vouches_given": selectors.vouches_given_by(request.user)[:10],
            "Method": Method,
            "RequestStatus": RequestStatus,
        },
    )


@login_required
def address(request: HttpRequest) -> HttpResponse:
    residence = selectors.residence_for(request.user)
    initial = {}
    if residence:
        initial = {
            f: getattr(residence, f)
            for f in (
                "address_line1",
                "address_line2",
                "postcode",
                "city",
                "neighbourhood",
                "latitude",
                "longitude",
            )
        }
    else:
        initial = {"city": current_council().name}
    form = ResidenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.residence_declare(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            if saved.neighbourhood and not form.cleaned_data["neighbourhood"]:
                messages.info(
                    request,
                    _("From your map point, your neighbourhood is %(name)s.")
                    % {"name": saved.neighbourhood.name},
                )
            messages.success(request, _("Your address is saved."))
            return redirect(safe_next(request, reverse("community:verify")))
    neighbourhoods = [
        {"id": n.pk, "name": n.name, "area": n.area} for n in selectors.neighbourhoods() if n.area
    ]
    return render(
        request,
        "community/address.html",
        {
            "form": form,
            "residence": residence,
            "areas_json": neighbourhoods,
            "verified": residence is not None and residence.is_verified,
        },
    )


@login_required
@require_POST
def cooptation_open(request: HttpRequest) -> HttpResponse:
    try:
        services.cooptation_request_open(user=request.user)
    except ValidationError as error:
        _flash(request, error)
    else:
        messages.success(request, _("Your request is open: share your code with neighbours."))
    return redirect("community:verify")


@login_required
@require_POST
def postcard_request(request: HttpRequest) -> HttpResponse:
    try:
        services.postcard_request(user=request.user)
    except ValidationError as error:
        _flash(request, error)
    else:
        messages.success(request, _("The council will post you a card with a code."))
    return redirect("community:verify")


@login_required
@require_POST
def request_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    verification = get_object_or_404(VerificationRequest, pk=pk, resident=request.user)
    try:
        services.verification_request_cancel(user=request.user, request=verification)
    except ValidationError as error:
        _flash(request, error)
    else:
        messages.success(request, _("Your request is cancelled."))
    return redirect("community:verify")


@login_required
def proof(request: HttpRequest) -> HttpResponse:
    form = ProofForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.proof_submit(user=request.user, upload=form.cleaned_data["document"])
            except ValidationError as error:
                form_errors_from(form, error)
                status = error_status(error)
            else:
                messages.success(
                    request,
                    _(
                        "Your document is sent. Staff will review it; it is "
                        "deleted as soon as they decide."
                    ),
                )
                return redirect("community:verify")
        else:
            status = 400
    return render(request, "community/proof.html", {"form": form}, status=status)


@login_required
def postcard_code(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.postcard_code_check(user=request.user, code=form.cleaned_data["code"])
        except ValidationError as error:
            form_errors_from(form, error)
            status = error_status(error)
        else:
            messages.success(request, _("Thank you: your address is verified."))
            return redirect("community:verify")
    overview = selectors.verification_overview(request.user)
    return render(
        request,
        "community/postcard_code.html",
        {"form": form, "postcard": overview.postcard},
        status=status,
    )


def _lookup_allowed(request: HttpRequest) -> bool:
    return ratelimit.hit(f"vouch-lookup:{request.user.pk}", window=3600) <= LOOKUPS_PER_HOUR


@login_required
def vouch_find(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        if not _lookup_allowed(request):
            form.add_error(None, _("Too many codes tried. Try again in an hour."))
            status = 429
        else:
            found = services.cooptation_request_by_code(form.cleaned_data["code"])
            if found is not None:
                return redirect("community:vouch_confirm", code=found.request_code)
            form.add_error("code", _("No request is waiting with this code."))
            status = 404
    return render(request, "community/vouch_find.html", {"form": form}, status=status)


@login_required
def vouch_confirm(request: HttpRequest, code: str) -> HttpResponse:
    # Every lookup by code counts, whatever the method: a POST finds a request as well as a GET.
    if not _lookup_allowed(request):
        return render(
            request, "community/vouch_find.html", {"form": CodeForm(), "limited": True}, status=429
        )
    found = services.cooptation_request_by_code(code)
    if found is None:
        raise Http404
    if request.method == "POST":
        try:
            services.vouch_create(voucher=request.user, request=found)
        except ValidationError as error:
            _flash(request, error)
        else:
            messages.success(
                request,
                _("Thank you: you vouched for %(name)s.") % {"name": found.resident.full_name},
            )
            return redirect("community:verify")
    return render(
        request,
        "community/vouch_confirm.html",
        {
            "candidate": found,
            "can_vouch": selectors.is_verified(request.user),
            "is_self": found.resident_id == request.user.pk,
        },
    )


@login_required
@require_POST
def vouch_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    vouch = get_object_or_404(Vouch, pk=pk, voucher=request.user)
    try:
        services.vouch_withdraw(voucher=request.user, vouch=vouch)
    except ValidationError as error:
        _flash(request, error)
    else:
        messages.success(request, _("Your vouch is withdrawn."))
    return redirect("community:verify")


@login_required
def invite(request: HttpRequest) -> HttpResponse:
    link = None
    if request.method == "POST":
        try:
            _invitation, token = services.cooptation_invitation_create(inviter=request.user)
        except ValidationError as error:
            _flash(request, error)
            return redirect("community:verify")
        link = request.build_absolute_uri(reverse("community:invitation", args=[token]))
    return render(request, "community/invite.html", {"link": link})


@login_required
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    found = services.cooptation_invitation_find(token)
    if found is None:
        return render(request, "community/invitation.html", {"invalid": True}, status=404)
    if request.method == "POST":
        try:
            services.cooptation_invitation_accept(user=request.user, token=token)
        except ValidationError as error:
            _flash(request, error)
            if getattr(error, "code", "") == "no_address":
                return redirect(reverse("community:address") + f"?next={request.path}")
        else:
            messages.success(
                request, _("%(name)s's vouch is recorded.") % {"name": found.inviter.full_name}
            )
            return redirect("community:verify")
    return render(
        request,
        "community/invitation.html",
        {
            "inviter": found.inviter,
            "has_address": selectors.residence_for(request.user) is not None,
        },
    )


@login_required
def phone(request: HttpRequest) -> HttpResponse:
    send_form = PhoneForm(
        request.POST if "send" in request.POST else None,
        initial={"phone": phone_display(request.user.phone) if request.user.phone else ""},
    )
    code_form = SmsCodeForm(request.POST if "check" in request.POST else None)
    status = 200
    if request.method == "POST":
        try:
            if "send" in request.POST and send_form.is_valid():
                number = services.phone_confirmation_send(
                    user=request.user, phone=send_form.cleaned_data["phone"], ip=client_ip(request)
                )
                messages.success(
                    request, _("We sent a code to %(phone)s.") % {"phone": phone_display(number)}
                )
                return redirect(request.get_full_path())
            if "check" in request.POST and code_form.is_valid():
                services.phone_confirmation_check(
                    user=request.user, ip=client_ip(request), code=code_form.cleaned_data["code"]
                )
                messages.success(request, _("Your phone number is confirmed."))
                # Back to the page that asked for a confirmed number (alerts, profile...).
                back = request.GET.get("next", "")
                if url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
                    return redirect(back)
                return redirect("community:phone")
            status = 400
        except ValidationError as error:
            form_errors_from(send_form if "send" in request.POST else code_form, error)
            status = error_status(error)
    return render(
        request,
        "community/phone.html",
        {
            "send_form": send_form,
            "code_form": code_form,
            "pending": services.phone_confirmation_pending(request.user),
        },
        status=status,
    )


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    return render(request, "community/my_data.html")


@login_required
def my_data_export(request: HttpRequest) -> HttpResponse:
    data = personal_data_export(request.user)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.json"'
    response["Cache-Control"] = "private, no-store"
    return response
