"""A web process's long-lived objects kept out of the garbage collector's full passes.

A web process holds a few hundred thousand objects that live as long as it does: modules, URL patterns, compiled
templates, translation catalogues, the catalogue snapshot. Python's full collection walks every one of them, and on
a back-office page it ran every ten or so requests for ~250 ms: the slowest request in a hundred was the collector.
Once the process has served its first request (and loaded what pages need), ``gc.freeze()`` moves them to the
permanent generation, which collections skip: a full pass then walks only what came after (under 50 ms). Garbage
is collected first, so nothing already unreachable is kept for the life of the process.

``config/wsgi.py`` arranges it for every web process; ``bench/bigdata.py`` does the same in its measuring process.
"""

from __future__ import annotations

import gc

from django.core.signals import request_finished

_UID = "gnb.core.heap.freeze_after_first_request"


def freeze_after_first_request(**kwargs: object) -> None:
    request_finished.disconnect(dispatch_uid=_UID)
    gc.collect()
    gc.freeze()


def settle_after_first_request() -> None:
    """Freeze the process's objects once its first request has finished (once per process)."""
    request_finished.connect(freeze_after_first_request, dispatch_uid=_UID, weak=False)
