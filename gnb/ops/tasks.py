from django.core.management import call_command
from django_tasks import task


@task()
def prune_task_results(*, min_age_days: int = 14) -> None:
    """Delete finished task rows older than ``min_age_days`` so the queue table stays small."""
    call_command("prune_db_task_results", "--min-age-days", str(min_age_days), verbosity=0)
