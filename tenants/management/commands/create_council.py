from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenants.services import council_create


class Command(BaseCommand):
    help = "Create a council: its schema, its domain(s) and its first council-admin account."

    def add_arguments(self, parser):
        parser.add_argument("--slug", required=True, help="e.g. saint-malo (also the schema name)")
        parser.add_argument("--name", required=True, help='e.g. "Saint-Malo"')
        parser.add_argument(
            "--domain",
            required=True,
            action="append",
            dest="domains",
            help="host name; repeat for several (the first is primary)",
        )
        parser.add_argument("--admin-email", required=True)
        parser.add_argument(
            "--admin-password",
            default=None,
            help="without it, a one-time link to choose the password is printed",
        )
        parser.add_argument("--language", default="fr", choices=["fr", "en"])
        parser.add_argument("--timezone", default="Europe/Paris")

    def handle(self, *args, **options):
        try:
            result = council_create(
                slug=options["slug"],
                name=options["name"],
                domains=options["domains"],
                admin_email=options["admin_email"],
                admin_password=options["admin_password"],
                default_language=options["language"],
                timezone=options["timezone"],
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        council = result.council
        self.stdout.write(self.style.SUCCESS(f"Created council {council.name} ({council.slug})"))
        self.stdout.write(f"  site:  {council.base_url()}/")
        self.stdout.write(f"  admin: {result.admin_email}")
        if result.set_password_url:
            self.stdout.write(
                f"  set the admin's password (one-time link): {result.set_password_url}"
            )
