"""Compress stored envelopes and receipts with lz4 instead of PostgreSQL's default pglz.

Every intake writes a 30–60 KiB envelope; pglz spent about 1 ms of server CPU on each, lz4
a fifth of that for smaller rows (docs/gateway.md, "Intake speed"). PostgreSQL only, and
only where the server was built with lz4; elsewhere nothing changes.
"""

from django.db import DatabaseError, migrations, transaction

COLUMNS = ("envelope", "receipt")


def use_lz4(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    table = apps.get_model("gateway", "Dossier")._meta.db_table
    clauses = ", ".join(f"ALTER COLUMN {column} SET COMPRESSION lz4" for column in COLUMNS)
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table} {clauses}")
    except DatabaseError:
        pass  # a server without lz4 keeps pglz


def use_default(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    table = apps.get_model("gateway", "Dossier")._meta.db_table
    clauses = ", ".join(f"ALTER COLUMN {column} SET COMPRESSION DEFAULT" for column in COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} {clauses}")


class Migration(migrations.Migration):
    dependencies = [("gateway", "0002_nonces_callbacks")]

    operations = [migrations.RunPython(use_lz4, use_default, elidable=False)]
