"""A changelist's rows as Django's admin writes them, with what every row shares worked out once per page.

Django's ``items_for_result`` resolves each column again for every row: which field or method it is, its CSS
class, whether it carries the change link, the empty-value text, the choices of a field as a new dict, and the
change URL through ``reverse``. On a 200-row list that is most of the page's time. ``result_list`` here gives the
same context to the same template (``change_list_results.html``) with each column resolved once; the cells are
byte for byte what Django writes (``tests/test_admin_rows.py`` compares them on every list of the back office). A
list opts in with ``{% load admin_rows %}`` and ``{% plain_result_list cl %}`` in its ``change_list.html``; a list
with editable columns (``list_editable``) gets Django's own rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

# Two of Django's private helpers, its own rules for a column's CSS class and for what counts as a model field: the
# rows cannot drift from Django's (tests/test_admin_rows.py fails if an upgrade changes them).
from django.contrib.admin.templatetags.admin_list import (  # type: ignore[attr-defined]
    ResultList,
    _coerce_field_name,
    items_for_result,
    result_headers,
    result_hidden_fields,
)
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import (  # type: ignore[attr-defined]
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
    lookup_field,
    quote,
)
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import NoReverseMatch
from django.utils.hashable import make_hashable
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from gnb.core.markup import escaped, markup

# Stands for the primary key in a change URL built once, then replaced by each row's (an integer key only).
PK_MARK = "0gnbpk0"


def _field(model_admin, name: Any) -> models.Field | None:
    """The model field a column shows, as ``lookup_field`` finds it (None for methods, callables and properties)."""
    if not isinstance(name, str):
        return None
    try:
        return _get_non_gfk_field(model_admin.model._meta, name)
    except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
        return None


def _column(cl, field_name: Any, index: int, link: bool) -> Callable[[models.Model], str]:
    """One column's cell writer: the same markup as ``items_for_result`` for that column."""
    model_admin = cl.model_admin
    classes = [f"field-{_coerce_field_name(field_name, index)}"]
    empty = model_admin.get_empty_value_display()
    field = _field(model_admin, field_name)
    on_admin = isinstance(field_name, str) and field_name != "__str__" and hasattr(model_admin, field_name)
    method = getattr(model_admin, field_name) if field is None and on_admin else None
    if field_name == "action_checkbox":
        classes = ["action-checkbox"]

    if method is not None:
        empty = getattr(method, "empty_value_display", empty)
        boolean = getattr(method, "boolean", False)

        def represent(result):
            value = method(result)
            if isinstance(value, str) and value.strip() == "":
                value = ""
            nowrap = isinstance(value, (dt.date, dt.time))
            return display_for_value(value, empty, boolean), nowrap

    elif field is not None and not field.auto_created and isinstance(field.remote_field, models.ManyToOneRel):
        if isinstance(field, models.ForeignKey):
            classes.append("nowrap")

        def represent(result):
            related = getattr(result, field.name)
            return (empty if related is None else related), False

    elif field is not None and not field.auto_created and field.flatchoices:
        # Each label translated and escaped once a page, not once a row (a translated label is a lazy string).
        labels = {value: conditional_escape(label) for value, label in make_hashable(field.flatchoices)}
        if isinstance(field, (models.DateField, models.TimeField)):
            classes.append("nowrap")

        def represent(result):
            return labels.get(make_hashable(getattr(result, field_name)), empty), False

    else:
        # Anything else (a plain field, a callable, a property) goes through Django's own lookup, row by row.
        def represent(result):
            f, attr, value = lookup_field(field_name, result, model_admin)
            row_empty = getattr(attr, "empty_value_display", empty)
            if isinstance(value, str) and value.strip() == "":
                value = ""
            if f is None or f.auto_created:
                boolean = getattr(attr, "boolean", False)
                if isinstance(attr, property) and hasattr(attr, "fget"):
                    boolean = getattr(attr.fget, "boolean", False)
                return display_for_value(value, row_empty, boolean), isinstance(value, (dt.date, dt.time))
            return display_for_field(value, f, row_empty, avoid_link=link), False

        if field is not None and isinstance(field, (models.DateField, models.TimeField)):
            classes.append("nowrap")

    plain_class = format_html(' class="{}"', " ".join(classes))
    nowrap_class = format_html(' class="{}"', " ".join([*classes, "nowrap"]))
    tag = "th" if link and index == _first_link_index(cl) else "td"
    wrap = _change_link(cl) if link else None

    def cell(result) -> str:
        text, nowrap = represent(result)
        row_class = nowrap_class if nowrap else plain_class
        if wrap is not None:
            text = wrap(result, text)
        # format_html would escape the tag and the class again on every row; both are ours and already safe.
        return mark_safe(f"<{tag}{row_class}>{escaped(text)}</{tag}>")  # noqa: S308

    return cell


def _links(cl) -> list[bool]:
    """Which columns carry the change link: ``list_display_links``, else the first column (none when None)."""
    if cl.list_display_links is None:
        return [False] * len(cl.list_display)
    if not cl.list_display_links:
        return [index == 0 for index in range(len(cl.list_display))]
    # A column named in list_display_links carries the link; only the first of them is a <th>.
    return [name in cl.list_display_links for name in cl.list_display]


def _first_link_index(cl) -> int:
    return next((index for index, link in enumerate(_links(cl)) if link), -1)


def _change_link(cl) -> Callable[[models.Model, Any], str]:
    """The change link around a cell, its URL built once and the key put in per row (integer keys)."""
    context = {"preserved_filters": cl.preserved_filters, "opts": cl.opts}
    pk_name = str(cl.to_field) if cl.to_field else cl.lookup_opts.pk.attname
    integer_keys = isinstance(cl.lookup_opts.pk, (models.AutoField, models.BigAutoField, models.IntegerField))
    template = None
    if integer_keys:
        probe = cl.model(**{cl.pk_attname: PK_MARK})
        try:
            template = add_preserved_filters(context, cl.url_for_result(probe))
        except NoReverseMatch:
            template = None

    def wrap(result, text):
        if template is not None:
            # The mark is replaced in the path only: the preserved filters (a search) could hold the same letters.
            path, query = template.split("?", 1) if "?" in template else (template, "")
            path = path.replace(PK_MARK, str(quote(getattr(result, cl.pk_attname))))
            url = f"{path}?{query}" if query else path
        else:
            try:
                url = add_preserved_filters(context, cl.url_for_result(result))
            except NoReverseMatch:
                return text
        popup = markup(' data-popup-opener="{}"', result.serializable_value(pk_name)) if cl.is_popup else ""
        return markup('<a href="{}"{}>{}</a>', url, popup, text)

    return wrap


def row_writer(cl) -> Callable[[models.Model], list[str]]:
    """A function giving one result's cells; everything shared by the rows is resolved here, once."""
    if cl.formset:
        return lambda result: list(items_for_result(cl, result, None))
    links = _links(cl)
    cells = [_column(cl, name, index, links[index]) for index, name in enumerate(cl.list_display)]
    return lambda result: [cell(result) for cell in cells]


def result_list(cl) -> dict[str, Any]:
    """The context Django's ``result_list`` tag gives ``change_list_results.html``, rows written by ``row_writer``."""
    headers = list(result_headers(cl))
    if cl.formset:
        pairs = zip(cl.result_list, cl.formset.forms, strict=True)
        rows = [ResultList(form, items_for_result(cl, result, form)) for result, form in pairs]
    else:
        write = row_writer(cl)
        # A row's cells as one piece: the template writes each item of a row, and one item costs it less than ten.
        rows = [ResultList(None, [mark_safe("".join(write(result)))]) for result in cl.result_list]  # noqa: S308
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for header in headers if header["sortable"] and header["sorted"]),
        "results": rows,
    }
