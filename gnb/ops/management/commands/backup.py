"""``manage.py backup create|list|verify|restore|prune|drill|keygen``: the encrypted backups, by hand."""

from __future__ import annotations

import base64
import datetime as dt
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from gnb.ops.backups import services
from gnb.ops.backups.errors import BackupError
from gnb.ops.backups.selectors import backup_listings


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{count} B"


def _age(delta: dt.timedelta) -> str:
    seconds = max(int(delta.total_seconds()), 0)
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d{seconds % 86400 // 3600:02d}h"


class Command(BaseCommand):
    help = "Create, list, verify, restore, prune and drill the encrypted backups (see docs/environment.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        target_help = "Only this target (local or s3); repeat for several. Default: every one in BACKUP_TARGETS."

        create = actions.add_parser("create", help="Back up the database and media to every target.")
        create.add_argument("--no-media", action="store_true", help="Leave MEDIA_ROOT out of this set.")
        create.add_argument("--target", action="append", dest="targets", help=target_help)

        listing = actions.add_parser("list", help="The sets in each target, with their age and size.")
        listing.add_argument("--target", action="append", dest="targets", help=target_help)

        verify = actions.add_parser("verify", help="Download, decrypt and check every file of a set.")
        verify.add_argument("name", nargs="?", help="Set name, e.g. gnb-20261125T030000Z. Default: the latest.")
        verify.add_argument("--target", action="append", dest="targets", help=target_help)

        restore = actions.add_parser("restore", help="Restore a set into the configured (or given) database.")
        restore.add_argument("name", nargs="?", help="Set name. Default: the latest.")
        restore.add_argument("--database-url", help="Restore into this database instead of DATABASE_URL.")
        restore.add_argument("--force", action="store_true", help="Replace the data of a database that has tables.")
        restore.add_argument("--media", action="store_true", help="Also extract the media files into MEDIA_ROOT.")
        restore.add_argument("--target", action="append", dest="targets", help=target_help)

        prune = actions.add_parser("prune", help="Delete sets older than each target's retention.")
        prune.add_argument("--dry-run", action="store_true", help="Only print what would be deleted.")
        prune.add_argument("--target", action="append", dest="targets", help=target_help)

        drill = actions.add_parser("drill", help="Restore a set into a scratch database and compare the key tables.")
        drill.add_argument("name", nargs="?", help="Set name. Default: the latest.")
        drill.add_argument("--target", action="append", dest="targets", help=target_help)

        actions.add_parser("keygen", help="Print a new random BACKUP_ENCRYPTION_KEY (base64).")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            getattr(self, f"_{action}")(**options)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc

    def _create(self, *, no_media: bool, targets: list[str] | None, **_: Any) -> None:
        run = services.backup_create(target_names=targets, include_media=False if no_media else None)
        self.stdout.write(
            f"created {run.name}: {_size(run.raw_bytes)} raw, {_size(run.stored_bytes)} stored in "
            f"{', '.join(run.targets)}"
        )

    def _list(self, *, targets: list[str] | None, **_: Any) -> None:
        now = timezone.now()
        failed = []
        for listing in backup_listings(targets):
            self.stdout.write(f"{listing.target.describe()} (keeps {listing.target.keep_days} days)")
            if listing.error:
                self.stdout.write(f"  {listing.error}")
                failed.append(str(listing.error))
                continue
            if not listing.sets:
                self.stdout.write("  no sets")
            for stored in reversed(listing.sets):
                state = "" if stored.complete else "  INCOMPLETE"
                self.stdout.write(
                    f"  {stored.name:26} {_age(now - stored.created_at):>8} {_size(stored.size):>10}{state}"
                )
        if failed:
            raise CommandError("; ".join(failed))

    def _verify(self, *, name: str | None, targets: list[str] | None, **_: Any) -> None:
        for report in services.backup_verify(name=name, target_names=targets):
            files = ", ".join(f"{file_name} ({_size(size)})" for file_name, size in report.files.items())
            self.stdout.write(f"{report.name} in {report.target}: OK — {files}")

    def _restore(
        self,
        *,
        name: str | None,
        database_url: str | None,
        force: bool,
        media: bool,
        targets: list[str] | None,
        **_: Any,
    ) -> None:
        result = services.backup_restore(
            name=name, database_url=database_url, force=force, target_names=targets, include_media=media
        )
        self.stdout.write(f"restored {result.name} from {result.target} into {result.database}")
        if media:
            self.stdout.write(f"  {result.media_files} media files extracted")
        for table, summary in sorted(result.tables.items()):
            self.stdout.write(f"  {table:28} {summary.rows:>9} rows")
        if result.differences:
            raise CommandError("restored data differs from the manifest: " + "; ".join(result.differences))
        self.stdout.write("  every key table matches the manifest")

    def _prune(self, *, dry_run: bool, targets: list[str] | None, **_: Any) -> None:
        deleted = services.backup_prune(target_names=targets, dry_run=dry_run)
        verb = "would delete" if dry_run else "deleted"
        for target, names in deleted.items():
            self.stdout.write(f"{target}: {verb} {', '.join(names) if names else 'nothing'}")

    def _drill(self, *, name: str | None, targets: list[str] | None, **_: Any) -> None:
        run = services.backup_drill(name=name, target_names=targets)
        tables = run.manifest.get("tables", {})
        self.stdout.write(f"drill of {run.name} passed: {len(tables)} key tables match the manifest")

    def _keygen(self, **_: Any) -> None:
        self.stdout.write(base64.b64encode(os.urandom(32)).decode("ascii"))
