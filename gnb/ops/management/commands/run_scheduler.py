import datetime as dt
import logging
import signal
import threading

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from gnb.ops.leader import LeaderLock, uses_postgresql
from gnb.ops.schedule import JOBS

logger = logging.getLogger(__name__)


def _scheduler() -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    for job in JOBS:
        # coalesce + one instance: after downtime a missed run happens once, not once per missed slot.
        scheduler.add_job(
            job.enqueue,
            CronTrigger.from_crontab(job.cron, timezone="UTC"),
            id=job.name,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=3600,
        )
    return scheduler


class Command(BaseCommand):
    help = (
        "Run the scheduler process: enqueue each periodic job (gnb/ops/schedule.py) at its time, in UTC. On "
        "PostgreSQL any number may run: one leads (an advisory lock), the others stand by and take over."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--list", action="store_true", dest="list_only", help="Print the jobs and their next run, then exit."
        )
        parser.add_argument(
            "--standby-interval",
            type=float,
            default=5.0,
            help="Seconds between a standby's attempts to take the lead, and between the leader's checks that it "
            "still holds it (PostgreSQL only). A dead leader is replaced within about this long.",
        )

    def handle(self, *args, list_only: bool = False, standby_interval: float = 5.0, **options):
        if list_only:
            for job in JOBS:
                trigger = CronTrigger.from_crontab(job.cron, timezone="UTC")
                next_run = trigger.get_next_fire_time(None, dt.datetime.now(tz=dt.UTC))
                self.stdout.write(f"{job.name:24} {job.cron:15} next {next_run:%Y-%m-%d %H:%M %Z}")
            return
        if not 0.1 <= standby_interval <= 300:
            raise CommandError(f"--standby-interval must be between 0.1 and 300 seconds, not {standby_interval:g}")
        if settings.DATABASE_POOLER:
            raise CommandError(
                "The scheduler needs a direct connection to PostgreSQL: its leader lock belongs to one server "
                f"session, which a {settings.DATABASE_POOLER}-pooling DATABASE_URL does not keep. Give the scheduler "
                "the server's own DATABASE_URL and no DATABASE_POOLER."
            )
        stop = threading.Event()
        # SIGTERM (docker stop, a deploy) ends the loop like Ctrl-C, so the lock is given up at once.
        signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
        try:
            if uses_postgresql():
                self._lead_when_possible(stop, standby_interval)
            else:
                # SQLite is one machine: `make run` starts exactly one scheduler, and there is no one to elect.
                logger.info("scheduler: SQLite, single machine, no leader lock")
                self._run(stop, still_leading=None, interval=standby_interval)
        except KeyboardInterrupt:
            pass
        logger.info("scheduler stopped")

    def _lead_when_possible(self, stop: threading.Event, interval: float) -> None:
        lock = LeaderLock()
        try:
            waiting = False
            while not stop.is_set():
                if lock.try_acquire():
                    logger.info("scheduler: leading (took the leader lock)")
                    waiting = False
                    self._run(stop, still_leading=lock.held, interval=interval)
                    if not stop.is_set():
                        logger.warning("scheduler: lost the leader lock; standing by")
                        lock.close()
                elif not waiting:
                    logger.info("scheduler: standing by (another instance leads)")
                    waiting = True
                stop.wait(interval)
        finally:
            lock.close()

    def _run(self, stop: threading.Event, *, still_leading, interval: float) -> None:
        """Run the jobs until asked to stop or, when leading through a lock, until the lock is lost."""
        scheduler = _scheduler()
        scheduler.start()
        logger.info("scheduler started", extra={"jobs": [job.name for job in JOBS]})
        try:
            while not stop.wait(interval):
                if still_leading is not None and not still_leading():
                    return
        finally:
            # wait=False: a job only enqueues a row, and a leader that lost its lock must stop at once.
            scheduler.shutdown(wait=False)
