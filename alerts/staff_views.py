"""The staff portal's alert pages: compose, approve, test, send, follow, report."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import role_required
from community.models import Neighbourhood
from core.csv import csv_response
from core.params import parse_ints

from . import selectors, services
from .forms import AlertForm, AlertSettingsForm, SendConfirmForm
from .hazards import HAZARDS
from .models import Alert
from .policy import ALERT_ROLES, SETTINGS_ROLES
from .segments import non_gsm7_characters, sms_segments


def _templates_for_js() -> dict:
    council_name = connection.tenant.name
    return {
        code: {language: hazard.for_language(language, council_name) for language in ("fr", "en")}
        for code, hazard in HAZARDS.items()
    }


def _form_initial(
    alert: Alert | None = None, fields: dict | None = None, neighbourhoods=None
) -> dict:
    if alert is not None:
        fields = {name: getattr(alert, name) for name in AlertForm.Meta.fields}
        fields["whole_council"] = alert.whole_council
        neighbourhoods = list(alert.neighbourhoods.all())
    fields = dict(fields or {})
    whole = fields.pop("whole_council", True)
    return {
        **fields,
        "target": "council" if whole else "neighbourhoods",
        "neighbourhoods": neighbourhoods or [],
    }


def _compose(
    request: HttpRequest,
    *,
    alert: Alert | None = None,
    references: Alert | None = None,
    msg_type: str = Alert.MsgType.ALERT,
    initial: dict | None = None,
) -> HttpResponse:
    form = AlertForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        hoods = list(form.cleaned_data["neighbourhoods"])
        try:
            if alert is None:
                alert = services.alert_create(
                    author=request.user,
                    fields=form.service_fields(),
                    neighbourhoods=hoods,
                    references=references,
                    msg_type=msg_type,
                )
            else:
                services.alert_edit(
                    alert=alert,
                    actor=request.user,
                    fields=form.service_fields(),
                    neighbourhoods=hoods,
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The alert is saved as a draft."))
            return redirect("alerts_staff:detail", pk=alert.pk)
    return render(
        request,
        "alerts/staff/compose.html",
        {
            "form": form,
            "alert": alert,
            "references": references,
            "msg_type": msg_type,
            "templates": _templates_for_js(),
            "rate": selectors.alert_settings().send_rate,
        },
    )


@role_required(*ALERT_ROLES)
def alert_list(request: HttpRequest) -> HttpResponse:
    return render(request, "alerts/staff/list.html", {"alerts": selectors.alerts_for_staff()[:200]})


@role_required(*ALERT_ROLES)
def alert_new(request: HttpRequest) -> HttpResponse:
    initial = None
    hazard = HAZARDS.get(request.GET.get("hazard", ""))
    if hazard is not None:
        language = request.GET.get("language", connection.tenant.default_language)
        initial = _form_initial(fields=hazard.for_language(language, connection.tenant.name))
    return _compose(request, initial=initial)


@role_required(*ALERT_ROLES)
def alert_edit(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(Alert, pk=pk)
    if alert.is_sent:
        messages.error(request, _("A sent alert cannot be changed: send an update instead."))
        return redirect("alerts_staff:detail", pk=pk)
    return _compose(
        request,
        alert=alert,
        references=alert.references,
        msg_type=alert.msg_type,
        initial=_form_initial(alert),
    )


@role_required(*ALERT_ROLES)
def alert_followup(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    original = get_object_or_404(Alert, pk=pk)
    msg_type = Alert.MsgType.CANCEL if kind == "cancel" else Alert.MsgType.UPDATE
    fields, hoods = services.alert_followup_defaults(original, msg_type)
    return _compose(
        request,
        references=original,
        msg_type=msg_type,
        initial=_form_initial(fields=fields, neighbourhoods=hoods),
    )


@role_required(*ALERT_ROLES)
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(
        Alert.objects.select_related("created_by", "approved_by", "references"), pk=pk
    )
    context = {
        "alert": alert,
        "segments": sms_segments(alert.sms_body),
        "non_gsm": non_gsm7_characters(alert.sms_body),
        "needs_approval": services.approval_required(alert),
        "events": alert.events.select_related("actor"),
    }
    if alert.is_sent:
        progress = selectors.alert_progress(alert)
        context["progress"] = progress
        # The page's script rewrites this sentence as the figures change.
        context["progress_template"] = _(
            "%(handed_over)s of %(total)s handed to Twilio, %(delivered)s delivered."
        )
        context["progress_text"] = context["progress_template"] % {
            "handed_over": progress["handed_over"],
            "total": progress["total"],
            "delivered": progress["counts"]["delivered"],
        }
        context["failures"] = selectors.alert_failures(alert)[:200]
    else:
        context["estimate"] = selectors.alert_send_estimate(alert)
    return render(request, "alerts/staff/detail.html", context)


def _act(request: HttpRequest, pk: int, action, done: str) -> HttpResponse:
    alert = get_object_or_404(Alert, pk=pk)
    try:
        action(alert=alert, actor=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, done)
    return redirect("alerts_staff:detail", pk=pk)


@role_required(*ALERT_ROLES)
@require_POST
def alert_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.alert_submit, _("Submitted for approval."))


@role_required(*ALERT_ROLES)
@require_POST
def alert_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.alert_approve, _("Alert approved."))


@role_required(*ALERT_ROLES)
@require_POST
def alert_test(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.alert_test_send, _("Test message sent to your phone."))


def confirmation_phrase(alert: Alert) -> str:
    """What the sender types before a real alert goes to the whole council (empty: a click)."""
    if alert.whole_council and alert.cap_status == Alert.CapStatus.ACTUAL:
        return connection.tenant.name
    return ""


@role_required(*ALERT_ROLES)
def alert_send(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what is about to happen (audience, count, first words); POST: send it."""
    alert = get_object_or_404(Alert, pk=pk)
    if alert.is_sent:
        return redirect("alerts_staff:detail", pk=pk)
    estimate = selectors.alert_send_estimate(alert)
    form = SendConfirmForm(
        request.POST if request.method == "POST" else None,
        recipients=estimate.recipients,
        phrase=confirmation_phrase(alert),
    )
    if request.method == "POST" and form.is_valid():
        return _act(request, pk, services.alert_send, _("Sending has started."))
    return render(
        request,
        "alerts/staff/send_confirm.html",
        {"alert": alert, "estimate": estimate, "form": form},
        status=400 if form.errors else 200,
    )


@role_required(*ALERT_ROLES)
@require_GET
def alert_progress(request: HttpRequest, pk: int) -> JsonResponse:
    alert = get_object_or_404(Alert, pk=pk)
    return JsonResponse(selectors.alert_progress(alert))


@role_required(*ALERT_ROLES)
@require_GET
def alert_recipients_csv(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(Alert, pk=pk)
    rows = (
        (
            row.phone,
            row.user.full_name if row.user else "",
            row.status,
            row.error_code,
            row.error_message,
            row.message_sid,
            row.attempts,
            row.resent_after_crash,
            row.accepted_at,
            row.updated_at,
        )
        for row in selectors.alert_recipients_for_export(alert).iterator(chunk_size=2000)
    )
    return csv_response(
        f"alert-{alert.pk}-recipients",
        [
            "phone",
            "resident",
            "status",
            "error_code",
            "error",
            "message_sid",
            "attempts",
            "may_have_been_sent_twice",
            "accepted_at",
            "updated_at",
        ],
        rows,
    )


@role_required(*ALERT_ROLES)
@require_GET
def alert_estimate(request: HttpRequest) -> JsonResponse:
    """Live figures for the compose page: segments of the text, recipients of the target."""
    text = request.GET.get("text", "")[:1600]
    whole = request.GET.get("target", "council") == "council"
    ids = parse_ints(request.GET.getlist("neighbourhoods"))
    ids = list(Neighbourhood.objects.filter(pk__in=ids).values_list("pk", flat=True))
    info = sms_segments(text)
    count = selectors.recipient_count(whole_council=whole, neighbourhood_ids=ids)
    rate = selectors.alert_settings().send_rate
    return JsonResponse(
        {
            **info.as_dict(),
            "recipients": count,
            "seconds": -(-count * max(info.segments, 1) // rate),
            "non_gsm": non_gsm7_characters(text),
        }
    )


@role_required(*SETTINGS_ROLES)
def alert_settings(request: HttpRequest) -> HttpResponse:
    config = selectors.alert_settings()
    form = AlertSettingsForm(request.POST or None, instance=config)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["twilio_auth_token"]
        if form.cleaned_data["remove_auth_token"]:
            token = ""
        try:
            services.alert_settings_update(
                actor=request.user,
                fields={name: form.cleaned_data[name] for name in AlertSettingsForm.Meta.fields},
                auth_token=token if token or form.cleaned_data["remove_auth_token"] else None,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Alert settings saved."))
            return redirect("alerts_staff:settings")
    return render(
        request,
        "alerts/staff/settings.html",
        {
            "form": form,
            "has_token": bool(config.twilio_auth_token_encrypted),
            "used": selectors.segments_used_this_month(connection.tenant.timezone),
        },
    )
