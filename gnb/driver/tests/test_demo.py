"""The development site's demo driver signs in to the app with the password ``ensure_demo_driver`` prints."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_the_demo_driver_signs_in_with_the_printed_password(client, settings, tmp_path):
    settings.DEBUG, settings.VAR_DIR = True, tmp_path
    call_command("load_demo", verbosity=0)
    out = StringIO()
    call_command("ensure_demo_driver", stdout=out)
    email, password = re.search(r"email: (\S+)  password: (\S+)", out.getvalue()).groups()  # type: ignore[union-attr]
    assert email == "driver-mehmet@example.com"
    # The same login on every run.
    again = StringIO()
    call_command("ensure_demo_driver", stdout=again)
    assert again.getvalue() == out.getvalue()
    settings.DEBUG = False
    response = client.post("/driver/sign-in/", {"email": email, "password": password})
    assert (response.status_code, response["Location"]) == (302, "/driver/")
    assert "Mehmet Yıldız" in client.get("/driver/").content.decode()


def test_not_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="for development"):
        call_command("ensure_demo_driver")
