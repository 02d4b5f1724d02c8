import pytest
from django_tenants.utils import tenant_context

from civic import demo
from civic.models import Category, IssueReport, ReportEvent
from community import demo as community_demo
from community.geo import area_contains
from community.models import Neighbourhood
from core import demo as core_demo
from tenants.management.commands.load_demo import APPS_WITH_DEMO_DATA, DEMO_COUNCILS
from tests.conftest import make_user


def test_demo_load_is_idempotent(in_dinan):
    make_user("alice@dinan.example")
    make_user("agent@dinan.example", "agent")
    demo.load(in_dinan)
    counts = (Category.objects.count(), IssueReport.objects.count(), ReportEvent.objects.count())
    demo.load(in_dinan)
    assert counts == (
        Category.objects.count(),
        IssueReport.objects.count(),
        ReportEvent.objects.count(),
    )
    assert counts[0] == len(demo.CATEGORIES) and counts[1] == len(demo.reports_for("dinan"))
    assert (
        Category.objects.get(code="pothole")
        .team.members.filter(email="agent@dinan.example")
        .exists()
    )


def test_home_card_links_to_reporting(client_dinan):
    from django.template.loader import render_to_string

    html = render_to_string("civic/_home_card.html")
    assert 'href="/reports/new/"' in html and 'href="/reports/map/"' in html


@pytest.mark.parametrize("slug", [slug for slug, _name in DEMO_COUNCILS])
def test_demo_reports_lie_in_their_councils_neighbourhoods_titled_for_their_category(slug, db):
    from tenants.models import Council

    council = Council.objects.get(slug=slug)
    # load_demo's order: core (addresses), community (neighbourhoods), then civic.
    assert APPS_WITH_DEMO_DATA.index("core") < APPS_WITH_DEMO_DATA.index("civic")
    assert APPS_WITH_DEMO_DATA.index("community") < APPS_WITH_DEMO_DATA.index("civic")
    with tenant_context(council):
        make_user(f"alice@{slug}.example")
        for loader in (core_demo, community_demo, demo):
            loader.load(council)
        areas = {n.name: n.area for n in Neighbourhood.objects.all()}
        reports = list(IssueReport.objects.select_related("category", "neighbourhood"))
        assert len(reports) == len(demo.REPORTS[slug]) >= 5
        for report in reports:
            inside = [
                name
                for name, area in areas.items()
                if area_contains(area, lon=report.longitude, lat=report.latitude)
            ]
            assert inside == [report.neighbourhood.name], (report.title, inside)
            words = demo.CATEGORY_WORDS[report.category.code]
            assert any(word in report.title.lower() for word in words), (report.title, words)
            # The address is one of the council's, in its town.
            assert report.address.endswith(council.name), report.address
        # Every category and every neighbourhood has at least one report.
        assert {r.category.code for r in reports} == set(demo.CATEGORY_WORDS)
        assert {r.neighbourhood.name for r in reports} == set(areas)


def test_every_demo_category_has_words_for_its_titles():
    assert set(demo.CATEGORY_WORDS) == {code for code, *_rest in demo.CATEGORIES}
