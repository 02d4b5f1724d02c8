"""The resident site: public alerts (HTML, CAP, Atom) and the SMS subscription."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.phones import phone_display
from core.views import error_status

from . import selectors, services
from .cap import alert_cap_xml
from .forms import SubscriptionForm


def alert_list(request: HttpRequest) -> HttpResponse:
    current = list(selectors.current_public_alerts())
    current_ids = {a.pk for a in current}
    past = [a for a in selectors.public_alerts()[:50] if a.pk not in current_ids]
    return render(request, "alerts/list.html", {"current": current, "past": past})


def alert_detail(request: HttpRequest, identifier: str) -> HttpResponse:
    alert = selectors.public_alert(identifier)
    if alert is None:
        raise Http404
    return render(
        request,
        "alerts/detail.html",
        {
            "alert": alert,
            "chain": selectors.alert_chain(alert),
            "followups": alert.followups.filter(state__in=["sending", "sent"]),
            "expired": bool(alert.expires_at and alert.expires_at <= timezone.now()),
        },
    )


def alert_cap(request: HttpRequest, identifier: str) -> HttpResponse:
    alert = selectors.public_alert(identifier)
    if alert is None:
        raise Http404
    return HttpResponse(
        alert_cap_xml(alert, connection.tenant), content_type="application/cap+xml; charset=utf-8"
    )


@login_required
def subscription(request: HttpRequest) -> HttpResponse:
    user = request.user
    current = selectors.subscription_of(user)
    phone = services.user_phone(user)
    if current is not None:
        initial = {
            "where": "council" if current.whole_council else "neighbourhoods",
            "neighbourhoods": list(current.neighbourhoods.all()),
        }
    else:
        # A new subscriber starts with their own neighbourhood ticked, when it is known.
        default = selectors.default_neighbourhoods(user)
        initial = {"where": "neighbourhoods" if default else "council", "neighbourhoods": default}
    form = SubscriptionForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.subscription_save(
                user=user,
                whole_council=form.cleaned_data["where"] == "council",
                neighbourhoods=list(form.cleaned_data["neighbourhoods"]),
                paused=current.paused if current else False,
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, getattr(error, "messages", None) or str(error))
            status = error_status(error)
        else:
            messages.success(request, _("Your alert subscription is saved."))
            return redirect("alerts:subscription")
    return render(
        request,
        "alerts/subscription.html",
        {
            "form": form,
            "subscription": current,
            "phone": phone_display(phone) if phone else None,
            "refusal": services.subscription_refusal(user),
            "opted_out": bool(phone and selectors.phone_is_opted_out(phone)),
        },
        status=status,
    )


@login_required
@require_POST
def subscription_pause(request: HttpRequest) -> HttpResponse:
    paused = request.POST.get("paused") == "1"
    if selectors.subscription_of(request.user) is not None:
        services.subscription_pause(user=request.user, paused=paused)
        messages.success(request, _("Alerts paused.") if paused else _("Alerts resumed."))
    return redirect("alerts:subscription")


@login_required
@require_POST
def subscription_leave(request: HttpRequest) -> HttpResponse:
    services.subscription_leave(user=request.user)
    messages.success(request, _("You will no longer receive SMS alerts."))
    return redirect("alerts:subscription")
