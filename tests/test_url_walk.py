"""Every URL pattern of a council's host, walked as every persona: no page answers 5xx, and each
answers the kind of status its audience calls for.

The patterns are read from the URLconf itself, so a pattern added later is walked too. A pattern
with path parameters needs an entry in `ID_PROVIDERS` (which real object fills them): without
one the test fails and names it.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.conftest import CouncilClient, make_user

# Personas: (name, roles); None for the anonymous visitor.
PERSONAS = [
    ("anonymous", None),
    ("resident", ()),
    ("verified_resident", ()),
    ("council_admin", ("council_admin",)),
    ("moderator", ("moderator",)),
    ("agent", ("agent",)),
    ("communications_officer", ("communications_officer",)),
    ("elected_official", ("elected_official",)),
]
GET_STATUSES = {200, 301, 302, 400, 401, 403, 404, 405}
# A POST without a body may act (follow a report, publish a cancel with default texts) or be
# refused by the rate limiter.
POST_STATUSES = GET_STATUSES | {201, 204, 429}
# The health check says 503 when a service is down (no Celery worker runs for this test), and
# waits for the worker's answer: it is walked once, anonymously.
SPECIAL_STATUSES = {"/healthz": {200, 503}}
ONCE = {"healthz", "api-schema"}


@dataclass(frozen=True)
class Pattern:
    key: str  # "namespace:name", or the route when the pattern has no name
    route: str
    params: tuple[str, ...]
    named: bool


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[Pattern]:
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            yield from _walk(entry, route, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(entry, URLPattern):
            regex = entry.pattern.regex
            params = tuple(p for p in regex.groupindex if p not in (entry.default_args or {}))
            key = f"{namespace}{entry.name}" if entry.name else route
            yield Pattern(key, route, params, bool(entry.name))


def council_patterns() -> list[Pattern]:
    return list(_walk(get_resolver("config.urls_tenant")))


# --- ids from demo-like data --------------------------------------------------------------------


@dataclass
class Demo:
    """The objects the providers take their ids from, made by the apps' demo loaders plus what
    they leave out (a proof upload, a postcard batch, a draft alert, an API key...)."""

    council: object
    objects: dict


def _pk(name: str) -> Callable[[Demo], dict]:
    return lambda demo: {"pk": demo.objects[name].pk}


ID_PROVIDERS: dict[str, Callable[[Demo], dict]] = {
    "accounts:confirm_email": lambda d: {"token": "not-a-real-token"},
    "accounts:password_reset_confirm": lambda d: {"uidb64": "MQ", "token": "set-password"},
    "staff:member_edit": _pk("agent"),
    "staff:member_set_active": _pk("agent"),
    "community:vouch_confirm": lambda d: {"code": d.objects["cooptation"].request_code},
    "community:vouch_withdraw": _pk("vouch"),
    "community:invitation": lambda d: {"token": d.objects["invitation_token"]},
    "community:request_cancel": _pk("proof_request"),
    "community_staff:request": _pk("proof_request"),
    "community_staff:document": _pk("proof_request"),
    "community_staff:approve": _pk("proof_request"),
    "community_staff:reject": _pk("proof_request"),
    "community_staff:resident": lambda d: {"user_id": d.objects["pending"].pk},
    "community_staff:revoke": lambda d: {"user_id": d.objects["alice"].pk},
    "community_staff:verify_in_person": lambda d: {"user_id": d.objects["pending"].pk},
    "community_staff:batch": _pk("batch"),
    "community_staff:batch_pdf": _pk("batch"),
    "community_staff:batch_posted": _pk("batch"),
    "community_staff:neighbourhood": _pk("neighbourhood"),
    "community_api:approve": _pk("proof_request"),
    "community_api:reject": _pk("proof_request"),
    "community_api:revoke": lambda d: {"user_id": d.objects["alice"].pk},
    "civic:report_detail": _pk("report"),
    "civic:report_follow": _pk("report"),
    "civic:report_unfollow": _pk("report"),
    "civic:report_reopen": _pk("report"),
    "civic:report_confirm_fixed": _pk("report"),
    "civic:unsubscribe": lambda d: {"token": d.objects["follower"].unsubscribe_token},
    "civic:open311_discovery": lambda d: {"fmt": "json"},
    "civic:open311_services": lambda d: {"fmt": "xml"},
    "civic:open311_service": lambda d: {"code": d.objects["category"].code, "fmt": "json"},
    "civic:open311_requests": lambda d: {"fmt": "json"},
    "civic:open311_request": lambda d: {"request_id": d.objects["report"].pk, "fmt": "xml"},
    "civic:open311_token": lambda d: {"token": d.objects["report"].token, "fmt": "json"},
    r"^open311/v2/(?P<rest>.+)$": lambda d: {"rest": "nothing-here"},
    "civic_staff:report": _pk("report"),
    "civic_staff:report_status": _pk("report"),
    "civic_staff:report_note": _pk("report"),
    "civic_staff:report_assign": _pk("report"),
    "civic_staff:report_category": _pk("report"),
    "civic_staff:report_merge": _pk("report"),
    "civic_staff:report_hide_text": _pk("report"),
    "civic_staff:photo_hide": _pk("photo"),
    "civic_staff:hidden_photo": lambda d: {"pk": d.objects["photo"].pk, "size": "thumb"},
    "civic_staff:category": _pk("category"),
    "civic_staff:category_delete": _pk("category"),
    "civic_staff:question_delete": _pk("question"),
    "civic_staff:api_key_revoke": _pk("api_key"),
    "civic_api:category-detail": lambda d: {"code": d.objects["category"].code},
    "civic_api:report-detail": _pk("report"),
    "civic_api:report-follow": _pk("report"),
    "civic_api:report-reopen": _pk("report"),
    "civic_api:report-confirm-fixed": _pk("report"),
    "civic_api:triage-detail": _pk("report"),
    "civic_api:triage-status": _pk("report"),
    "civic_api:triage-assign": _pk("report"),
    "civic_api:triage-merge": _pk("report"),
    "alerts:cap": lambda d: {"identifier": d.objects["sent_alert"].identifier},
    "alerts:detail": lambda d: {"identifier": d.objects["sent_alert"].identifier},
    "alerts_staff:detail": _pk("sent_alert"),
    "alerts_staff:edit": _pk("draft_alert"),
    "alerts_staff:submit": _pk("draft_alert"),
    "alerts_staff:approve": _pk("draft_alert"),
    "alerts_staff:test": _pk("draft_alert"),
    "alerts_staff:send": _pk("draft_alert"),
    "alerts_staff:progress": _pk("sent_alert"),
    "alerts_staff:recipients_csv": _pk("sent_alert"),
    "alerts_staff:update": _pk("sent_alert"),
    "alerts_staff:cancel": _pk("sent_alert"),
    "alerts_api:detail": _pk("sent_alert"),
    "alerts_api:approve": _pk("draft_alert"),
    "alerts_api:send": _pk("draft_alert"),
    "alerts_api:update": _pk("sent_alert"),
    "alerts_api:cancel": _pk("sent_alert"),
    "alerts_api:progress": _pk("sent_alert"),
    "community:mutual_aid:listing": _pk("listing"),
    "community:mutual_aid:interested": _pk("listing"),
    "community:mutual_aid:edit": _pk("listing"),
    # "report" without a reason is refused: the listing stays as it is for the other personas.
    "community:mutual_aid:listing_action": lambda d: {
        "pk": d.objects["listing"].pk,
        "action": "report",
    },
    "community:mutual_aid:photo": lambda d: {"pk": d.objects["listing_photo"].pk, "size": "thumb"},
    "community:mutual_aid:conversation": _pk("conversation"),
    "community:mutual_aid:conversation_action": lambda d: {
        "pk": d.objects["conversation"].pk,
        "action": "report",
    },
    "community:mutual_aid:loan_close": _pk("loan"),
    "community:mutual_aid:unblock": lambda d: {"user_id": d.objects["blocked"].pk},
    "community:group_buy": _pk("group_buy"),
    "community:group_buy_progress": _pk("group_buy"),
    "community:group_buy_manage": _pk("group_buy"),
    "community:group_buy_edit": _pk("group_buy"),
    "community:group_buy_close": _pk("group_buy"),
    "community:group_buy_handover": _pk("group_buy"),
    "community:group_buy_order_pdf": _pk("group_buy"),
    "community:group_buy_order_csv": _pk("group_buy"),
    "community:group_buy_distribution": _pk("group_buy"),
    "community:group_buy_distribution_pdf": _pk("group_buy"),
    "community:partner_use": _pk("partner"),
    "civic:consultations:unsubscribe": lambda d: {"token": d.objects["subscription"].token},
    "civic:consultations:detail": _pk("consultation"),
    "civic:consultations:thanks": _pk("consultation"),
    "civic:consultations:receipts": _pk("consultation"),
    "community_staff:mutual_aid:report": _pk("aid_report"),
    # "hide" without a reason is refused: the report stays open.
    "community_staff:mutual_aid:report_action": lambda d: {
        "pk": d.objects["aid_report"].pk,
        "action": "hide",
    },
    "community_staff:mutual_aid:unhide": _pk("hidden_listing"),
    "community_staff:mutual_aid:lift": _pk("suspension"),
    "community_staff:mutual_aid:category": _pk("aid_category"),
    "community_staff:group_buy_manage": _pk("group_buy"),
    "community_staff:group_buy_edit": _pk("group_buy"),
    "community_staff:group_buy_close": _pk("group_buy"),
    "community_staff:group_buy_handover": _pk("group_buy"),
    "community_staff:group_buy_order_pdf": _pk("group_buy"),
    "community_staff:group_buy_order_csv": _pk("group_buy"),
    "community_staff:group_buy_distribution": _pk("group_buy"),
    "community_staff:group_buy_distribution_pdf": _pk("group_buy"),
    "community_staff:partner": _pk("partner"),
    "civic_staff:consultations:edit": _pk("consultation"),
    "civic_staff:consultations:question_add": _pk("consultation"),
    "civic_staff:consultations:question_edit": lambda d: {
        "pk": d.objects["consultation"].pk,
        "qid": d.objects["consultation_question"].pk,
    },
    "civic_staff:consultations:question_delete": lambda d: {
        "pk": d.objects["consultation"].pk,
        "qid": d.objects["consultation_question"].pk,
    },
    # Scheduling an open consultation is refused: it stays open for the other personas.
    "civic_staff:consultations:action": lambda d: {
        "pk": d.objects["consultation"].pk,
        "action": "schedule",
    },
    "civic_staff:consultations:preview": _pk("consultation"),
    "civic_staff:consultations:results": _pk("consultation"),
    "civic_staff:consultations:results_csv": _pk("consultation"),
    "civic_staff:consultations:results_json": _pk("consultation"),
    "civic_staff:consultations:outcome": _pk("consultation"),
    "civic_staff:consultations:texts": _pk("consultation"),
    "civic_staff:consultations:text_moderate": lambda d: {
        "pk": d.objects["consultation"].pk,
        "tid": d.objects["text_answer"].pk,
    },
    "civic_staff:consultations:paper": _pk("consultation"),
    "civic_staff:consultations:report_links": _pk("consultation"),
    "civic_staff:consultations:cover": _pk("consultation"),
    "civic_staff:consultations:attachment_add": _pk("consultation"),
    "civic_staff:consultations:attachment_delete": lambda d: {
        "pk": d.objects["consultation"].pk,
        "aid": d.objects["attachment"].pk,
    },
    "community_api:mutual_aid:listing": _pk("listing"),
    "community_api:mutual_aid:interested": _pk("listing"),
    # "agree" without a conversation is refused.
    "community_api:mutual_aid:listing_action": lambda d: {
        "pk": d.objects["listing"].pk,
        "action": "agree",
    },
    "community_api:mutual_aid:thanks": _pk("conversation"),
    "community_api:mutual_aid:conversation": _pk("conversation"),
    "community_api:mutual_aid:messages": _pk("conversation"),
    "community_api:mutual_aid:staff_hide": _pk("listing"),
    "community_api:mutual_aid:staff_message_hide": _pk("message"),
    "community_api:group_buy": _pk("group_buy"),
    "community_api:commitment": _pk("group_buy"),
    "community_api:partner_use": _pk("partner"),
    "community_api:staff_group_buy": _pk("group_buy"),
    "community_api:staff_order": _pk("group_buy"),
    "community_api:staff_close": _pk("group_buy"),
    "community_api:staff_handover": _pk("commitment"),
    "civic_api:consultations_api:consultation-detail": _pk("consultation"),
    "civic_api:consultations_api:consultation-answer": _pk("consultation"),
    "civic_api:consultations_api:consultation-receipts": _pk("consultation"),
    "civic_api:consultations_api:consultation-results": _pk("consultation"),
    "reports_staff:progress": _pk("pdf_report"),
    "reports_staff:file": _pk("pdf_report"),
    "reports_staff:appendix": _pk("pdf_report_appendix"),
    "reports_staff:figures_csv": _pk("pdf_report"),
    "reports_api:report-detail": _pk("pdf_report"),
    "reports_api:report-progress": _pk("pdf_report"),
    "council-media": lambda d: {"schema": d.council.schema_name, "path": "nothing/here.png"},
}


def _demo_data(council) -> Demo:
    """The demo loaders' data for Dinan (staff and residents named as `load_demo` names them),
    plus one object of each kind they do not make."""
    from alerts import demo as alerts_demo
    from alerts.models import Alert
    from alerts.services import alert_create
    from civic import demo as civic_demo
    from civic.models import Category, Question, ReportFollower
    from civic.services import api_key_create, issue_report_create, report_photo_hide
    from community import demo as community_demo
    from community import services as community
    from community.models import Neighbourhood, VerificationRequest, Vouch
    from tenants.management.commands.load_demo import DEMO_RESIDENTS, DEMO_STAFF, demo_email

    from .community.conftest import declare, png_bytes, upload

    objects: dict = {}
    for local, _name, role in DEMO_STAFF:
        objects[role] = make_user(demo_email(local, council.slug), role)
    for local, _name in DEMO_RESIDENTS:
        objects[local] = make_user(demo_email(local, council.slug))
    for loader in (community_demo, civic_demo, alerts_demo):
        loader.load(council)

    objects["pending"] = make_user("pending@example.org")
    declare(objects["pending"], "3 rue du Jerzual")
    objects["proof_request"] = community.proof_submit(
        user=objects["pending"], upload=upload("proof.png", png_bytes(), "image/png")
    )
    postcard_user = make_user("postcard@example.org")
    declare(postcard_user, "5 rue du Jerzual")
    community.postcard_request(user=postcard_user)
    objects["batch"] = community.postcard_batch_create(acting=objects["council_admin"])
    objects["cooptation"] = VerificationRequest.objects.filter(method="cooptation").first()
    objects["vouch"] = Vouch.objects.first()
    _invitation, objects["invitation_token"] = community.cooptation_invitation_create(
        inviter=objects["alice"]
    )
    objects["neighbourhood"] = Neighbourhood.objects.order_by("pk").first()

    objects["category"] = Category.objects.order_by("pk").first()
    objects["question"] = Question.objects.order_by("pk").first()
    objects["report"] = issue_report_create(
        reporter=objects["alice"],
        category=Category.objects.filter(questions__isnull=True).order_by("pk").first(),
        title="Pothole",
        description="A deep pothole by the bakery.",
        latitude=48.4547,
        longitude=-2.0481,
        photos=[upload("hole.png", png_bytes(), "image/png")],
    )
    objects["follower"] = ReportFollower.objects.filter(report=objects["report"]).first()
    # Hidden, so that staff may open it through the staff-only photo view.
    objects["photo"] = report_photo_hide(
        photo=objects["report"].photos.get(), actor=objects["moderator"], reason="A face"
    )
    objects["api_key"], _raw = api_key_create(name="Walk", created_by=objects["council_admin"])

    objects["sent_alert"] = Alert.objects.get(headline=alerts_demo.PAST_ALERT_HEADLINE)
    objects["draft_alert"] = alert_create(
        author=objects["communications_officer"],
        fields={
            "headline": "Road closed",
            "event": "Works",
            "sms_body": "Road closed tomorrow.",
            "whole_council": True,
            "category": "Infra",
            "severity": "Minor",
            "urgency": "Future",
            "certainty": "Likely",
            "response_type": "Monitor",
            "language": "en",
            "expires_at": timezone.now() + timezone.timedelta(days=1),
        },
        neighbourhoods=[],
    )
    _mutual_aid_data(objects)
    _group_buy_data(objects)
    _consultation_data(objects)
    missing = [name for name, value in objects.items() if value is None]
    assert not missing, f"the demo data lacks {missing}"
    return Demo(council, objects)


def _mutual_aid_data(objects: dict) -> None:
    """A listing with a photo and a conversation, an agreed loan, a report, a block, a hidden
    listing and a suspension: made through the mutual aid services, Alice as the author."""
    import datetime

    from community.mutual_aid import services as aid
    from community.mutual_aid.models import AidCategory

    from .community.conftest import png_bytes, upload
    from .community.mutual_aid.conftest import post, verified_in

    alice, hood = objects["alice"], objects["neighbourhood"]
    helper = verified_in("aid-helper@example.org", hood, "Hélène Aide")
    other = verified_in("aid-other@example.org", hood, "Oscar Autre")
    objects["listing"] = post(alice, photos=[upload("bike.png", png_bytes(), "image/png")])
    objects["listing_photo"] = objects["listing"].photos.first()
    objects["conversation"] = aid.conversation_open(
        listing=objects["listing"], respondent=helper, body="Je peux passer samedi."
    )
    objects["message"] = objects["conversation"].messages.first()
    lending = post(alice, code="lending", title="Prêt d'une perceuse", description="Perceuse.")
    lent = aid.conversation_open(listing=lending, respondent=helper, body="Pour une étagère.")
    aid.listing_agree(listing=lending, actor=alice, conversation=lent)
    today = timezone.localdate()
    objects["loan"] = aid.loan_create(
        listing=lending, actor=alice, starts_on=today, due_on=today + datetime.timedelta(days=7)
    )
    reported = post(other, title="Vends des cigarettes", description="Pas cher.")
    objects["aid_report"] = aid.abuse_report_create(
        reporter=alice, listing=reported, reason="Vente interdite"
    )
    hidden = post(other, title="Arnaque", description="Envoyez de l'argent.")
    objects["hidden_listing"] = aid.listing_hide(
        listing=hidden, actor=objects["moderator"], reason="Arnaque"
    )
    objects["suspension"] = aid.resident_suspend(
        resident=other, actor=objects["moderator"], days=7, reason="Arnaques"
    )
    aid.block_create(blocker=alice, blocked=other)
    objects["blocked"] = other
    objects["aid_category"] = AidCategory.objects.order_by("pk").first()


def _group_buy_data(objects: dict) -> None:
    """An open group buy with Alice's commitment, and a partner of the directory."""
    from community.group_buys import services as group_buys
    from community.group_buys.models import Commitment

    from .community.group_buys.conftest import D, buy

    objects["group_buy"] = buy(objects["council_admin"])
    group_buys.commitment_set(user=objects["alice"], group_buy=objects["group_buy"], quantity=D(2))
    objects["commitment"] = Commitment.objects.filter(group_buy=objects["group_buy"]).first()
    objects["partner"] = group_buys.partner_save(
        acting=objects["council_admin"], name="Repair café", category="repair", member_offer="-10 %"
    )


def _consultation_data(objects: dict) -> None:
    """An open consultation with a yes/no and a free-text question that Alice answered, an
    attachment, and Alice's subscription to the consultations' news."""
    from civic.consultations import services as consultations
    from civic.consultations.models import ConsultationSubscription, QuestionKind, TextAnswer
    from civic.consultations.services import QuestionSpec
    from reports import services as reports
    from reports.models import ReportKind

    from .civic.consultations.conftest import make_consultation
    from .community.conftest import png_bytes, upload

    officer = objects["communications_officer"]
    consultation = make_consultation(
        officer,
        questions=[
            QuestionSpec(kind=QuestionKind.YES_NO, label="Do you want it?"),
            QuestionSpec(kind=QuestionKind.LONG_TEXT, label="Anything else?", required=False),
        ],
    )
    yes_no, text = consultation.questions.order_by("order")
    consultations.participation_submit(
        user=objects["alice"],
        consultation=consultation,
        raw={yes_no.key: "yes", text.key: "More benches, please."},
    )
    objects["consultation"] = consultation
    objects["consultation_question"] = yes_no
    objects["text_answer"] = TextAnswer.objects.filter(question=text).first()
    objects["attachment"] = consultations.attachment_add(
        actor=officer,
        consultation=consultation,
        upload=upload("plan.png", png_bytes(), "image/png"),
        title="The plan",
    )
    consultations.subscription_set(user=objects["alice"], subscribed=True)
    # The consultation's PDF report, generated (its file and figures open once done).
    report = reports.report_request(
        actor=officer, kind=ReportKind.CONSULTATION, subject_id=consultation.pk
    )
    objects["pdf_report"] = reports.report_generate(report_id=report.pk)
    # A version whose appendix is a document of its own (a published answer, a threshold of 0).
    from django.test import override_settings

    from civic.consultations.models import TextStatus

    TextAnswer.objects.create(
        question=text, text="Benches by the river.", status=TextStatus.PUBLISHED
    )
    with override_settings(REPORTS_APPENDIX_SEPARATE_ABOVE=0):
        report = reports.report_request(
            actor=officer, kind=ReportKind.CONSULTATION, subject_id=consultation.pk
        )
        reports.report_generate(report_id=report.pk)
        objects["pdf_report_appendix"] = reports.appendix_generate(report_id=report.pk)
    assert objects["pdf_report_appendix"].appendix_file
    objects["subscription"] = ConsultationSubscription.objects.get(user=objects["alice"])


def _personas(demo: Demo) -> dict:
    # The plain resident has no address at all; Alice was verified at the counter by the demo.
    people = {"anonymous": None, "resident": make_user("walker@example.org")}
    people["verified_resident"] = demo.objects["alice"]
    assert people["verified_resident"].residence.status == "verified"
    for name, roles in PERSONAS:
        if roles:
            people[name] = demo.objects[roles[0]]
    return people


def _url(pattern: Pattern, demo: Demo) -> str:
    kwargs = ID_PROVIDERS[pattern.key](demo) if pattern.params else {}
    if pattern.named:
        return reverse(pattern.key, kwargs=kwargs, urlconf="config.urls_tenant")
    # An unnamed pattern: its only parameter goes in place of its group.
    assert pattern.key == r"^open311/v2/(?P<rest>.+)$", pattern.key
    return "/open311/v2/" + kwargs["rest"]


def test_every_pattern_with_parameters_has_an_id_provider():
    lacking = [p.key for p in council_patterns() if p.params and p.key not in ID_PROVIDERS]
    assert not lacking, (
        "URL patterns with path parameters and no id provider: add them to ID_PROVIDERS in "
        f"tests/test_url_walk.py: {lacking}"
    )
    stale = set(ID_PROVIDERS) - {p.key for p in council_patterns()}
    assert not stale, f"ID_PROVIDERS names patterns that no longer exist: {sorted(stale)}"


def _login(client: CouncilClient, user) -> CouncilClient:
    client.logout()
    if user is not None:
        client.login_as(user)
    return client


def test_every_council_url_answers_every_persona_without_a_server_error(dinan, in_dinan):
    demo = _demo_data(dinan)
    people = _personas(demo)
    patterns = council_patterns()
    assert len(patterns) > 100
    client = CouncilClient(dinan, raise_request_exception=False)
    failures: list[str] = []

    def check(method: str, persona: str, url: str, allowed: set[int]) -> int:
        response = getattr(client, method)(url)
        status = response.status_code
        if status not in SPECIAL_STATUSES.get(url, allowed):
            failures.append(f"{method.upper()} {url} as {persona}: {status}")
        return status

    # Reading: every pattern, every persona. Staff pages are never shown to anonymous visitors
    # or residents, and every HTML page of the staff portal opens for the council admin.
    for persona, user in people.items():
        _login(client, user)
        for pattern in patterns:
            if pattern.key in ONCE and persona != "anonymous":
                continue
            url = _url(pattern, demo)
            status = check("get", persona, url, GET_STATUSES)
            staff_page = url.startswith("/staff/")
            if staff_page and persona == "anonymous" and status not in (302, 403, 404, 405):
                failures.append(f"GET {url} as anonymous: {status}, expected a login redirect")
            if staff_page and persona.endswith("resident") and status not in (403, 404, 405):
                failures.append(f"GET {url} as {persona}: {status}, expected 403")
            if staff_page and persona == "council_admin" and status >= 400 and status != 405:
                failures.append(f"GET {url} as council_admin: {status}, expected the page")
            if status == 302 and persona == "anonymous" and staff_page:
                location = client.get(url)["Location"]
                if not location.startswith(reverse("accounts:login")):
                    failures.append(f"GET {url} as anonymous redirects to {location}")

    # Writing: an empty POST is refused or re-asks, never breaks. Run after every read, as a
    # POST changes the data (the agent may be deactivated, the draft alert sent...).
    for persona, user in people.items():
        _login(client, user)
        for pattern in patterns:
            if pattern.key in ONCE or pattern.key == "accounts:logout":
                continue
            check("post", persona, _url(pattern, demo), POST_STATUSES)
            if user is not None and "_auth_user_id" not in client.session:
                _login(client, user)

    assert not failures, "\n".join(failures)
