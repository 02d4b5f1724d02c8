"""Resident pages, the staff portal and the API: eligibility, answering, receipts, paper
ballots, every page for every persona, and another council's people."""

import re

import pytest
from django_tenants.utils import tenant_context

from civic.consultations import services
from civic.consultations.models import Ballot, Participation
from tests.conftest import CouncilClient, make_user

from .conftest import citizen, full_answers, make_consultation, open_vote_to_all


def _form_data(c, answers: dict) -> dict:
    """The answers as the page's form posts them."""
    data: dict = {}
    for q in c.questions.all():
        value = answers.get(q.key)
        if q.kind == "ranking" and value:
            for position, key in enumerate(value, start=1):
                data[f"q{q.pk}_rank_{key}"] = str(position)
        elif value is not None:
            data[f"q{q.pk}"] = value
    return data


def test_resident_answers_on_one_page_and_gets_a_receipt(dinan, consultation, voter):
    client = CouncilClient(dinan).login_as(voter)
    page = client.get(consultation.get_absolute_url()).content.decode()
    assert page.count("<fieldset") == 7 and page.count("<legend>") == 7
    assert "Give each option its position" in page and "<select" in page
    assert "It is final" in page
    response = client.post(
        consultation.get_absolute_url(), _form_data(consultation, full_answers(consultation))
    )
    assert response.status_code == 302
    thanks = client.get(response["Location"]).content.decode()
    receipt = Ballot.objects.get().receipt
    assert receipt in thanks
    # Shown once: the receipt is nowhere on the server side but the ballot.
    assert not client.session.get("receipt") and receipt not in str(dict(client.session))
    again = client.post(
        consultation.get_absolute_url(), _form_data(consultation, full_answers(consultation))
    )
    assert Participation.objects.count() == 1 and Ballot.objects.count() == 1
    assert again.status_code == 400 and "You have taken part" in again.content.decode()


def test_errors_keep_the_answers_and_say_what_is_wrong(dinan, consultation, voter):
    client = CouncilClient(dinan).login_as(voter)
    single, multiple, ranking, *_rest = consultation.questions.order_by("order")
    answers = full_answers(consultation, **{multiple.key: ["o1", "o2", "o3"]})
    data = _form_data(consultation, answers)
    data[f"q{ranking.pk}_rank_o3"] = "1"  # position 1 twice
    response = client.post(consultation.get_absolute_url(), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Choose at most 2 options." in page
    assert "Rank every option, each with a different number." in page
    # The answer to the first question is still checked.
    assert re.search(rf'name="q{single.pk}" value="o1"[^>]*checked', page)
    assert not Participation.objects.exists()


def test_unverified_and_out_of_area_residents_are_refused_on_page_and_api(
    dinan, communications_officer, hood_a, hood_b, unverified
):
    c = make_consultation(communications_officer, whole_council=False, neighbourhoods=[hood_a])
    key = c.questions.get().key
    # The council reserves votes to verified residents (default): refused.
    client = CouncilClient(dinan).login_as(unverified)
    page = client.get(c.get_absolute_url()).content.decode()
    assert "verify your address" in page and "<fieldset" not in page
    assert client.post(c.get_absolute_url(), {f"q{key}": "yes"}).status_code == 403
    api = client.post(
        f"/api/v1/consultations/{c.pk}/answer/",
        {"answers": {key: "yes"}},
        content_type="application/json",
    )
    assert api.status_code == 403
    assert client.get(f"/api/v1/consultations/{c.pk}/").json()["refusal"] == "verification"
    # A verified resident of another neighbourhood: refused too.
    elsewhere = CouncilClient(dinan).login_as(citizen(hood_b))
    assert elsewhere.post(c.get_absolute_url(), {f"q{key}": "yes"}).status_code == 403
    assert (
        elsewhere.post(
            f"/api/v1/consultations/{c.pk}/answer/",
            {"answers": {key: "yes"}},
            content_type="application/json",
        ).status_code
        == 403
    )
    assert not Participation.objects.exists()
    # The council opens votes to all: a consultation can still ask for verified residents...
    open_vote_to_all()
    strict = make_consultation(communications_officer, eligibility="verified", title="Strict")
    skey = strict.questions.get().key
    assert client.post(strict.get_absolute_url(), {f"q{skey}": "yes"}).status_code == 403
    # ...or for a confirmed email only.
    lenient = make_consultation(
        communications_officer, eligibility="email_confirmed", title="Lenient"
    )
    lkey = lenient.questions.get().key
    response = client.post(
        f"/api/v1/consultations/{lenient.pk}/answer/",
        {"answers": {lkey: "no"}},
        content_type="application/json",
    )
    assert response.status_code == 201 and len(response.json()["receipt"]) == 11
    unconfirmed = citizen(hood_a, verified=False, email_confirmed=False)
    refused = (
        CouncilClient(dinan)
        .login_as(unconfirmed)
        .post(lenient.get_absolute_url(), {f"q{lkey}": "no"})
    )
    assert refused.status_code == 403 and "Confirm your email" in refused.content.decode()
    anonymous = CouncilClient(dinan)
    assert anonymous.post(lenient.get_absolute_url(), {f"q{lkey}": "no"}).status_code == 302
    assert anonymous.post(
        f"/api/v1/consultations/{lenient.pk}/answer/",
        {"answers": {lkey: "no"}},
        content_type="application/json",
    ).status_code in (401, 403)


def test_api_answers_with_the_same_rules(dinan, consultation, voter):
    client = CouncilClient(dinan).login_as(voter)
    detail = client.get(f"/api/v1/consultations/{consultation.pk}/").json()
    assert detail["may_answer"] is True and len(detail["questions"]) == 7
    ranking = detail["questions"][2]
    assert ranking["kind"] == "ranking" and [o["key"] for o in ranking["options"]] == [
        "o1",
        "o2",
        "o3",
    ]
    bad = client.post(
        f"/api/v1/consultations/{consultation.pk}/answer/",
        {"answers": full_answers(consultation, **{ranking["key"]: ["o1"]})},
        content_type="application/json",
    )
    assert bad.status_code == 400 and ranking["key"] in bad.json()
    good = client.post(
        f"/api/v1/consultations/{consultation.pk}/answer/",
        {"answers": full_answers(consultation), "wants_outcome": True},
        content_type="application/json",
    )
    assert good.status_code == 201 and good.json()["receipt"] == Ballot.objects.get().receipt
    assert Participation.objects.get().wants_outcome is True
    twice = client.post(
        f"/api/v1/consultations/{consultation.pk}/answer/",
        {"answers": full_answers(consultation)},
        content_type="application/json",
    )
    assert twice.status_code == 400
    schema = client.get("/api/schema/").content.decode()
    assert "/api/v1/consultations/{id}/answer/" in schema
    assert "/api/v1/consultations/{id}/results/" in schema


def test_paper_ballot_blocks_online_vote_and_online_vote_blocks_paper(
    dinan, communications_officer, hood_a, voter
):
    c = make_consultation(communications_officer)
    key = c.questions.get().key
    staff = CouncilClient(dinan).login_as(communications_officer)
    search = staff.get(f"/staff/consultations/{c.pk}/paper/?q=Véra").content.decode()
    assert "Véra Votante" in search
    response = staff.post(
        f"/staff/consultations/{c.pk}/paper/", {"resident": voter.pk, f"q{key}": "no"}
    )
    assert response.status_code == 302
    assert Participation.objects.get().channel == "paper" and Ballot.objects.count() == 1
    resident = CouncilClient(dinan).login_as(voter)
    assert (
        "Your paper ballot has been counted" in resident.get(c.get_absolute_url()).content.decode()
    )
    refused = resident.post(
        f"/api/v1/consultations/{c.pk}/answer/",
        {"answers": {key: "yes"}},
        content_type="application/json",
    )
    assert refused.status_code == 400 and Ballot.objects.count() == 1
    # The other way round.
    online = citizen(hood_a)
    services.participation_submit(user=online, consultation=c, raw={key: "yes"})
    again = staff.post(
        f"/staff/consultations/{c.pk}/paper/", {"resident": online.pk, f"q{key}": "no"}
    )
    assert again.status_code == 400 and "already taken part" in again.content.decode()
    # Unverified residents cannot be found for a paper ballot.
    unverified = citizen(hood_a, verified=False, full_name="Paul Papier")
    assert (
        "Paul Papier"
        not in staff.get(f"/staff/consultations/{c.pk}/paper/?q=Paul").content.decode()
    )
    assert (
        staff.post(f"/staff/consultations/{c.pk}/paper/", {"resident": unverified.pk}).status_code
        == 404
    )
    assert Ballot.objects.count() == 2


def test_receipts_are_listed_only_after_close(dinan, communications_officer, hood_a, voter):
    c = make_consultation(communications_officer)
    key = c.questions.get().key
    mine = services.participation_submit(user=voter, consultation=c, raw={key: "yes"})
    other = services.participation_submit(user=citizen(hood_a), consultation=c, raw={key: "no"})
    client = CouncilClient(dinan)
    assert client.get(f"/consultations/{c.pk}/receipts/").status_code == 404
    assert client.get(f"/api/v1/consultations/{c.pk}/receipts/").status_code == 404
    services.consultation_close(actor=communications_officer, consultation=c)
    page = client.get(f"/consultations/{c.pk}/receipts/?code={mine}").content.decode()
    assert mine in page and other in page and "your ballot was counted" in page
    # Codes only, never a ballot's content.
    listing = page.split('<ul class="receipts"')[1].split("</ul>")[0]
    assert re.findall(r"<li>([^<]*)</li>", listing) == sorted([mine, other])
    assert client.get(f"/api/v1/consultations/{c.pk}/receipts/").json() == {
        "receipts": sorted([mine, other])
    }


def test_another_councils_people_can_neither_read_nor_answer(
    dinan, saint_malo, consultation, outsider, client_saint_malo
):
    key = consultation.questions.first().key
    url = consultation.get_absolute_url()
    api = f"/api/v1/consultations/{consultation.pk}/"
    assert client_saint_malo.get(url).status_code == 404
    assert client_saint_malo.get(api).status_code == 404
    assert "Cycle lane" not in client_saint_malo.get("/consultations/").content.decode()
    assert client_saint_malo.get("/api/v1/consultations/").json() == []
    malo = CouncilClient(saint_malo).login_as(outsider)
    assert malo.post(url, {f"q{key}": "yes"}).status_code == 404
    assert (
        malo.post(
            f"{api}answer/", {"answers": {key: "yes"}}, content_type="application/json"
        ).status_code
        == 404
    )
    # Saint-Malo's session cookie carried to Dinan's host authenticates nobody there.
    carried = CouncilClient(dinan)
    carried.cookies = malo.cookies
    assert (
        carried.post(url, _form_data(consultation, full_answers(consultation))).status_code == 302
    )
    assert carried.post(
        f"{api}answer/", {"answers": {}}, content_type="application/json"
    ).status_code in (
        401,
        403,
    )
    with tenant_context(saint_malo):
        malo_staff = make_user("comms@saint-malo.example", "communications_officer")
    staff = CouncilClient(saint_malo).login_as(malo_staff)
    for path in ("", "results/", "results.csv", "paper/", "texts/"):
        assert staff.get(f"/staff/consultations/{consultation.pk}/{path}").status_code == 404
    assert staff.post(f"/staff/consultations/{consultation.pk}/action/close/").status_code == 404
    assert not Participation.objects.exists()
    consultation.refresh_from_db()
    assert consultation.is_open


PERSONAS = [
    None,
    "resident",
    "voter",
    "agent",
    "moderator",
    "communications_officer",
    "council_admin",
    "elected_official",
]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_answers_each_persona_without_error(
    persona, request, dinan, communications_officer, hood_a, voter
):
    draft = make_consultation(communications_officer, open_now=False, title="Draft one")
    live = make_consultation(communications_officer, title="Open one")
    services.participation_submit(
        user=voter, consultation=live, raw={live.questions.get().key: "yes"}
    )
    closed = make_consultation(communications_officer, title="Closed one")
    services.consultation_close(actor=communications_officer, consultation=closed)
    services.outcome_publish(actor=communications_officer, consultation=closed, outcome="Done.")
    client = CouncilClient(dinan)
    user = request.getfixturevalue(persona) if persona else None
    if user is not None:
        client.login_as(user)
    roles = user.roles if user is not None else frozenset()
    manage = bool(roles & {"council_admin", "communications_officer"})
    read = manage or "elected_official" in roles
    staff = read or "moderator" in roles
    public = {
        "/consultations/": 200,
        f"/consultations/{live.pk}/": 200,
        f"/consultations/{closed.pk}/": 200,
        f"/consultations/{closed.pk}/receipts/": 200,
        f"/consultations/{live.pk}/receipts/": 404,
        f"/consultations/{draft.pk}/": 200 if staff else 404,
        "/api/v1/consultations/": 200,
        f"/api/v1/consultations/{live.pk}/": 200,
        f"/api/v1/consultations/{draft.pk}/": 200 if staff else 404,
        f"/api/v1/consultations/{closed.pk}/results/": 200,
        f"/api/v1/consultations/{live.pk}/results/": 200 if read else 403,
    }
    if user is not None:
        public[f"/consultations/{live.pk}/thanks/"] = 200 if persona == "voter" else 302
    denied = 302 if user is None else 403
    portal = {
        "/staff/consultations/": 200 if staff else denied,
        f"/staff/consultations/{live.pk}/": 200 if staff else denied,
        f"/staff/consultations/{draft.pk}/preview/": 200 if staff else denied,
        f"/staff/consultations/{live.pk}/results/": 200 if read else denied,
        f"/staff/consultations/{live.pk}/results.csv": 200 if read else denied,
        f"/staff/consultations/{live.pk}/results.json": 200 if read else denied,
        f"/staff/consultations/{live.pk}/texts/": 200 if staff else denied,
        "/staff/consultations/new/": 200 if manage else denied,
        f"/staff/consultations/{live.pk}/paper/": 200 if manage else denied,
        f"/staff/consultations/{closed.pk}/outcome/": 200 if manage else denied,
    }
    for url, expected in {**public, **portal}.items():
        response = client.get(url)
        assert response.status_code == expected, (url, response.status_code)
    if staff:
        assert "Consultations" in client.get("/staff/").content.decode()


def test_staff_create_edit_questions_and_preview(dinan, communications_officer, hood_a):
    client = CouncilClient(dinan).login_as(communications_officer)
    response = client.post(
        "/staff/consultations/new/",
        {
            "title": "Market hours",
            "summary": "When should the market open?",
            "body": "Read **this**.",
            "eligibility": "verified",
            "ballot_mode": "secret",
            "results_visibility": "after_close",
            "opens_at": "2030-05-01T09:00",
            "closes_at": "2030-05-15T18:00",
            "whole_council": "on",
        },
    )
    assert response.status_code == 302
    from civic.consultations.models import Consultation

    c = Consultation.objects.get()
    # Typed in the council's time zone (Europe/Paris, UTC+2 in May).
    assert c.opens_at.isoformat() == "2030-05-01T07:00:00+00:00"
    edit = f"/staff/consultations/{c.pk}/"
    bad = client.post(
        f"{edit}questions/",
        {"new-kind": "single", "new-label": "Hours?", "new-choices": "Only one"},
    )
    assert bad.status_code == 400 and "at least two options" in bad.content.decode()
    client.post(
        f"{edit}questions/",
        {
            "new-kind": "single",
            "new-label": "Hours?",
            "new-choices": "Morning\nEvening",
            "new-required": "on",
        },
    )
    client.post(f"{edit}questions/", {"new-kind": "long_text", "new-label": "Why?"})
    single, text = c.questions.order_by("order")
    client.post(
        f"{edit}questions/{text.pk}/",
        {
            f"question-{text.pk}-kind": "long_text",
            f"question-{text.pk}-label": "Why evening?",
            f"question-{text.pk}-show_if": single.pk,
            f"question-{text.pk}-show_if_value": "Evening",
        },
    )
    text.refresh_from_db()
    assert text.show_if == single and text.show_if_value == "o2" and text.label == "Why evening?"
    preview = client.get(f"{edit}preview/").content.decode()
    assert "Preview" in preview and "Hours?" in preview and "<strong>this</strong>" in preview
    assert "Only if you answered “Evening”" in preview
    assert client.post(f"{edit}action/schedule/").status_code == 302
    c.refresh_from_db()
    assert c.phase == "scheduled"
    assert client.post(f"{edit}action/duplicate/").status_code == 302
    assert Consultation.objects.count() == 2


def test_quick_poll_on_the_home_page(dinan, communications_officer, hood_a, voter):
    poll = make_consultation(communications_officer, title="Quick: open the market on Sunday?")
    key = poll.questions.get().key
    client = CouncilClient(dinan).login_as(voter)
    home = client.get("/").content.decode()
    assert "Quick: open the market on Sunday?" in home and f'name="q{key}"' in home
    assert client.post(poll.get_absolute_url(), {f"q{key}": "yes"}).status_code == 302
    assert "You have taken part" in client.get("/").content.decode()
    # Once closed, the poll leaves the home page.
    services.consultation_close(actor=communications_officer, consultation=poll)
    assert "Quick: open" not in CouncilClient(dinan).get("/").content.decode()


def test_street_reports_link_to_the_consultation_and_back(
    dinan, communications_officer, hood_a, resident
):
    from tests.factories import IssueReportFactory

    report = IssueReportFactory(title="Dangerous crossing on the quay")
    c = make_consultation(communications_officer, title="Crossing on the quay")
    staff = CouncilClient(dinan).login_as(communications_officer)
    staff.post(f"/staff/consultations/{c.pk}/reports/", {"reports": f"#{report.pk}, 999999"})
    assert not c.related_reports.exists()  # an unknown number: nothing linked
    staff.post(f"/staff/consultations/{c.pk}/reports/", {"reports": f"#{report.pk}"})
    assert list(c.related_reports.all()) == [report]
    public = CouncilClient(dinan)
    assert "Dangerous crossing on the quay" in public.get(c.get_absolute_url()).content.decode()
    page = public.get(f"/reports/{report.pk}/").content.decode()
    assert "Consultations about this" in page and "Crossing on the quay" in page
    forbidden = (
        CouncilClient(dinan)
        .login_as(resident)
        .post(f"/staff/consultations/{c.pk}/reports/", {"reports": ""})
    )
    assert forbidden.status_code == 403 and c.related_reports.count() == 1


def test_cover_image_and_documents_are_checked_and_shown(
    dinan, communications_officer, hood_a, resident
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ..conftest import jpeg_with_gps, not_an_image

    c = make_consultation(communications_officer)
    staff = CouncilClient(dinan).login_as(communications_officer)
    staff.post(f"/staff/consultations/{c.pk}/cover/", {"cover": jpeg_with_gps()})
    c.refresh_from_db()
    assert c.cover_image.startswith("civic/consultations/")
    cover = CouncilClient(dinan).get(c.cover_url)
    body = b"".join(cover.streaming_content)
    assert cover.status_code == 200 and b"GPS" not in body and b"SpyCamMaker" not in body
    response = staff.post(f"/staff/consultations/{c.pk}/cover/", {"cover": not_an_image()})
    assert "not an accepted image" in staff.get(response["Location"]).content.decode()
    pdf = SimpleUploadedFile("plan.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n")
    staff.post(f"/staff/consultations/{c.pk}/attachments/", {"title": "Plan", "file": pdf})
    fake = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00 not a pdf" * 10)
    staff.post(f"/staff/consultations/{c.pk}/attachments/", {"title": "Evil", "file": fake})
    (attachment,) = c.attachments.all()
    page = CouncilClient(dinan).get(c.get_absolute_url()).content.decode()
    assert c.cover_url in page and attachment.url in page and "Plan" in page
    refused = (
        CouncilClient(dinan)
        .login_as(resident)
        .post(f"/staff/consultations/{c.pk}/attachments/{attachment.pk}/delete/")
    )
    assert refused.status_code == 403
    staff.post(f"/staff/consultations/{c.pk}/attachments/{attachment.pk}/delete/")
    assert not c.attachments.exists()
