"""Demo data of street reporting for `manage.py load_demo`: categories with questions, a roads
team with the demo agent, and a few reports around the town hall. Idempotent."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import User

from .models import (
    Category,
    IssueReport,
    MapSettings,
    Question,
    ReportEvent,
    ReportFollower,
    Status,
    Team,
)

# Map centres of the demo councils (town halls).
CENTRES = {"dinan": (48.4553, -2.0502), "saint-malo": (48.6493, -2.0257)}

CATEGORIES = [
    # code, fr, en, group_fr, days, team
    ("pothole", "Nid-de-poule", "Pothole", "Voirie", 5, "Voirie"),
    ("pavement", "Trottoir abîmé", "Damaged pavement", "Voirie", 10, "Voirie"),
    ("roadworks", "Problème de chantier", "Roadworks problem", "Voirie", 3, "Voirie"),
    ("streetlight", "Éclairage public en panne", "Street light out", "Éclairage", 7, "Éclairage"),
    ("flytipping", "Dépôt sauvage", "Fly-tipping", "Propreté", 3, "Propreté"),
]

REPORTS = [
    # category, title, description, metres north, metres east, status
    (
        "pothole",
        "Nid-de-poule rue de l'Horloge",
        "Un trou profond devant le n° 12.",
        40,
        -30,
        Status.ACKNOWLEDGED,
    ),
    (
        "streetlight",
        "Lampadaire éteint place Duclos",
        "Le lampadaire près du banc ne s'allume plus depuis une semaine.",
        -80,
        60,
        Status.SUBMITTED,
    ),
    (
        "flytipping",
        "Matelas abandonné",
        "Un matelas et des sacs près des conteneurs.",
        120,
        150,
        Status.IN_PROGRESS,
    ),
    (
        "pavement",
        "Dalle descellée",
        "Une dalle bouge et fait trébucher les passants.",
        -20,
        -140,
        Status.FIXED,
    ),
]


def load(council) -> None:
    lat0, lon0 = CENTRES.get(council.slug, (48.45, -2.05))
    if not MapSettings.objects.exists():
        MapSettings.objects.create(latitude=lat0, longitude=lon0, zoom=15)
    teams = {}
    for name in {row[5] for row in CATEGORIES}:
        teams[name], _created = Team.objects.get_or_create(name=name)
    agent = User.objects.filter(email=f"agent@{council.slug}.example").first()
    if agent is not None:
        teams["Voirie"].members.add(agent)
    for order, (code, fr, en, group, days, team) in enumerate(CATEGORIES):
        category, created = Category.objects.get_or_create(
            code=code,
            defaults={
                "name_fr": fr,
                "name_en": en,
                "group": group,
                "response_days": days,
                "team": teams[team],
                "order": order,
            },
        )
        if created and code == "pothole":
            Question.objects.create(
                category=category,
                code="depth",
                label_fr="Profondeur (cm)",
                label_en="Depth (cm)",
                kind=Question.Kind.NUMBER,
                order=1,
            )
        if created and code == "flytipping":
            Question.objects.create(
                category=category,
                code="size",
                label_fr="Volume",
                label_en="Size",
                kind=Question.Kind.SINGLE,
                required=True,
                order=1,
                choices=[
                    {"key": "small", "name_fr": "Quelques sacs", "name_en": "A few bags"},
                    {"key": "large", "name_fr": "Encombrants", "name_en": "Bulky items"},
                ],
            )
    if IssueReport.objects.exists():
        return
    reporter = User.objects.filter(email=f"alice@{council.slug}.example").first()
    now = timezone.now()
    for position, (code, title, text, north, east, status) in enumerate(REPORTS):
        category = Category.objects.get(code=code)
        created = now - timedelta(days=12 - 3 * position)
        # Demo rows are written directly (no emails, no rate limit), with their history.
        report = IssueReport.objects.create(
            category=category,
            reporter=reporter,
            title=title,
            description=text,
            show_name=True,
            latitude=lat0 + north / 111_320,
            longitude=lon0 + east / 74_000,
            status=status,
            created_at=created,
            updated_at=created,
            status_changed_at=created,
            due_at=created + timedelta(days=category.response_days),
            answers={"size": "large"} if code == "flytipping" else {},
        )
        ReportEvent.objects.create(
            report=report,
            kind=ReportEvent.Kind.CREATED,
            actor=reporter,
            to_status=Status.SUBMITTED,
            created_at=created,
        )
        if status != Status.SUBMITTED:
            ReportEvent.objects.create(
                report=report,
                kind=ReportEvent.Kind.STATUS,
                from_status=Status.SUBMITTED,
                to_status=status,
                public_note="Merci, nos équipes sont informées.",
                created_at=created + timedelta(days=1),
            )
        if reporter is not None:
            ReportFollower.objects.get_or_create(report=report, user=reporter)
