import secrets
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from gnb.fleet.demo import DRIVERS
from gnb.fleet.models import Driver

# The demo driver whose phone the development site signs in (a driver of the fleet demo, with trips every day).
DEMO_DRIVER = DRIVERS[0].username


def demo_driver_password_file() -> Path:
    """Where the demo driver's generated password is kept (git-ignored ``var/``), like the admin's."""
    return Path(settings.VAR_DIR) / "demo-driver-password.txt"


class Command(BaseCommand):
    help = "Give the demo driver a password once and print the drivers' app login (DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("ensure_demo_driver is for development (DEBUG=1); drivers set their own password")
        driver = Driver.objects.filter(user__username=DEMO_DRIVER).select_related("user").first()
        if driver is None:
            raise CommandError(f"no demo driver {DEMO_DRIVER!r}: run `manage.py load_demo` first")
        password_file = demo_driver_password_file()
        user = driver.user
        if not password_file.exists() or not user.has_usable_password():
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save(update_fields=["password"])
            password_file.parent.mkdir(parents=True, exist_ok=True)
            password_file.write_text(password + "\n", encoding="utf-8")
            password_file.chmod(0o600)
        password = password_file.read_text(encoding="utf-8").strip()
        self.stdout.write(
            self.style.SUCCESS(
                f"Drivers' app: {settings.SITE_URL}/driver/  email: {user.email}  password: {password}"
                f"  ({driver.full_name}, a demo driver)"
            )
        )
