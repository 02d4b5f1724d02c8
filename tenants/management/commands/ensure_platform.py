from django.core.management.base import BaseCommand

from tenants.services import platform_ensure_public


class Command(BaseCommand):
    help = "Create the public tenant, its domain (PUBLIC_HOST) and the council template schema."

    def handle(self, *args, **options):
        public = platform_ensure_public()
        self.stdout.write(f"Platform ready: {public.get_primary_domain()}")
