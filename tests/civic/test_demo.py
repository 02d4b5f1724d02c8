from civic import demo
from civic.models import Category, IssueReport, ReportEvent
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
    assert counts[0] == len(demo.CATEGORIES) and counts[1] == len(demo.REPORTS)
    assert (
        Category.objects.get(code="pothole")
        .team.members.filter(email="agent@dinan.example")
        .exists()
    )


def test_home_card_links_to_reporting(client_dinan):
    from django.template.loader import render_to_string

    html = render_to_string("civic/_home_card.html")
    assert 'href="/reports/new/"' in html and 'href="/reports/map/"' in html
