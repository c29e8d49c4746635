"""The interface every payment provider implements, and what its calls return.

A provider turns a :class:`~gnb.payments.models.Payment` row into whatever the traveller's browser needs to pay
(``start``) and gives money back (``refund``). It never changes our rows itself: money moves in our books only
through :mod:`gnb.payments.services`, on a verified message from the provider.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gnb.payments.models import Payment, Refund


class ProviderError(Exception):
    """A provider call failed. ``permanent`` says whether trying again can help (a declined refund cannot)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


@dataclass(frozen=True)
class StartResult:
    """Where the traveller pays: a page to redirect to, or a template to render (e.g. PayTR's iFrame)."""

    redirect_url: str = ""
    template: str = ""
    context: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if bool(self.redirect_url) == bool(self.template):
            raise ValueError("a StartResult has either a redirect_url or a template")


@dataclass(frozen=True)
class RefundResult:
    """``succeeded`` False means accepted and pending: the provider confirms later (a webhook)."""

    provider_reference: str
    succeeded: bool


class PaymentProvider:
    """One way to pay. Subclasses set ``code`` and ``label`` and implement the methods below."""

    code: str = ""
    # Shown to travellers: lazy translations (``gettext_lazy``).
    label: Any = ""
    description: Any = ""
    # False for providers the traveller cannot choose online (cash is chosen as the booking's payment method).
    online: bool = True

    def enabled(self) -> bool:
        """True when the provider's settings are present, so it can be offered."""
        raise NotImplementedError

    def currencies(self) -> frozenset[str]:
        """The currencies it can charge (ISO 4217 codes, upper case)."""
        raise NotImplementedError

    def start(self, *, payment: Payment, return_url: str, cancel_url: str) -> StartResult:
        """Open the payment at the provider; raise :class:`ProviderError` when it cannot."""
        raise NotImplementedError

    def refund(self, *, refund: Refund) -> RefundResult:
        """Ask the provider to give ``refund.amount`` back; raise :class:`ProviderError` when it cannot."""
        raise NotImplementedError

    def close(self, *, payment: Payment) -> None:
        """Close the payment's open checkout at the provider once the booking's hold is over, so nothing more can be
        paid on it; raise :class:`ProviderError` when the provider cannot be reached.

        The default closes nothing: for offline methods there is nothing open, and a provider whose checkout lapses
        on its own when the hold ends (PayTR's form lifetime is capped to the hold) needs no call.
        """
