"""Provider events: a verified provider message stored once under its unique key, and the outcome recorded."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gnb.core.errors import Busy, ValidationFailed
from gnb.payments.models import Provider, ProviderEvent
from gnb.payments.payloads import PayloadTooDeep, payload_clean, text_clean
from gnb.payments.services.common import _mark_event


def provider_event_record(
    *, provider: str, event_id: str, kind: str, payload: dict[str, Any]
) -> tuple[ProviderEvent, bool]:
    """Store a verified provider message once; return it and whether this call stored it.

    A second delivery of the same ``(provider, event_id)`` returns the first row and ``False``: the caller answers
    2xx and acts only when ``created`` (or when the stored one has not been processed yet). Two deliveries at the
    same moment are settled by the unique constraint, not by a check before the insert. A stored event that was
    refused does not count: the new delivery is stored beside it and acted on.

    ``kind`` and ``payload`` are stored without what PostgreSQL refuses (NUL, lone surrogates; see
    :mod:`gnb.payments.payloads`); an ``event_id`` containing such characters, or any unprintable one, is refused,
    as is a payload nested deeper than ``payloads.MAX_DEPTH``: the webhooks check both before they get here.
    """
    if provider not in Provider.values:
        raise ValidationFailed([("provider", _("Unknown payment provider."))])
    if not event_id or len(event_id) > 255 or not event_id.isprintable():
        raise ValidationFailed([("event_id", _("An event id of 1 to 255 characters is required."))])
    try:
        payload = payload_clean(payload)
    except PayloadTooDeep:
        raise ValidationFailed([("payload", _("The message is nested too deeply to be stored."))]) from None
    kind = text_clean(kind)
    # Twice at most: the row this insert ran into may be refused by its own delivery between the insert and the
    # read (PayTR's callback records and acts in separate transactions); then this delivery is a first one.
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return ProviderEvent.objects.create(
                    provider=provider, event_id=event_id, kind=kind[:100], payload=payload
                ), True
        except IntegrityError:
            stored = ProviderEvent.objects.filter(provider=provider, event_id=event_id, refused=False).first()
            if stored is not None:
                return stored, False
    raise Busy(_("This is being booked by someone else right now. Please try again."))


def provider_event_finish(*, event_pk: int, outcome: str, refused: bool = False) -> None:
    """Record what a stored provider event did, unless a payment service already recorded its own outcome.

    ``refused``: the event could not be applied to a payment or refund of ours (none matches, a wrong amount); it is
    kept with its outcome and does not block a later delivery under the same id.
    """
    _mark_event(event_pk, provider="", outcome=outcome, refused=refused)
