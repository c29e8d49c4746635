"""Two web instances, one Redis, one database: a rate limit and a session hold across them.

Two real gunicorn processes (separate interpreters, so nothing is shared in memory) serve the test database and
share ``REDIS_URL``. Requests alternate between them; the limit must count them together, and a session made on one
must be valid on the other. DEBUG is on only so the pages render without ``collectstatic`` (the static manifest);
the cache, the rate limiter and the session engine are configured the same either way.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from gnb.accounts.roles import CUSTOMER
from gnb.testing.api import quote_body
from gnb.testing.personas import persona

ROOT = Path(settings.BASE_DIR)
GUNICORN = Path(sys.executable).with_name("gunicorn")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
QUOTE_LIMIT = 4
PASSWORD = "a-long-enough-pass-phrase-42"


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


pytestmark = [
    pytest.mark.skipif(not _redis_up(), reason=f"needs Redis at {REDIS_URL}"),
    pytest.mark.django_db(transaction=True),
]


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def instances(tmp_path: Path, count: int = 2) -> Iterator[list[int]]:
    """``count`` gunicorn processes on one database and one Redis; yields their ports once all answer."""
    env = {
        **os.environ,
        "DEBUG": "1",
        # One key for all, as in production: a session cookie signed by one instance is read by the other.
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": REDIS_URL,
        # Behind one proxy hop the client is the last X-Forwarded-For entry: each test run counts under an address
        # of its own, so runs never share a counter and nothing in Redis has to be flushed.
        "TRUSTED_PROXY_HOPS": "1",
        "API_RATE_QUOTES_PER_IP": str(QUOTE_LIMIT),
        "LOG_LEVEL": "WARNING",
    }
    processes, ports = [], []
    try:
        for index in range(count):
            port = _free_port()
            log = (tmp_path / f"web-{index}.log").open("w")
            processes.append(
                subprocess.Popen(  # noqa: S603 (this virtualenv's gunicorn and this repository's app)
                    [str(GUNICORN), "config.wsgi:application", f"--bind=127.0.0.1:{port}", "--workers=1"],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            ports.append(port)
        for port, process in zip(ports, processes, strict=True):
            _wait_until_up(port, process, tmp_path)
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_up(port: int, process: subprocess.Popen, tmp_path: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            logs = "\n".join(path.read_text() for path in tmp_path.glob("web-*.log"))
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{logs[-3000:]}")
        with contextlib.suppress(OSError):
            if request(port, "GET", "/health/live")[0] == 200:
                return
        time.sleep(0.1)
    pytest.fail(f"gunicorn on port {port} did not answer within {timeout} s")


def request(port: int, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None):
    """(status, headers, body) of one request on a fresh connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def _cookies(headers) -> dict[str, str]:
    jar = SimpleCookie()
    for value in headers.get_all("Set-Cookie") or []:
        jar.load(value)
    return {name: morsel.value for name, morsel in jar.items()}


def test_a_rate_limit_counts_requests_to_both_instances_together(tmp_path, catalog):
    address = f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
    headers = {"Content-Type": "application/json", "Accept": "application/json", "X-Forwarded-For": address}
    body = json.dumps(quote_body(), default=str).encode()
    with instances(tmp_path) as (first, second):
        # Alternated: each instance alone sees at most 3 of the 5 requests, under the limit of 4.
        ports = [first, second, first, second, first]
        statuses = [request(port, "POST", "/api/v1/quotes", body=body, headers=headers)[0] for port in ports]
        assert statuses == [200] * QUOTE_LIMIT + [429]
        # Both instances refuse the address now, and another address still has its own budget.
        assert request(second, "POST", "/api/v1/quotes", body=body, headers=headers)[0] == 429
        other = {**headers, "X-Forwarded-For": address.replace("10.", "172.", 1)}
        assert request(second, "POST", "/api/v1/quotes", body=body, headers=other)[0] == 200


def test_a_session_made_on_one_instance_is_valid_on_the_other(tmp_path):
    persona(CUSTOMER, "anna", password=PASSWORD, email="anna@example.com")
    with instances(tmp_path) as (first, second):
        status, headers, page = request(first, "GET", "/en/account/sign-in/")
        assert status == 200
        csrf = _cookies(headers)["csrftoken"]
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        form = urllib.parse.urlencode(
            {"email": "anna@example.com", "password": PASSWORD, "csrfmiddlewaretoken": token}
        ).encode()
        status, headers, _ = request(
            first,
            "POST",
            "/en/account/sign-in/",
            body=form,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf}"},
        )
        assert status == 302
        session = _cookies(headers)[settings.SESSION_COOKIE_NAME]

        # The other process has never seen this session, yet reads it: the account page, not the sign-in page.
        cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"}
        status, _, page = request(second, "GET", "/en/account/", headers=cookie)
        assert status == 200
        assert b"anna@example.com" in page
        # Without the cookie the same page sends the visitor to sign in: the 200 above is the session's doing.
        status, headers, _ = request(second, "GET", "/en/account/")
        assert status == 302
        assert "/sign-in/" in headers["Location"]
