import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from gnb.core.paths import admin_password_file


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.mark.django_db
def test_ensure_admin_creates_the_admin_once_and_prints_a_working_login(settings, var_dir, capsys):
    settings.DEBUG = True
    call_command("ensure_admin")
    first = capsys.readouterr().out
    password = admin_password_file().read_text().strip()
    assert f"user: admin  password: {password}" in first
    assert oct(admin_password_file().stat().st_mode & 0o777) == "0o600"
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(password)

    call_command("ensure_admin")  # a second `make run` keeps the same login
    assert f"password: {password}" in capsys.readouterr().out
    assert get_user_model().objects.filter(username="admin").count() == 1


@pytest.mark.django_db
def test_a_lost_password_file_gives_the_admin_a_new_password(settings, var_dir, capsys):
    settings.DEBUG = True
    call_command("ensure_admin")
    old = admin_password_file().read_text().strip()
    admin_password_file().unlink()
    call_command("ensure_admin")
    new = admin_password_file().read_text().strip()
    assert new != old
    assert get_user_model().objects.get(username="admin").check_password(new)


@pytest.mark.django_db
def test_ensure_admin_refuses_to_run_in_production(settings, var_dir):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("ensure_admin")
    assert not get_user_model().objects.exists()
