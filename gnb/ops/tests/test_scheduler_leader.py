"""The scheduler runs once across instances: two real scheduler processes on one PostgreSQL database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from gnb.ops.leader import SCHEDULER_LOCK_KEY, LeaderLock

ROOT = Path(settings.BASE_DIR)
INTERVAL = 0.5
# A standby tries every INTERVAL seconds; starting Django in a subprocess on a busy 2-core machine takes a few.
TAKEOVER_BUDGET = 5.0


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _holders() -> list[str]:
    """application_name of every session holding the scheduler's lock, read from the server."""
    high, low = (SCHEDULER_LOCK_KEY >> 32) & 0xFFFFFFFF, SCHEDULER_LOCK_KEY & 0xFFFFFFFF
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s AND l.objid = %s",
            [high, low],
        )
        return [row[0] for row in cursor.fetchall()]


class Scheduler:
    def __init__(self, tmp_path: Path, name: str, *, database_url: str = "") -> None:
        self.log = tmp_path / f"{name}.log"
        env = {**os.environ, "DATABASE_URL": database_url or _database_url(), "LOG_FORMAT": "text", "LOG_LEVEL": "INFO"}
        with self.log.open("w") as log:
            self.process = subprocess.Popen(  # noqa: S603 (this interpreter, this repository's manage.py)
                [sys.executable, "manage.py", "run_scheduler", "--standby-interval", str(INTERVAL)],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def text(self) -> str:
        return self.log.read_text()

    def wait_for(self, marker: str, timeout: float = 60.0) -> float:
        """Seconds until ``marker`` appears in the log; fails the test past ``timeout``."""
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            if marker in self.text():
                return time.monotonic() - began
            assert self.process.poll() is None, f"the scheduler exited early:\n{self.text()}"
            time.sleep(0.05)
        pytest.fail(f"no {marker!r} within {timeout:g} s:\n{self.text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
postgresql_only = pytest.mark.skipif(not ON_POSTGRESQL, reason="the leader lock is PostgreSQL's")


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_one_scheduler_leads_and_a_standby_takes_over_when_it_dies(tmp_path):
    first = Scheduler(tmp_path, "first")
    second = None
    try:
        first.wait_for("scheduler started")
        assert "scheduler: leading" in first.text()
        second = Scheduler(tmp_path, "second")
        second.wait_for("standing by")
        # Two instances, one lock holder, and only the leader started its jobs.
        time.sleep(3 * INTERVAL)
        assert _holders() == ["gnb-scheduler"]
        assert "scheduler started" not in second.text()

        first.process.kill()  # SIGKILL: no clean-up, as when a machine's process is killed by the OOM killer
        first.process.wait(10)
        took_over = second.wait_for("scheduler started", timeout=TAKEOVER_BUDGET)
        assert took_over <= TAKEOVER_BUDGET
        assert "scheduler: leading" in second.text()
        assert _holders() == ["gnb-scheduler"]

        second.process.send_signal(signal.SIGTERM)  # a deploy stopping it: the lock is given up at once
        assert second.process.wait(15) == 0
        assert "scheduler stopped" in second.text()
        assert _holders() == []
    finally:
        first.stop()
        if second is not None:
            second.stop()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_lock_is_held_by_one_session_and_checked_on_the_server():
    leader, standby = LeaderLock(), LeaderLock()
    try:
        assert leader.try_acquire() is True
        assert standby.try_acquire() is False
        assert (leader.held(), standby.held()) == (True, False)
        leader.close()  # the session ends: PostgreSQL frees the lock
        assert leader.held() is False
        assert standby.try_acquire() is True
        assert standby.held() is True
    finally:
        leader.close()
        standby.close()


@pytest.mark.skipif(ON_POSTGRESQL, reason="SQLite only")
def test_on_sqlite_the_scheduler_runs_alone_without_a_lock(tmp_path):
    with pytest.raises(ValueError, match="needs PostgreSQL"):
        LeaderLock()
    scheduler = Scheduler(tmp_path, "alone", database_url=f"sqlite:///{tmp_path / 'alone.sqlite3'}")
    try:
        scheduler.wait_for("scheduler started")
        assert "SQLite, single machine, no leader lock" in scheduler.text()
        scheduler.process.send_signal(signal.SIGTERM)
        assert scheduler.process.wait(15) == 0
    finally:
        scheduler.stop()
