"""Engine-specific paths: real pg_dump / pg_restore on PostgreSQL, the online backup API on SQLite."""

from __future__ import annotations

import io
import sqlite3

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from gnb.bookings.models import Booking
from gnb.catalog.models import Zone
from gnb.ops.backups import databases, services
from gnb.ops.backups.databases import PostgresDatabase
from gnb.ops.backups.errors import BackupError
from gnb.ops.backups.services import backup_create, backup_drill, backup_restore
from gnb.ops.models import BackupRun
from gnb.testing.bookings import place_tour, place_transfer

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (pg_dump, pg_restore)")
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite path")
committed = pytest.mark.django_db(transaction=True)


def server_databases() -> set[str]:
    with psycopg.connect(**_conninfo("postgres"), autocommit=True) as conn:
        return {row[0] for row in conn.execute("SELECT datname FROM pg_database")}


def _conninfo(dbname: str) -> dict[str, object]:
    config = connection.settings_dict
    return {
        "dbname": dbname,
        "host": config["HOST"] or None,
        "port": config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
    }


@pytest.fixture
def empty_postgres_database():
    """A new, empty database on the test server, dropped afterwards; its URL."""
    name = f"{connection.settings_dict['NAME']}_restore_target"
    with psycopg.connect(**_conninfo("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    config = connection.settings_dict
    auth = f"{config['USER']}:{config['PASSWORD']}@" if config["PASSWORD"] else f"{config['USER']}@"
    yield name, f"postgres://{auth}{config['HOST'] or '127.0.0.1'}:{config['PORT'] or 5432}/{name}"
    with psycopg.connect(**_conninfo("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@committed
@pytest.mark.postgres
@postgres_only
@pytest.mark.usefixtures("backup_dir")
def test_pg_dump_snapshot_is_what_the_manifest_describes_even_with_writes_during_the_dump(
    catalog, empty_postgres_database, monkeypatch
):
    place_transfer()
    place_tour(catalog.departure, adults=3)
    real_run_tool = databases._run_tool

    def write_then_dump(args, **kwargs):
        # Committed after the snapshot was taken and before pg_dump starts: in neither the dump nor the manifest.
        if args[0].endswith("pg_dump"):
            Zone.objects.create(code="kemer", name="Kemer")
        return real_run_tool(args, **kwargs)

    monkeypatch.setattr(databases, "_run_tool", write_then_dump)
    run = backup_create()
    assert Zone.objects.count() == 4
    assert run.manifest["tables"]["catalog_zone"]["rows"] == 3
    assert run.manifest["tables"]["bookings_booking"]["rows"] == 2

    name, url = empty_postgres_database
    out = io.StringIO()
    call_command("backup", "restore", "--database-url", url, stdout=out)
    assert out.getvalue().splitlines()[0] == (
        f"restored {run.name} from local into PostgreSQL database {name} on "
        f"{connection.settings_dict['HOST'] or 'localhost'}:{connection.settings_dict['PORT'] or 5432}"
    )
    assert out.getvalue().splitlines()[-1] == "  every key table matches the manifest"
    with psycopg.connect(**_conninfo(name)) as conn:
        references = sorted(row[0] for row in conn.execute("SELECT reference FROM bookings_booking"))
        zones = sorted(row[0] for row in conn.execute("SELECT code FROM catalog_zone"))
    assert references == sorted(Booking.objects.values_list("reference", flat=True))
    assert zones == ["antalya-airport", "belek", "lara"]

    # Into a database that now has tables: refused without --force, replaced with it.
    with pytest.raises(BackupError) as refused:
        backup_restore(database_url=url)
    assert str(refused.value).startswith(f"PostgreSQL database {name} on ")
    assert str(refused.value).endswith("restoring would replace its data. Pass --force to do it anyway")
    assert backup_restore(database_url=url, force=True).differences == []


@committed
@pytest.mark.postgres
@postgres_only
@pytest.mark.usefixtures("backup_dir")
def test_the_drill_restores_into_a_fresh_postgres_database_and_drops_it(catalog, monkeypatch):
    place_transfer()
    backup_create()
    summarized: list[str] = []
    real_summarize = PostgresDatabase.summarize

    def recording_summarize(self):
        summarized.append(self.name)
        return real_summarize(self)

    monkeypatch.setattr(PostgresDatabase, "summarize", recording_summarize)
    before = server_databases()
    drill = backup_drill()
    assert drill.status == "succeeded"
    live = connection.settings_dict["NAME"]
    assert len(summarized) == 1
    assert summarized[0].startswith(f"{live}_drill_")
    assert summarized[0] not in server_databases()
    assert server_databases() == before


@committed
@pytest.mark.postgres
@postgres_only
@pytest.mark.usefixtures("backup_dir")
def test_a_missing_pg_dump_is_a_clear_failure(settings):
    settings.BACKUP_PG_BIN_DIR = "/nonexistent/pg"
    with pytest.raises(BackupError) as refused:
        backup_create()
    message = (
        "/nonexistent/pg/pg_dump is not installed (Debian: apt-get install postgresql-client) "
        "or BACKUP_PG_BIN_DIR is wrong"
    )
    assert str(refused.value) == message
    assert BackupRun.objects.get().error == message


@committed
@pytest.mark.postgres
@postgres_only
def test_an_unreachable_postgres_server_is_named():
    database = PostgresDatabase(name="gnb", host="127.0.0.1", port="1", user="postgres")
    with pytest.raises(BackupError) as refused:
        database.table_count()
    assert str(refused.value).startswith("cannot connect to PostgreSQL database gnb on 127.0.0.1:1: ")


@committed
@on_sqlite
@pytest.mark.usefixtures("backup_dir")
def test_sqlite_restores_into_a_new_file_through_the_backup_api(catalog, tmp_path):
    place_transfer()
    run = backup_create()
    target = tmp_path / "restored.sqlite3"
    result = backup_restore(database_url=f"sqlite:///{target}")
    assert (result.name, result.database, result.differences) == (run.name, f"SQLite database {target}", [])
    with sqlite3.connect(target) as conn:
        restored = [row[0] for row in conn.execute("SELECT reference FROM bookings_booking")]
        backup_rows = conn.execute("SELECT count(*) FROM ops_backuprun").fetchone()[0]
    assert restored == list(Booking.objects.values_list("reference", flat=True))
    assert backup_rows == 0
    assert services.current_database().summarize() == result.tables


@committed
@on_sqlite
@pytest.mark.usefixtures("backup_dir")
def test_sqlite_drill_uses_a_temporary_file(catalog):
    place_transfer()
    backup_create()
    drill = backup_drill()
    assert (drill.status, drill.database_engine, drill.manifest["differences"]) == ("succeeded", "sqlite", [])
    assert drill.manifest["tables"]["bookings_booking"]["rows"] == 1
