"""A resident's street reports in their data export; after they delete their account, no civic
table holds their email or phone, and their reports stay without them."""

import ast
from pathlib import Path

from django.apps import apps

from accounts.services import account_delete
from civic import services
from civic.models import IssueReport, ReportFollower
from core.privacy import personal_data_export

from .conftest import DINAN, png

PHONE = "+33612345678"


def _report(user, category, **kwargs):
    return services.issue_report_create(
        reporter=user,
        category=category,
        title=kwargs.pop("title", "Hole"),
        description=kwargs.pop("description", "A deep hole"),
        latitude=DINAN[0],
        longitude=DINAN[1],
        answers={"depth": 4},
        **kwargs,
    )


def _holding(needle: str) -> list[str]:
    """Every civic column (model.field) where some row holds `needle`, case-insensitively."""
    found = []
    for model in apps.get_app_config("civic").get_models():
        for field in model._meta.concrete_fields:
            for value in model._default_manager.values_list(field.attname, flat=True):
                if value is not None and needle.lower() in str(value).lower():
                    found.append(f"{model.__name__}.{field.name}")
    return found


def test_export_holds_the_residents_reports_photos_and_follows(
    resident, neighbour, pothole, moderator
):
    mine = _report(resident, pothole, title="My hole", photos=[png()])
    theirs = _report(neighbour, pothole, title="Their hole")
    services.report_follow(report=theirs, user=resident)
    services.report_note_add(report=mine, actor=moderator, internal_note="Staff only")

    data = personal_data_export(resident)["civic"]
    (report,) = data["reports"]
    assert (report["id"], report["title"], report["category"]) == (mine.pk, "My hole", "pothole")
    assert report["longitude"] == DINAN[1] and report["url"] == f"/reports/{mine.pk}/"
    # Their own history only: the staff's internal note is not theirs.
    assert [e["event"] for e in report["history"]] == ["created"]
    (photo,) = data["photos"]
    assert photo["report"] == mine.pk and photo["url"].endswith(photo["file"])
    assert {f["report"] for f in data["follows"]} == {mine.pk, theirs.pk}
    assert "Staff only" not in str(data) and "Their hole" not in str(data)


def test_after_deletion_no_civic_column_holds_the_residents_email_or_phone(
    client_dinan, resident, neighbour, pothole, moderator, council_admin
):
    resident.phone = PHONE
    resident.save(update_fields=["phone"])
    email = resident.email
    mine = _report(resident, pothole, photos=[png()], show_name=True)
    theirs = _report(neighbour, pothole, description=f"Ask {email.upper()} who saw it")
    services.report_follow(report=theirs, user=resident)
    services.report_note_add(
        report=theirs, actor=moderator, internal_note=f"Called {PHONE}, wrote to {email}"
    )
    # The same person also reported through a city app, by email and phone.
    key, _raw = services.api_key_create(name="City app", created_by=council_admin)
    by_app = services.open311_request_create(
        api_key=key,
        content=services.ReportContent(
            category=pothole, description="Pothole", address="Here", answers={"depth": 3}
        ),
        contact=services.Open311Contact(
            first_name="Res", last_name="Ident", email=email, phone="06 12 34 56 78"
        ),
    )
    assert by_app.contact_phone == PHONE
    assert _holding(email) and _holding(PHONE)

    account_delete(user=resident)

    assert _holding(email) == [] and _holding(PHONE) == []
    # Their reports stay, anonymous; the app's submitter details are gone.
    mine.refresh_from_db()
    by_app.refresh_from_db()
    assert mine.reporter is None and not mine.show_name and mine.photos.count() == 1
    assert (by_app.contact_name, by_app.contact_email, by_app.contact_phone) == ("", "", "")
    assert not ReportFollower.objects.filter(report=by_app).exists()
    assert IssueReport.objects.count() == 3
    theirs.refresh_from_db()
    assert theirs.description == "Ask  who saw it"
    assert list(theirs.followers.values_list("user", flat=True)) == [neighbour.pk]


def test_services_do_not_import_the_tasks_or_alerts_at_module_level():
    """Tasks import services; services queue tasks on commit, importing them only then. civic
    never imports alerts (import-linter keeps the layers; this keeps civic's side readable)."""
    root = Path(__file__).resolve().parents[2] / "civic"
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                names += [a.name for a in node.names]
                assert not any(n.split(".")[0] == "alerts" for n in names), path
        if "services" in path.parts:
            for node in tree.body:
                if isinstance(node, ast.ImportFrom):
                    assert not (node.module or "").endswith("tasks"), path
