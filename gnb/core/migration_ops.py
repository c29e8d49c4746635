"""Migration operations for rules only PostgreSQL can hold in the database itself."""

from __future__ import annotations

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
