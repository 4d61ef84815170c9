"""Database triggers that refuse UPDATE (and, on PostgreSQL, DELETE) of the audit tables.

On SQLite a DELETE is refused by the models only, so that a test flush can still empty the tables;
PostgreSQL's flush uses TRUNCATE, which row triggers do not see.
"""

from django.db import migrations

TABLES = ("ops_accessrecord", "ops_adminchange")

SQLITE = [
    f"""CREATE TRIGGER IF NOT EXISTS {t}_no_update BEFORE UPDATE ON {t}
        BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;"""
    for t in TABLES
]
SQLITE_REVERSE = [f"DROP TRIGGER IF EXISTS {t}_no_update;" for t in TABLES]

POSTGRES = [
    """CREATE OR REPLACE FUNCTION ops_audit_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit records are append-only'; END; $$ LANGUAGE plpgsql;""",
    *[f"""CREATE TRIGGER {t}_no_change BEFORE UPDATE OR DELETE ON {t}
          FOR EACH ROW EXECUTE FUNCTION ops_audit_append_only();""" for t in TABLES],
]
POSTGRES_REVERSE = [
    *[f"DROP TRIGGER IF EXISTS {t}_no_change ON {t};" for t in TABLES],
    "DROP FUNCTION IF EXISTS ops_audit_append_only();",
]


def forwards(apps, schema_editor):
    for sql in {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    for sql in {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("ops", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
