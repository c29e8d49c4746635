import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


def openapi_document() -> str:
    from config.api import api

    return json.dumps(api.get_openapi_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class Command(BaseCommand):
    help = "Write the OpenAPI document of /api/v1/ to a file (committed as docs/openapi.json)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="Where to write the document, e.g. docs/openapi.json")

    def handle(self, *args, path: str, **options):
        target = Path(path)
        if not target.parent.is_dir():
            raise CommandError(f"{target.parent} is not a directory")
        target.write_text(openapi_document(), encoding="utf-8")
        self.stdout.write(f"Wrote {target}")
