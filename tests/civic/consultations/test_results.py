"""Tallies, when results may be seen (page, API, export), and suppression of small cells."""

import csv
import io

import pytest
from django_tenants.utils import tenant_context

from civic.consultations import selectors, services
from civic.consultations.models import QuestionKind
from civic.consultations.selectors import suppress, suppress_table
from civic.consultations.services import QuestionSpec
from core.models import AuditEntry
from tests.conftest import CouncilClient

from .conftest import citizen, every_kind, full_answers, make_consultation


def test_suppress_hides_small_cells_and_those_that_would_reveal_them():
    assert suppress([10, 7, 6]) == [10, 7, 6]
    assert suppress([10, 7, 3]) == [10, None, None]  # 3 alone would be the total minus 17
    assert suppress([10, 2, 0, 9]) == [10, None, None, 9]
    assert suppress([4]) == [None]
    # In a table, rows and columns both: hiding 3 and 7 leaves 9 and 12 alone in their columns.
    assert suppress_table([[10, 7, 3], [8, 9, 12]]) == [[10, None, None], [8, None, None]]
    assert suppress_table([[6, 7], [5, 8]]) == [[6, 7], [5, 8]]


def test_tallies(communications_officer, hood_a):
    c = make_consultation(communications_officer, questions=every_kind())
    single, multiple, ranking, scale, yes_no, number, _text = c.questions.order_by("order")
    rankings = [["o1", "o2", "o3"], ["o2", "o1", "o3"], ["o2", "o3", "o1"]]
    for i in range(3):
        services.participation_submit(
            user=citizen(hood_a),
            consultation=c,
            raw=full_answers(
                c,
                **{
                    ranking.key: rankings[i],
                    scale.key: str(i + 2),
                    multiple.key: ["o1", "o2"] if i else ["o4"],
                    number.key: "" if i == 2 else str(i * 10),
                },
            ),
        )
    data = selectors.results_compute(c)
    by_id = {q["id"]: q for q in data["questions"]}
    assert data["ballots"] == 3 and data["online"] == 3
    rank = {o["key"]: o for o in by_id[ranking.pk]["options"]}
    # Borda with 3 options: 2 points for first, 1 for second.
    assert (rank["o1"]["borda"], rank["o2"]["borda"], rank["o3"]["borda"]) == (3, 5, 1)
    assert (rank["o1"]["first"], rank["o2"]["first"]) == (1, 2)
    assert [o["key"] for o in by_id[ranking.pk]["options"]] == ["o2", "o1", "o3"]
    assert by_id[scale.pk]["mean"] == 3.0 and by_id[scale.pk]["median"] == 3
    multi = {o["key"]: o["count"] for o in by_id[multiple.pk]["options"]}
    assert multi == {"o1": 2, "o2": 2, "o3": 0, "o4": 1}
    assert by_id[multiple.pk]["answered"] == 3
    assert by_id[number.pk]["mean"] == 5.0 and by_id[number.pk]["median"] == 5
    assert by_id[yes_no.pk]["options"][0] == {
        "key": "yes",
        "label": "Yes",
        "count": 3,
        "percent": 100.0,
        "by_neighbourhood": [None],  # 3 ballots in the neighbourhood: under 5
    }
    assert by_id[single.pk]["answered"] == 3


@pytest.fixture
def split_vote(communications_officer, hood_a, hood_b):
    """Seven voters in one neighbourhood (6 yes, 1 no), two in another: small cells."""
    c = make_consultation(
        communications_officer,
        questions=[QuestionSpec(kind=QuestionKind.YES_NO, label="Pedestrian market street?")],
        results_visibility="after_close",
    )
    key = c.questions.get().key
    for i in range(7):
        services.participation_submit(
            user=citizen(hood_a), consultation=c, raw={key: "no" if i == 6 else "yes"}
        )
    for _ in range(2):
        services.participation_submit(user=citizen(hood_b), consultation=c, raw={key: "yes"})
    return c


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_results_are_hidden_from_residents_until_close_but_not_from_staff(
    dinan, split_vote, voter, elected_official, communications_officer, moderator
):
    c = split_vote
    url, api = c.get_absolute_url(), f"/api/v1/consultations/{c.pk}/results/"
    resident = CouncilClient(dinan).login_as(voter)
    anonymous = CouncilClient(dinan)
    for client in (resident, anonymous):
        assert "Pedestrian market street?" in client.get(url).content.decode()
        assert (
            "Results are shown once the consultation is closed." in client.get(url).content.decode()
        )
        assert client.get(api).status_code in (401, 403)
        assert client.get(f"/staff/consultations/{c.pk}/results.csv").status_code in (302, 403)
    assert resident.get(f"/api/v1/consultations/{c.pk}/").json()["results_visible"] is False
    for person in (elected_official, communications_officer):
        staff = CouncilClient(dinan).login_as(person)
        assert staff.get(api).json()["ballots"] == 9
        assert "9 ballots" in staff.get(f"/staff/consultations/{c.pk}/results/").content.decode()
        assert staff.get(f"/staff/consultations/{c.pk}/results.csv").status_code == 200
    # Moderators handle texts, not results.
    assert CouncilClient(dinan).login_as(moderator).get(api).status_code == 403
    services.consultation_close(actor=communications_officer, consultation=c)
    assert resident.get(api).json()["ballots"] == 9
    assert "9 ballots" in anonymous.get(url).content.decode()


def test_staff_only_results_wait_for_publication_and_live_results_show_at_once(
    dinan, communications_officer, hood_a, voter
):
    hidden = make_consultation(communications_officer, results_visibility="staff_only")
    live = make_consultation(communications_officer, results_visibility="live", title="Live")
    client = CouncilClient(dinan).login_as(voter)
    assert client.get(f"/api/v1/consultations/{live.pk}/results/").status_code == 200
    services.consultation_close(actor=communications_officer, consultation=hidden)
    assert client.get(f"/api/v1/consultations/{hidden.pk}/results/").status_code == 403
    services.results_publish(actor=communications_officer, consultation=hidden)
    assert client.get(f"/api/v1/consultations/{hidden.pk}/results/").status_code == 200


def test_small_neighbourhood_cells_are_suppressed_in_page_api_and_csv(
    dinan, split_vote, communications_officer
):
    c = split_vote
    services.consultation_close(actor=communications_officer, consultation=c)
    data = CouncilClient(dinan).get(f"/api/v1/consultations/{c.pk}/results/").json()
    question = data["questions"][0]
    # Columns are sorted by name: Jacobins (2 ballots), Port (7).
    assert question["neighbourhoods"] == ["Quartier des Jacobins", "Quartier du Port"]
    cells = {o["key"]: o["by_neighbourhood"] for o in question["options"]}
    # 2 "yes" in the Jacobins are hidden; so is the Port's 6, or 8 minus 6 would give them away.
    assert cells == {"yes": [None, None], "no": [None, None], "abstain": [None, None]}
    assert [h["ballots"] for h in data["neighbourhoods"]] == [None, None]
    page = CouncilClient(dinan).get(c.get_absolute_url()).content.decode()
    assert "&lt;5" in page
    staff = CouncilClient(dinan).login_as(communications_officer)
    rows = _csv(staff.get(f"/staff/consultations/{c.pk}/results.csv"))
    assert rows[0] == [
        "question", "answer", "count", "percent", "borda",
        "Quartier des Jacobins", "Quartier du Port",
    ]  # fmt: skip
    assert rows[1][:3] == ["Pedestrian market street?", "Yes", "8"]
    assert rows[1][5:] == ["<5", "<5"] and rows[2][5:] == ["<5", "<5"]
    json_export = staff.get(f"/staff/consultations/{c.pk}/results.json").json()
    assert json_export["questions"][0]["options"][0]["by_neighbourhood"] == [None, None]
    assert "6" not in [cell for row in rows[1:] for cell in row[5:]]
    staff_page = staff.get(f"/staff/consultations/{c.pk}/results/").content.decode()
    assert "&lt;5" in staff_page and "<svg" in staff_page and "<table>" in staff_page


def test_free_text_is_published_only_after_moderation(
    dinan, communications_officer, moderator, hood_a
):
    c = make_consultation(
        communications_officer,
        results_visibility="live",
        questions=[QuestionSpec(kind=QuestionKind.LONG_TEXT, label="Ideas?")],
    )
    key = c.questions.get().key
    for text in ("More benches", "The mayor is an idiot"):
        services.participation_submit(user=citizen(hood_a), consultation=c, raw={key: text})
    page = CouncilClient(dinan).get(c.get_absolute_url()).content.decode()
    assert "More benches" not in page
    staff = CouncilClient(dinan).login_as(moderator)
    listing = staff.get(f"/staff/consultations/{c.pk}/texts/").content.decode()
    assert "More benches" in listing and "idiot" in listing
    good, bad = sorted(c.questions.get().text_answers.all(), key=lambda t: t.text)
    staff.post(
        f"/staff/consultations/{c.pk}/texts/{good.pk}/",
        {"status": "published", "themes": "Seating, parks"},
    )
    response = staff.post(f"/staff/consultations/{c.pk}/texts/{bad.pk}/", {"status": "hidden"})
    bad.refresh_from_db()
    assert bad.status == "pending"  # hiding needs a reason
    staff.post(
        f"/staff/consultations/{c.pk}/texts/{bad.pk}/", {"status": "hidden", "reason": "Insult"}
    )
    bad.refresh_from_db()
    assert bad.status == "hidden" and response.status_code == 302
    # The audit row says a reason was given; the moderator's words stay on the answer.
    with tenant_context(dinan):
        entry = AuditEntry.objects.filter(action="civic.consultation_text_moderate").first()
        assert entry.data["with_reason"] is True
        assert "Insult" not in str(entry.data) + str(entry.before) + str(entry.after)
    page = CouncilClient(dinan).get(c.get_absolute_url()).content.decode()
    assert "More benches" in page and "idiot" not in page
    api = CouncilClient(dinan).get(f"/api/v1/consultations/{c.pk}/results/").json()
    assert [t["text"] for t in api["texts"]] == ["More benches"]
    assert "parks (1)" in staff.get(f"/staff/consultations/{c.pk}/texts/?status=").content.decode()


def test_results_are_cached_after_close_and_shown_in_the_readers_language(
    dinan, communications_officer, hood_a
):
    from django.utils import timezone, translation

    from civic.consultations.models import Consultation

    c = make_consultation(communications_officer)
    services.participation_submit(
        user=citizen(hood_a), consultation=c, raw={c.questions.get().key: "yes"}
    )
    services.consultation_close(actor=communications_officer, consultation=c)
    past = timezone.now() - selectors.CACHE_AFTER_CLOSE * 2
    Consultation.objects.filter(pk=c.pk).update(
        opens_at=past - selectors.CACHE_AFTER_CLOSE, closes_at=past
    )
    c.refresh_from_db()
    with translation.override("fr"):
        assert selectors.results(c)["questions"][0]["options"][0]["label"] == "Oui"
    c.refresh_from_db()
    assert c.results_cache is not None
    # A ballot written behind the cache's back does not change the cached results...
    from civic.consultations.models import Ballot

    Ballot.objects.create(consultation=c, answers={}, codes=[])
    assert selectors.results(c)["ballots"] == 1
    # ...and an English reader reads English labels from the French-made cache.
    assert selectors.results(c)["questions"][0]["options"][0]["label"] == "Yes"


def test_every_question_kind_has_its_answered_count(communications_officer, hood_a):
    c = make_consultation(communications_officer, questions=every_kind())
    number = c.questions.get(kind=QuestionKind.NUMBER)
    text = c.questions.get(kind=QuestionKind.LONG_TEXT)
    for i in range(3):
        services.participation_submit(
            user=citizen(hood_a),
            consultation=c,
            # The number question is optional: the third voter leaves it blank.
            raw=full_answers(c, **{number.key: "" if i == 2 else str(i + 4)}),
        )
    by_id = {q["id"]: q for q in selectors.results(c)["questions"]}
    assert by_id[number.pk]["answered"] == 2
    assert by_id[text.pk]["answered"] == 0
    assert all(
        by_id[q.pk]["answered"] == 3 for q in c.questions.exclude(pk__in=[number.pk, text.pk])
    )


def test_results_cached_without_answered_counts_are_computed_again(communications_officer, hood_a):
    from django.utils import timezone

    from civic.consultations.models import Consultation

    c = make_consultation(communications_officer, questions=every_kind())
    number = c.questions.get(kind=QuestionKind.NUMBER)
    services.participation_submit(
        user=citizen(hood_a), consultation=c, raw=full_answers(c, **{number.key: "7"})
    )
    services.consultation_close(actor=communications_officer, consultation=c)
    past = timezone.now() - selectors.CACHE_AFTER_CLOSE * 2
    # A cache written before number questions had their "answered" count.
    old = selectors.results_compute(c)
    for question in old["questions"]:
        if question["id"] == number.pk:
            del question["answered"]
    Consultation.objects.filter(pk=c.pk).update(
        opens_at=past - selectors.CACHE_AFTER_CLOSE, closes_at=past, results_cache=old
    )
    c.refresh_from_db()
    by_id = {q["id"]: q for q in selectors.results(c)["questions"]}
    assert by_id[number.pk]["answered"] == 1
    c.refresh_from_db()
    assert all("answered" in q for q in c.results_cache["questions"])
