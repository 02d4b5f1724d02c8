"""Demo data: neighbourhoods with areas around Dinan and Saint-Malo, verified and pending
residents. Runs inside the council's schema (manage.py load_demo); idempotent."""

from accounts.models import User
from tenants.models import Council

from . import services
from .models import Neighbourhood, Residence


def _box(west: float, south: float, east: float, north: float) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [
            [[west, south], [east, south], [east, north], [west, north], [west, south]]
        ],
    }


NEIGHBOURHOODS = {
    "dinan": [
        ("Centre historique", _box(-2.0520, 48.4520, -2.0400, 48.4580)),
        ("Port de Dinan", _box(-2.0400, 48.4520, -2.0280, 48.4600)),
        ("Léhon", _box(-2.0520, 48.4400, -2.0350, 48.4520)),
    ],
    "saint-malo": [
        ("Intra-Muros", _box(-2.0300, 48.6450, -2.0200, 48.6520)),
        ("Saint-Servan", _box(-2.0250, 48.6300, -2.0050, 48.6420)),
        ("Paramé", _box(-2.0000, 48.6550, -1.9750, 48.6680)),
    ],
}
STREETS = {
    "dinan": (
        "22100",
        "Dinan",
        ["12 rue de la Lainerie", "3 place des Merciers", "7 rue du Petit Fort", "21 rue du Port"],
    ),
    "saint-malo": (
        "35400",
        "Saint-Malo",
        ["4 rue de Dinan", "9 rue Broussais", "15 rue Ville Pépin", "2 rue Jacques Cartier"],
    ),
}


def load(council: Council) -> None:
    areas = NEIGHBOURHOODS.get(council.slug, [])
    made = []
    for name, area in areas:
        neighbourhood, _created = Neighbourhood.objects.get_or_create(
            name=name, defaults={"area": area}
        )
        made.append(neighbourhood)
    # A council without demo streets still gets four households (vouches need distinct ones).
    postcode, city, streets = STREETS.get(
        council.slug, ("00000", council.name, [f"{n} rue de la Mairie" for n in range(1, 5)])
    )
    admin = User.objects.filter(email=f"admin@{council.slug}.example").first()
    people = {
        local: User.objects.filter(email=f"{local}@{council.slug}.example").first()
        for local in ("alice", "bruno", "chloe")
    }
    if admin is None or not all(people.values()):
        return

    def home(user: User, index: int) -> bool:
        """Declare the demo address once; False when it was there already."""
        if Residence.objects.filter(user=user).exists():
            return False
        services.residence_declare(
            user=user,
            address_line1=streets[index],
            postcode=postcode,
            city=city,
            neighbourhood=made[index % len(made)] if made else None,
        )
        return True

    # Alice and Bruno were verified at the town hall; Chloé is gathering vouches (Alice's so far).
    for index, local in enumerate(("alice", "bruno")):
        if home(people[local], index):
            services.resident_verify_in_person(
                acting=admin,
                resident=people[local],
                note="Demo: proof of address seen at the counter.",
            )
    if home(people["chloe"], 2):
        request = services.cooptation_request_open(user=people["chloe"])
        services.vouch_create(voucher=people["alice"], request=request)
