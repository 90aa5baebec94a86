"""Trigram indexes for the task list's text search (title and description), on PostgreSQL.

Django's ``icontains`` compiles to ``UPPER(col::text) LIKE UPPER('%q%')`` there, so the indexes
are on that expression. Other databases (the embedded SQLite default) search without them.
"""

from django.db import migrations

INDEXES = {
    "task_title_trgm": "title",
    "task_description_trgm": "description",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON workspace_task "
            f"USING gin (UPPER({column}::text) gin_trgm_ops) WHERE deleted_at IS NULL"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("workspace", "0005_notifications_and_billing")]

    operations = [migrations.RunPython(create, drop)]
