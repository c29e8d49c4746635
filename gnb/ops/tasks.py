from django.core.management import call_command
from django_tasks import task

from gnb.core import taskpriority
from gnb.ops.reaper import stale_tasks_reap


@task(priority=taskpriority.BULK)
def prune_task_results(*, min_age_days: int = 14) -> None:
    """Delete finished task rows older than ``min_age_days`` so the queue table stays small."""
    call_command("prune_db_task_results", "--min-age-days", str(min_age_days), verbosity=0)


@task(priority=taskpriority.BULK)
def backup_daily() -> None:
    """Create an encrypted backup in every target, verify it, then prune old sets (03:00 UTC)."""
    from gnb.ops.backups.services import backup_run_daily

    backup_run_daily()


# A payment task left by a dead worker must go back to the queue at once, not behind an email burst.
@task(priority=taskpriority.URGENT)
def reap_stale_tasks() -> dict[str, int]:
    """Queue again the tasks left running by a worker that died; fail those that keep dying (every minute)."""
    return stale_tasks_reap().as_dict()
