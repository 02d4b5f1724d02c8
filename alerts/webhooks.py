"""Twilio's webhooks on each council's host: message status callbacks and inbound SMS.

Each request must carry a valid X-Twilio-Signature, computed by Twilio with the auth token of
the account named in AccountSid (the council's own or the platform's) over the URL Twilio was
given. That URL is the public one (settings.PUBLIC_URL_SCHEME, the request's host,
PUBLIC_URL_PORT): a proxy in front changes the scheme and port the application sees, so the
URL is never taken from the request's own scheme (DESIGN.md §4).
"""

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.http.request import split_domain_port
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from core.params import parse_int

from . import services
from .credentials import credentials_for_account

logger = logging.getLogger(__name__)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def public_url(request: HttpRequest) -> str:
    host, _port = split_domain_port(request.get_host())
    port = f":{settings.PUBLIC_URL_PORT}" if settings.PUBLIC_URL_PORT else ""
    return f"{settings.PUBLIC_URL_SCHEME}://{host}{port}{request.get_full_path()}"


def signature_is_valid(request: HttpRequest) -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    credentials = credentials_for_account(request.POST.get("AccountSid", ""))
    if not signature or credentials is None:
        return False
    return RequestValidator(credentials.auth_token).validate(
        public_url(request), request.POST, signature
    )


def _forbidden(request: HttpRequest) -> HttpResponse:
    logger.warning("Twilio webhook with a missing or invalid signature: %s", request.path)
    return HttpResponseForbidden("Invalid signature")


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    if not signature_is_valid(request):
        return _forbidden(request)
    code = request.POST.get("ErrorCode", "").strip()
    error_code = parse_int(code)
    if code and error_code is None:
        return HttpResponseBadRequest("ErrorCode must be a number", content_type="text/plain")
    services.message_status_record(
        message_sid=request.POST.get("MessageSid", ""),
        status=request.POST.get("MessageStatus", ""),
        error_code=error_code,
    )
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    if not signature_is_valid(request):
        return _forbidden(request)
    services.inbound_message_record(
        from_phone=request.POST.get("From", ""),
        body=request.POST.get("Body", ""),
        opt_out_type=request.POST.get("OptOutType", ""),
        message_sid=request.POST.get("MessageSid", ""),
    )
    # Twilio's Advanced Opt-Out answers the resident itself: no reply of our own.
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")
