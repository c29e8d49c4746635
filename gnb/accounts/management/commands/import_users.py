from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gnb.accounts.services import FORMATS, ImportFileError, read_user_rows, user_import


class Command(BaseCommand):
    help = (
        "Import the users of the previous system from its export: a JSON list of objects or a CSV file with a "
        "header, with the fields email, name, role, password_hash (bcrypt), preferred_language and created_at. "
        "Every row is checked first; one error imports nothing (unless --skip-invalid). Rows are numbered from 1 "
        "in JSON, and as a spreadsheet shows them in CSV (the header is row 1). Exits with status 1 when any row "
        "has an error."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the export file")
        parser.add_argument("--format", choices=FORMATS, help="json or csv (default: from the file name)")
        parser.add_argument("--dry-run", action="store_true", help="check every row and report, write nothing")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="import the rows without errors even when others have some"
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="count an email address already in use (in the file or by an existing user) as an error, "
            "instead of skipping the row",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            export = read_user_rows(options["file"], options["format"])
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None
        report = user_import(
            rows=export.rows,
            row_numbers=export.numbers,
            dry_run=options["dry_run"],
            skip_invalid=options["skip_invalid"],
            strict=options["strict"],
        )
        for error in report.errors:
            self.stderr.write(str(error))
        for skipped in report.skipped:
            self.stdout.write(str(skipped))
        roles: dict[str, list[str]] = defaultdict(list)
        for unassigned in report.unassigned_roles:
            roles[unassigned.role].append(str(unassigned.row))
        for role, rows in sorted(roles.items()):
            self.stdout.write(f"role {role}: no group of that name yet, not assigned (rows {', '.join(rows)})")
        if report.ignored_fields:
            self.stdout.write(f"fields ignored: {', '.join(report.ignored_fields)}")
        if report.dry_run:
            self.stdout.write("Dry run: nothing was written.")
        if report.errors and not options["skip_invalid"]:
            raise CommandError(
                f"{report.summary}. Nothing was imported: correct the rows above, or use --skip-invalid to import "
                f"the rows without errors ({report.valid})."
            )
        if report.errors:
            raise CommandError(f"{report.summary}. The rows above were not imported.")
        self.stdout.write(self.style.SUCCESS(report.summary))
