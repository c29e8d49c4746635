"""A web process freezes its long-lived objects once, after its first request (gnb.core.heap)."""

from __future__ import annotations

from gnb.core import heap


def test_the_objects_are_frozen_after_the_first_request_and_only_then(client, monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(heap.gc, "collect", lambda: calls.append("collect"))
    monkeypatch.setattr(heap.gc, "freeze", lambda: calls.append("freeze"))
    heap.settle_after_first_request()
    heap.settle_after_first_request()  # a second arrangement is the same one
    assert calls == []
    client.get("/health/live")
    assert calls == ["collect", "freeze"]
    client.get("/health/live")
    assert calls == ["collect", "freeze"]
