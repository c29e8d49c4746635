"""The back office's fast markup helpers write exactly what Django's ``format_html`` family writes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy, override

from gnb.core.markup import escaped, markup, markup_join


class Marked:
    """A third-party object that renders itself as markup (the ``__html__`` convention markupsafe uses)."""

    def __html__(self) -> str:
        return "<b>marked</b>"


VALUES = [
    "plain",
    "<script>alert('x')</script> & \"quotes\"",
    "Ayşe Yılmaz → ‹İzmir›",
    "",
    mark_safe("<em>safe</em>"),
    SafeString("<i>safe too</i>"),
    gettext_lazy("Cash"),
    mark_safe(gettext_lazy("Card")),  # noqa: S308 - a lazy string marked safe is one of the kinds compared
    Marked(),
    7,
    Decimal("12.50"),
    None,
    dt.date(2027, 5, 31),
    ["a", "<b>"],
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_escaped_is_conditional_escape(value):
    with override("tr"):
        assert escaped(value) == conditional_escape(value)
        assert type(markup("{}", value)) is type(format_html("{}", value))


def test_markup_is_format_html_for_every_kind_of_value():
    template = '<span title="{}: {} {}">{} · {}</span>'
    for first in VALUES:
        for second in VALUES:
            args = (first, second, "EUR", second, first)
            assert markup(template, *args) == format_html(template, *args)


def test_markup_join_is_format_html_join_with_plain_and_marked_separators():
    rows = [(value, VALUES[-1 - index]) for index, value in enumerate(VALUES)]
    for separator in (" → ", "<br>", mark_safe("<br>"), ""):
        joined = markup_join(separator, '<abbr title="{}">{}</abbr>', rows)
        assert joined == format_html_join(separator, '<abbr title="{}">{}</abbr>', rows)
        assert isinstance(joined, SafeString)
    assert markup_join(" ", "{}", []) == format_html_join(" ", "{}", []) == ""
