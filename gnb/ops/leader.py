"""One leader across machines: a PostgreSQL session-level advisory lock held on a connection of its own.

The scheduler must run once however many instances are started (two machines, a rolling deploy that briefly runs
old and new side by side). Each instance tries ``pg_try_advisory_lock``; the one that gets it leads for as long as
its session lives, the others wait and try again. When the leader's process dies its session ends and PostgreSQL
frees the lock at once; when its machine vanishes without closing the socket, the TCP keepalives set on the session
below make the server notice within about half a minute.

The lock belongs to a session, so the connection must reach PostgreSQL directly: through a transaction-pooling
PgBouncer, each statement may run on another server session, and the lock would be taken on one and checked or lost
on another. :meth:`LeaderLock.held` checks the lock is still held by *this* session, so even a pooled or restarted
connection is detected rather than trusted.

SQLite is one machine by definition: there is no lock there, and callers run as the only instance.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from django.db import connections

logger = logging.getLogger(__name__)

# pg_locks shows a bigint advisory key split in two: classid (high 32 bits) and objid (low 32 bits).
SCHEDULER_LOCK_KEY = 0x676E62_5343484544  # "gnb" + "SCHED" in hex: fixed, so every instance asks for the same lock
_SESSION_SETTINGS = (
    "SET application_name = 'gnb-scheduler'",
    # A leader whose machine disappears (no FIN, no RST) is noticed by the server after idle + interval × count
    # seconds, and its lock freed: 10 + 5 × 3 = 25 s.
    "SET tcp_keepalives_idle = 10",
    "SET tcp_keepalives_interval = 5",
    "SET tcp_keepalives_count = 3",
)


def uses_postgresql(alias: str = "default") -> bool:
    return connections[alias].vendor == "postgresql"


class LeaderLock:
    """A session-level advisory lock on a dedicated connection (never Django's shared one, which a request or
    a task could close, or a future connection pool hand to someone else with the lock still held)."""

    def __init__(self, key: int = SCHEDULER_LOCK_KEY, *, alias: str = "default") -> None:
        if not uses_postgresql(alias):
            raise ValueError(f"a leader lock needs PostgreSQL; database {alias!r} is {connections[alias].vendor}")
        self.key = key
        self.alias = alias
        self._connection: Any = None

    def _connect(self) -> Any:
        import psycopg

        params = connections[self.alias].get_connection_params()
        connection = psycopg.connect(**params, autocommit=True)
        for statement in _SESSION_SETTINGS:
            connection.execute(statement)
        return connection

    def try_acquire(self) -> bool:
        """Take the lock if no other session holds it; False when another does or the database is unreachable."""
        try:
            if self._connection is None or self._connection.closed:
                self._connection = self._connect()
            row = self._connection.execute("SELECT pg_try_advisory_lock(%s)", [self.key]).fetchone()
        except Exception as exc:  # psycopg.Error or a network error: stay a standby and try again later
            logger.warning("leader lock: database unreachable", extra={"error": str(exc)[:300]})
            self.close()
            return False
        return bool(row and row[0])

    def held(self) -> bool:
        """Whether this session still holds the lock (False after a lost connection or a database restart)."""
        if self._connection is None or self._connection.closed:
            return False
        high, low = (self.key >> 32) & 0xFFFFFFFF, self.key & 0xFFFFFFFF
        try:
            row = self._connection.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND pid = pg_backend_pid() AND classid = %s AND objid = %s AND objsubid = 1)",
                [high, low],
            ).fetchone()
        except Exception as exc:
            logger.warning("leader lock: lost the connection", extra={"error": str(exc)[:300]})
            self.close()
            return False
        return bool(row and row[0])

    def close(self) -> None:
        """End the session, which frees the lock if it was held."""
        if self._connection is not None:
            # Closing a broken connection may fail; it is gone either way.
            with contextlib.suppress(Exception):
                self._connection.close()
            self._connection = None
