"""``manage.py privacy_retention [--dry-run]``: anonymise travellers' data past the retention time, or count it."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from gnb.privacy.services import privacy_retention_run


class Command(BaseCommand):
    help = (
        "Anonymise the bookings of travellers whose last trip is older than GNB_PRIVACY_RETENTION_MONTHS and delete "
        "older contact messages; --dry-run only counts them."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count what would be anonymised; change nothing.")

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        report = privacy_retention_run(dry_run=dry_run)
        verb = "Would anonymise" if dry_run else "Anonymised"
        months = settings.GNB_PRIVACY_RETENTION_MONTHS
        self.stdout.write(f"Retention {months} months: last trip before {report.cutoff:%Y-%m-%d %H:%M} UTC")
        self.stdout.write(f"{verb}: travellers {report.travellers}")
        self.stdout.write(f"{verb}: bookings {report.bookings}")
        self.stdout.write(f"{verb}: passengers {report.passengers}")
        self.stdout.write(f"{'Would delete' if dry_run else 'Deleted'}: contact messages {report.contact_messages}")
        self.stdout.write(f"{'Would delete' if dry_run else 'Deleted'}: no-show photos {report.evidence_photos}")
