"""Per engine: dump a consistent snapshot, restore it, and fingerprint the key tables the same way on both sides.

The fingerprints recorded at backup time come from the very snapshot that was dumped (PostgreSQL: the exported
snapshot ``pg_dump --snapshot`` reads; SQLite: the copy made by the online backup API), so a drill that finds a
difference has found a real one, never a row written between the count and the dump.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.utils import timezone

from gnb.ops.backups.crypto import Writable
from gnb.ops.backups.errors import BackupError

logger = logging.getLogger(__name__)

# The tables a drill compares: who booked what, at which price, and the catalogue those bookings point at.
KEY_TABLES = (
    "accounts_user",
    "catalog_zone",
    "catalog_place",
    "catalog_vehicleclass",
    "catalog_fare",
    "catalog_extra",
    "catalog_tour",
    "catalog_tourdeparture",
    "bookings_booking",
    "bookings_transferleg",
    "bookings_passenger",
    "bookings_bookingextra",
    "bookings_bookingevent",
)
# Backup history is not part of a backup: a restored database would otherwise carry a "running" row of the very
# backup it came from, and health would read a success older than the restore.
EXCLUDED_DATA = ("ops_backuprun",)
_COPY_BLOCK = 1 << 20


@dataclass(frozen=True)
class TableSummary:
    """Row count and SHA-256 over the rows ordered by primary key, each row as engine-stable text."""

    rows: int
    sha256: str

    def as_json(self) -> dict[str, Any]:
        return {"rows": self.rows, "sha256": self.sha256}


def _primary_keys() -> dict[str, str]:
    return {model._meta.db_table: model._meta.pk.column for model in apps.get_models() if model._meta.pk}


class _RowHasher:
    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.rows = 0

    def add(self, row: bytes) -> None:
        # Length-prefixed, so row boundaries are part of what is hashed (a row's text may contain newlines).
        self._hash.update(len(row).to_bytes(8, "big"))
        self._hash.update(row)
        self.rows += 1

    def summary(self) -> TableSummary:
        return TableSummary(rows=self.rows, sha256=self._hash.hexdigest())


def _run_tool(args: list[str], *, env: dict[str, str], stdout: Any = subprocess.DEVNULL) -> subprocess.Popen:
    try:
        return subprocess.Popen(args, env=env, stdout=stdout, stderr=subprocess.PIPE)  # noqa: S603
    except FileNotFoundError:
        raise BackupError(
            f"{args[0]} is not installed (Debian: apt-get install postgresql-client) or BACKUP_PG_BIN_DIR is wrong"
        ) from None


class Database(ABC):
    """One database the backups read from or restore into."""

    engine: str
    file_name: str  # name of the dump inside a backup set, before ".gz.enc"

    @abstractmethod
    def describe(self) -> str:
        """Where it is, without any password."""

    @abstractmethod
    def dump(self, out: Writable) -> dict[str, TableSummary]:
        """Write a consistent snapshot to ``out``; return the key tables' summaries of that same snapshot."""

    @abstractmethod
    def restore(self, dump: Path, *, force: bool) -> None:
        """Replace the contents with ``dump`` (an authenticated, decrypted file); refuse a non-empty one unless
        ``force``."""

    @abstractmethod
    def table_count(self) -> int:
        """How many tables it holds (0: empty, safe to restore into)."""

    @abstractmethod
    def summarize(self) -> dict[str, TableSummary]:
        """Summaries of the key tables present."""

    @abstractmethod
    @contextmanager
    def scratch(self, label: str) -> Iterator[Database]:
        """A new, empty database of the same engine next to this one, removed on exit."""

    def check_restorable(self, *, force: bool) -> None:
        """Refuse to restore over existing tables unless ``force``."""
        if force:
            return
        tables = self.table_count()
        if tables:
            raise BackupError(
                f"{self.describe()} is not empty ({tables} tables); restoring would replace its data. "
                "Pass --force to do it anyway"
            )


# --- PostgreSQL -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PostgresDatabase(Database):
    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""
    sslmode: str = ""

    engine = "postgresql"
    file_name = "database.pgdump"

    def describe(self) -> str:
        return f"PostgreSQL database {self.name} on {self.host or 'localhost'}:{self.port or 5432}"

    def _tool(self, name: str) -> str:
        return str(Path(settings.BACKUP_PG_BIN_DIR) / name) if settings.BACKUP_PG_BIN_DIR else name

    def _env(self) -> dict[str, str]:
        # Through the environment, so the password never shows in the process list.
        env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
        values = {
            "PGHOST": self.host,
            "PGPORT": str(self.port or ""),
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
            "PGDATABASE": self.name,
            "PGSSLMODE": self.sslmode,
            "PGCONNECT_TIMEOUT": "10",
        }
        env.update({key: value for key, value in values.items() if value})
        return env

    def _connect(self, *, autocommit: bool = False, snapshot: bool = False):
        """A fresh connection (never Django's own: its transaction state is not ours to change)."""
        import psycopg

        try:
            conn = psycopg.connect(
                dbname=self.name,
                host=self.host or None,
                port=self.port or None,
                user=self.user or None,
                password=self.password or None,
                sslmode=self.sslmode or None,
                connect_timeout=10,
                autocommit=autocommit,
            )
        except psycopg.OperationalError as exc:
            raise BackupError(f"cannot connect to {self.describe()}: {str(exc).strip()}") from exc
        # Row text depends on these session settings; fixing them makes both sides of a drill print rows alike.
        conn.execute("SET TIME ZONE 'UTC'")
        conn.execute("SET DateStyle = 'ISO, YMD'")
        conn.execute("SET IntervalStyle = 'postgres'")
        conn.execute("SET extra_float_digits = 3")
        if not autocommit:
            conn.commit()
        if snapshot:
            # Every statement that follows, pg_dump included, sees one frozen state of the database.
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            conn.read_only = True
        return conn

    def _summarize(self, conn) -> dict[str, TableSummary]:
        from psycopg import sql

        primary_keys = _primary_keys()
        present = {
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename = ANY(%s)",
                [list(KEY_TABLES)],
            )
        }
        summaries = {}
        for table in KEY_TABLES:
            if table not in present:
                continue
            hasher = _RowHasher()
            # A server-side cursor streams the rows; t::text is PostgreSQL's own canonical row text.
            with conn.cursor(name=f"gnb_backup_{table}") as cursor:
                cursor.itersize = 5000
                cursor.execute(
                    sql.SQL("SELECT t::text FROM {} AS t ORDER BY t.{}").format(
                        sql.Identifier(table), sql.Identifier(primary_keys.get(table, "id"))
                    )
                )
                for (text,) in cursor:
                    hasher.add(text.encode("utf-8"))
            summaries[table] = hasher.summary()
        return summaries

    def summarize(self) -> dict[str, TableSummary]:
        with self._connect(snapshot=True) as conn:
            return self._summarize(conn)

    def table_count(self) -> int:
        with self._connect(autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
            ).fetchone()
        return int(row[0]) if row else 0

    def dump(self, out: Writable) -> dict[str, TableSummary]:
        # The transaction that exports the snapshot stays open until pg_dump has finished reading it.
        with self._connect(snapshot=True) as conn:
            snapshot_row = conn.execute("SELECT pg_export_snapshot()").fetchone()
            assert snapshot_row is not None
            summaries = self._summarize(conn)
            args = [
                self._tool("pg_dump"),
                "--format=custom",
                # Compressed once, by the backup pipeline, so raw and stored sizes mean the same for every engine.
                "--compress=0",
                f"--snapshot={snapshot_row[0]}",
                *(f"--exclude-table-data={table}" for table in EXCLUDED_DATA),
            ]
            process = _run_tool(args, env=self._env(), stdout=subprocess.PIPE)
            _pump(process, out, tool="pg_dump")
            conn.rollback()
        return summaries

    def restore(self, dump: Path, *, force: bool) -> None:
        self.check_restorable(force=force)
        args = [
            self._tool("pg_restore"),
            f"--dbname={self.name}",
            # All or nothing: a failed restore leaves the database as it was.
            "--single-transaction",
            "--exit-on-error",
            # Restoring as another role (a managed database, a drill) must not need the original owners.
            "--no-owner",
            "--no-privileges",
        ]
        if force:
            args += ["--clean", "--if-exists"]
        process = _run_tool([*args, str(dump)], env=self._env())
        _, stderr = process.communicate()
        if process.returncode != 0:
            raise BackupError(f"pg_restore into {self.describe()} failed: {_last_lines(stderr)}")

    @contextmanager
    def scratch(self, label: str) -> Iterator[Database]:
        from psycopg import sql

        stamp = timezone.now().strftime("%Y%m%dt%H%M%S")
        name = re.sub(r"[^a-z0-9_]", "_", f"{self.name}_{label}_{stamp}".lower())[:63]
        with self._connect(autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        logger.info("scratch database created", extra={"database": name})
        try:
            yield replace(self, name=name)
        finally:
            with self._connect(autocommit=True) as conn:
                # FORCE: a connection left behind by a failed step must not keep the scratch database alive.
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            logger.info("scratch database dropped", extra={"database": name})


def _last_lines(stderr: bytes, count: int = 5) -> str:
    lines = [line for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    return " | ".join(lines[-count:]) or "no message"


def _pump(process: subprocess.Popen, out: Writable, *, tool: str) -> None:
    """Copy a tool's stdout into ``out`` as it comes, then fail loudly if the tool did."""
    stdout, stderr = process.stdout, process.stderr
    assert stdout is not None and stderr is not None
    errors: list[bytes] = []

    def drain_stderr() -> None:
        errors.append(stderr.read())

    # stderr is drained in a thread so a chatty tool cannot fill its pipe and stall while we read stdout.
    reader = threading.Thread(target=drain_stderr, daemon=True)
    reader.start()
    try:
        while block := stdout.read(_COPY_BLOCK):
            out.write(block)
    finally:
        # Closing our end first: if writing failed, the tool gets SIGPIPE instead of blocking forever.
        stdout.close()
        returncode = process.wait()
        reader.join()
    if returncode != 0:
        raise BackupError(f"{tool} failed: {_last_lines(b''.join(errors))}")


# --- SQLite -----------------------------------------------------------------------------------------------
def _sqlite_text(value: object) -> object:
    if isinstance(value, bytes):
        return ["blob", value.hex()]
    return value


@dataclass(frozen=True)
class SqliteDatabase(Database):
    path: Path

    engine = "sqlite"
    file_name = "database.sqlite3"

    def describe(self) -> str:
        return f"SQLite database {self.path}"

    def _connect(self, *, read_only: bool = False) -> sqlite3.Connection:
        if read_only and not self.path.exists():
            raise BackupError(f"{self.describe()} does not exist")
        try:
            if read_only:
                return sqlite3.connect(f"{self.path.as_uri()}?mode=ro", uri=True, timeout=30)
            return sqlite3.connect(self.path, timeout=30)
        except sqlite3.Error as exc:
            raise BackupError(f"cannot open {self.describe()}: {exc}") from exc

    @staticmethod
    def _summarize(conn: sqlite3.Connection) -> dict[str, TableSummary]:
        primary_keys = _primary_keys()
        present = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        summaries = {}
        for table in KEY_TABLES:
            if table not in present:
                continue
            hasher = _RowHasher()
            pk = primary_keys.get(table, "id")
            for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY "{pk}"'):  # noqa: S608 - names from code
                text = json.dumps([_sqlite_text(value) for value in row], ensure_ascii=False, separators=(",", ":"))
                hasher.add(text.encode("utf-8"))
            summaries[table] = hasher.summary()
        return summaries

    def summarize(self) -> dict[str, TableSummary]:
        conn = self._connect(read_only=True)
        try:
            return self._summarize(conn)
        finally:
            conn.close()

    def table_count(self) -> int:
        if not self.path.exists():
            return 0
        conn = self._connect(read_only=True)
        try:
            row = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            return int(row.fetchone()[0])
        finally:
            conn.close()

    def dump(self, out: Writable) -> dict[str, TableSummary]:
        with tempfile.TemporaryDirectory(prefix="gnb-backup-") as workdir:
            copy_path = Path(workdir) / "snapshot.sqlite3"
            source = self._connect(read_only=True)
            copy = sqlite3.connect(copy_path)
            try:
                # The online backup API copies a consistent state even while the site keeps writing.
                source.backup(copy)
                present = {row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                for table in EXCLUDED_DATA:
                    if table in present:
                        copy.execute(f'DELETE FROM "{table}"')  # noqa: S608 - names from code
                copy.commit()
                summaries = self._summarize(copy)
            except sqlite3.Error as exc:
                raise BackupError(f"cannot copy {self.describe()}: {exc}") from exc
            finally:
                copy.close()
                source.close()
            with copy_path.open("rb") as snapshot:
                shutil.copyfileobj(snapshot, out, _COPY_BLOCK)
        return summaries

    def restore(self, dump: Path, *, force: bool) -> None:
        self.check_restorable(force=force)
        if not self.path.parent.is_dir():
            raise BackupError(f"{self.describe()}: folder {self.path.parent} does not exist")
        source = sqlite3.connect(f"{dump.as_uri()}?mode=ro", uri=True)
        target = self._connect()
        try:
            # The backup API replaces the whole file under SQLite's own lock, in one step, WAL included: open
            # connections see the old or the new database, never a mix.
            source.backup(target)
        except sqlite3.Error as exc:
            raise BackupError(f"restore into {self.describe()} failed: {exc}") from exc
        finally:
            target.close()
            source.close()

    @contextmanager
    def scratch(self, label: str) -> Iterator[Database]:
        with tempfile.TemporaryDirectory(prefix=f"gnb-{label}-") as workdir:
            yield SqliteDatabase(Path(workdir) / "scratch.sqlite3")


# --- choosing ---------------------------------------------------------------------------------------------
def database_from_settings_dict(config: dict[str, Any]) -> Database:
    """The database a Django ``DATABASES`` entry (or a parsed ``DATABASE_URL``) describes."""
    engine = config.get("ENGINE", "")
    if engine == "django.db.backends.sqlite3":
        name = str(config.get("NAME") or "")
        if not name or name == ":memory:" or name.startswith("file:"):
            raise BackupError(f"SQLite database {name or '(no name)'} is not a file that can be backed up")
        return SqliteDatabase(Path(name))
    if engine == "django.db.backends.postgresql":
        return PostgresDatabase(
            name=str(config.get("NAME") or ""),
            host=str(config.get("HOST") or ""),
            port=str(config.get("PORT") or ""),
            user=str(config.get("USER") or ""),
            password=str(config.get("PASSWORD") or ""),
            sslmode=str((config.get("OPTIONS") or {}).get("sslmode") or ""),
        )
    raise BackupError(f"database engine {engine or '(none)'} cannot be backed up; use PostgreSQL or SQLite")


def database_from_url(url: str) -> Database:
    """The database ``url`` (``postgres://…`` or ``sqlite:///…``) names."""
    import dj_database_url

    try:
        return database_from_settings_dict(dict(dj_database_url.parse(url)))
    except ValueError as exc:
        raise BackupError(f"--database-url is not a database URL: {exc}") from exc


def compare(recorded: dict[str, Any], restored: dict[str, TableSummary]) -> list[str]:
    """Every difference between the summaries recorded in a manifest and those of a restored database."""
    differences = []
    for table in sorted(set(recorded) | set(restored)):
        want, got = recorded.get(table), restored.get(table)
        if want is None:
            differences.append(f"{table}: not in the backup's manifest")
        elif got is None:
            differences.append(f"{table}: missing after restore")
        elif want.get("rows") != got.rows:
            differences.append(f"{table}: {want.get('rows')} rows recorded, {got.rows} restored")
        elif want.get("sha256") != got.sha256:
            differences.append(f"{table}: checksum differs ({got.rows} rows)")
    return differences
