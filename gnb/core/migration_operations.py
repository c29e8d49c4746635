"""Migration operations that exist on PostgreSQL only, recorded in every database's model state.

The project's tests run on SQLite and on PostgreSQL: a trigram (GIN) index cannot be built on SQLite, so it is skipped
there while the migration state stays the same on both (``makemigrations --check`` sees no difference).
"""

from __future__ import annotations

from django.db.migrations.operations import AddIndex


class AddIndexOnPostgres(AddIndex):
    """``AddIndex`` that builds the index on PostgreSQL only (GIN trigram indexes for ``ILIKE '%term%'``)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
