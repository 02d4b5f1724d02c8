"""Verification figures: the per-request checks other apps make, a vouch, postcard printing.

Run with the dev services and your own database, after `manage.py load_demo`:
    DJANGO_SETTINGS_MODULE=config.settings.dev python bench/bench_verification.py
Everything it creates is rolled back.
"""

import sys
import time

import _setup  # noqa: F401  (Django, on the development database)
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from accounts.models import User
from community import selectors, services
from community.postcards import postcard_batch_render
from tenants.models import Council


def timed(label: str, runs: int, fn) -> None:
    fn()  # warm
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        for _ in range(runs):
            fn()
        elapsed = time.perf_counter() - start
    print(f"{label:<48} {elapsed / runs * 1000:8.2f} ms/call  {len(queries) / runs:5.1f} queries")


def main() -> None:
    council = Council.objects.filter(slug="dinan").first()
    if council is None:
        sys.exit("Run `manage.py load_demo` first (no council 'dinan').")
    with tenant_context(council), transaction.atomic():
        admin = User.objects.get(email="admin@dinan.example")
        alice = User.objects.get(email="alice@dinan.example")
        timed("is_verified(user)", 500, lambda: selectors.is_verified(alice))
        timed("verification_required('vote')", 500, lambda: selectors.verification_required("vote"))
        timed("resident_neighbourhood(user)", 500, lambda: selectors.resident_neighbourhood(alice))

        vouchers = []
        for i in range(2):
            user = User.objects.create_user(f"bench-v{i}@example.org", None, full_name=f"V {i}")
            services.residence_declare(
                user=user, address_line1=f"{i} rue du Banc", postcode="22100", city="Dinan"
            )
            services.resident_verify_in_person(acting=admin, resident=user)
            vouchers.append(user)
        candidates = []
        for i in range(100):
            user = User.objects.create_user(f"bench-c{i}@example.org", None, full_name=f"C {i}")
            services.residence_declare(
                user=user, address_line1=f"{i} rue du Test", postcode="22100", city="Dinan"
            )
            candidates.append(services.cooptation_request_open(user=user))
        services.community_settings_update(acting=admin, vouches_per_30_days=1000)
        start = time.perf_counter()
        for request in candidates:
            services.vouch_create(voucher=vouchers[0], request=request)
        print(
            f"{'vouch_create (not yet verifying)':<48} "
            f"{(time.perf_counter() - start) / len(candidates) * 1000:8.2f} ms/call"
        )
        start = time.perf_counter()
        for request in candidates:
            services.vouch_create(voucher=vouchers[1], request=request)
        print(
            f"{'vouch_create (verifying)':<48} "
            f"{(time.perf_counter() - start) / len(candidates) * 1000:8.2f} ms/call"
        )

        for count in (10, 100):
            for i in range(count):
                user = User.objects.create_user(
                    f"bench-p{count}-{i}@example.org", None, full_name=f"Postcard {i}"
                )
                services.residence_declare(
                    user=user, address_line1=f"{i} rue de la Poste", postcode="22100", city="Dinan"
                )
                services.postcard_request(user=user)
            batch = services.postcard_batch_create(acting=admin)
            start = time.perf_counter()
            rendered = postcard_batch_render(acting=admin, batch=batch)
            elapsed = time.perf_counter() - start
            print(
                f"{f'postcard batch PDF, {count} cards':<48} {elapsed:8.2f} s total "
                f"({elapsed / count * 1000:.0f} ms/card, {len(rendered.pdf) // 1024} KiB)"
            )
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
