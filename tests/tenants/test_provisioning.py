import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from accounts.models import User
from tenants.models import Council, Domain


def test_create_council_makes_schema_domain_and_admin(db, capsys):
    call_command(
        "create_council",
        "--slug",
        "lannion",
        "--name",
        "Lannion",
        "--domain",
        "lannion.localhost",
        "--domain",
        "www2.lannion.localhost",
        "--admin-email",
        "Admin@Lannion.example",
        "--admin-password",
        "a-good-password-1",
    )
    council = Council.objects.get(slug="lannion")
    assert schema_exists("lannion")
    assert council.get_primary_domain().domain == "lannion.localhost"
    assert Domain.objects.filter(tenant=council).count() == 2
    with schema_context("lannion"):
        admin = User.objects.get(email="admin@lannion.example")
        assert admin.check_password("a-good-password-1")
        assert admin.roles == {"council_admin"}
        # the template's role groups came along with the clone
        from django.contrib.auth.models import Group

        assert Group.objects.count() == 5
    assert "Created council Lannion" in capsys.readouterr().out


def test_create_council_without_password_prints_a_working_one_time_link(db, capsys):
    call_command(
        "create_council",
        "--slug",
        "plouer",
        "--name",
        "Plouër",
        "--domain",
        "plouer.localhost",
        "--admin-email",
        "admin@plouer.example",
    )
    out = capsys.readouterr().out
    link = next(line.split(": ", 1)[1] for line in out.splitlines() if "one-time link" in line)
    assert link.startswith("http://plouer.localhost")
    from django.test import Client

    path = link.split("plouer.localhost", 1)[1].split("/", 1)[1]
    client = Client(HTTP_HOST="plouer.localhost")
    response = client.get("/" + path, follow=True)
    assert response.status_code == 200
    set_url = response.redirect_chain[-1][0]
    response = client.post(
        set_url, {"new_password1": "chosen-password-99", "new_password2": "chosen-password-99"}
    )
    assert response.status_code == 302
    connection.set_schema_to_public()
    with schema_context("plouer"):
        assert User.objects.get(email="admin@plouer.example").check_password("chosen-password-99")


@pytest.mark.parametrize(
    ("slug", "domain", "message"),
    [
        ("dinan", "other.localhost", "already exists"),
        ("dinan-bis", "dinan.localhost", "already in use"),
        ("Bad Slug", "bad.localhost", "lower-case"),
        ("public", "p.localhost", "reserved"),
    ],
)
def test_create_council_refuses_taken_or_bad_names_clearly(db, slug, domain, message):
    before = Council.objects.count()
    with pytest.raises(CommandError, match=message):
        call_command(
            "create_council",
            "--slug",
            slug,
            "--name",
            "X",
            "--domain",
            domain,
            "--admin-email",
            "a@x.example",
            "--admin-password",
            "pw-pw-pw-pw-1",
        )
    assert Council.objects.count() == before


def test_cloned_council_records_every_migration_of_the_template(db):
    from django.conf import settings

    call_command(
        "create_council",
        "--slug",
        "quevert",
        "--name",
        "Quévert",
        "--domain",
        "quevert.localhost",
        "--admin-email",
        "a@quevert.example",
    )

    def applied(schema: str) -> set[tuple[str, str]]:
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')
            return set(cursor.fetchall())

    template = applied(settings.TENANT_BASE_SCHEMA)
    assert template and applied("quevert") == template
    with schema_context("quevert"):
        from civic.models import Category

        assert Category.objects.count() == 0  # the tables exist, and start empty
