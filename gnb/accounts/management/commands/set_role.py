from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from gnb.accounts.roles import ROLES, user_role_set


class Command(BaseCommand):
    help = "Give a user exactly one role (its group, and the staff and superuser flags that role implies)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", choices=ROLES)

    def handle(self, *args, **options):
        user_model = get_user_model()
        user = user_model._default_manager.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user with username {options['username']!r}")
        user_role_set(user=user, role=options["role"], actor=None)
        user.refresh_from_db()
        self.stdout.write(
            self.style.SUCCESS(
                f"{user.get_username()} is now {options['role']} "
                f"(staff: {'yes' if user.is_staff else 'no'}, superuser: {'yes' if user.is_superuser else 'no'})"
            )
        )
