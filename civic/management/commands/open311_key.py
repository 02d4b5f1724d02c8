"""Create an Open311 API key for an app: `manage.py open311_key --council SLUG --name "App"`.
Prints the key once; only its hash is stored."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from tenants.models import Council


class Command(BaseCommand):
    help = "Create an Open311 API key in a council and print it (shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("--council", required=True, help="the council's slug")
        parser.add_argument("--name", required=True, help="the application's name")

    def handle(self, *args, council: str, name: str, **options):
        from civic.services import api_key_create

        found = Council.objects.filter(slug=council, is_template=False).first()
        if found is None:
            raise CommandError(f"No council with the slug {council!r}.")
        with tenant_context(found):
            try:
                key, raw = api_key_create(name=name)
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from error
        self.stderr.write(f"Open311 key {key.prefix}… for {key.name!r} at {found.name}:")
        self.stdout.write(raw)
