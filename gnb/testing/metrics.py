"""The metrics page as a scraper reads it."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from gnb.ops import metrics


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a metrics page, keyed by (name, sorted labels)."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape_text() -> str:
    body, _content_type = metrics.scrape()
    return body.decode()
