"""Backups as tests make them: the encryption key, and the name of the database file a set holds here."""

from __future__ import annotations

from django.db import connection

KEY = bytes(range(100, 132))


def database_file() -> str:
    return "database.pgdump.gz.enc" if connection.vendor == "postgresql" else "database.sqlite3.gz.enc"
