"""Load a council's addresses for the offline geocoder from the national address base's CSV:
`manage.py import_addresses --council dinan adresses-22050.csv`. Lines that cannot be used are
listed with their line numbers; importing the same file again changes nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from core.addresses import BadHeader, addresses_import
from tenants.models import Council

MAX_ERRORS_SHOWN = 50


class Command(BaseCommand):
    help = "Import a BAN addresses CSV (adresses-<commune>.csv) into a council's address table."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the BAN CSV file (semicolon separated, UTF-8)")
        parser.add_argument("--council", required=True, help="the council's slug")

    def handle(self, *args, path: str, council: str, **options):
        found = Council.objects.filter(slug=council, is_template=False).first()
        if found is None:
            raise CommandError(f"No council with the slug {council!r}.")
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"No file {path!r}.")
        with file.open(encoding="utf-8-sig", newline="") as lines, tenant_context(found):
            try:
                result = addresses_import(lines=lines)
            except BadHeader as error:
                raise CommandError(str(error)) from error
        for line, problem in result.errors[:MAX_ERRORS_SHOWN]:
            self.stderr.write(f"line {line}: {problem}")
        if len(result.errors) > MAX_ERRORS_SHOWN:
            self.stderr.write(f"… and {len(result.errors) - MAX_ERRORS_SHOWN} more refused lines")
        self.stdout.write(
            f"{found.name}: {result.created} addresses added, {result.updated} updated, "
            f"{len(result.errors)} lines refused."
        )
