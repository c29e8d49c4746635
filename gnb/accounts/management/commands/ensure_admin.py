import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from gnb.accounts.roles import SUPERADMIN, user_role_set
from gnb.core.paths import admin_password_file


class Command(BaseCommand):
    help = "Create the development superadmin `admin` once and print its login (DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("ensure_admin is for development (DEBUG=1); use createsuperuser in production")
        User = get_user_model()
        password_file = admin_password_file()
        user = User.objects.filter(username="admin").first()
        if user is None or not password_file.exists():
            password = secrets.token_urlsafe(12)
            if user is None:
                user = User.objects.create_superuser("admin", "admin@gnbtransfer.com", password)
            else:
                user.set_password(password)
                user.save(update_fields=["password"])
            password_file.parent.mkdir(parents=True, exist_ok=True)
            password_file.write_text(password + "\n", encoding="utf-8")
            password_file.chmod(0o600)
        if not user.groups.filter(name=SUPERADMIN).exists() or not user.is_superuser:
            user_role_set(user=user, role=SUPERADMIN, actor=None)
        password = password_file.read_text(encoding="utf-8").strip()
        self.stdout.write(
            self.style.SUCCESS(
                f"Back office: {settings.SITE_URL}/admin/  user: admin  password: {password}"
                "  (the first login asks you to set up an authenticator app)"
            )
        )
