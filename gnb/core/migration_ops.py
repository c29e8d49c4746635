"""Migration operations for what only PostgreSQL has: rules it holds in the database itself, trigram indexes,
indexes built without blocking writes.

The project's tests run on SQLite and on PostgreSQL. Each operation changes the schema on PostgreSQL only, while the
model state gets it everywhere, so ``makemigrations --check`` sees no difference.
"""

from __future__ import annotations

from django.contrib.postgres.operations import AddIndexConcurrently, TrigramExtension
from django.db import migrations


class AddConstraintOnPostgres(migrations.AddConstraint):
    """``AddConstraint`` that changes the schema on PostgreSQL only (an ``EXCLUDE USING gist`` constraint, which
    SQLite cannot express); the model state gets it everywhere, so ``makemigrations`` stays quiet. On SQLite the
    same rule is the services' check inside a ``BEGIN IMMEDIATE`` transaction."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self) -> str:
        return f"{super().describe()} (PostgreSQL only)"


class AddIndexOnPostgres(migrations.AddIndex):
    """``AddIndex`` that builds the index on PostgreSQL only (GIN trigram indexes for ``ILIKE '%term%'``)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class AddIndexConcurrentlyOnPostgres(AddIndexConcurrently):
    """``CREATE INDEX CONCURRENTLY`` on PostgreSQL: a big table keeps taking writes while its index is built (the
    migration must say ``atomic = False``). Elsewhere (SQLite, small databases) a plain ``CREATE INDEX``."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class TrigramExtensionOnPostgres(TrigramExtension):
    """``pg_trgm``, created on PostgreSQL only. Django's own skips SQLite going forwards, but going backwards it asks
    SQLite for ``pg_extension`` and fails, which breaks every migration test that unapplies it."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
