"""The task queue as tests drive it."""

from __future__ import annotations

from django.core.management import call_command


def run_worker() -> None:
    """Run the queued tasks in this process, one pass, as ``manage.py db_worker`` does in production."""
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
