"""Where a page's time goes: cProfile over repeated requests through the whole Django stack, in one process.

Usage (a database with the demo catalogue: ``manage.py migrate && manage.py load_demo``)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gnb_profile .venv/bin/python bench/profile_page.py results

Production settings as gunicorn gets them in ``bench/peak.py`` (DEBUG off, the per-process memory cache); the
requests go through Django's test client, so no socket or server is in the profile. The first request warms the
per-process caches and is not profiled. Prints CPU ms per request and the functions with the most cumulative and
own time; ``--out FILE`` writes the raw profile for snakeviz or ``python -m pstats``.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import secrets
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _pages(origin: str, destination: str) -> dict[str, str]:
    from gnb.catalog.models import Tour

    tour = Tour.objects.filter(is_active=True).order_by("sort_order", "slug").first()
    day = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).date().isoformat()
    search = {
        "origin": origin,
        "destination": destination,
        "date": day,
        "time": "12:00",
        "adults": "2",
        "children": "0",
        "infants": "0",
        "bags": "2",
    }
    return {
        "home": "/en/",
        "results": "/en/transfers/?" + urllib.parse.urlencode(search),
        "tour": f"/en/tours/{tour.slug}/" if tour else "/en/tours/",
        "form": "/en/transfers/book/?" + urllib.parse.urlencode(search | {"vehicle": "sedan"}),
        "health": "/health/live",  # the floor the peak table divides by
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("page", choices=["home", "results", "tour", "form", "quote", "health"])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--origin", default="ayt", help="a place code of the demo catalogue")
    parser.add_argument("--destination", default="maxx-royal-belek", help="a place code with fares from --origin")
    parser.add_argument(
        "--uncached",
        action="store_true",
        help="a query never seen before on each request: every page is rendered (cached fragments still count)",
    )
    parser.add_argument("--out", help="write the raw profile here")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("DATABASE_URL: a database with the demo catalogue")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="0",
        EMAIL_URL="console://",
        API_RATE_QUOTES_PER_IP="1000000000",  # one client sends every request: no limit may answer instead
    )
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.test import Client

    pages = _pages(args.origin, args.destination)
    path = pages.get(args.page, "/api/v1/quotes")
    pickup = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
    quote = json.dumps(
        {
            "origin": args.origin,
            "destination": args.destination,
            "pickup_at": f"{pickup:%Y-%m-%d}T12:00:00",
            "adults": 2,
            "children": 1,
            "infants": 1,
            "luggage": 2,
            "currency": "GBP",
        }
    )

    def get(target: str):
        if args.page == "quote":
            return client.post(target, quote, content_type="application/json", HTTP_ACCEPT="application/json")
        return client.get(target)

    client = Client()
    first = get(path)
    if first.status_code != 200:
        sys.exit(f"{path} answered {first.status_code}")
    profile = cProfile.Profile()
    spent = 0.0
    for number in range(args.requests):
        # An unknown parameter changes the page's cache key and nothing else.
        target = f"{path}{'&' if '?' in path else '?'}visit={number}" if args.uncached else path
        began = time.process_time()
        profile.enable()
        get(target)
        profile.disable()
        spent += time.process_time() - began
    cpu_ms = spent * 1000 / args.requests
    kind = "rendered every time" if args.uncached else "served from the page cache where it may be"
    print(f"{args.page}: {path}\n{cpu_ms:.1f} ms of CPU per request ({kind}; profiled, {args.requests} requests)\n")
    for order in ("cumulative", "tottime"):
        text = io.StringIO()
        pstats.Stats(profile, stream=text).strip_dirs().sort_stats(order).print_stats(args.top)
        print(text.getvalue().split("\n", 6)[-1] if order == "cumulative" else text.getvalue())
    if args.out:
        profile.dump_stats(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
