from django.core.management import call_command
from django_tasks import task


@task()
def prune_task_results(*, min_age_days: int = 14) -> None:
    """Delete finished task rows older than ``min_age_days`` so the queue table stays small."""
    call_command("prune_db_task_results", "--min-age-days", str(min_age_days), verbosity=0)


@task()
def backup_daily() -> None:
    """Create an encrypted backup in every target, verify it, then prune old sets (03:00 UTC)."""
    from gnb.ops.backups.services import backup_run_daily

    backup_run_daily()
