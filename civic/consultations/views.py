"""Resident pages of consultations: the list, one page to read and answer, the confirmation with
the ballot receipt, results when the council's rule allows, the public list of receipts."""

import functools
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.views import error_status

from . import selectors, services
from .eligibility import refusal, refusal_message
from .forms import AnswerForm
from .models import Consultation, Phase

RECEIPT_COOKIE = "consultation_receipt"
RECEIPT_MAX_AGE = 15 * 60


def in_council_timezone(view):
    """Dates typed and shown in the council's time zone, whatever the server's."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        name = getattr(getattr(request, "tenant", None), "timezone", "") or "Europe/Paris"
        with timezone.override(ZoneInfo(name)):
            return view(request, *args, **kwargs)

    return wrapped


def _consultation(request: HttpRequest, pk: int) -> Consultation:
    consultation = selectors.consultation_for(request.user, pk)
    if consultation is None:
        raise Http404
    return consultation


@require_GET
@in_council_timezone
def consultation_list(request: HttpRequest) -> HttpResponse:
    phases = selectors.consultations_by_phase(request.user)
    return render(
        request,
        "civic/consultations/list.html",
        {
            "open": phases.get(Phase.OPEN, []),
            "upcoming": phases.get(Phase.SCHEDULED, []),
            "closed": phases.get(Phase.CLOSED, []) + phases.get(Phase.PUBLISHED, []),
            "drafts": phases.get(Phase.DRAFT, []),
            "subscribed": selectors.is_subscribed(request.user),
        },
    )


def detail_context(
    request: HttpRequest, consultation: Consultation, form: AnswerForm | None = None
) -> dict:
    user = request.user
    participation = selectors.participation_of(user, consultation)
    reason = refusal(user, consultation)
    may_answer = (
        consultation.is_open
        and reason is None
        and (
            participation is None
            or (not consultation.is_secret and participation.channel == "online")
        )
    )
    if form is None and may_answer:
        initial = participation.answers if participation and participation.answers else None
        form = AnswerForm(
            consultation=consultation,
            seed=str(user.pk),
            initial=_initial(consultation, initial) if initial else None,
        )
    show_results = selectors.results_visible_to(user, consultation)
    return {
        "consultation": consultation,
        "form": form if may_answer else None,
        "participation": participation,
        "refusal": reason,
        "refusal_message": refusal_message(reason) if reason and consultation.is_open else "",
        "results": selectors.results(consultation) if show_results else None,
        "texts": selectors.text_answers_public(consultation) if show_results else None,
        "named": selectors.named_contributions(consultation)
        if show_results and not consultation.is_secret
        else None,
        "receipts_url": reverse("civic:consultations:receipts", args=[consultation.pk])
        if consultation.is_closed and consultation.is_secret
        else "",
    }


def _initial(consultation: Consultation, answers: dict) -> dict:
    """A named contribution, back in the form's fields (to edit it until close)."""
    initial: dict = {}
    for q in consultation.questions.all():
        value = answers.get(q.key)
        if value is None:
            continue
        if q.kind == "ranking":
            for position, key in enumerate(value, start=1):
                initial[f"q{q.pk}_rank_{key}"] = str(position)
        else:
            initial[f"q{q.pk}"] = value if isinstance(value, list) else str(value)
    return initial


@require_http_methods(["GET", "POST"])
@in_council_timezone
def consultation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = _consultation(request, pk)
    if request.method == "GET":
        return render(
            request, "civic/consultations/detail.html", detail_context(request, consultation)
        )
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={consultation.get_absolute_url()}")
    form = AnswerForm(request.POST, consultation=consultation, seed=str(request.user.pk))
    form.is_valid()
    try:
        receipt = services.participation_submit(
            user=request.user,
            consultation=consultation,
            raw=form.raw(),
            wants_outcome=bool(request.POST.get("wants_outcome")),
        )
    except (ValidationError, PermissionDenied) as error:
        if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            form.service_errors = {
                k: [str(m) for e in v for m in e.messages] for k, v in error.error_dict.items()
            }
            form.add_error(None, _("Some answers need your attention: see below."))
        else:
            form.add_error(
                None, error.messages if isinstance(error, ValidationError) else str(error)
            )
        context = detail_context(request, consultation, form)
        context["form"] = form
        return render(
            request, "civic/consultations/detail.html", context, status=error_status(error)
        )
    response = redirect("civic:consultations:thanks", pk=consultation.pk)
    if receipt:
        # The receipt travels in a signed cookie of the voter's browser only: never in the
        # session table or a URL (access logs), where it could be tied to the account.
        response.set_signed_cookie(
            RECEIPT_COOKIE,
            f"{consultation.pk}:{receipt}",
            salt=RECEIPT_COOKIE,
            max_age=RECEIPT_MAX_AGE,
            httponly=True,
            secure=request.is_secure(),
            samesite="Lax",
        )
    else:
        messages.success(request, _("Your contribution is saved. You can change it until close."))
    return response


@login_required
@require_GET
@in_council_timezone
def consultation_thanks(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = _consultation(request, pk)
    if selectors.participation_of(request.user, consultation) is None:
        return redirect(consultation)
    receipt = ""
    value = request.get_signed_cookie(
        RECEIPT_COOKIE, default="", salt=RECEIPT_COOKIE, max_age=RECEIPT_MAX_AGE
    )
    if value.startswith(f"{consultation.pk}:"):
        receipt = value.split(":", 1)[1]
    return render(
        request,
        "civic/consultations/thanks.html",
        {"consultation": consultation, "receipt": receipt},
    )


@require_GET
@in_council_timezone
def consultation_receipts(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = _consultation(request, pk)
    receipts = selectors.receipts_public(consultation)
    if receipts is None:
        raise Http404
    query = request.GET.get("code", "").strip().upper()
    return render(
        request,
        "civic/consultations/receipts.html",
        {
            "consultation": consultation,
            "receipts": receipts,
            "code": query,
            "found": query in receipts if query else None,
        },
    )


@login_required
@require_POST
def news_subscription(request: HttpRequest) -> HttpResponse:
    subscribed = request.POST.get("subscribed") == "1"
    services.subscription_set(user=request.user, subscribed=subscribed)
    messages.success(
        request,
        _("You will get an email about new consultations.")
        if subscribed
        else _("You will no longer get emails about consultations."),
    )
    return redirect("civic:consultations:list")


@csrf_exempt  # mail clients POST the one-click unsubscribe without a token (RFC 8058)
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One-click unsubscribe (RFC 8058: a POST without a session unsubscribes at once)."""
    if request.method == "POST":
        services.unsubscribe_by_token(token=token)
        return render(request, "civic/consultations/unsubscribed.html")
    return render(request, "civic/consultations/unsubscribe.html", {"token": token})
