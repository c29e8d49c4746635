from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from gnb.accounts.two_factor import two_factor_reset


class Command(BaseCommand):
    help = (
        "Remove a staff member's authenticator and recovery codes (a lost phone). At the next login they enrol a "
        "new authenticator after their password."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, **options):
        user_model = get_user_model()
        user = user_model._default_manager.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user with username {options['username']!r}")
        removed = two_factor_reset(user=user, actor=None)
        self.stdout.write(
            self.style.SUCCESS(f"{user.get_username()}: {removed} device(s) removed; they enrol again at next login")
        )
