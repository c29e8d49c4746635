import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from gnb.ops.render_deploy import Deployer, RenderClient, verify_with_command


class Command(BaseCommand):
    help = (
        "Deploy the web service on Render, wait until it is live, run verify_deployment against the site, roll back "
        "to the previous deploy when it fails, then deploy the worker and scheduler services. Exits non-zero unless "
        "everything is live and verified."
    )
    # Talks to Render and to the public site only; no database, so no system checks that might need one.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--url", help="Site to verify after the deploy (default: SITE_URL).")
        parser.add_argument("--commit", help="Git commit to deploy (default: the latest of the service's branch).")
        parser.add_argument("--service", help="Web service id (default: RENDER_SERVICE_ID).")
        parser.add_argument(
            "--followers",
            help="Comma-separated worker/scheduler service ids deployed after verification "
            "(default: RENDER_WORKER_SERVICE_IDS; pass an empty string for none).",
        )
        parser.add_argument(
            "--timeout", type=float, help="Seconds to wait for each deploy (default: RENDER_DEPLOY_TIMEOUT)."
        )
        parser.add_argument("--interval", type=float, default=10.0, help="Seconds between status polls (default 10).")
        parser.add_argument(
            "--verify-arg",
            action="append",
            default=[],
            dest="verify_args",
            help="Extra argument passed on to verify_deployment (repeatable).",
        )
        parser.add_argument("--summary-file", help="Append a Markdown report here (e.g. $GITHUB_STEP_SUMMARY).")
        parser.add_argument("--json-file", help="Write the report as JSON here (for notifications).")

    def handle(self, *args, **options):
        service_id = options["service"] or settings.RENDER_SERVICE_ID
        if not service_id:
            raise CommandError("RENDER_SERVICE_ID is not set (or pass --service): which Render service to deploy")
        if not settings.RENDER_API_KEY:
            raise CommandError("RENDER_API_KEY is not set: the deploy must be watched and rolled back through the API")
        url = (options["url"] or settings.SITE_URL).rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise CommandError(f"--url {url!r} must start with http:// or https://")
        if options["followers"] is None:
            followers = list(settings.RENDER_WORKER_SERVICE_IDS)
        else:
            followers = [item.strip() for item in options["followers"].split(",") if item.strip()]
        timeout = options["timeout"] if options["timeout"] is not None else settings.RENDER_DEPLOY_TIMEOUT
        if timeout <= 0 or options["interval"] <= 0:
            raise CommandError("--timeout and --interval must be positive")

        deployer = Deployer(
            RenderClient(api_url=settings.RENDER_API_URL, api_key=settings.RENDER_API_KEY),
            timeout=timeout,
            interval=options["interval"],
            say=lambda message: self.stdout.write(message),
        )
        report = deployer.run(
            service_id=service_id,
            verify=lambda: verify_with_command(url, extra_args=options["verify_args"]),
            commit_id=options["commit"] or None,
            hook_url=settings.RENDER_DEPLOY_HOOK_URL or None,
            follower_ids=followers,
        )

        if options["summary_file"]:
            with Path(options["summary_file"]).open("a", encoding="utf-8") as summary:
                summary.write(report.as_markdown())
        if options["json_file"]:
            Path(options["json_file"]).write_text(json.dumps(report.as_dict(), indent=2), encoding="utf-8")

        self.stdout.write("")
        self.stdout.write(report.as_text())
        if not report.ok:
            raise CommandError(report.headline)
