from pathlib import Path

from django.conf import settings


def admin_password_file() -> Path:
    """Where the development admin's generated password is kept (git-ignored ``var/``)."""
    return Path(settings.VAR_DIR) / "admin-password.txt"
