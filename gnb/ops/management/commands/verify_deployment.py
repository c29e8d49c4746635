"""``manage.py verify_deployment URL``: check a deployed site over HTTP and exit non-zero when it is broken."""

from __future__ import annotations

import argparse
import json
from typing import Any
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gnb.ops.verify import format_report, verify


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < 3600:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds between 0 and 3600")
    return value


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 0 or more")
    return int(text)


class Command(BaseCommand):
    help = (
        "Check a deployed site over HTTP: health probes, database, home page and its static files, security "
        "headers and an API quote. One line per check; exits 1 when any check fails."
    )
    # It only talks HTTP to another site, so it runs wherever settings load (a CI runner has no database).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url", help="Base address of the site, e.g. https://gnbtransfer.com")
        parser.add_argument(
            "--timeout", type=_seconds, default=10.0, help="Seconds to wait for each answer (default 10)."
        )
        parser.add_argument(
            "--retries",
            type=_count,
            default=0,
            help="Retry the health probes this many more times while they fail, e.g. a deploy still starting.",
        )
        parser.add_argument("--retry-delay", type=_seconds, default=5.0, help="Seconds between retries (default 5).")
        parser.add_argument("--quote-from", help="Place slug to quote from (default: the first airport).")
        parser.add_argument("--quote-to", help="Place slug to quote to (default: the first hotels listed).")
        parser.add_argument("--json", action="store_true", help="Print the report as JSON (for CI summaries).")

    def handle(self, *args: Any, **options: Any) -> None:
        url: str = options["url"]
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise CommandError(f"url: {url!r} is not an http:// or https:// address")
        report = verify(
            url,
            timeout=options["timeout"],
            retries=options["retries"],
            retry_delay=options["retry_delay"],
            quote_from=options["quote_from"],
            quote_to=options["quote_to"],
        )
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(format_report(report))
        if not report.ok:
            failed = [check.name for check in report.checks if check.status == "fail"]
            raise CommandError(f"deployment verification failed: {', '.join(failed)}", returncode=1)
