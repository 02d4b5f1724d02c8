"""The staff dashboard: each role sees its own panels, with the figures of a known day, and a
bounded number of queries however much data there is."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alerts.models import Alert, AlertRecipient
from civic.models import Status, Team
from community import services as community_services
from community.group_buys.models import Commitment, GroupBuy, GroupBuyStatus
from reports.models import Report, ReportKind, ReportStatus
from tests.civic.consultations.conftest import make_consultation
from tests.community.conftest import declare, verified
from tests.community.group_buys.conftest import buy
from tests.conftest import CouncilClient, make_user
from tests.factories import CategoryFactory, IssueReportFactory

ALL_PANELS = {"key-figures", "reports", "civic-teams", "verification", "alerts", "group-buys"}
PANELS = {
    "council_admin": ALL_PANELS,
    "moderator": {"civic-teams"},
    "agent": {"civic-teams", "verification", "group-buys"},
    "communications_officer": {"reports", "alerts", "group-buys"},
    "elected_official": {"key-figures", "reports"},
}
# The HTML id of each panel's section.
SECTION_IDS = {
    "key-figures": "dashboard-key-figures",
    "reports": "dashboard-reports",
    "civic-teams": "dashboard-teams",
    "verification": "dashboard-verification",
    "alerts": "dashboard-alerts",
    "group-buys": "group-buys-dashboard",
}


def _report(category, *, days_ago=0, due_in_days=7, status=Status.SUBMITTED, **fields):
    created = timezone.now() - timedelta(days=days_ago)
    return IssueReportFactory(
        category=category,
        created_at=created,
        due_at=timezone.now() + timedelta(days=due_in_days),
        status=status,
        status_changed_at=fields.pop("status_changed_at", created),
        **fields,
    )


def _alert(author, state, *, headline, recipients=(), dispatched_days_ago=0, **fields):
    alert = Alert.objects.create(
        headline=headline,
        event="Flood",
        sms_body="Flood: keep away from the river.",
        state=state,
        created_by=author,
        dispatched_at=(
            timezone.now() - timedelta(days=dispatched_days_ago)
            if state in (Alert.State.SENDING, Alert.State.SENT)
            else None
        ),
        progress_at=timezone.now(),
        **fields,
    )
    ranks = {"pending": 0, "sent": 3, "delivered": 4}
    AlertRecipient.objects.bulk_create(
        AlertRecipient(
            alert=alert,
            phone=f"+3361234{alert.pk:02d}{i:02d}",
            batch=0,
            status=s,
            status_rank=ranks[s],
        )
        for i, s in enumerate(recipients)
    )
    return alert


@pytest.fixture
def known_day(council_admin, moderator, agent, communications_officer, elected_official):
    """Roads (the agent's team): 2 new today, 1 overdue, 2 open, 1 fixed this week. Lighting:
    2 new today and open. No team: 1 overdue. One postcard to print, two verified residents
    (one of them verified for the group buy). One alert sending (4 messages: 2 delivered, 1
    sent, 1 queued), one awaiting approval, two drafts, one sent 40 days ago. Two PDF reports.
    One open consultation."""
    roads = Team.objects.create(name="Roads")
    roads.members.add(agent)
    lighting = Team.objects.create(name="Lighting")
    pothole = CategoryFactory(code="pothole", team=roads)
    lamp = CategoryFactory(code="lamp", team=lighting)
    misc = CategoryFactory(code="misc")
    _report(pothole)
    _report(pothole, status=Status.REJECTED)
    _report(pothole, days_ago=5, due_in_days=-1, status=Status.ACKNOWLEDGED)
    _report(
        pothole,
        days_ago=5,
        status=Status.FIXED,
        status_changed_at=timezone.now() - timedelta(days=1),
    )
    _report(lamp)
    _report(lamp, status=Status.IN_PROGRESS)
    _report(misc, days_ago=10, due_in_days=-2)

    community_services.postcard_request(user=declare(make_user("waiting@example.org")).user)
    verified("first@example.org")
    verified("second@example.org")

    _alert(
        communications_officer,
        Alert.State.SENDING,
        headline="Flood warning",
        recipients=("delivered", "delivered", "sent", "pending"),
    )
    _alert(communications_officer, Alert.State.AWAITING_APPROVAL, headline="Storm")
    _alert(communications_officer, Alert.State.DRAFT, headline="Draft one")
    _alert(communications_officer, Alert.State.DRAFT, headline="Draft two")
    old = _alert(
        communications_officer,
        Alert.State.SENT,
        headline="Old heatwave",
        dispatched_days_ago=40,
        completed_at=timezone.now() - timedelta(days=40),
    )
    assert old.pk

    Report.objects.create(
        kind=ReportKind.STREET,
        title="Street issues, October 2026",
        status=ReportStatus.DONE,
        file="reports/street.pdf",
        pages=4,
        size=2048,
        requested_by=communications_officer,
    )
    Report.objects.create(
        kind=ReportKind.CONSULTATION,
        subject_id=1,
        title="Cycle lane on the quay",
        status=ReportStatus.QUEUED,
        requested_by=elected_official,
    )
    make_consultation(communications_officer)


def _dashboard(user):
    response = CouncilClient(connection.tenant).login_as(user).get("/staff/")
    assert response.status_code == 200
    panels = {p["name"]: p["data"] for p in response.context["panels"]}
    return panels, response.content.decode()


@pytest.mark.parametrize("persona", sorted(PANELS))
def test_each_role_sees_its_own_panels_only(known_day, persona, request):
    panels, page = _dashboard(request.getfixturevalue(persona))
    assert set(panels) == PANELS[persona]
    for name, section in SECTION_IDS.items():
        assert (f'id="{section}"' in page) == (name in PANELS[persona]), name


def _teams(data):
    return {t.name: (t.new_today, t.overdue, t.open) for t in data["teams"]}


def test_managers_see_every_team_and_reports_without_a_team(known_day, council_admin, moderator):
    for user in (council_admin, moderator):
        panels, page = _dashboard(user)
        data = panels["civic-teams"]
        assert _teams(data) == {"Lighting": (2, 0, 2), "Roads": (2, 1, 2), "No team": (0, 1, 1)}
        assert data["total"] == {"new_today": 4, "overdue": 2, "open": 5}
        assert "Street reports by team" in page and "2 overdue" in page


def test_agent_sees_only_their_teams(known_day, agent):
    panels, page = _dashboard(agent)
    assert _teams(panels["civic-teams"]) == {"Roads": (2, 1, 2)}
    assert panels["civic-teams"]["total"] == {"new_today": 2, "overdue": 1, "open": 2}
    assert "Street reports of my teams" in page and "Lighting" not in page


def test_agent_in_no_team_gets_no_street_panel(known_day):
    loner = make_user("loner@dinan.example", "agent")
    panels, _page = _dashboard(loner)
    assert set(panels) == {"verification", "group-buys"}


def test_verifiers_see_the_queue(known_day, agent):
    panels, page = _dashboard(agent)
    counts = panels["verification"]
    assert counts["postcards_to_print"] == 1 and counts["verified_residents"] == 2
    assert "1 postcard to print" in page and "2 verified residents" in page
    assert "1 postcards" not in page


def test_alert_staff_see_alerts_in_progress(known_day, communications_officer):
    panels, page = _dashboard(communications_officer)
    data = panels["alerts"]
    assert [row["alert"].headline for row in data["alerts"]] == ["Flood warning"]
    flood = data["alerts"][0]
    assert (flood["handed_over_percent"], flood["delivered_percent"]) == (75, 50)
    assert (data["sending"], data["awaiting_approval"], data["drafts"]) == (1, 1, 2)
    section = re.search(r'id="dashboard-alerts".*?</section>', page, re.S).group(0)
    assert "75% handed over, 50% delivered" in section
    assert '<span class="stat">1</span> alert being sent' in section


def test_elected_officials_see_latest_reports_and_key_figures(known_day, elected_official):
    panels, page = _dashboard(elected_official)
    assert [r.title for r in panels["reports"]] == [
        "Cycle lane on the quay",
        "Street issues, October 2026",
    ]
    done = Report.objects.get(status=ReportStatus.DONE)
    assert f'href="/staff/reports/{done.pk}/file/"' in page and "version 1, PDF, 4 pages" in page
    figures = {str(f.label): f.value for f in panels["key-figures"]}
    assert figures["Verified residents"] == 2
    assert figures["Street reports in the last 30 days"] == 7
    assert figures["Fixed in the last 30 days"] == 1
    assert figures["Open street reports"] == 5
    assert figures["Overdue street reports"] == 2
    assert figures["Consultations open"] == 1
    assert figures["Alerts sent in the last 30 days"] == 1
    assert figures["Active accounts"] >= 9  # the personas and residents above, and the first admin


def test_dashboard_queries_do_not_grow_with_data(known_day, council_admin):
    def count() -> int:
        client = CouncilClient(connection.tenant).login_as(council_admin)
        client.get("/staff/")  # warm the session and council caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/staff/").status_code == 200
        return len(queries)

    before = count()
    # More of everything: teams, reports, alerts with messages, reports, confirmed group buys.
    extra = Team.objects.create(name="Parks")
    _report(CategoryFactory(code="tree", team=extra), days_ago=3, due_in_days=-1)
    for n in range(3):
        _alert(council_admin, Alert.State.SENDING, headline=f"More {n}", recipients=("sent",))
        Report.objects.create(
            kind=ReportKind.STREET,
            title=f"Extra {n}",
            status=ReportStatus.DONE,
            pages=1,
            size=9,
            parameters={"n": n},
            version=n + 2,
        )
    alice = verified("alice@example.org")
    for product in ("Fioul", "Granulés"):
        group_buy = buy(council_admin, product=product, minimum_total=Decimal(1))
        Commitment.objects.create(
            group_buy=group_buy,
            household_key=alice.residence.household_key,
            resident=alice,
            quantity=Decimal(2),
        )
        GroupBuy.objects.filter(pk=group_buy.pk).update(
            status=GroupBuyStatus.CONFIRMED, final_unit_price=Decimal(85), closed_at=timezone.now()
        )
    after = count()
    assert after == before
    assert after <= 25


def test_dashboard_in_french(known_day, agent):
    client = CouncilClient(connection.tenant, language="fr").login_as(agent)
    page = client.get("/staff/").content.decode()
    assert "Signalements de mes équipes" in page
    assert "nouveaux signalements aujourd\u2019hui" in page and "1 en retard" in page
