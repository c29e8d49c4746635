"""``manage.py api_key create|list|revoke``: partner API keys from the command line."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from gnb.accounts.apikeys import api_key_create, api_key_revoke
from gnb.accounts.models import ApiKey, ApiScope
from gnb.core.errors import ValidationFailed


class Command(BaseCommand):
    help = "Create, list or revoke partner API keys. A new key is printed once and never stored in full."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Make a key and print it (once)")
        create.add_argument("--name", required=True, help="Who uses the key, e.g. the partner's name")
        create.add_argument(
            "--scope",
            action="append",
            required=True,
            dest="scopes",
            help=f"A scope the key carries; repeat for more ({', '.join(ApiScope.values)})",
        )
        actions.add_parser("list", help="List keys (prefix, name, scopes, state)")
        revoke = actions.add_parser("revoke", help="Revoke a key by its prefix (the 10 characters after gnb_)")
        revoke.add_argument("prefix")

    def handle(self, *args, action: str, **options):
        if action == "create":
            try:
                created = api_key_create(name=options["name"], scopes=options["scopes"])
            except ValidationFailed as exc:
                raise CommandError("; ".join(f"{field}: {message}" for field, message in exc.errors)) from None
            self.stdout.write(f"Created {created.api_key.name} with scopes {', '.join(created.api_key.scopes)}.")
            self.stdout.write("The key, shown only now (store it with the partner's integration):")
            self.stdout.write(created.key)
        elif action == "list":
            for api_key in ApiKey.objects.order_by("created_at", "pk"):
                state = f"revoked {api_key.revoked_at:%Y-%m-%d %H:%M}" if api_key.revoked_at else "active"
                used = f"{api_key.last_used_at:%Y-%m-%d %H:%M}" if api_key.last_used_at else "never"
                self.stdout.write(
                    f"gnb_{api_key.prefix}_…\t{api_key.name}\t{','.join(api_key.scopes)}\t{state}\tlast used {used}"
                )
        else:
            prefix = options["prefix"].strip().removeprefix("gnb_").split("_")[0]
            found = ApiKey.objects.filter(prefix=prefix).first()
            if found is None:
                raise CommandError(f"No API key with prefix {prefix!r}; see `manage.py api_key list`")
            if api_key_revoke(api_key_id=found.pk):
                self.stdout.write(f"Revoked gnb_{found.prefix}_… ({found.name}).")
            else:
                self.stdout.write(f"gnb_{found.prefix}_… ({found.name}) was revoked already.")
