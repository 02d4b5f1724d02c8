from django.db import migrations


def install(apps, schema_editor):
    from tenants.clone import clone_functions_install

    with schema_editor.connection.cursor() as cursor:
        clone_functions_install(cursor)


class Migration(migrations.Migration):
    """The schema-clone functions, installed once in the public schema (tenants/clone.py).
    tenants is a shared app: in council schemas this migration does nothing."""

    dependencies = [("tenants", "0002_council_phone_region")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
