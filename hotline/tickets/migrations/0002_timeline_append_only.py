"""Database triggers that refuse UPDATE and DELETE on the timeline, whatever client asks."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS timeline_no_update BEFORE UPDATE ON tickets_timelineevent
       BEGIN SELECT RAISE(ABORT, 'timeline events are append-only'); END;""",
    """CREATE TRIGGER IF NOT EXISTS timeline_no_delete BEFORE DELETE ON tickets_timelineevent
       BEGIN SELECT RAISE(ABORT, 'timeline events are append-only'); END;""",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS timeline_no_update;", "DROP TRIGGER IF EXISTS timeline_no_delete;"]

POSTGRES = [
    """CREATE OR REPLACE FUNCTION timeline_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'timeline events are append-only'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER timeline_no_change BEFORE UPDATE OR DELETE ON tickets_timelineevent
       FOR EACH ROW EXECUTE FUNCTION timeline_append_only();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS timeline_no_change ON tickets_timelineevent;",
    "DROP FUNCTION IF EXISTS timeline_append_only();",
]


def forwards(apps, schema_editor):
    statements = {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
