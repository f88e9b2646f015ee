"""Fill the reference tables from the packaged data files (ebhxh.reference.loader)."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def load(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from ebhxh.reference.loader import load_reference

    load_reference(apps=apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("reference", "0001_initial"),
    ]

    operations = [
        # Reversing leaves the rows; unapplying 0001 drops the tables anyway.
        migrations.RunPython(load, migrations.RunPython.noop, elidable=False),
    ]
