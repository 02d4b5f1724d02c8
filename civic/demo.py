"""Demo data of street reporting for `manage.py load_demo`: categories with questions, a roads
team with the demo agent, and reports on the council's own streets (at addresses of its demo
address file, so inside its neighbourhoods), each titled in its category's words. Idempotent."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from core import demo as core_demo
from core.models import Address

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
from .services.reports import neighbourhood_for

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

# Words a report's title uses for its category (a test holds every demo title to them).
CATEGORY_WORDS = {
    "pothole": ["nid-de-poule", "trou", "chaussée"],
    "pavement": ["trottoir", "dalle", "pavé"],
    "roadworks": ["chantier", "travaux"],
    "streetlight": ["lampadaire", "éclairage", "réverbère"],
    "flytipping": ["dépôt", "déchets", "encombrants", "matelas", "sacs"],
}

# Each demo council's reports on its own streets: the point is the address's, from the council's
# demo address file (core/demo_addresses/), so every report lies in one of its neighbourhoods.
# category, title, description, (number, street), status
REPORTS = {
    "dinan": [
        (
            "pothole",
            "Nid-de-poule devant le 12 rue de la Lainerie",
            "Un trou profond au milieu de la chaussée pavée, les voitures font un écart.",
            ("12", "Rue de la Lainerie"),
            Status.ACKNOWLEDGED,
        ),
        (
            "streetlight",
            "Lampadaire éteint place Duclos",
            "Le lampadaire près du banc ne s'allume plus depuis une semaine.",
            ("4", "Place Duclos"),
            Status.SUBMITTED,
        ),
        (
            "flytipping",
            "Dépôt de sacs en bas de la rue du Petit Fort",
            "Une dizaine de sacs et un carton posés contre le mur.",
            ("21", "Rue du Petit Fort"),
            Status.IN_PROGRESS,
        ),
        (
            "pavement",
            "Dalle descellée place des Merciers",
            "Une dalle bouge et fait trébucher les passants devant la maison à colombages.",
            ("3", "Place des Merciers"),
            Status.FIXED,
        ),
        (
            "roadworks",
            "Barrière de chantier renversée rue du Jerzual",
            "La barrière du chantier est tombée en travers de la rue, en pleine descente.",
            ("8", "Rue du Jerzual"),
            Status.SUBMITTED,
        ),
        (
            "streetlight",
            "Réverbère qui clignote rue du Quai",
            "Il s'allume et s'éteint toute la nuit, face au port.",
            ("14", "Rue du Quai"),
            Status.ACKNOWLEDGED,
        ),
        (
            "pothole",
            "Trou dans la chaussée rue de Léhon",
            "Un trou se creuse au bord de la route après les dernières pluies.",
            ("6", "Rue de Léhon"),
            Status.SUBMITTED,
        ),
    ],
    "saint-malo": [
        (
            "pothole",
            "Nid-de-poule rue Broussais",
            "Un trou dans la chaussée devant le n° 9, dangereux pour les vélos.",
            ("9", "Rue Broussais"),
            Status.ACKNOWLEDGED,
        ),
        (
            "flytipping",
            "Encombrants abandonnés rue Ville Pépin",
            "Un matelas et une chaise déposés sur le trottoir depuis trois jours.",
            ("15", "Rue Ville Pépin"),
            Status.IN_PROGRESS,
        ),
        (
            "streetlight",
            "Lampadaire éteint boulevard Chateaubriand",
            "Le lampadaire face à la plage ne s'allume plus le soir.",
            ("22", "Boulevard Chateaubriand"),
            Status.SUBMITTED,
        ),
        (
            "pavement",
            "Pavés déchaussés rue Jacques Cartier",
            "Plusieurs pavés se soulèvent le long des remparts.",
            ("2", "Rue Jacques Cartier"),
            Status.FIXED,
        ),
        (
            "roadworks",
            "Chantier mal signalé quai Solidor",
            "Pas de panneau avant la tranchée, de nuit on ne la voit pas.",
            ("5", "Quai Solidor"),
            Status.SUBMITTED,
        ),
        (
            "flytipping",
            "Dépôt de déchets place Chateaubriand",
            "Des sacs de déchets laissés au pied des conteneurs pleins.",
            ("4", "Place Chateaubriand"),
            Status.ACKNOWLEDGED,
        ),
        (
            "pothole",
            "Trou dans la chaussée boulevard de Rochebonne",
            "Un trou profond sur la voie de droite, près de l'arrêt de bus.",
            ("18", "Boulevard de Rochebonne"),
            Status.SUBMITTED,
        ),
    ],
}
# A council without demo streets: a few reports around its map centre (metres north, east).
AROUND_CENTRE = [
    (
        "pothole",
        "Nid-de-poule devant la mairie",
        "Un trou profond devant l'entrée.",
        (40, -30),
        Status.ACKNOWLEDGED,
    ),
    (
        "streetlight",
        "Lampadaire éteint sur la place",
        "Le lampadaire près du banc ne s'allume plus depuis une semaine.",
        (-80, 60),
        Status.SUBMITTED,
    ),
    (
        "flytipping",
        "Matelas abandonné près des conteneurs",
        "Un matelas et des sacs près des conteneurs.",
        (120, 150),
        Status.IN_PROGRESS,
    ),
    (
        "pavement",
        "Dalle descellée sur le trottoir",
        "Une dalle bouge et fait trébucher les passants.",
        (-20, -140),
        Status.FIXED,
    ),
]


def reports_for(slug: str) -> list[tuple]:
    return REPORTS.get(slug, AROUND_CENTRE)


def _place(council, where: tuple, centre: tuple[float, float]) -> tuple[float, float, str]:
    """The point and address of a demo report: the address file's entry, or an offset from the
    map centre for a council without demo streets."""
    if council.slug not in REPORTS:
        north, east = where
        return centre[0] + north / 111_320, centre[1] + east / 74_000, ""
    number, street = where
    found = Address.objects.filter(number=number, street=street).first()
    if found is None:  # the address file was not loaded yet (core's demo runs first normally)
        core_demo.load(council)
        found = Address.objects.get(number=number, street=street)
    return found.latitude, found.longitude, found.label


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
    reports = reports_for(council.slug)
    for position, (code, title, text, where, status) in enumerate(reports):
        category = Category.objects.get(code=code)
        created = now - timedelta(days=3 * len(reports) - 3 * position)
        latitude, longitude, address = _place(council, where, (lat0, lon0))
        # Demo rows are written directly (no emails, no rate limit), with their history.
        report = IssueReport.objects.create(
            category=category,
            reporter=reporter,
            title=title,
            description=text,
            show_name=True,
            latitude=latitude,
            longitude=longitude,
            address=address,
            neighbourhood=neighbourhood_for(latitude, longitude),
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
