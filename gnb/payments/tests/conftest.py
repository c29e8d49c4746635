"""Fixtures for the payment core: a card provider double in the registry (gnb.testing.payments)."""

from __future__ import annotations

import pytest

from gnb.payments.providers import registry
from gnb.testing.payments import RecordingCardProvider


@pytest.fixture
def card_provider(monkeypatch) -> RecordingCardProvider:
    provider = RecordingCardProvider()
    monkeypatch.setitem(registry.PROVIDERS, "stripe", "unused.path")
    monkeypatch.setattr(registry, "_instances", {"stripe": provider})
    return provider
