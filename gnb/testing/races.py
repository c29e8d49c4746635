"""Run attempts at the same instant in threads, each with its own database connection, and collect what happened."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from django.db import connection

JOIN_TIMEOUT_SECONDS = 120
Outcome = TypeVar("Outcome")


def race(
    attempts: Sequence[Callable[[], object]], *, outcome: Callable[[BaseException | None, object], Outcome]
) -> list[Outcome]:
    """Start every attempt together (a barrier) and return one outcome per attempt, in the order they finished.

    ``outcome(error, result)`` names what one attempt did: ``error`` is the exception it raised (None when it
    returned ``result``). An exception it does not expect should come back as its ``repr`` so a test fails with it.
    """
    barrier = threading.Barrier(len(attempts))
    outcomes: list[Outcome] = []
    lock = threading.Lock()

    def run(attempt: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            try:
                named = outcome(None, attempt())
            except Exception as error:  # named by the caller, or its repr fails the test
                named = outcome(error, None)
            with lock:
                outcomes.append(named)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(attempt,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "an attempt did not finish"
    return outcomes


def ok_or_error(error: BaseException | None, result: object) -> tuple[str, object]:
    """The plainest outcome: ``("ok", result)``, or ``("error", repr(exception))``."""
    return ("ok", result) if error is None else ("error", repr(error))
