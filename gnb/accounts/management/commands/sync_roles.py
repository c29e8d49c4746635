from django.core.management.base import BaseCommand, CommandError

from gnb.accounts.roles import UnknownPermissionError, roles_sync


class Command(BaseCommand):
    help = "Create the role groups and set their permissions exactly as defined in gnb/accounts/roles.py."

    def handle(self, *args, **options):
        try:
            synced = roles_sync(using=options.get("database") or "default")
        except UnknownPermissionError as error:
            raise CommandError(str(error)) from None
        for role, names in synced.items():
            self.stdout.write(f"{role}: {len(names)} permission(s)")
