"""``manage.py provider_events_requeue``: queue again the payment events stored but never applied.

A stored webhook or callback is applied by its task; when that task failed (a bug since fixed, the reaper giving up
on a worker that kept dying), the event waits with an empty ``processed_at``. This queues it again, once the cause
is fixed. Events with a task still queued or running are left alone.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from gnb.payments.services.events import provider_events_requeue


class Command(BaseCommand):
    help = "Queue again the payment events stored but never applied whose task will not run."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=60,
            help="only events received at least this many seconds ago (default 60)",
        )

    def handle(self, *args, **options) -> None:
        seconds = options["older_than"]
        if seconds < 0:
            raise CommandError(f"--older-than must be 0 or more seconds, got {seconds}")
        queued = provider_events_requeue(older_than=dt.timedelta(seconds=seconds))
        self.stdout.write(f"{len(queued)} payment event(s) queued again" + (f": {queued}" if queued else ""))
