"""Demo data for development: the public tenant, the councils dinan and saint-malo, staff of
every role and residents. Idempotent: a second run changes nothing.

Apps add their own demo data in a `demo.py` module with `load(council)`; it runs inside the
council's schema, after the accounts exist."""

from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand
from django_tenants.utils import schema_context, tenant_context

from accounts.models import User
from accounts.services import staff_member_create
from tenants.models import Council
from tenants.services import council_create, platform_ensure_public

DEMO_PASSWORD = "commune-demo-2026"  # noqa: S105  (public demo data, development only)
DEMO_COUNCILS = [("dinan", "Dinan"), ("saint-malo", "Saint-Malo")]
DEMO_STAFF = [
    ("admin", "Claire Admin", "council_admin"),
    ("moderator", "Marc Moderateur", "moderator"),
    ("agent", "Alain Agent", "agent"),
    ("comms", "Camille Communication", "communications_officer"),
    ("elected", "Élise Élue", "elected_official"),
]
DEMO_RESIDENTS = [("alice", "Alice Martin"), ("bruno", "Bruno Le Goff"), ("chloe", "Chloé Riou")]
APPS_WITH_DEMO_DATA = ["core", "community", "civic", "alerts", "reports"]


def demo_email(local: str, slug: str) -> str:
    return f"{local}@{slug}.example"


class Command(BaseCommand):
    help = "Load (or refresh) the demo councils, their staff and residents."

    def add_arguments(self, parser):
        parser.add_argument(
            "--print-logins", action="store_true", help="only print the demo logins"
        )

    def handle(self, *args, **options):
        if options["print_logins"]:
            self._print_logins()
            return
        platform_ensure_public()
        with schema_context("public"):
            if not User.objects.filter(email="operator@commune.example").exists():
                User.objects.create_superuser(
                    "operator@commune.example", DEMO_PASSWORD, full_name="Platform Operator"
                )
        for slug, name in DEMO_COUNCILS:
            council = Council.objects.filter(slug=slug).first()
            if council is None:
                council = council_create(
                    slug=slug,
                    name=name,
                    domains=[f"{slug}.{settings.PUBLIC_HOST}"],
                    admin_email=demo_email("admin", slug),
                    admin_password=DEMO_PASSWORD,
                ).council
                self.stdout.write(f"Created demo council {name}")
            with tenant_context(council):
                self._load_people(slug)
                for app in APPS_WITH_DEMO_DATA:
                    try:
                        module = import_module(f"{app}.demo")
                    except ModuleNotFoundError:
                        continue
                    module.load(council)

    def _load_people(self, slug: str) -> None:
        for local, full_name, role in DEMO_STAFF:
            email = demo_email(local, slug)
            user = User.objects.filter(email=email).first()
            if user is None or not user.has_usable_password():
                staff_member_create(
                    email=email, full_name=full_name, roles=[role], password=DEMO_PASSWORD
                )
        for local, full_name in DEMO_RESIDENTS:
            email = demo_email(local, slug)
            if not User.objects.filter(email=email).exists():
                User.objects.create_user(
                    email, DEMO_PASSWORD, full_name=full_name, email_confirmed=True
                )

    def _print_logins(self) -> None:
        self.stdout.write(f"  Demo logins (password for all: {DEMO_PASSWORD})")
        self.stdout.write(
            "    platform operator: operator@commune.example  (http://localhost/admin/)"
        )
        for slug, name in DEMO_COUNCILS:
            staff = ", ".join(
                f"{role}: {demo_email(local, slug)}" for local, _n, role in DEMO_STAFF
            )
            residents = ", ".join(demo_email(local, slug) for local, _n in DEMO_RESIDENTS)
            self.stdout.write(f"    {name} staff — {staff}")
            self.stdout.write(f"    {name} residents — {residents}")
