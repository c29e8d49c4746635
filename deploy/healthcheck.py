"""Container health check: exit 0 when the web process answers /health/live with 200, else 1.

The image has no curl, so the Dockerfile's HEALTHCHECK runs this with the image's Python. It asks for the first
allowed host name (Django answers 400 to a Host it does not serve) and says the request came over HTTPS (the
health paths are exempt from the HTTPS redirect anyway; this keeps the check right if that ever changes).
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def probe_host() -> str:
    for host in os.environ.get("ALLOWED_HOSTS", "").split(","):
        host = host.strip().lstrip(".")
        if host and host != "*":
            return host
    return "localhost"


def main(argv: list[str]) -> int:
    port = os.environ.get("PORT", "8000")
    path = argv[1] if len(argv) > 1 else "/health/live"
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        headers={"Host": probe_host(), "X-Forwarded-Proto": "https", "User-Agent": "gnb-healthcheck"},
    )
    try:
        with urllib.request.urlopen(request, timeout=4) as response:  # noqa: S310 (fixed http://127.0.0.1 URL)
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (urllib.error.URLError, OSError) as exc:
        sys.stderr.write(f"unhealthy: {path} unreachable: {exc}\n")
        return 1
    if status != 200:
        sys.stderr.write(f"unhealthy: {path} answered {status}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
