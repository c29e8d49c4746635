"""Service errors on forms: every front end's forms put a refused write's errors next to the fields they name."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from gnb.core.errors import DomainError, ValidationFailed


def domain_error_items(error: DomainError) -> list[tuple[str, str]]:
    """(service field, message) for each error of ``error``: all of a ``ValidationFailed``, else its one."""
    return list(error.errors) if isinstance(error, ValidationFailed) else [(error.field or "", error.message)]


class DomainErrorsFormMixin:
    """Maps a service's field names (``contact.name``, ``passengers.0.last_name``, ``flight.number`` …) onto a
    form's fields and puts each error next to its field; an error the form has no field for goes above the form.

    A form names the service fields that differ from its own in ``DOMAIN_FIELDS`` (a service field with a form
    field of the same name needs no entry) and overrides ``domain_field`` for field paths it computes.
    """

    DOMAIN_FIELDS: Mapping[str, str] = {}

    # Provided by django.forms.Form.
    fields: dict[str, Any]
    add_error: Callable[..., None]

    def domain_field(self, service_field: str) -> str | None:
        """The form field a service error is about, or None for an error about the whole form."""
        if not service_field:
            return None
        name = self.DOMAIN_FIELDS.get(service_field, service_field)
        return name if name in self.fields else None

    def add_domain_errors(self, error: DomainError, *, elsewhere: Callable[[str, str], bool] | None = None) -> None:
        """Put each error of ``error`` next to its field. ``elsewhere(service_field, message)`` may place an error
        the form has no field for somewhere else (a formset's row) and return True; the rest go above the form."""
        for service_field, message in domain_error_items(error):
            name = self.domain_field(service_field)
            if name is not None and name in self.fields:
                self.add_error(name, message)
            elif elsewhere is None or not elsewhere(service_field, message):
                self.add_error(None, message)
