import datetime as dt
import logging

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from django.core.management.base import BaseCommand

from gnb.ops.schedule import JOBS

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run the scheduler process: enqueue each periodic job (gnb/ops/schedule.py) at its time, in UTC."

    def add_arguments(self, parser):
        parser.add_argument(
            "--list", action="store_true", dest="list_only", help="Print the jobs and their next run, then exit."
        )

    def handle(self, *args, list_only: bool = False, **options):
        if list_only:
            for job in JOBS:
                trigger = CronTrigger.from_crontab(job.cron, timezone="UTC")
                next_run = trigger.get_next_fire_time(None, dt.datetime.now(tz=dt.UTC))
                self.stdout.write(f"{job.name:24} {job.cron:15} next {next_run:%Y-%m-%d %H:%M %Z}")
            return
        scheduler = BlockingScheduler(timezone="UTC")
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
        logger.info("scheduler started", extra={"jobs": [job.name for job in JOBS]})
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            logger.info("scheduler stopped")
